"""SLA clocks on real mail: they start with the first inbound message, replies sent over a real SMTP
server (aiosmtpd on loopback) meet the first and next response, resolving stops them, a new
message restarts them; the breach sweep raises each alert once; the queue filter and the state
function agree. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from execdesk.cases.service import set_status
from execdesk.reply.outbox import queue
from execdesk.reply.send import send_due
from execdesk.reply.service import draft_reply
from execdesk.routing import service
from execdesk.routing.breaches import check_breaches
from execdesk.routing.calendar import BusinessCalendar
from execdesk.routing.sla import STATES, Clock, Targets, pause, resume, sla_state, start, state_clause
from execdesk.store.db import utcnow
from execdesk.store.models import Alert, AuditEvent, Case, OutboxEntry, table_of
from tests.mailfactory import make_mail
from tests.reply.helpers import configure_sending, ingest, smtp_server

_cases = table_of(Case)
_alerts = table_of(Alert)
_audit = table_of(AuditEvent)
_outbox = table_of(OutboxEntry)

OFFICE = BusinessCalendar("UTC", ("mon", "tue", "wed", "thu", "fri"), "09:00", "17:00")
LEGAL = "My lawyer will sue you over these charges and I will complain to the FCC.\n"
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # a Thursday, 09:00 UTC


def _case(store, case_id: int) -> Any:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return conn.execute(select(_cases).where(_cases.c.id == case_id)).one()


def _reply(store, settings, case_id: int, at: datetime) -> None:  # type: ignore[no-untyped-def]
    """Draft, queue and send a reply as if it were ``at`` (the outbox's own clock is set back to it)."""
    with store.transaction() as conn:
        entry = draft_reply(conn, settings, case_id, by="Sam", template="apology_next_step")
        queue(conn, entry["id"], actor="Sam")
        conn.execute(update(_outbox).where(_outbox.c.id == entry["id"]).values(queued_at=at, next_attempt_at=at))
    assert [r.status for r in send_due(store, settings, now=at)] == ["sent"]


def test_pause_moves_each_deadline_by_the_working_time_spent_paused() -> None:
    targets = Targets("normal", 480, 480, 2400, OFFICE)
    clock = start(targets, T0)  # first response Thu 17:00, resolution Wed 7 Oct 17:00
    assert clock.first_response_due == datetime(2026, 10, 1, 17, 0, tzinfo=UTC)
    pause(clock, datetime(2026, 10, 1, 15, 0, tzinfo=UTC))  # 2 working hours left on the first response
    assert clock.due_at is None and sla_state({**clock.columns(), "status": "pending"}, T0) == "paused"
    resume(clock, OFFICE, datetime(2026, 10, 5, 16, 0, tzinfo=UTC))  # Monday 16:00
    assert clock.first_response_due == datetime(2026, 10, 6, 10, 0, tzinfo=UTC)  # 1 h Monday + 1 h Tuesday
    # the resolution had 34 working hours left (2 h Thu, Fri, Mon, Tue, Wed): from Monday 16:00 that is
    # 1 h Mon, Tue, Wed, Thu, Fri (33 h) and 1 h on Monday 12 October
    assert clock.resolution_due == datetime(2026, 10, 12, 10, 0, tzinfo=UTC)
    assert clock.due_at == clock.first_response_due and clock.paused_at is None


def test_clocks_start_are_met_by_replies_stop_on_resolve_and_restart(store, settings) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    monday = (now - timedelta(days=now.weekday() + 14)).replace(hour=9, minute=0, second=0, microsecond=0)
    with store.transaction() as conn:
        service.ensure_defaults(conn)
        service.save_policy(conn, {"name": "normal", "resolution_minutes": 100_000}, actor="sup")
    first = make_mail(when=monday, message_id="<c1@example.net>")
    (case_id,) = ingest(store, first)
    case = _case(store, case_id)
    assert case.sla_policy == "normal" and case.sla_started_at == monday
    assert case.sla_first_response_due == monday + timedelta(hours=8)  # 480 business minutes, Monday 17:00
    assert case.sla_due_at == case.sla_first_response_due
    assert sla_state(case, monday + timedelta(hours=1)) == "ok"
    assert sla_state(case, monday + timedelta(hours=7, minutes=30)) == "due_soon"

    with smtp_server() as server:
        configure_sending(settings, server)
        _reply(store, settings, case_id, monday + timedelta(hours=1))
        case = _case(store, case_id)
        assert case.sla_first_response_at == monday + timedelta(hours=1)
        assert case.sla_next_response_due is None and case.sla_due_at == case.sla_resolution_due
        sent_id = server.recorder.received[0].message["Message-ID"]
        answer = make_mail(subject="Re: bill", when=monday + timedelta(hours=2), in_reply_to=sent_id)
        assert ingest(store, answer) == [case_id]
        case = _case(store, case_id)
        assert case.sla_next_response_due == monday + timedelta(days=1, hours=2)  # 6 h Monday + 2 h Tuesday
        assert case.sla_due_at == case.sla_next_response_due
        _reply(store, settings, case_id, monday + timedelta(hours=3))
    case = _case(store, case_id)
    assert case.sla_next_response_due is None and case.sla_breached_at is None

    with store.transaction() as conn:
        set_status(conn, case_id=case_id, status="resolved", actor="Sam", reason="refunded")
    case = _case(store, case_id)
    assert case.sla_due_at is None and sla_state(case, utcnow()) == "met"
    assert check_breaches(store, utcnow() + timedelta(days=400), deliver=False).checked == 0  # stopped: never swept

    again_at = (utcnow() - timedelta(minutes=1)).replace(microsecond=0)  # a Date header has whole seconds
    again = make_mail(subject="Re: bill", when=again_at, in_reply_to=sent_id, body="It happened again.\n")
    assert ingest(store, again) == [case_id]
    case = _case(store, case_id)
    assert case.status == "open" and case.sla_started_at == again_at  # a new cycle
    assert case.sla_next_response_due is not None and case.sla_next_response_due > again_at
    assert case.sla_resolution_due == OFFICE.add(again_at, 100_000)
    assert sla_state(case, again_at) in ("ok", "due_soon")
    with store.engine.connect() as conn:
        started = conn.execute(
            select(func.count()).where(_audit.c.case_id == case_id, _audit.c.action == "sla.started")
        ).scalar_one()
    assert started == 1


def test_an_automatic_acknowledgment_is_not_a_first_response(store, settings) -> None:  # type: ignore[no-untyped-def]
    (case_id,) = ingest(store, make_mail(when=T0))
    with store.transaction() as conn:
        from execdesk.routing.sla import on_reply_sent

        assert on_reply_sent(conn, case_id, T0 + timedelta(minutes=5), kind="ack") == []
    assert _case(store, case_id).sla_first_response_at is None


def test_each_missed_deadline_raises_one_alert_and_old_ones_none(store) -> None:  # type: ignore[no-untyped-def]
    (case_id,) = ingest(store, make_mail(when=T0, body=LEGAL, subject="Overcharged"))
    case = _case(store, case_id)
    assert case.sla_policy == "high-risk"
    assert case.sla_first_response_due == T0 + timedelta(hours=1)
    assert case.sla_resolution_due == datetime(2026, 10, 2, 17, 0, tzinfo=UTC)  # 16 business hours

    assert check_breaches(store, T0 + timedelta(minutes=59), deliver=False).breaches == 0
    first = check_breaches(store, T0 + timedelta(hours=3), deliver=False)
    assert (first.checked, first.breaches, first.alerts) == (1, 1, 1)
    again = check_breaches(store, T0 + timedelta(hours=4), deliver=False)
    assert (again.checked, again.alerts) == (0, 0)  # idempotent, and the breached case is not read again
    case = _case(store, case_id)
    assert case.sla_breached_at == T0 + timedelta(hours=1) and case.sla_due_at == case.sla_resolution_due
    assert sla_state(case, T0 + timedelta(hours=4)) == "breached"
    later = check_breaches(store, datetime(2026, 10, 3, 12, 0, tzinfo=UTC), deliver=False)
    assert (later.breaches, later.alerts) == (1, 1)
    with store.engine.connect() as conn:
        rows = conn.execute(select(_alerts).where(_alerts.c.kind == "sla_breach").order_by(_alerts.c.id)).all()
        audits = conn.execute(select(_audit).where(_audit.c.action == "sla.breached")).all()
    assert [r.details["target"] for r in rows] == ["first_response", "resolution"]
    assert rows[0].severity == "critical" and rows[0].case_id == case_id
    assert rows[0].dedup_key == f"sla_breach:{case_id}:first_response:{(T0 + timedelta(hours=1)).isoformat()}"
    assert len(audits) == 2

    # mail imported long after its deadlines: the breaches are on record, but no alert is news
    (old_id,) = ingest(store, make_mail(when=T0, body=LEGAL, subject="Old", sender="Old <old@example.org>"))
    old = check_breaches(store, T0 + timedelta(days=30), deliver=False)
    assert old.breaches == 2 and old.alerts == 0
    assert _case(store, old_id).sla_breached_at is not None


def test_the_queue_filter_and_the_state_agree(store) -> None:  # type: ignore[no-untyped-def]
    ids = ingest(
        store,
        make_mail(when=T0, body=LEGAL, subject="A", sender="a@example.org"),
        make_mail(when=T0 + timedelta(hours=2), subject="B", sender="b@example.org"),
        make_mail(when=T0, subject="C", sender="c@example.org"),
    )
    with store.transaction() as conn:
        set_status(conn, case_id=ids[1], status="pending", actor="Sam")
        set_status(conn, case_id=ids[2], status="closed", actor="Sam")
    for at in (T0, T0 + timedelta(minutes=30), T0 + timedelta(hours=2), T0 + timedelta(days=9)):
        with store.engine.connect() as conn:
            rows = conn.execute(select(_cases)).all()
            by_state = {s: {r.id for r in conn.execute(select(_cases.c.id).where(state_clause(s, at)))} for s in STATES}
        for r in rows:
            assert r.id in by_state[sla_state(r, at)], (r.id, at, sla_state(r, at))
        assert sum(len(v) for v in by_state.values()) == len(rows)  # each case in exactly one state
    assert {sla_state(r, T0 + timedelta(days=9)) for r in rows} == {"breached", "paused"}
    assert Clock.of(rows[0]).policy == "high-risk"


def test_a_backlog_of_breaches_is_swept_a_chunk_per_transaction(store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A flood past its SLA: the sweep commits chunk by chunk (each under the case-writing lock, so
    ingest goes on between chunks) and still finds every breach once."""
    from execdesk.routing import breaches

    monkeypatch.setattr(breaches, "SWEEP_CHUNK", 2)
    stories = [  # five different complaints (near-identical ones would become a campaign, without SLAs)
        "My router has dropped the connection every evening since the upgrade and nobody calls back.",
        "You billed my late mother's account for three months after we closed it, twice.",
        "The technician never came on Tuesday, I took a day off work for nothing.",
        "Your shop sold me a phone that was locked to another network and refuses a refund.",
        "I was promised a discount on the phone by your agent and the invoice shows the full price.",
    ]
    ids = ingest(
        store,
        *[
            make_mail(when=T0, body=story + "\n" + LEGAL, subject=f"Complaint {i}", sender=f"c{i}@example.org")
            for i, story in enumerate(stories)
        ],
    )
    transactions = []
    real = store.transaction

    def counted():  # type: ignore[no-untyped-def]
        transactions.append(1)
        return real()

    monkeypatch.setattr(store, "transaction", counted)
    result = check_breaches(store, T0 + timedelta(hours=3), deliver=False)
    assert len(set(ids)) == 5, ids
    assert (result.checked, result.breaches, result.alerts) == (5, 5, 5), (result, len(transactions))
    assert len(transactions) == 3  # chunks of 2, 2 and 1
    assert all(_case(store, i).sla_breached_at == T0 + timedelta(hours=1) for i in ids)
    again = check_breaches(store, T0 + timedelta(hours=4), deliver=False)
    assert (again.checked, again.breaches) == (0, 0)
