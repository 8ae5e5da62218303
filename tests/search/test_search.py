"""Full-text search on SQLite and PostgreSQL (the ``store`` fixture runs both) over real mail."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select, text, update

from execdesk.ingest.batch import import_paths
from execdesk.search import index
from execdesk.search.query import search
from execdesk.store import Store
from execdesk.store.models import Base, Message, table_of
from tests.mailfactory import make_mail, to_mbox

EML = Path(__file__).parents[1] / "fixtures" / "eml"
_messages = table_of(Message)


def _import(store: Store, tmp: Path, *mails: bytes, eml: tuple[str, ...] = ()) -> None:
    paths = [EML / name for name in eml]
    if mails:
        box = tmp / "search.mbox"
        box.write_bytes(to_mbox(list(mails)))
        paths.append(box)
    import_paths(store, paths)


def _subjects(store: Store, query: str) -> list[str]:
    with store.engine.connect() as conn:
        return [h.subject for h in search(conn, query).hits]


def test_a_word_of_the_body_finds_its_message_and_quoted_text_does_not(store: Store, home: Path) -> None:
    _import(store, home, eml=("gmail_quoted_reply.eml", "koi8r_subject.eml", "signature_dash_dash.eml"))
    assert _subjects(store, "engineer") == ["Re: Case 5521"]
    assert _subjects(store, "ENGINEER line") == ["Re: Case 5521"]
    assert _subjects(store, "visit") == []  # only in the quoted part of the reply: not new text
    assert _subjects(store, "октябрь") == ["Жалоба на обслуживание"]  # KOI8-R body, decoded and indexed
    assert _subjects(store, "Петров") == ["Жалоба на обслуживание"]  # the sender's name
    with store.engine.connect() as conn:
        hit = search(conn, "engineer").hits[0]
    assert hit.case_ref.startswith("ED-") and hit.sender == "lisa.wong@gmail.com"
    assert ("engineer", True) in hit.segments


def test_phrases_or_and_exclusion_mean_the_same_on_both_databases(store: Store, home: Path) -> None:
    _import(
        store,
        home,
        make_mail(sender="a@example.org", subject="Roaming bill", body="The roaming charge in Spain was wrong.\n"),
        make_mail(sender="b@example.org", subject="Router", body="My router is broken, charge me nothing.\n", days=1),
        make_mail(sender="c@example.org", subject="Spain", body="Wrong charge, in Spain roaming.\n", days=2),
    )
    assert _subjects(store, '"roaming charge"') == ["Roaming bill"]
    assert sorted(_subjects(store, "charge")) == ["Roaming bill", "Router", "Spain"]
    assert sorted(_subjects(store, "router OR spain")) == ["Roaming bill", "Router", "Spain"]
    assert sorted(_subjects(store, "charge -router")) == ["Roaming bill", "Spain"]
    assert _subjects(store, "-router") == []  # nothing to look for
    assert _subjects(store, '!! "" ( ) * NEAR AND') == []  # FTS5 syntax in the box is just text
    assert _subjects(store, "c@example.org") == ["Spain"]


def test_words_inside_links_addresses_and_numbers_are_found_on_both_databases(store: Store, home: Path) -> None:
    """PostgreSQL's parser keeps a link, an address or a decimal as one token; the index must still hold
    their words, as SQLite's does (decision 0722)."""
    _import(
        store,
        home,
        make_mail(
            sender="a@example.org",
            subject="Your post",
            body="Your post at https://status.example.com/outage-refunds/claim-form?id=7 is wrong.\n",
        ),
        make_mail(
            sender="b@example.org", subject="Version", body="After 3.5 write to help.desk@example.net.\n", days=1
        ),
        make_mail(sender="c@example.org", subject="Plain", body="Refunds for the outage, claim by form.\n", days=2),
        make_mail(
            sender="d@example.org", subject="Bracketed", body="Ask <dana@example.org>, see <b>notes</b>.\n", days=3
        ),
    )
    assert sorted(_subjects(store, "refunds")) == ["Plain", "Your post"]
    assert _subjects(store, '"outage refunds claim form"') == ["Your post"]  # the path's words, in order
    assert _subjects(store, "status.example.com") == ["Your post"]
    assert _subjects(store, "https://status.example.com/outage-refunds") == ["Your post"]
    assert _subjects(store, "3.5") == ["Version"]
    assert _subjects(store, "help.desk@example.net") == ["Version"]
    assert _subjects(store, "desk") == ["Version"]
    assert _subjects(store, '"refunds outage"') == []  # not a phrase anywhere
    assert _subjects(store, "dana@example.org") == ["Bracketed"]  # PostgreSQL reads <...> as a tag
    assert _subjects(store, "notes") == ["Bracketed"]


def test_case_reference_narrows_and_pages_do_not_overlap(store: Store, home: Path) -> None:
    mails = [
        make_mail(sender=f"p{i}@example.org", subject=f"Outage {i}", body="No signal today.\n", days=i)
        for i in range(5)
    ]
    _import(store, home, *mails)
    with store.engine.connect() as conn:
        first = search(conn, "signal", limit=2)
        second = search(conn, "signal", limit=2, offset=2)
        third = search(conn, "signal", limit=2, offset=4)
        assert first.more and second.more and not third.more
        seen = [h.message_pk for r in (first, second, third) for h in r.hits]
        assert len(seen) == len(set(seen)) == 5
        case = first.hits[0].case_ref
        assert [h.case_ref for h in search(conn, case).hits] == [case]
        assert [h.case_ref for h in search(conn, f"{case} signal").hits] == [case]
        assert search(conn, f"{case} nothinglikethis").hits == []


def test_the_index_follows_updates_deletes_and_remove(store: Store, home: Path) -> None:
    _import(store, home, make_mail(sender="d@example.org", subject="Refund", body="Please refund my deposit.\n"))
    with store.transaction() as conn:
        pk = conn.execute(select(_messages.c.id)).scalar_one()
        assert index.problems(conn) == []
        conn.execute(update(_messages).where(_messages.c.id == pk).values(new_text="[redacted]"))
    assert _subjects(store, "deposit") == []
    assert _subjects(store, "redacted") == ["Refund"]
    with store.transaction() as conn:
        index.remove(conn, [pk])
        index.remove(conn, [pk])  # twice is harmless
        if conn.dialect.name == "sqlite":
            assert search(conn, "redacted").hits == []  # gone from the index while the row stays
            assert conn.execute(text("SELECT count(*) FROM messages_fts")).scalar_one() == 0
            assert index.rebuild(conn) == 1
            assert [h.message_pk for h in search(conn, "redacted").hits] == [pk]
        for table in Base.metadata.sorted_tables:  # what refers to the message goes first
            for fk in table.foreign_keys:
                if fk.column is _messages.c.id:
                    conn.execute(delete(table).where(fk.parent == pk))
        conn.execute(delete(_messages).where(_messages.c.id == pk))
        if conn.dialect.name == "sqlite":
            assert conn.execute(text("SELECT count(*) FROM messages_fts")).scalar_one() == 0


def test_postgresql_uses_the_expression_index(store: Store, home: Path) -> None:
    """The query's document expression is the index's (else every search is a table scan)."""
    if store.engine.dialect.name != "postgresql":
        return
    _import(store, home, make_mail(body="Anything at all.\n"))
    from execdesk.search.schema import PG_DOCUMENT, PG_INDEX

    with store.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                text(f"EXPLAIN SELECT id FROM messages WHERE {PG_DOCUMENT} @@ websearch_to_tsquery('simple', 'x')")
            )
        )
    assert PG_INDEX in plan, plan
