"""Opening the database: engine, SQLite pragmas, migrations on first use."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text

from execdesk.settings import Settings
from execdesk.store.blobs import BlobStore

MIGRATIONS = Path(__file__).with_name("migrations")
#: The newest Alembic revision. Checked on every start without importing Alembic (it costs
#: seconds of start-up); a test keeps it equal to the migration scripts' head.
SCHEMA_HEAD = "0011"
#: PostgreSQL advisory lock of everything that writes cases in bulk: ingest's cases..commit section
#: (several workers), re-analysis and the SLA breach sweep. One at a time, so their row locks never
#: interleave: the load test saw ingest and a concurrent sweep deadlock on two cases.
CASE_WRITE_LOCK = 0x6578_6563_7772_6974  # "execwrit"


def lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key from any string (a message's hash, a periodic task's name)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8", "replace")).digest()[:8], "big", signed=True)


def advisory_xact_lock(conn: Connection, key: int) -> None:
    """Take a PostgreSQL advisory lock until this transaction ends (SQLite has one writer at a time already)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("select pg_advisory_xact_lock(:k)"), {"k": key})


def lock_case_writes(conn: Connection) -> None:
    """Take :data:`CASE_WRITE_LOCK` for this transaction."""
    advisory_xact_lock(conn, CASE_WRITE_LOCK)


if TYPE_CHECKING:
    from alembic.config import Config


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; we issue BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # Writers take the write lock up front (no deadlock on lock upgrade); readers never block on it.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("execdesk_write") else "BEGIN")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def allocate_ids(conn: Connection, table: Any, n: int) -> list[int]:
    """Reserve ``n`` primary keys of ``table`` for a bulk insert without RETURNING.

    Why: with RETURNING in a deterministic order, SQLAlchemy must insert SQLite rows one
    statement at a time; a plain ``executemany`` of rows with known ids is one C-level call.
    SQLite: the writer holds the database's write lock (``BEGIN IMMEDIATE``), so max(id)+1...
    is ours alone. PostgreSQL: the table's own sequence, safe across concurrent workers.
    """
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        seq = conn.execute(text(f"select pg_get_serial_sequence('{table.name}', 'id')")).scalar_one()
        rows = conn.execute(text("select nextval(:seq) from generate_series(1, :n)"), {"seq": seq, "n": n})
        return [int(r[0]) for r in rows]
    start = int(conn.execute(text(f"select coalesce(max(id), 0) from {table.name}")).scalar_one()) + 1
    return list(range(start, start + n))


class Store:
    """The database and blob store of one execdesk home."""

    def __init__(self, settings: Settings, engine: Engine, blobs: BlobStore) -> None:
        self.settings = settings
        self.engine = engine
        self.blobs = blobs

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> Store:
        settings.home.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.db_url)
        store = cls(settings, engine, BlobStore(settings.blobs_path, fsync=settings.ingest.fsync))
        if migrate:
            store.migrate()
        return store

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("select version_num from alembic_version")).scalar()

    def pending_migrations(self) -> list[str]:
        """Revisions not yet applied, oldest first (empty when the schema is current)."""
        current = self.current_revision()
        if current == SCHEMA_HEAD:
            return []
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(alembic_config(self.engine))
        revs = [rev.revision for rev in script.iterate_revisions("heads", current or "base")]
        return list(reversed(revs))

    def migrate(self) -> None:
        if not self.pending_migrations():
            return
        from alembic import command

        cfg = alembic_config(self.engine)
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def write_connection(self) -> Connection:
        """A connection for a unit of work that writes (SQLite: BEGIN IMMEDIATE)."""
        return self.engine.connect().execution_options(execdesk_write=True)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One writing transaction: commits on success, rolls back on error."""
        with self.write_connection() as conn, conn.begin():
            yield conn

    def close(self) -> None:
        self.blobs.close()
        self.engine.dispose()
