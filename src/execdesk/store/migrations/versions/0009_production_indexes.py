"""production indexes: message time, case dates, PostgreSQL signals GIN

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 21:40:00

What the dashboard, digest, search and queue plans needed at 100,000 cases (EXPLAIN on SQLite and
PostgreSQL, benchmarks/bench_web_pages.py; docs/decisions/1002-production-indexes.md):

- ``ix_messages_time``: the message time ``coalesce(date, received_at)`` (execdesk.store.models.MESSAGE_TIME),
  an expression index on both dialects; the queries must use that exact expression to use it.
- ``ix_cases_opened_at``: cases opened in a window (dashboard risk and SLA, digest themes).
- ``ix_cases_last_inbound_at``: the dashboard window ends at ``max(last_inbound_at)``.
- ``ix_contacts_display_name_lower``: a campaign's trigger is looked up by the contact names its
  members mention (``lower(display_name) IN (...)``, campaigns/trigger.py); without it every campaign
  refresh read the whole contacts table (found by the workers' load test: 2,700 scans of 390,000 rows).
- ``ix_cases_signals`` (PostgreSQL only): GIN over ``signals::jsonb`` for the queue's signal filter
  (``@>``); the column stays ``json``. Not a model (like 0008's search index): see
  execdesk.search.schema.include_object.
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_SIGNALS = "CREATE INDEX ix_cases_signals ON cases USING gin ((signals::jsonb) jsonb_path_ops)"


def upgrade() -> None:
    """Create the indexes (written out as DDL: frozen with the revision, identical on both dialects)."""
    op.execute("CREATE INDEX ix_messages_time ON messages (coalesce(date, received_at))")
    op.create_index("ix_cases_opened_at", "cases", ["opened_at"])
    op.create_index("ix_cases_last_inbound_at", "cases", ["last_inbound_at"])
    op.execute("CREATE INDEX ix_contacts_display_name_lower ON contacts (lower(display_name))")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_SIGNALS)


def downgrade() -> None:
    """Drop them."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_cases_signals")
    op.execute("DROP INDEX IF EXISTS ix_contacts_display_name_lower")
    op.drop_index("ix_cases_last_inbound_at", table_name="cases")
    op.drop_index("ix_cases_opened_at", table_name="cases")
    op.execute("DROP INDEX IF EXISTS ix_messages_time")
