"""What the search index is made of in each dialect, and which schema objects are not models.

The FTS5 table, its shadow tables and triggers (SQLite) and the GIN expression index
(PostgreSQL) are created by migration 0008, not by the SQLAlchemy models: the models-vs-migrations
comparison skips them through :func:`include_object`.
"""

from __future__ import annotations

from typing import Any

#: The SQLite FTS5 table (rowid = messages.id) and the PostgreSQL index.
FTS_TABLE = "messages_fts"
PG_INDEX = "ix_messages_search"
SQLITE_TRIGGERS = ("messages_fts_insert", "messages_fts_update", "messages_fts_delete")
#: Other indexes kept as migration DDL, not models: 0009's GIN over ``cases.signals::jsonb`` (PostgreSQL
#: only; an operator-class expression index that autogenerate cannot compare).
NON_MODEL_INDEXES = ("ix_cases_signals",)
#: The body text indexed is capped (PostgreSQL refuses a tsvector over 1 MB; both index the same).
BODY_CAP = 100_000
#: The indexed document on PostgreSQL (the address split at "@" and "." as SQLite splits it).
#: Must equal the expression of migration 0008's index, or the planner cannot use it
#: (tests/search/test_search.py checks the plan).
PG_DOCUMENT = (
    "to_tsvector('simple'::regconfig, coalesce(subject, '') || ' ' || left(coalesce(new_text, ''), 100000)"
    " || ' ' || coalesce(from_name, '') || ' ' || translate(coalesce(from_addr, ''), '@.', '  '))"
)


def is_search_object(name: str | None, type_: str) -> bool:
    """True for the index's own schema objects (the FTS5 table and its ``messages_fts_*`` shadow tables,
    the PostgreSQL expression index)."""
    if not name:
        return False
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")
    return type_ == "index" and name == PG_INDEX


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's ``include_object`` hook: leave the search index's objects (and the other indexes that
    are no models) out of autogenerate."""
    not_model = is_search_object(name, type_) or (type_ == "index" and name in NON_MODEL_INDEXES)
    return not (reflected and compare_to is None and not_model)
