"""Retention deletes the raw mail of old closed cases, keeps the summary, and never touches a held case."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.mailfactory import make_mail

from execdesk.campaigns.runtime import SNAPSHOT_NAME, flush_runtime, state_epoch
from execdesk.cases.service import set_status
from execdesk.ingest.core import IngestSession
from execdesk.ingest.work import SourceRef
from execdesk.ops import retention
from execdesk.ops.config import RetentionRule, RetentionSettings
from execdesk.ops.holds import set_hold, suggestions
from execdesk.store import Store
from execdesk.store.db import utcnow
from execdesk.store.models import Attachment, Case, Message


def _import(store: Store, *raws: bytes) -> list[Any]:
    with IngestSession(store, after_commit=False) as s:
        return [s.process_message(raw, SourceRef("file", "t")) for raw in raws]


def test_retention_purges_old_closed_cases_and_skips_held_ones(store: Store, settings: Any) -> None:
    settings.ingest.fsync = False
    settings.retention = RetentionSettings(
        rules=[RetentionRule(mailbox="ceo@northwind-mobile.example", closed_days=30)]
    )
    r_old, r_held, _r_open, r_other = _import(
        store,
        make_mail(sender="a@example.net", subject="Old bill", body="Old closed problem text.\n"),
        make_mail(sender="b@example.net", subject="Lawsuit", body="I will sue you over this.\n"),
        make_mail(sender="c@example.net", subject="Still open", body="An open problem.\n"),
        make_mail(sender="d@example.net", to="press@northwind-mobile.example", subject="Other box", body="x\n"),
    )
    with store.transaction() as conn:
        for r in (r_old, r_held, r_other):
            set_status(conn, case_id=r.case_id, status="closed", actor="sam")
        set_hold(conn, case_id=r_held.case_id, by="pat", reason="litigation")
    later = utcnow() + timedelta(days=31)
    assert retention.run(store, dry_run=True, now=utcnow())["cases"] == []  # not old enough yet
    dry = retention.run(store, dry_run=True, now=later)
    assert [c["case_id"] for c in dry["cases"]] == [r_old.case_id]
    assert dry["held"] == [f"ED-{r_held.case_id:06d}"] and dry["messages"] == 1
    with store.engine.connect() as conn:
        sha_old = conn.execute(select(Message.raw_sha256).where(Message.id == r_old.message_pk)).scalar_one()
    assert store.blobs.exists(sha_old)  # the dry run deleted nothing

    done = retention.run(store, dry_run=False, now=later)
    assert done["messages"] == 1 and not done["dry_run"]
    assert not store.blobs.exists(sha_old)
    with store.engine.connect() as conn:
        old = conn.execute(select(Message).where(Message.id == r_old.message_pk)).one()
        assert old.new_text == "" and old.subject == "Old bill"  # summary kept, body gone
        assert conn.execute(select(Case.subject).where(Case.id == r_old.case_id)).scalar_one() == "Old bill"
        held_sha = conn.execute(select(Message.raw_sha256).where(Message.id == r_held.message_pk)).scalar_one()
        other_sha = conn.execute(select(Message.raw_sha256).where(Message.id == r_other.message_pk)).scalar_one()
        assert conn.execute(select(Attachment).where(Attachment.message_pk == r_old.message_pk)).first() is None
    assert store.blobs.exists(held_sha) and store.blobs.exists(other_sha)
    assert retention.run(store, dry_run=True, now=later)["cases"] == []  # nothing left to do


def test_a_purge_makes_every_process_rebuild_its_campaign_state(store: Store, settings: Any) -> None:
    """The campaign state holds normalised texts of the messages (group seeds): a purge deletes the
    snapshot and bumps the state epoch, which other processes check at their next batch (decision 0314)."""
    settings.ingest.fsync = False
    settings.retention = RetentionSettings(rules=[RetentionRule(mailbox="*", closed_days=30)])
    body = "Please reverse the roaming fee increase announced in the autumn letter to all customers.\n"
    results = _import(store, *(make_mail(sender=f"v{i}@example.net", subject="Fees", body=body) for i in range(4)))
    flush_runtime(settings.db_url, settings.home)
    snap = settings.home / "campaigns" / SNAPSHOT_NAME
    assert b"roaming fee increase" in snap.read_bytes()
    with store.transaction() as conn:
        assert state_epoch(conn) == 0
        for r in results:
            set_status(conn, case_id=r.case_id, status="closed", actor="sam")
    assert retention.run(store, dry_run=False, now=utcnow() + timedelta(days=31))["messages"] == 4
    assert not snap.exists()
    with store.engine.connect() as conn:
        assert state_epoch(conn) == 1


def test_no_rules_keeps_everything(store: Store) -> None:
    _import(store, make_mail())
    assert retention.run(store, dry_run=False, now=utcnow() + timedelta(days=9999))["cases"] == []


@pytest.mark.parametrize("body", ["My attorney will file a lawsuit against you next week.\n"])
def test_hold_is_suggested_for_legal_threats_not_set(store: Store, body: str) -> None:
    (r,) = _import(store, make_mail(sender="x@example.net", subject="Legal action", body=body))
    with store.engine.connect() as conn:
        signals = conn.execute(select(Case.signals).where(Case.id == r.case_id)).scalar_one()
        found = suggestions(conn)
    assert "legal_threat" in signals, signals
    assert [f["case"] for f in found] == [f"ED-{r.case_id:06d}"] and "signal:legal_threat" in found[0]["why"]
    with store.transaction() as conn:
        set_hold(conn, case_id=r.case_id, by="pat", reason="litigation")
    with store.engine.connect() as conn:
        assert suggestions(conn) == []
