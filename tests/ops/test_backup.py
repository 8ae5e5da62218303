"""Backup while an import runs, restore into a fresh home: every committed message is there, intact."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.mailfactory import make_mail

from execdesk.ingest.core import IngestSession
from execdesk.ingest.work import SourceRef
from execdesk.ops.backup import BackupError, backup, restore, verify
from execdesk.settings import load_settings
from execdesk.store import Store
from execdesk.store.models import AuditEvent, Case, Message

BATCH = 10


def _batch(n: int) -> list[bytes]:
    return [
        make_mail(sender=f"person{n}-{i}@example.net", subject=f"Batch {n} mail {i}", body=f"Batch {n} body {i}.\n")
        for i in range(BATCH)
    ]


def _rows(store: Store) -> tuple[dict[int, str], set[int], set[int]]:
    with store.engine.connect() as conn:
        msgs = {int(r.id): r.raw_sha256 for r in conn.execute(select(Message.id, Message.raw_sha256))}
        cases = set(conn.execute(select(Case.id)).scalars())
        audits = set(conn.execute(select(AuditEvent.id)).scalars())
    return msgs, cases, audits


def test_backup_during_import_restores_everything_committed_before_the_snapshot(
    settings: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings.ingest.fsync = False
    store = Store.open(settings)
    committed: list[set[int]] = []  # message ids of each committed batch, in commit order
    started, stop = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def importer() -> None:
        try:
            n = 0
            while not stop.is_set() and n < 60:
                with IngestSession(store, after_commit=False) as s:
                    results = s.process_batch([(raw, SourceRef("file", f"b{n}")) for raw in _batch(n)])
                committed.append({r.message_pk for r in results})
                n += 1
                if n == 3:
                    started.set()
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
            started.set()

    t = threading.Thread(target=importer)
    t.start()
    assert started.wait(120)
    before = [set(b) for b in committed]  # batches committed before backup() began
    result = backup(settings, tmp_path / "bk")
    stop.set()
    t.join(120)
    assert not errors, errors
    assert len(committed) > len(before), "the import must still be running during the backup"

    # A restore into a fresh home (PostgreSQL: a fresh, empty database).
    target_url = None
    if settings.db_url.startswith("postgres"):
        target_url = request.getfixturevalue("postgres").create_database("restore")
    new_home = tmp_path / "restored"
    report = restore(tmp_path / "bk", new_home, database_url=target_url)
    assert report["restored_counts"] == result.manifest["counts"]
    restored = Store.open(load_settings(new_home, database_url=target_url))
    try:
        msgs, cases, audits = _rows(restored)
        # every message committed before the backup began is there ...
        for batch in before:
            assert batch <= set(msgs)
        # ... and what is there is whole batches (the snapshot is a transaction boundary)
        for batch in committed:
            assert batch <= set(msgs) or not (batch & set(msgs))
        assert len(msgs) == result.manifest["counts"]["messages"] >= len(before) * BATCH
        # raw bytes of every restored message read back with the right SHA-256
        for sha in msgs.values():
            assert hashlib.sha256(restored.blobs.get(sha)).hexdigest() == sha
        _, orig_cases, orig_audits = _rows(store)
        assert cases <= orig_cases and audits <= orig_audits
        assert (
            len(cases) == result.manifest["counts"]["cases"]
            and len(audits) == result.manifest["counts"]["audit_events"]
        )
        with restored.engine.connect() as conn:
            case_of = {int(r.id): r.case_id for r in conn.execute(select(Message.id, Message.case_id))}
            audited = set(conn.execute(select(AuditEvent.case_id).where(AuditEvent.case_id.is_not(None))).scalars())
        assert {c for c in case_of.values() if c is not None} <= cases
        assert audited <= cases
    finally:
        restored.close()
        store.close()
        if target_url:
            request.getfixturevalue("postgres").drop_database(target_url)


def test_restore_refuses_a_non_empty_home_and_a_damaged_backup(home: Path, tmp_path: Path) -> None:
    settings = load_settings(home)
    settings.ingest.fsync = False
    store = Store.open(settings)
    with IngestSession(store, after_commit=False) as s:
        s.process_batch([(raw, SourceRef("file", "x")) for raw in _batch(0)])
    store.close()
    backup(settings, tmp_path / "bk")
    with pytest.raises(BackupError, match="not empty"):
        backup(settings, tmp_path / "bk")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "something").write_text("x")
    with pytest.raises(BackupError, match="not empty"):
        restore(tmp_path / "bk", busy)
    seg = next((tmp_path / "bk" / "blobs" / "segments").iterdir())
    data = bytearray(seg.read_bytes())
    data[10] ^= 0xFF
    seg.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="checksum"):
        verify(tmp_path / "bk")
    with pytest.raises(BackupError, match="checksum"):
        restore(tmp_path / "bk", tmp_path / "fresh")
