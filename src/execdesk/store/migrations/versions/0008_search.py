"""full-text search over messages: SQLite FTS5 table kept by triggers, PostgreSQL GIN index

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 18:45:00

Neither object is a SQLAlchemy model (migrations/env.py and the models-vs-migrations test skip
them by name, see execdesk.search.schema.NOT_MODELS). See docs/decisions/0720-search-index.md.
The DDL is written out here, frozen with the revision; execdesk.search.query uses the same
document expression (a PostgreSQL test checks the index is used).
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The body is capped: PostgreSQL refuses a tsvector over 1 MB, and both dialects index the same text.
_SQLITE_VALUES = (
    "{r}.id, {r}.subject, substr(coalesce({r}.new_text, ''), 1, 100000), "
    "coalesce({r}.from_name, '') || ' ' || coalesce({r}.from_addr, '')"
)
_SQLITE = [
    "CREATE VIRTUAL TABLE messages_fts USING fts5(subject, body, sender, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
    f"INSERT INTO messages_fts(rowid, subject, body, sender) VALUES ({_SQLITE_VALUES.format(r='new')}); END",
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF subject, new_text, from_name, from_addr ON messages BEGIN "
    "DELETE FROM messages_fts WHERE rowid = old.id; "
    f"INSERT INTO messages_fts(rowid, subject, body, sender) VALUES ({_SQLITE_VALUES.format(r='new')}); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
    "DELETE FROM messages_fts WHERE rowid = old.id; END",
    "INSERT INTO messages_fts(rowid, subject, body, sender) "
    f"SELECT {_SQLITE_VALUES.format(r='messages')} FROM messages",
]
_PG_DOCUMENT = (
    "to_tsvector('simple'::regconfig, coalesce(subject, '') || ' ' || left(coalesce(new_text, ''), 100000)"
    " || ' ' || coalesce(from_name, '') || ' ' || translate(coalesce(from_addr, ''), '@.', '  '))"
)
_POSTGRESQL = [f"CREATE INDEX ix_messages_search ON messages USING gin ({_PG_DOCUMENT})"]


def upgrade() -> None:
    """Create the index and fill it from the messages already stored."""
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    """Drop the index (and on SQLite its triggers)."""
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("messages_fts_insert", "messages_fts_update", "messages_fts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS messages_fts")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_messages_search")
