"""outbound messages index: our sent replies, newest first

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 01:30:00

``ix_messages_outbound``: a partial index of the ids of outbound messages (``direction = 'out'``).
A campaign's trigger is looked up among our latest sent replies (campaigns/trigger.py
``_quoted_reply``: the newest 2,000 by id). Without it PostgreSQL walks the primary key backwards
through every inbound message to find them: in the workers' load test, where a flood brings
500,000 inbound messages and no reply, that was 0.66 s per campaign refresh, under the store-wide
write lock, growing with the store (docs/decisions/1002-production-indexes.md).
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the index (DDL written out: frozen with the revision, the same on both dialects)."""
    op.execute("CREATE INDEX ix_messages_outbound ON messages (id) WHERE direction = 'out'")


def downgrade() -> None:
    """Drop it."""
    op.execute("DROP INDEX IF EXISTS ix_messages_outbound")
