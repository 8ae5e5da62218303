"""search words inside links: PostgreSQL's index reads a link's or an address's words one by one

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 00:30:00

PostgreSQL's text parser keeps ``https://example.com/refund-policy`` as ``url``, ``host`` and
``url_path`` tokens, an address as one ``email`` token and ``3.5`` as one number, so a search for
"refund", "policy" or "3 5" missed what SQLite's FTS5 (which splits at every separator) found. The
index is rebuilt over the text with ``/ . : @ - < >`` made spaces first (docs/decisions/0722). SQLite's
index is unchanged. The DDL is written out here, frozen with the revision; execdesk.search.schema's
PG_DOCUMENT must equal the new expression (a test checks the planner uses the index).
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = (
    "coalesce(subject, '') || ' ' || left(coalesce(new_text, ''), 100000)"
    " || ' ' || coalesce(from_name, '') || ' ' || coalesce(from_addr, '')"
)
_WORDS = f"to_tsvector('simple'::regconfig, translate({_TEXT}, '/.:@-<>', '       '))"
# 0008's expression, restored by the downgrade.
_0008 = (
    "to_tsvector('simple'::regconfig, coalesce(subject, '') || ' ' || left(coalesce(new_text, ''), 100000)"
    " || ' ' || coalesce(from_name, '') || ' ' || translate(coalesce(from_addr, ''), '@.', '  '))"
)


def _rebuild(document: str) -> None:
    op.execute("DROP INDEX IF EXISTS ix_messages_search")
    op.execute(f"CREATE INDEX ix_messages_search ON messages USING gin ({document})")


def upgrade() -> None:
    """Rebuild the PostgreSQL index over the split text (reads every stored message once)."""
    if op.get_bind().dialect.name == "postgresql":
        _rebuild(_WORDS)


def downgrade() -> None:
    """Back to 0008's index."""
    if op.get_bind().dialect.name == "postgresql":
        _rebuild(_0008)
