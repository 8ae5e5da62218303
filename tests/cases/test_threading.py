"""Threading: headers first, then the sender's recent open case; never on subject alone."""

from __future__ import annotations

from tests.mailfactory import make_mail, msgid_of

from execdesk.cases import queries, service
from execdesk.ingest.core import IngestSession
from execdesk.ingest.work import SourceRef

SRC = SourceRef("file", "t")


def ingest(store, *mails: bytes):  # type: ignore[no-untyped-def]
    with IngestSession(store) as s:
        return [s.process_message(m, SRC) for m in mails]


def test_reply_headers_join_the_case_even_from_another_address(store) -> None:  # type: ignore[no-untyped-def]
    first = make_mail()
    reply = make_mail(sender="Dana <dana@work.example>", subject="Re: x", in_reply_to=f"<{msgid_of(first)}>", days=20)
    a, b = ingest(store, first, reply)
    assert a.case_id == b.case_id


def test_references_chain_finds_the_case(store) -> None:  # type: ignore[no-untyped-def]
    first = make_mail()
    later = make_mail(sender="x@other.example", references=[f"<{msgid_of(first)}>", "<unknown@x>"], days=30)
    a, b = ingest(store, first, later)
    assert a.case_id == b.case_id


def test_same_sender_within_window_joins_open_case(store) -> None:  # type: ignore[no-untyped-def]
    a, b = ingest(store, make_mail(), make_mail(subject="and another thing", days=1))
    assert a.case_id == b.case_id


def test_same_sender_two_weeks_later_is_a_new_case(store) -> None:  # type: ignore[no-untyped-def]
    a, b = ingest(store, make_mail(), make_mail(subject="Dropped calls", days=14))
    assert a.case_id != b.case_id
    with store.engine.connect() as conn:
        detail = queries.case_detail(conn, b.case_id)
    assert detail is not None
    assert detail["contact_history"]["messages"] == 2
    assert [o["id"] for o in detail["contact_history"]["other_cases"]] == [a.case_ref]


def test_same_subject_from_different_people_is_never_merged(store) -> None:  # type: ignore[no-untyped-def]
    a, b = ingest(
        store,
        make_mail(sender="a@example.org", subject="Billing problem"),
        make_mail(sender="b@example.org", subject="Billing problem"),
    )
    assert a.case_id != b.case_id


def test_new_inbound_reopens_a_resolved_case_and_is_audited(store) -> None:  # type: ignore[no-untyped-def]
    first = make_mail()
    (a,) = ingest(store, first)
    with store.transaction() as conn:
        service.set_status(conn, case_id=a.case_id, status="resolved", actor="agent:sam", reason="refunded")
    (b,) = ingest(store, make_mail(subject="Re: bill", in_reply_to=f"<{msgid_of(first)}>", days=2))
    assert b.case_id == a.case_id
    with store.engine.connect() as conn:
        detail = queries.case_detail(conn, a.case_id)
    assert detail is not None and detail["status"] == "open"
    audit = [e for e in detail["audit"] if not e["action"].startswith(("sla.", "case.routed"))]  # routing's own
    assert [e["action"] for e in audit] == ["case.opened", "case.status", "case.reopened"]
    assert audit[1]["actor"] == "agent:sam"


def test_sender_window_is_configurable(home) -> None:  # type: ignore[no-untyped-def]
    from execdesk.settings import load_settings
    from execdesk.store import Store

    store = Store.open(load_settings(home, ingest={"thread_by_sender": False}))
    a, b = ingest(store, make_mail(), make_mail(subject="more", days=0.1))
    assert a.case_id != b.case_id
