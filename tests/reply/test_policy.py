"""Policy: a blocked reply cannot leave without a supervisor's written approval; every step is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from execdesk.demo import load_scenario
from execdesk.reply.outbox import ReplyError, approve, edit_draft, queue
from execdesk.reply.service import draft_reply
from execdesk.store.models import AuditEvent, table_of
from tests.mailfactory import make_mail
from tests.reply.helpers import configure_sending, ingest

_audit = table_of(AuditEvent)
THREAT = load_scenario().story.office_draft_reply


def _audit_actions(store, case_id: int) -> list[tuple[str, str, dict]]:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        rows = conn.execute(select(_audit).where(_audit.c.case_id == case_id).order_by(_audit.c.id)).all()
    return [(r.action, r.actor, r.details) for r in rows if r.action.startswith("reply.")]


@pytest.fixture
def blocked(store, settings):  # type: ignore[no-untyped-def]
    configure_sending(settings)
    (case_id,) = ingest(store, make_mail())
    with store.transaction() as conn:
        entry = draft_reply(conn, settings, case_id, by="Office", text=THREAT)
    assert entry["status"] == "blocked"
    return case_id, entry["id"]


def test_blocked_reply_cannot_be_queued(store, blocked) -> None:  # type: ignore[no-untyped-def]
    _, outbox_id = blocked
    with store.transaction() as conn, pytest.raises(ReplyError, match=r"blocked by the tone guard \(.*threat"):
        queue(conn, outbox_id, actor="Office")


def test_approval_needs_a_supervisor_and_a_reason(store, settings, blocked) -> None:  # type: ignore[no-untyped-def]
    _, outbox_id = blocked
    with store.transaction() as conn, pytest.raises(ReplyError, match="not a supervisor"):
        approve(conn, settings, outbox_id, by="Office", reason="it is fine", role="agent")
    with store.transaction() as conn, pytest.raises(ReplyError, match="written reason"):
        approve(conn, settings, outbox_id, by="Maria", reason="   ", role="supervisor")
    configure_sending(settings, supervisors=["Maria"])
    with store.transaction() as conn, pytest.raises(ReplyError, match="written reason"):
        approve(conn, settings, outbox_id, by="Maria", reason="")


def test_approval_unblocks_and_is_audited_with_its_reason(store, settings, blocked) -> None:  # type: ignore[no-untyped-def]
    case_id, outbox_id = blocked
    with store.transaction() as conn:
        entry = approve(
            conn, settings, outbox_id, by="Maria", role="supervisor", reason="Legal asked for this exact wording"
        )
        assert entry["status"] == "approved" and entry["approved_by"] == "Maria"
        queued = queue(conn, outbox_id, actor="Office")
    assert queued["status"] == "queued"
    actions = _audit_actions(store, case_id)
    assert [a for a, _, _ in actions] == ["reply.drafted", "reply.approved", "reply.queued"]
    _, actor, details = actions[1]
    assert actor == "Maria" and details["why"] == "Legal asked for this exact wording"
    assert "threat.conditional" in details["overridden"]
    assert actions[0][2]["verdict"] == "block"


def test_approving_what_is_not_blocked_is_refused(store, settings) -> None:  # type: ignore[no-untyped-def]
    (case_id,) = ingest(store, make_mail())
    with store.transaction() as conn:
        entry = draft_reply(conn, settings, case_id, by="Sam", template="apology_next_step")
    with store.transaction() as conn, pytest.raises(ReplyError, match="not blocked"):
        approve(conn, settings, entry["id"], by="Maria", role="supervisor", reason="why not")


def test_editing_reruns_the_guard_and_drops_the_approval(store, settings, blocked) -> None:  # type: ignore[no-untyped-def]
    case_id, outbox_id = blocked
    with store.transaction() as conn:
        approve(conn, settings, outbox_id, by="Maria", role="supervisor", reason="reviewed with legal")
        softened = edit_draft(
            conn,
            settings,
            outbox_id,
            body="Dear Ms. Whitfield,\n\nI am sorry about the double charge. I will refund it today and call you "
            "tomorrow morning to confirm.\n\nSam\n",
            actor="Sam",
        )
    assert softened["status"] == "draft" and softened["approved_by"] is None and softened["tone"]["verdict"] != "block"
    with store.transaction() as conn:
        again = edit_draft(conn, settings, outbox_id, body=THREAT, actor="Sam")
    assert again["status"] == "blocked"  # the old approval does not carry over to new words
    with store.transaction() as conn, pytest.raises(ReplyError, match="blocked"):
        queue(conn, outbox_id, actor="Sam")
    edits = [d for a, _, d in _audit_actions(store, case_id) if a == "reply.edited"]
    assert edits[0]["approval_dropped"] is True and edits[1]["verdict"] == "block"
