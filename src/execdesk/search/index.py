"""Keeping the index honest: remove entries (``execdesk forget``), rebuild, check.

The database keeps the index current by itself (migrations 0008 and 0011: triggers on ``messages`` for
SQLite FTS5, an expression index for PostgreSQL), so ingest, replay, outbound replies and any
later redaction need no call here. :func:`remove` is for code that must make sure a message's
words are gone from the index (forgetting a person) even before or without deleting its row.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, text

from execdesk.search.schema import FTS_TABLE, PG_INDEX, SQLITE_TRIGGERS

_CHUNK = 500


def remove(conn: Connection, message_pks: Iterable[int]) -> int:
    """Drop the index entries of these messages (SQLite; idempotent). Returns how many were dropped.

    On PostgreSQL the index is computed from the row, so redacting or deleting the row is what
    removes its words: nothing to do here. On SQLite the FTS5 table holds its own copy of the
    text; an update or delete of the row also replaces it (triggers), and this drops it now.
    """
    if conn.dialect.name != "sqlite":
        return 0
    pks = sorted(set(message_pks))
    stmt = text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN :pks").bindparams(bindparam("pks", expanding=True))
    dropped = 0
    for i in range(0, len(pks), _CHUNK):
        dropped += conn.execute(stmt, {"pks": pks[i : i + _CHUNK]}).rowcount or 0
    return dropped


def rebuild(conn: Connection) -> int:
    """Rebuild the SQLite index from the messages (after a bulk repair). Returns the rows indexed."""
    if conn.dialect.name != "sqlite":
        conn.execute(text(f"REINDEX INDEX {PG_INDEX}"))
        return int(conn.execute(text("SELECT count(*) FROM messages")).scalar_one())
    conn.execute(text(f"DELETE FROM {FTS_TABLE}"))
    result = conn.execute(
        text(
            f"INSERT INTO {FTS_TABLE}(rowid, subject, body, sender) SELECT id, subject, "
            "substr(coalesce(new_text, ''), 1, 100000), coalesce(from_name, '') || ' ' || coalesce(from_addr, '') "
            "FROM messages"
        )
    )
    return int(result.rowcount or 0)


def problems(conn: Connection) -> list[str]:
    """What is missing from the index's machinery (a later migration that rebuilt ``messages`` in
    SQLite batch mode drops its triggers). Empty when all is in place."""
    if conn.dialect.name == "sqlite":
        have = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"))}
        return [f"missing {name}" for name in (FTS_TABLE, *SQLITE_TRIGGERS) if name not in have]
    found = conn.execute(text("SELECT 1 FROM pg_indexes WHERE indexname = :name"), {"name": PG_INDEX}).first()
    return [] if found else [f"missing index {PG_INDEX}"]
