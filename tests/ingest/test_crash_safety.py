"""Kill an import with SIGKILL at random points; re-run: every message stored exactly once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from tests.mailfactory import make_mail, to_mbox

pytestmark = pytest.mark.slow


def _run_import(home: Path, mbox: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "EXECDESK_HOME": str(home), "EXECDESK_INGEST__BATCH_SIZE": "50"}
    return subprocess.Popen(
        [sys.executable, "-m", "execdesk", "import", str(mbox), "--json", "--no-progress"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_sigkill_at_random_points_loses_and_duplicates_nothing(home: Path, tmp_path: Path) -> None:
    rng = random.Random(20261129)
    mails = [
        make_mail(sender=f"writer{i % 400}@example.org", subject=f"Message {i}", body=f"Body {i}\n" * (1 + i % 30))
        for i in range(3000)
    ]
    mbox = tmp_path / "big.mbox"
    mbox.write_bytes(to_mbox(mails))
    kills = 0
    for _ in range(4):
        proc = _run_import(home, mbox)
        time.sleep(rng.uniform(0.8, 3.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    final = _run_import(home, mbox)
    out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err.decode()
    summary = json.loads(out)
    assert summary["quarantined"] == 0
    engine = create_engine(f"sqlite:///{home / 'execdesk.sqlite3'}")
    with engine.connect() as conn:
        n, distinct_sha, distinct_ids = conn.execute(
            text("select count(*), count(distinct raw_sha256), count(distinct message_id) from messages")
        ).one()
        orphans = conn.execute(
            text("select count(*) from messages m where m.status='ok' and m.case_id is null")
        ).scalar_one()
        shas = [r[0] for r in conn.execute(text("select raw_sha256 from messages"))]
    assert kills >= 1, "the import finished before any kill: make the mailbox bigger"
    assert n == distinct_sha == distinct_ids == 3000
    assert orphans == 0
    from execdesk.store.blobs import BlobStore

    blobs = BlobStore(home / "blobs")
    assert all(blobs.get(s) for s in shas)  # every committed message's raw bytes are readable
