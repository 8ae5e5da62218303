"""Finding messages: one function over SQLite FTS5 and PostgreSQL full-text search.

Results are newest first (a desk looks for "the mail about X", usually recent; rank orders
are unstable across dialects and pages), one row per message with its case, sender, date and
a highlighted passage. Only messages that belong to a case are found (quarantined rows have none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, literal_column, select, text

from execdesk.cases.refs import case_ref
from execdesk.search.parse import Query, parse, to_fts5, to_websearch
from execdesk.search.schema import FTS_TABLE, PG_DOCUMENT
from execdesk.search.snippet import Segments, as_text, snippet
from execdesk.store.models import MESSAGE_TIME, Case, Message, table_of, unindexed_time

_messages = table_of(Message)
_cases = table_of(Case)
MAX_LIMIT = 100


class SearchError(ValueError):
    """The query cannot be run as given (the message says why)."""


@dataclass(frozen=True)
class Hit:
    """One message found: where it is and the passage that matched."""

    message_pk: int
    case_id: int
    subject: str
    sender: str
    sender_name: str | None
    direction: str
    date: datetime | None
    segments: Segments
    subject_segments: Segments

    @property
    def case_ref(self) -> str:
        return case_ref(self.case_id)

    def to_dict(self) -> dict[str, Any]:
        passage, marks = as_text(self.segments)
        return {
            "message_pk": self.message_pk,
            "case": self.case_ref,
            "subject": self.subject,
            "sender": self.sender,
            "sender_name": self.sender_name,
            "direction": self.direction,
            "date": self.date.isoformat() if self.date else None,
            "snippet": passage,
            "highlights": [list(m) for m in marks],
        }


@dataclass(frozen=True)
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    more: bool = False
    offset: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "results": [h.to_dict() for h in self.hits],
            "more": self.more,
            "offset": self.offset,
        }


def _matching(conn: Connection, q: Query) -> tuple[Select[Any], dict[str, Any]] | None:
    """The ids of matching messages as a subquery-able select with its parameters, or None to match
    by case only."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        expr = to_fts5(q)
        if expr is None:
            return None
        rowids: Select[Any] = select(literal_column("rowid")).select_from(text(FTS_TABLE))
        return rowids.where(text(f"{FTS_TABLE} MATCH :fts")), {"fts": expr}
    if dialect == "postgresql":
        websearch = to_websearch(q)
        if websearch is None:
            return None
        matches = text(f"{PG_DOCUMENT} @@ websearch_to_tsquery('simple'::regconfig, :websearch)")
        return select(_messages.c.id).where(matches), {"websearch": websearch}
    raise SearchError(f"full-text search is not available on {dialect}")


def search(conn: Connection, query_text: str, *, limit: int = 20, offset: int = 0) -> Results:
    """Messages matching ``query_text`` (see execdesk.search.parse), newest first, ``limit`` from
    ``offset``; ``more`` tells whether another page exists."""
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    q = parse(query_text)
    if q.empty:
        return Results(query=query_text, offset=offset)
    when = MESSAGE_TIME
    stmt = (
        select(
            _messages.c.id,
            _messages.c.case_id,
            _messages.c.subject,
            _messages.c.from_addr,
            _messages.c.from_name,
            _messages.c.direction,
            _messages.c.new_text,
            when.label("at"),
        )
        .where(_messages.c.case_id.is_not(None))
        .order_by(unindexed_time(conn.dialect.name).desc(), _messages.c.id.desc())
        .limit(limit + 1)
        .offset(offset)
    )
    params: dict[str, Any] = {}
    matching = _matching(conn, q)
    if matching is not None:
        ids, params = matching
        stmt = stmt.where(_messages.c.id.in_(ids.scalar_subquery()))
    elif not q.case_ids:
        return Results(query=query_text, offset=offset)
    if q.case_ids:
        stmt = stmt.where(and_(_messages.c.case_id.in_(q.case_ids)))
    rows = conn.execute(stmt, params).all()
    words = q.words
    hits = [
        Hit(
            message_pk=r.id,
            case_id=r.case_id,
            subject=r.subject or "",
            sender=r.from_addr or "",
            sender_name=r.from_name,
            direction=r.direction,
            date=r.at,
            segments=snippet(r.new_text or "", words),
            subject_segments=snippet(r.subject or "", words, width=300),
        )
        for r in rows[:limit]
    ]
    return Results(query=query_text, hits=hits, more=len(rows) > limit, offset=offset)
