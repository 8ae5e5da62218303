"""Several ``execdesk worker`` processes on one real PostgreSQL store: every message stored exactly
once, one campaign for a flood, one acknowledgment per sender, and a worker killed with SIGKILL
mid-run loses nothing and duplicates nothing.

Mail: SpamAssassin easy_ham (../shared/data/spamassassin, real list and personal mail of 2002) and
a flood built from real public comments of docket EPA-R05-OAR-2020-0055 (../shared/data/floods).
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import tarfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from execdesk.ingest.work import SourceRef
from execdesk.settings import Settings, load_settings
from execdesk.store import Store
from execdesk.store.models import Arrival, CampaignMember, Message, OutboxEntry, QuarantineEntry, table_of
from execdesk.workers.intake import close_producers, enqueue_messages
from tests.mailfactory import make_mail
from tests.workers.processes import EXECDESK, start_worker, stop_workers

DOCKET = "EPA-R05-OAR-2020-0055"
T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


def _env(home: Path, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXECDESK_")}
    env.update(
        {
            "EXECDESK_HOME": str(home),
            "EXECDESK_DATABASE_URL": db_url,
            "EXECDESK_QUEUE__BACKEND": "procrastinate",
            "EXECDESK_QUEUE__HEARTBEAT_S": "1",
            "EXECDESK_QUEUE__STALLED_AFTER_S": "4",
            "EXECDESK_INGEST__FSYNC": "false",
            "EXECDESK_INGEST__BATCH_SIZE": "40",
            "EXECDESK_REPLY__AUTO_ACK": "true",
            "EXECDESK_REPLY__FROM_ADDRESS": "ceo-office@northwind-mobile.example",
            "EXECDESK_REPLY__FROM_NAME": "Office of the CEO",
            "EXECDESK_REPLY__EXECUTIVE_NAME": "Alex Hale",
            "EXECDESK_REPLY__COMPANY_NAME": "Northwind Mobile",
            "EXECDESK_REPLY__ACK_MAX_AGE_HOURS": str(24 * 365 * 40),
            "EXECDESK_REPLY__ACK_MAX_PER_HOUR": "100000",
            "EXECDESK_LOG_LEVEL": "INFO",
        }
    )
    return env


class Desk:
    """A home on PostgreSQL with the queue on, and the worker processes started for it."""

    def __init__(self, home: Path, db_url: str) -> None:
        self.home, self.db_url, self.env = home, db_url, _env(home, db_url)
        self.settings: Settings = load_settings(home)  # the fixture put self.env's settings in os.environ
        self.store = Store.open(self.settings)
        self.workers: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = self.home / f"worker-{len(self.workers)}.log"
        proc = start_worker(self.env, log)
        self.workers.append(proc)
        self.logs.append(log)
        return proc

    def jobs(self) -> dict[str, int]:
        with psycopg.connect(self.db_url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
            rows = conn.execute("select status::text, count(*) from procrastinate_jobs group by 1").fetchall()
        return {str(s): int(n) for s, n in rows}

    def count(self, model: type) -> int:
        with self.store.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table_of(model))).scalar_one())

    def wait_until_drained(self, timeout: float = 240.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = self.jobs()
            if not jobs.get("todo") and not jobs.get("doing"):
                return
            for proc, log in zip(self.workers, self.logs, strict=True):
                if proc.poll() not in (None, -signal.SIGKILL):
                    pytest.fail(f"worker exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        tails = "\n".join(log.read_text()[-2000:] for log in self.logs)
        pytest.fail(f"queue not drained in {timeout} s: {self.jobs()}\n{tails}")

    def stop(self) -> None:
        stop_workers(self.workers)
        close_producers()
        self.store.close()


@pytest.fixture
def desk(tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    for key in [k for k in os.environ if k.startswith("EXECDESK_")]:
        monkeypatch.delenv(key)
    home = tmp_path / "home"
    env = _env(home, postgres_url)
    for key, value in env.items():
        if key.startswith("EXECDESK_"):
            monkeypatch.setenv(key, value)
    d = Desk(home, postgres_url)
    yield d
    d.stop()


def _ham(shared_data: Path, n: int, skip: int = 0) -> list[bytes]:
    out: list[bytes] = []
    with tarfile.open(shared_data / "spamassassin" / "easy_ham.tar.gz") as tar:
        for member in tar:
            if not member.isfile() or "cmds" in member.name:
                continue
            if skip:
                skip -= 1
                continue
            fh = tar.extractfile(member)
            assert fh is not None
            out.append(fh.read())
            if len(out) >= n:
                break
    return out


def _flood(shared_data: Path, n: int, prefix: str) -> list[bytes]:
    csv.field_size_limit(10_000_000)
    with open(shared_data / "floods" / "regulations_gov_clustered_comments.csv", encoding="utf-8") as fh:
        texts = [r["text"] for r in csv.DictReader(fh) if r["docket_id"] == DOCKET and len(r["text"].split()) > 40]
    return [
        make_mail(
            sender=f"Reader {i} <{prefix}{i}@example.org>",
            subject="Ohio nuisance provision",
            body=text.strip() + "\n",
            when=T0 + timedelta(minutes=i),
        )
        for i, text in enumerate(texts[:n])
    ]


def _twice(prefix: str, n: int) -> list[bytes]:
    """People who write twice: two messages each, which different workers may store at once."""
    return [
        make_mail(
            sender=f"Person {i} <{prefix}{i}@example.net>",
            subject=f"My account, note {k}",
            body=f"Hello, this is note {k} about my account number {1000 + i}. Please call me back.\n",
            when=T0 + timedelta(hours=k),
        )
        for i in range(n)
        for k in (1, 2)
    ]


def _enqueue_one_per_task(desk: Desk, mails: list[bytes], kind: str) -> list[SourceRef]:
    refs = [SourceRef(kind, f"{kind}://test/{i}") for i in range(len(mails))]
    for raw, ref in zip(mails, refs, strict=True):
        enqueue_messages(desk.store, desk.settings, [(raw, ref)])
    return refs


def _arrivals_by_ref(desk: Desk) -> dict[str, int]:
    a = table_of(Arrival)
    with desk.store.engine.connect() as conn:
        return {r[0]: int(r[1]) for r in conn.execute(select(a.c.source_ref, func.count()).group_by(a.c.source_ref))}


def _assert_exactly_once(desk: Desk, refs: list[str]) -> None:
    by_ref = _arrivals_by_ref(desk)
    missing = [r for r in refs if r not in by_ref]
    twice = {r: n for r, n in by_ref.items() if n > 1}
    assert not missing, f"{len(missing)} queued message(s) never stored, e.g. {missing[:3]}"
    assert not twice, f"arrivals recorded twice: {list(twice.items())[:3]}"
    a, m = table_of(Arrival), table_of(Message)
    with desk.store.engine.connect() as conn:
        first_arrivals = conn.execute(select(func.count()).where(a.c.duplicate.is_(False))).scalar_one()
        messages = conn.execute(select(func.count()).select_from(m)).scalar_one()
    assert messages == first_arrivals, "a message row without its first arrival, or the reverse"
    assert desk.count(QuarantineEntry) == 0
    assert desk.jobs().get("failed", 0) == 0


def _assert_one_ack_per_sender(desk: Desk) -> int:
    o = table_of(OutboxEntry)
    with desk.store.engine.connect() as conn:
        rows = conn.execute(select(o.c.to_addr, func.count()).where(o.c.kind == "ack").group_by(o.c.to_addr)).all()
    doubled = [(to, n) for to, n in rows if n > 1]
    assert not doubled, f"acknowledged twice: {doubled[:5]}"
    return len(rows)


def _flood_campaigns(desk: Desk, prefix: str) -> dict[str, int]:
    cm, m = table_of(CampaignMember), table_of(Message)
    with desk.store.engine.connect() as conn:
        rows = conn.execute(
            select(cm.c.campaign_id, func.count())
            .select_from(cm.join(m, cm.c.message_pk == m.c.id))
            .where(m.c.from_addr.like(f"{prefix}%"))
            .group_by(cm.c.campaign_id)
        ).all()
    return {str(c): int(n) for c, n in rows}


def test_two_workers_store_every_message_once_with_one_campaign_and_one_ack_each(desk: Desk, shared_data: Path) -> None:
    ham = _ham(shared_data, 150)
    flood = _flood(shared_data, 60, "reader")
    twice = _twice("writer", 15)
    ham_dir = desk.home / "ham"
    ham_dir.mkdir(parents=True)
    for i, raw in enumerate(ham):
        (ham_dir / f"{i:04d}.eml").write_bytes(raw)
    # the bulk path (one task per ingest.batch_size) through the CLI, and one task per message (SMTP-like)
    out = subprocess.run(
        [*EXECDESK, "import", "--enqueue", "--json", str(ham_dir)], env=desk.env, capture_output=True, check=False
    )
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    refs = _enqueue_one_per_task(desk, flood + twice, "smtp")
    desk.start_worker()
    desk.start_worker()
    desk.wait_until_drained()

    by_ref = _arrivals_by_ref(desk)
    ham_refs = [r for r in by_ref if r.startswith(str(ham_dir))]
    assert len(ham_refs) == len(ham)
    _assert_exactly_once(desk, [r.ref for r in refs] + ham_refs)
    campaigns = _flood_campaigns(desk, "reader")
    assert len(campaigns) == 1, f"the flood was split into campaigns {campaigns}"
    assert next(iter(campaigns.values())) >= 0.8 * len(flood)
    acked = _assert_one_ack_per_sender(desk)
    assert acked >= 15  # every "twice" writer was acknowledged, once
    # both workers did work: the test exercised concurrency, not one worker doing everything
    logs = [log.read_text() for log in desk.logs]
    assert all("ingest task:" in text for text in logs), [t[-500:] for t in logs]


def test_a_worker_killed_mid_run_loses_nothing_and_duplicates_nothing(desk: Desk, shared_data: Path) -> None:
    mails = _ham(shared_data, 150, skip=150) + _flood(shared_data, 60, "kill") + _twice("again", 10)
    refs = _enqueue_one_per_task(desk, mails, "smtp")
    victim = desk.start_worker()
    desk.start_worker()
    deadline = time.monotonic() + 120
    while desk.count(Message) < 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert desk.jobs().get("todo", 0) > 0, "the queue drained before the kill: the test proves nothing"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    desk.start_worker()
    desk.wait_until_drained()
    _assert_exactly_once(desk, [r.ref for r in refs])
    assert len(_flood_campaigns(desk, "kill")) == 1
    _assert_one_ack_per_sender(desk)
