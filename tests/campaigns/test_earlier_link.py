"""The trigger's earlier-link lookup through the search index (decision 0316) finds what the scan of
every text finds, on SQLite and PostgreSQL, with real mail imported through the pipeline; each trap
is a way the index's words and the exact link can disagree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from tests.mailfactory import make_mail, msgid_of

from execdesk.campaigns.summary import CampaignSummary
from execdesk.campaigns.trigger import _earlier_link, earliest_with_link
from execdesk.ingest.batch import import_paths
from execdesk.search.contains import fts5_phrase
from execdesk.store import Store
from execdesk.store.models import Message, table_of

FLOOD = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
OUTAGE = "https://blog.example.net/outage-2026"
FORUM = "https://forum.example.com/thread-77"
QUOTED = "https://news.example.com/quoted-only"
CAPPED = "https://late.example.com/past-the-cap"
_messages = table_of(Message)

#: (name, days before the flood, body). Every link looked up below is in at most these texts.
MAILS = [
    ("early", 9, f"Hello,\n\nHave you read {OUTAGE} about the outage? It is about my area.\n"),
    ("later", 4, f"Your post {OUTAGE} says the outage is over. It is not.\n"),
    ("reordered", 8, "The post https://example.net/blog/2026/outage says otherwise.\n"),
    ("words", 7, "See https://forum.example.com/thread/77 and forum example com thread 77 for context.\n"),
    ("quoted", 6, f"Thanks for the answer.\n\nOn Mon, 12 Oct 2026, Dana wrote:\n> see {QUOTED}\n> it explains all\n"),
    ("suffix", 5, "Short link: https://t.co/AbC123x (the one from the ad).\n"),
    ("glued", 5, "I clicked seehttps://glued.example.com/x-1 twice.\n"),
    (
        "redirect",
        4,
        "Via https://r.example.com/?u=https://deep.example.org/inner-page or 1www.example.net/digit-glued.\n",
    ),
    ("bracketed", 3, "Please sign (https://www.example.org/petition/keep-the-branch-open).\n"),
    ("shouted", 3, "LOOK AT HTTPS://Blog.Example.NET/Shouting-Post NOW\n"),
    ("odd", 2, "Odd link: https://example.com/100%_sure\\x/o_k and more.\n"),
    ("capped", 2, "The long one.\n"),
    ("after", -1, "Now they link https://news.example.com/after-flood too.\n"),
]

#: Links looked up; the index must find what the scan finds for each.
LINKS = [
    OUTAGE,
    "https://example.net/blog/2026/outage",
    "https://blog.example.net/2026-outage",  # the words of the reordered link, not its phrase
    FORUM,  # its words are a phrase in the index ("thread/77" and the plain words), the link is not in any text
    QUOTED,  # only in quoted text
    "https://t.co/AbC123",  # a prefix of a longer link: the scan finds it, so must the index
    "https://glued.example.com/x-1",
    "https://deep.example.org/inner-page",  # inside another link's query (decision 0722)
    "www.example.net/digit-glued",  # glued to a digit before it
    "https://www.example.org/petition/keep-the-branch-open",
    "https://blog.example.net/shouting-post",  # case: SQLite's LIKE ignores it, PostgreSQL's does not
    "https://example.com/100%_sure\\x/o_k",  # LIKE wildcards, a backslash
    "https://news.example.com/after-flood",  # after the flood began
    "https://nowhere.example.com/absent",
]


@pytest.fixture
def mailbox(store: Store, tmp_path: Path) -> dict[str, tuple[int, int]]:
    """The mails above imported as real messages: name -> (message pk, case id)."""
    folder = tmp_path / "mail"
    folder.mkdir()
    ids = {}
    for i, (name, days, body) in enumerate(MAILS):
        raw = make_mail(
            sender=f"Person {i} <p{i}@example.org>",
            subject=f"About {name}",
            body=body,
            when=FLOOD - timedelta(days=days),
        )
        (folder / f"{i:02d}.eml").write_bytes(raw)
        ids[msgid_of(raw)] = name
    import_paths(store, [folder])
    with store.transaction() as conn:
        rows = conn.execute(select(_messages.c.message_id, _messages.c.id, _messages.c.case_id)).all()
        found = {ids[r.message_id]: (int(r.id), int(r.case_id)) for r in rows}
        past_cap = "filler " * 15_000 + f"\n{CAPPED}\n"  # the link starts after character 100,000
        conn.execute(update(_messages).where(_messages.c.id == found["capped"][0]).values(new_text=past_cap))
    return found


def _lookup(store: Store, url: str, *, use_index: bool) -> tuple[int, int] | None:
    with store.engine.connect() as conn:
        return earliest_with_link(conn, url, FLOOD, use_index=use_index)


def test_the_index_finds_what_the_scan_finds(store: Store, mailbox: dict[str, tuple[int, int]]) -> None:
    for url in LINKS:
        assert _lookup(store, url, use_index=True) == _lookup(store, url, use_index=False), url


def test_the_earliest_message_with_the_link_wins_and_near_misses_do_not(
    store: Store, mailbox: dict[str, tuple[int, int]]
) -> None:
    assert _lookup(store, OUTAGE, use_index=True) == mailbox["early"]
    assert _lookup(store, "https://blog.example.net/2026-outage", use_index=True) is None
    assert _lookup(store, FORUM, use_index=True) is None
    assert _lookup(store, QUOTED, use_index=True) is None
    assert _lookup(store, "https://news.example.com/after-flood", use_index=True) is None
    assert _lookup(store, "https://t.co/AbC123", use_index=True) == mailbox["suffix"]
    assert _lookup(store, "https://glued.example.com/x-1", use_index=True) == mailbox["glued"]
    assert _lookup(store, "https://deep.example.org/inner-page", use_index=True) == mailbox["redirect"]
    assert _lookup(store, "www.example.net/digit-glued", use_index=True) == mailbox["redirect"]


def test_a_link_past_the_index_cap_is_found_only_by_the_scan(store: Store, mailbox: dict[str, tuple[int, int]]) -> None:
    """The one difference decision 0316 accepts: the index holds the first 100,000 characters."""
    assert _lookup(store, CAPPED, use_index=False) == mailbox["capped"]
    assert _lookup(store, CAPPED, use_index=True) is None


def test_the_rule_names_the_case_of_the_earlier_link(store: Store, mailbox: dict[str, tuple[int, int]]) -> None:
    summary = CampaignSummary("t", "1", "", 5, 5, FLOOD, FLOOD, shared_links=[("https://t.co/none", 5), (OUTAGE, 4)])
    with store.engine.connect() as conn:
        match = _earlier_link(conn, "cmp", summary, FLOOD)
    assert match is not None and match.case_id == mailbox["early"][1]
    assert match.evidence["rule"] == "earlier_link" and match.evidence["url"] == OUTAGE


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("https://blog.example.net/outage-2026", 'body : "://blog.example.net/outage-2026" *'),
        ("www.example.org/a?b=", 'body : ".example.org/a?b="'),  # ends in a separator: the last word is whole
        ('https://x.example/"q"', 'body : "://x.example/""q"""'),
        ("https://éxample.fr/ä", 'body : "://éxample.fr/ä" *'),
        ("https://", None),  # no inner word: not narrowed
        ("https://é/ü", None),
    ],
)
def test_fts5_phrase_leaves_out_the_first_word_and_opens_the_last(url: str, phrase: str | None) -> None:
    assert fts5_phrase(url) == phrase
