"""The search box's language, read once and written out for each dialect.

The syntax is PostgreSQL's ``websearch_to_tsquery``: words (all must occur), ``"a phrase"``,
``OR`` between two terms, ``-word`` to exclude; case references (``ED-000042``) narrow the search to
those cases. The text is read once here; :func:`to_websearch` (PostgreSQL) and :func:`to_fts5`
(SQLite) write the same meaning for each dialect, every term quoted, so both read a query alike
and no input can be a syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from execdesk.cases.refs import parse_case_ref

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_CASE_REF = re.compile(r"^ED-\d+$", re.IGNORECASE)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Query:
    """A parsed query: groups of alternatives (all groups must match), excluded terms, case ids."""

    groups: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)
    text: str = ""

    @property
    def words(self) -> list[str]:
        """The words a match contains (for highlighting), lower-cased, in order, once each."""
        out: dict[str, None] = {}
        for group in self.groups:
            for term in group:
                for w in _WORD.findall(term.lower()):
                    out[w] = None
        return list(out)

    @property
    def empty(self) -> bool:
        return not self.groups and not self.case_ids


def parse(text: str) -> Query:
    """Read the search box. Terms without a word character (``!!``) are dropped."""
    text = text.replace("\x00", " ")
    groups: list[list[str]] = []
    excluded: list[str] = []
    case_ids: list[int] = []
    join_next = False
    for m in _TOKEN.finditer(text):
        negative, phrase, bare = m.group(1) == "-", m.group(2), m.group(3)
        if bare is not None:
            if bare == "OR":
                join_next = bool(groups)
                continue
            if _CASE_REF.match(bare):
                case_id = parse_case_ref(bare) or 0
                case_ids.append(case_id if case_id < 2**31 else 0)  # no such case; ids are 32-bit
                continue
            negative, phrase = bare.startswith("-") and len(bare) > 1, bare
            if negative:
                phrase = bare[1:]
        term = " ".join(_WORD.findall(phrase))
        if not term:
            join_next = False
            continue
        if negative:
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    return Query(groups=groups, excluded=excluded, case_ids=case_ids, text=text)


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def to_fts5(query: Query) -> str | None:
    """The FTS5 MATCH expression, or None when nothing positive is asked for."""
    if not query.groups:
        return None
    parts = []
    for group in query.groups:
        alts = [_quote(t) for t in group]
        parts.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
    expr = " AND ".join(parts)
    for term in query.excluded:
        expr = f"({expr}) NOT {_quote(term)}"
    return expr


def to_websearch(query: Query) -> str | None:
    """The same query for PostgreSQL's ``websearch_to_tsquery`` (each term a quoted phrase)."""
    if not query.groups:
        return None
    parts = [" OR ".join(f'"{t}"' for t in group) for group in query.groups]
    return " ".join(parts + [f'-"{t}"' for t in query.excluded])
