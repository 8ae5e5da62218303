"""Automatic acknowledgments are loop-safe: never to machine mail, lists, bulk, spam or system
senders, never twice to one sender within the window, never more than the hourly limit."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from execdesk.demo import build_demo
from execdesk.reply.ack import auto_acknowledge
from execdesk.reply.outbox import list_outbox
from execdesk.reply.send import send_due
from execdesk.store.db import utcnow
from execdesk.store.models import AuditEvent, Message, table_of
from tests.mailfactory import make_mail
from tests.reply.helpers import configure_sending, ingest_pks, smtp_server

_audit = table_of(AuditEvent)
_messages = table_of(Message)

MACHINE_FIXTURES = [
    "bounce_dsn_rfc3464.eml",
    "qmail_failure_notice.eml",
    "gmail_vacation.eml",
    "exchange_out_of_office.eml",
    "zimbra_out_of_office.eml",
    "list_mail_list_id.eml",
    "newsletter_list_unsubscribe.eml",
    "precedence_bulk.eml",
    "auto_submitted_generated.eml",
    "read_receipt_mdn.eml",
]


def _on(settings, **extra):  # type: ignore[no-untyped-def]
    """Auto-ack on; the test mail is dated weeks ago, so the age guard is widened (tested on its own below)."""
    extra.setdefault("ack_max_age_hours", 24 * 365 * 10)
    return configure_sending(settings, auto_ack=True, **extra)


def test_off_by_default(store, settings) -> None:  # type: ignore[no-untyped-def]
    assert settings.reply.auto_ack is False
    assert auto_acknowledge(store, settings, ingest_pks(store, make_mail())) == []


def test_a_person_gets_one_ack_with_auto_submitted_and_threading(store, settings) -> None:  # type: ignore[no-untyped-def]
    _on(settings)
    (pk,) = ingest_pks(store, make_mail(message_id="<hello@example.net>"))
    (decision,) = auto_acknowledge(store, settings, [pk])
    assert decision.outcome == "queued" and decision.to == "dana.whitfield@example.net"
    with smtp_server() as server:
        configure_sending(settings, server)
        assert [r.status for r in send_due(store, settings)] == ["sent"]
    msg = server.recorder.received[0].message
    assert msg["Auto-Submitted"] == "auto-replied" and msg["X-Auto-Response-Suppress"] == "All"
    assert msg["In-Reply-To"] == "<hello@example.net>" and "[ED-" in msg["Subject"]
    assert "Thank you for writing to Alex Hale" in msg.get_content()


@pytest.mark.parametrize("name", MACHINE_FIXTURES)
def test_never_to_machine_mail(eml_dir: Path, store, settings, name: str) -> None:  # type: ignore[no-untyped-def]
    _on(settings)
    (pk,) = ingest_pks(store, (eml_dir / name).read_bytes())
    (decision,) = auto_acknowledge(store, settings, [pk])
    assert decision.outcome == "skipped", decision
    with store.engine.connect() as conn:
        assert list_outbox(conn) == []


@pytest.mark.parametrize(
    ("sender", "headers", "reason"),
    [
        ("MAILER-DAEMON@mx.example.org", {}, "machine mail"),
        ("no-reply@shop.example", {}, ""),
        ("dana@example.net", {"X-Auto-Response-Suppress": "OOF, AutoReply"}, "X-Auto-Response-Suppress"),
        ("ceo-office@northwind-mobile.example", {}, "our own address"),
    ],
)
def test_never_to_system_senders_or_those_who_ask_not_to(store, settings, sender, headers, reason) -> None:  # type: ignore[no-untyped-def]
    _on(settings)
    (pk,) = ingest_pks(store, make_mail(sender=sender, headers=headers))
    (decision,) = auto_acknowledge(store, settings, [pk])
    assert decision.outcome == "skipped" and reason in decision.reason


def test_once_per_sender_within_the_window(store, settings) -> None:  # type: ignore[no-untyped-def]
    _on(settings, ack_window_days=7)
    t0 = utcnow()
    first, same_batch = ingest_pks(
        store, make_mail(subject="Bill"), make_mail(subject="Another matter entirely", days=0.5)
    )
    got = auto_acknowledge(store, settings, [first, same_batch], now=t0)
    assert [d.outcome for d in got] == ["queued", "skipped"] and "within 7 days" in got[1].reason
    (later,) = ingest_pks(store, make_mail(subject="Third thing", days=3))
    assert auto_acknowledge(store, settings, [later], now=t0 + timedelta(days=3))[0].outcome == "skipped"
    (much_later,) = ingest_pks(store, make_mail(subject="Next month", days=30))
    assert auto_acknowledge(store, settings, [much_later], now=t0 + timedelta(days=8))[0].outcome == "queued"
    with store.engine.connect() as conn:
        skipped = conn.execute(select(_audit).where(_audit.c.action == "reply.ack_skipped")).all()
    assert len(skipped) == 2 and all("within 7 days" in r.details["why"] for r in skipped)


def test_a_flood_of_300_readers_gets_at_most_the_hourly_limit(store, settings) -> None:  # type: ignore[no-untyped-def]
    _on(settings, ack_max_per_hour=25)
    flood = [m.raw for m in build_demo(flood_size=300).of_kind("flood")]
    assert len(flood) == 300
    pks = ingest_pks(store, *flood)
    now = utcnow()
    decisions = auto_acknowledge(store, settings, pks[:150], now=now)
    decisions += auto_acknowledge(store, settings, pks[150:], now=now + timedelta(minutes=20))
    outcomes = Counter(d.outcome for d in decisions)
    assert outcomes["queued"] == 25 and outcomes["skipped"] == 275
    assert sum("rate limit" in d.reason for d in decisions) >= 250  # the rest: same sender twice, machine...
    with store.engine.connect() as conn:
        acks = list_outbox(conn, limit=1000)
        audited = conn.execute(select(_audit.c.id).where(_audit.c.action == "reply.ack_skipped")).all()
    assert len(acks) == 25 and len({a["to"] for a in acks}) == 25
    assert len(audited) == 275  # every skip recorded with its reason
    # an hour later the limit has room again
    assert any(
        d.outcome == "queued" for d in auto_acknowledge(store, settings, pks[-40:], now=now + timedelta(hours=2))
    )


def test_demo_month_never_acks_machine_mail_spam_or_a_sender_twice(store, settings) -> None:  # type: ignore[no-untyped-def]
    _on(settings, ack_max_per_hour=10_000)
    box = build_demo(flood_size=20)
    pks = ingest_pks(store, *[m.raw for m in box.messages])
    decisions = auto_acknowledge(store, settings, pks)
    with store.engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(_messages).where(_messages.c.id.in_(pks)))}
    queued = [d for d in decisions if d.outcome == "queued"]
    assert queued, "ordinary customers are acknowledged"
    for d in queued:
        m = rows[d.message_pk]
        assert m.machine_kind is None and m.intent != "spam" and m.status == "ok"
    assert len({d.to for d in queued}) == len(queued)
    for d in decisions:
        m = rows.get(d.message_pk)
        if m is not None and m.machine_kind:
            assert d.outcome == "skipped" and "machine mail" in d.reason
        if m is not None and m.intent == "spam" and not m.machine_kind:
            assert d.outcome == "skipped" and d.reason == "spam"


def test_after_ingest_hook_links_bounces_and_acknowledges(eml_dir: Path, store, settings) -> None:  # type: ignore[no-untyped-def]
    from execdesk.reply.hooks import after_ingest

    _on(settings)
    pks = ingest_pks(store, make_mail(), (eml_dir / "bounce_dsn_rfc3464.eml").read_bytes())
    done = after_ingest(store, pks, settings)
    assert done.bounces == []  # the fixture bounces someone else's message: nothing of ours to link
    assert [d.outcome for d in done.acks] == ["queued", "skipped"]


def test_no_ack_into_a_conversation_we_already_answered(store, settings) -> None:  # type: ignore[no-untyped-def]
    _on(settings, ack_window_days=1)
    t0 = utcnow()
    (first,) = ingest_pks(store, make_mail(message_id="<q1@example.net>"))
    assert auto_acknowledge(store, settings, [first], now=t0)[0].outcome == "queued"
    with smtp_server() as server:
        configure_sending(settings, server)
        send_due(store, settings)
    ours = server.recorder.received[0].message["Message-ID"]
    (answer,) = ingest_pks(store, make_mail(subject="Re: ack", in_reply_to=ours, references=[ours], days=10))
    (decision,) = auto_acknowledge(store, settings, [answer], now=t0 + timedelta(days=10))
    assert decision.outcome == "skipped" and "already has a reply from us" in decision.reason


def test_old_mail_from_an_import_is_never_acknowledged(store, settings) -> None:  # type: ignore[no-untyped-def]
    _on(settings, ack_max_age_hours=48)
    old = make_mail(when=utcnow() - timedelta(days=30))
    fresh = make_mail(sender="new@example.org", when=utcnow() - timedelta(hours=1))
    decisions = auto_acknowledge(store, settings, ingest_pks(store, old, fresh))
    assert [d.outcome for d in decisions] == ["skipped", "queued"]
    assert "too old" in decisions[0].reason


def test_the_ingest_commit_runs_the_acknowledgments(store, settings) -> None:  # type: ignore[no-untyped-def]
    """Wired end to end: importing fresh mail with auto_ack on queues its acknowledgment."""
    from execdesk.ingest.core import IngestSession
    from execdesk.ingest.work import SourceRef

    _on(settings, ack_max_age_hours=48)
    with IngestSession(store, settings) as session:
        session.process_message(make_mail(when=utcnow() - timedelta(minutes=5)), SourceRef("smtp", "t"))
    with store.engine.connect() as conn:
        (ack,) = list_outbox(conn, limit=10)
    assert ack["kind"] == "ack" and ack["status"] in ("queued", "approved", "draft")
