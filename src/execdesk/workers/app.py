"""The procrastinate app of one store: its connection to PostgreSQL and its tasks.

Jobs live in the store's own PostgreSQL database (tables ``procrastinate_*``), so a queued
task is as durable as the messages and is backed up with them; no other service to run.
"""

from __future__ import annotations

import procrastinate
from sqlalchemy.engine import make_url

from execdesk.settings import Settings

INGEST_TASK = "execdesk.ingest"


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
    """An app with the ingest task registered; ``sync`` for producers outside an event loop."""
    check(settings)
    connector: procrastinate.BaseConnector = (
        procrastinate.SyncPsycopgConnector(conninfo=conninfo(settings))
        if sync
        else procrastinate.PsycopgConnector(conninfo=conninfo(settings))
    )
    app = procrastinate.App(connector=connector)
    from execdesk.workers.tasks import register

    register(app, settings)
    return app


def ensure_schema(settings: Settings) -> bool:
    """Create procrastinate's tables in the store's database once; True if they were created."""
    import psycopg

    with psycopg.connect(conninfo(settings), autocommit=True) as conn:
        exists = conn.execute("select to_regclass('procrastinate_jobs') is not null").fetchone()
        if exists and exists[0]:
            return False
        conn.execute("select pg_advisory_lock(7306099211)")  # two workers starting at once
        try:
            again = conn.execute("select to_regclass('procrastinate_jobs') is not null").fetchone()
            if again and again[0]:
                return False
            app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=conninfo(settings)))
            with app.open():
                app.schema_manager.apply_schema()
            return True
        finally:
            conn.execute("select pg_advisory_unlock(7306099211)")
