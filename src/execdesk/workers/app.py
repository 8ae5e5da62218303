"""The procrastinate app of one store: its connection to PostgreSQL and its tasks.

Jobs live in the store's own PostgreSQL database (tables ``procrastinate_*``), so a queued
task is as durable as the messages and is backed up with them; no other service to run.
"""

from __future__ import annotations

from typing import Any

import procrastinate
from sqlalchemy.engine import make_url

from execdesk.settings import Settings
from execdesk.workers.custody import CustodialJobManager

INGEST_TASK = "execdesk.ingest"
SEND_TASK = "execdesk.send_outbox"
DIGEST_TASK = "execdesk.digest"
SLA_TASK = "execdesk.sla_sweep"
REANALYZE_TASK = "execdesk.reanalyze"
#: The last error of each job's attempts (procrastinate keeps statuses and events, not errors); a row
#: goes with its job (``on delete cascade``). Created beside procrastinate's tables, not by Alembic.
ERRORS_TABLE = "execdesk_job_errors"
_ERRORS_DDL = """
create table if not exists execdesk_job_errors (
    job_id bigint primary key references procrastinate_jobs(id) on delete cascade,
    attempt integer not null,
    error text not null,
    at timestamp with time zone not null default now()
)
"""


class QueueNotConfigured(RuntimeError):
    """``queue.backend`` is none, or the database is not PostgreSQL."""


def conninfo(settings: Settings) -> str:
    """libpq connection string of the store's database (procrastinate speaks psycopg directly)."""
    url = make_url(settings.db_url)
    if url.get_backend_name() != "postgresql":
        raise QueueNotConfigured("queue.backend = procrastinate needs database_url on PostgreSQL")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def check(settings: Settings) -> None:
    if settings.queue.backend != "procrastinate":
        raise QueueNotConfigured('set queue.backend = "procrastinate" (and database_url to PostgreSQL) to use workers')
    conninfo(settings)


def make_app(settings: Settings, *, sync: bool = False) -> procrastinate.App:
    """An app with every task registered; ``sync`` for producers outside an event loop."""
    check(settings)
    connector: procrastinate.BaseConnector = (
        procrastinate.SyncPsycopgConnector(conninfo=conninfo(settings))
        if sync
        else procrastinate.PsycopgConnector(conninfo=conninfo(settings))
    )
    app = procrastinate.App(connector=connector)
    app.job_manager = CustodialJobManager(connector=connector)  # before any task holds the manager
    from execdesk.workers import periodic, tasks

    tasks.register(app, settings)
    periodic.register(app, settings)
    return app


def ensure_schema(settings: Settings) -> bool:
    """Create procrastinate's tables and the job error table in the store's database once; True if
    procrastinate's tables were created."""
    import psycopg

    with psycopg.connect(conninfo(settings), autocommit=True) as conn:
        if _exists(conn, "procrastinate_jobs") and _exists(conn, ERRORS_TABLE):
            return False
        conn.execute("select pg_advisory_lock(7306099211)")  # two workers starting at once
        try:
            created = False
            if not _exists(conn, "procrastinate_jobs"):
                app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=conninfo(settings)))
                with app.open():
                    app.schema_manager.apply_schema()
                created = True
            if not _exists(conn, ERRORS_TABLE):
                conn.execute(_ERRORS_DDL)
            return created
        finally:
            conn.execute("select pg_advisory_unlock(7306099211)")


def _exists(conn: Any, table: str) -> bool:
    row = conn.execute("select to_regclass(%s) is not null", (table,)).fetchone()
    return bool(row and row[0])
