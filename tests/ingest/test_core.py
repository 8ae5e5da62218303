"""process_message: raw bytes first, exactly once, duplicates recognised, failures quarantined."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from tests.mailfactory import make_mail, msgid_of

from execdesk.cases import queries
from execdesk.ingest.core import IngestSession
from execdesk.ingest.work import SourceRef, StageFailed
from execdesk.parse.identity import identify
from execdesk.store.models import Arrival, AuditEvent, Message

SRC = SourceRef("file", "test")


def counts(store) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return queries.stats(conn)


def test_raw_bytes_are_stored_content_addressed_before_parsing(store) -> None:  # type: ignore[no-untyped-def]
    raw = make_mail()
    with IngestSession(store) as s:
        r = s.process_message(raw, SRC)
    assert r.status == "imported"
    sha = identify(raw).raw_sha256
    assert store.blobs.get(sha) == raw
    assert store.blobs.location(sha) is not None and store.blobs.location(sha).length == len(raw)


def test_same_bytes_twice_is_one_message_two_arrivals(store) -> None:  # type: ignore[no-untyped-def]
    raw = make_mail()
    with IngestSession(store) as s:
        assert s.process_message(raw, SRC).status == "imported"
        assert s.process_message(raw, SourceRef("imap", "imap://x/INBOX;UID=1")).status == "duplicate"
    c = counts(store)
    assert (c["messages"], c["cases"], c["arrivals"], c["duplicate_arrivals"]) == (1, 1, 2, 1)


def test_same_message_by_two_sources_with_different_transport_headers_is_one(store) -> None:  # type: ignore[no-untyped-def]
    raw = make_mail()
    via_imap = b"Return-Path: <dana.whitfield@example.net>\nDelivered-To: ceo@northwind-mobile.example\n" + raw
    via_smtp = b"Received: from mx.example.net by desk; Thu, 1 Oct 2026 09:00:01 +0000\n" + raw.replace(b"\n", b"\r\n")
    with IngestSession(store) as s:
        assert s.process_message(via_imap, SourceRef("imap", "a")).status == "imported"
        assert s.process_message(via_smtp, SourceRef("smtp", "b")).status == "duplicate"
    assert counts(store)["messages"] == 1


def test_two_different_messages_sharing_a_message_id_are_both_kept(store) -> None:  # type: ignore[no-untyped-def]
    a = make_mail(message_id="<same@example.net>", body="First message.\n")
    b = make_mail(message_id="<same@example.net>", body="A different message reusing the id.\n")
    with IngestSession(store) as s:
        assert s.process_message(a, SRC).status == "imported"
        assert s.process_message(b, SRC).status == "imported"
    assert counts(store)["messages"] == 2


def test_bad_mail_is_quarantined_with_stage_and_reason_and_kept(store) -> None:  # type: ignore[no-untyped-def]
    with IngestSession(store) as s:
        r = s.process_message(b"", SRC)
        g = s.process_message(bytes(range(256)) * 40, SRC)
    assert (r.status, r.stage, r.code) == ("quarantined", "parse", "empty")
    assert g.status == "quarantined" and g.stage == "parse" and g.reason
    c = counts(store)
    assert c["messages"] == 2 and c["quarantined"] == 2 and c["cases"] == 0
    assert store.blobs.get(identify(bytes(range(256)) * 40).raw_sha256) == bytes(range(256)) * 40


def test_a_failing_database_stage_quarantines_only_the_guilty_message(store) -> None:  # type: ignore[no-untyped-def]
    from execdesk.ingest import stages
    from execdesk.pipeline import Pipeline, Stage

    def poisoned(works, env):  # type: ignore[no-untyped-def]
        stages.cases_batch(works, env)  # writes cases and audit events...
        if any(w.parsed.subject == "poison" for w in works):
            raise RuntimeError("boom")  # ...then fails: all of it must be undone

    session = IngestSession(store)
    session.pipeline = Pipeline(
        [
            st if st.name != "cases" else Stage(st.name, st.requires, st.provides, poisoned)
            for st in stages.INGEST_STAGES
        ]
    )
    mails = [make_mail(subject=s, sender=f"{s}@example.org") for s in ("fine", "poison", "also-fine")]
    results = session.process_batch([(m, SRC) for m in mails])
    session.commit()
    assert [r.status for r in results] == ["imported", "quarantined", "imported"]
    bad = results[1]
    assert (bad.stage, bad.code) == ("cases", "internal_error") and "RuntimeError" in (bad.reason or "")
    with store.engine.connect() as conn:
        audited = {r.message_pk for r in conn.execute(select(AuditEvent))}
        rows = {r.id: (r.status, r.case_id) for r in conn.execute(select(Message.id, Message.status, Message.case_id))}
    assert bad.message_pk not in audited and rows[bad.message_pk] == ("quarantined", None)
    assert rows[results[0].message_pk][1] is not None and rows[results[2].message_pk][1] is not None
    assert counts(store)["contacts"] == 2  # the guilty one's contact was rolled back
    # the fix lands: a retry runs the real pipeline and resolves the entry
    with IngestSession(store) as s2:
        again = s2.retry(bad.message_pk)
    assert again.status == "imported" and again.case_id is not None
    assert counts(store)["quarantined"] == 0
    with store.engine.connect() as conn:
        assert conn.execute(select(Message.status).where(Message.id == bad.message_pk)).scalar_one() == "ok"


def test_one_bad_message_never_stops_a_batch(store) -> None:  # type: ignore[no-untyped-def]
    mails = [make_mail(subject=f"m{i}", sender=f"p{i}@example.org") for i in range(5)]
    mails.insert(2, b"\x00\x01garbage")
    with IngestSession(store) as s:
        statuses = [s.process_message(m, SRC).status for m in mails]
    assert statuses.count("imported") == 5 and statuses.count("quarantined") == 1


def test_checkpoint_is_in_the_same_transaction(store) -> None:  # type: ignore[no-untyped-def]
    s = IngestSession(store)
    s.process_message(make_mail(), SRC)
    s.set_checkpoint("imap:x:INBOX", {"uidvalidity": 7, "last_uid": 3})
    s.rollback()
    s2 = IngestSession(store)
    assert s2.get_checkpoint("imap:x:INBOX") is None
    assert counts(store)["messages"] == 0
    s2.process_message(make_mail(), SRC)
    s2.set_checkpoint("imap:x:INBOX", {"uidvalidity": 7, "last_uid": 3})
    s2.set_checkpoint("imap:x:INBOX", {"uidvalidity": 7, "last_uid": 4})
    s2.commit()
    assert IngestSession(store).get_checkpoint("imap:x:INBOX") == {"uidvalidity": 7, "last_uid": 4}


def test_arrivals_record_every_source(store) -> None:  # type: ignore[no-untyped-def]
    raw = make_mail()
    with IngestSession(store) as s:
        s.process_message(raw, SourceRef("file", "/a.eml"))
        s.process_message(raw, SourceRef("smtp", "peer"))
    with store.engine.connect() as conn:
        kinds = sorted(r.source_kind for r in conn.execute(select(Arrival)))
    assert kinds == ["file", "smtp"]
    assert msgid_of(raw)


def test_stage_failed_is_their_fault_by_default() -> None:
    assert StageFailed("parse", "empty", "x").their_fault is True


def test_sqlite_home_holds_all_state(home: Path) -> None:
    from execdesk.settings import load_settings
    from execdesk.store import Store

    store = Store.open(load_settings(home))
    with IngestSession(store) as s:
        s.process_message(make_mail(), SRC)
    assert (home / "execdesk.sqlite3").exists() and (home / "blobs").is_dir()
