"""What the search index is made of in each dialect, and which schema objects are not models.

The FTS5 table, its shadow tables and triggers (SQLite) and the GIN expression index
(PostgreSQL) are created by migrations 0008 and 0011, not by the SQLAlchemy models: the models-vs-migrations
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
#: The characters PostgreSQL's parser joins words with into links, hosts, paths, addresses, file names,
#: decimals and hyphenated words, and the brackets it reads as an HTML tag (whose words it drops:
#: ``<dana example com>``). They become spaces before parsing, so the index holds the words of a link or
#: an address one by one, as SQLite's unicode61 tokenizer does and as the search box reads a query
#: (decision 0722): "refund" finds ``https://example.com/refund-policy`` on both databases.
PG_JOINERS = "/.:@-<>"
#: The indexed text on PostgreSQL as an SQL expression over ``messages``' columns.
_PG_TEXT = (
    "coalesce(subject, '') || ' ' || left(coalesce(new_text, ''), 100000)"
    " || ' ' || coalesce(from_name, '') || ' ' || coalesce(from_addr, '')"
)


def pg_words(sql_text: str) -> str:
    """``sql_text`` (an SQL expression) with the joiners made spaces, as the index reads it."""
    return f"translate({sql_text}, '{PG_JOINERS}', '{' ' * len(PG_JOINERS)}')"


#: The indexed document on PostgreSQL. Must equal the expression of migration 0011's index, or the
#: planner cannot use it (tests/search/test_search.py checks the plan).
PG_DOCUMENT = f"to_tsvector('simple'::regconfig, {pg_words(_PG_TEXT)})"


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
