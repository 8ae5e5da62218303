"""The query language written for each dialect, and passages marked (pure functions, table-driven)."""

from __future__ import annotations

import pytest

from execdesk.search.parse import parse, to_fts5, to_websearch
from execdesk.search.snippet import as_text, snippet

QUERIES = [
    ("refund", '"refund"', '"refund"', []),
    ('"roaming charge" spain', '"roaming charge" AND "spain"', '"roaming charge" "spain"', []),
    ("router OR spain charge", '("router" OR "spain") AND "charge"', '"router" OR "spain" "charge"', []),
    ("charge -router", '("charge") NOT "router"', '"charge" -"router"', []),
    ('NEAR(a b) "x" AND *', '"NEAR a" AND "b" AND "x" AND "AND"', '"NEAR a" "b" "x" "AND"', []),
    ("ED-000042 refund", '"refund"', '"refund"', [42]),
    ("-router", None, None, []),
    ("ED-99999999999", None, None, [0]),
]


@pytest.mark.parametrize(("text", "fts5", "websearch", "cases"), QUERIES)
def test_queries(text: str, fts5: str | None, websearch: str | None, cases: list[int]) -> None:
    q = parse(text)
    assert (to_fts5(q), to_websearch(q), q.case_ids) == (fts5, websearch, cases)


def test_snippet_marks_whole_words_ignoring_case_and_accents() -> None:
    segs = snippet("Ich habe die Rechnung für Oktober. Die RECHNUNG ist falsch; Rechnungen auch.", ["rechnung", "fur"])
    text, marks = as_text(segs)
    assert [text[s:e] for s, e in marks] == ["Rechnung", "für", "RECHNUNG"]


def test_snippet_starts_near_the_first_match_and_says_it_was_cut() -> None:
    body = "filler " * 100 + "the <script>alert(1)</script> lawyer letter " + "tail " * 100
    segs = snippet(body, ["lawyer"])
    assert segs[0] == ("…", False) and segs[-1] == ("…", False)
    assert ("lawyer", True) in segs
    assert "<script>" in "".join(t for t, _ in segs)  # plain text: the template escapes it
    assert snippet("", ["x"]) == []
