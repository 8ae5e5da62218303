"""Online backup and restore of one home: the database and the blob store, consistent together.

Why this order makes a consistent copy while the desk keeps writing:

1. **Database snapshot first.** SQLite: the online backup API copies every page in one step,
   inside one read transaction (WAL readers never block writers). PostgreSQL: ``pg_dump`` of an
   exported snapshot, and the manifest's counts are read in that same snapshot.
2. **Then the blob index**, with the same SQLite backup API. Ingest makes blobs durable and
   indexed *before* it commits the database (``BlobStore.flush``), so every blob the database
   snapshot references is already in this index.
3. **Then the segments**, each copied up to the length it had once the index was copied:
   segments are append-only, so those bytes hold every indexed blob; bytes appended later are
   not referenced by the copy and are left out.

The manifest lists the schema revision, row counts and a SHA-256 of every file, and
:func:`restore` refuses a copy that does not match it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from execdesk import __version__
from execdesk.settings import Settings, load_settings

MANIFEST = "manifest.json"
DB_FILE = "execdesk.sqlite3"
PG_DUMP_FILE = "database.pgdump"
BLOB_DIR = "blobs"
INDEX_FILE = "index.sqlite3"
HOME_FILES = "home"
#: Tables whose row counts the manifest records and restore checks.
COUNTED = ("messages", "cases", "contacts", "attachments", "audit_events", "outbox", "campaigns", "legal_holds")
#: Home entries the backup never copies: state held elsewhere in the backup, rebuilt, or secret.
_SKIP_HOME = {"blobs", "campaigns", "web-secret", DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", f"{DB_FILE}-journal"}
_CHUNK = 1024 * 1024


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _sqlite_path(url: str) -> Path:
    return Path(url.split("///", 1)[-1])


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as pg_dump/pg_restore take it (no ``+driver``)."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgres") else url


def _sqlite_copy(src: Path, dst: Path) -> None:
    """SQLite's online backup API, all pages in one step (one read transaction: one snapshot)."""
    source = sqlite3.connect(src)
    target = sqlite3.connect(dst)
    try:
        source.execute("pragma busy_timeout=30000")
        source.backup(target)
        target.execute("pragma journal_mode=delete")
    finally:
        target.close()
        source.close()


def _counts_sqlite(path: Path) -> tuple[str | None, dict[str, int]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        rev = (
            conn.execute("select version_num from alembic_version").fetchone() if "alembic_version" in tables else None
        )
        counts = {t: int(conn.execute(f"select count(*) from {t}").fetchone()[0]) for t in COUNTED if t in tables}
    finally:
        conn.close()
    return (rev[0] if rev else None), counts


def _copy_prefix(src: Path, dst: Path, length: int) -> None:
    with src.open("rb") as fin, dst.open("wb") as fout:
        left = length
        while left > 0:
            chunk = fin.read(min(_CHUNK, left))
            if not chunk:
                raise BackupError(f"segment {src.name} is shorter than its recorded length {length}")
            fout.write(chunk)
            left -= len(chunk)
        fout.flush()
        os.fsync(fout.fileno())


def _backup_blobs(blobs: Path, dest: Path) -> dict[str, int]:
    """The index, then each segment up to the length it had after the index was copied."""
    out = dest / BLOB_DIR
    (out / "segments").mkdir(parents=True)
    index = blobs / INDEX_FILE
    if index.exists():
        _sqlite_copy(index, out / INDEX_FILE)
    lengths: dict[str, int] = {}
    seg_dir = blobs / "segments"
    if seg_dir.is_dir():
        for seg in sorted(seg_dir.iterdir()):
            if seg.is_file():
                lengths[seg.name] = seg.stat().st_size
        for name, length in lengths.items():
            _copy_prefix(seg_dir / name, out / "segments" / name, length)
    return lengths


def _backup_postgres(url: str, dest: Path) -> tuple[str | None, dict[str, int]]:
    """``pg_dump --format=custom`` of an exported snapshot; the counts are read in that snapshot."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump not found: install the PostgreSQL client (apt-get install postgresql-client)")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("begin isolation level repeatable read read only")
            snapshot = conn.execute(text("select pg_export_snapshot()")).scalar_one()
            rev = conn.execute(text("select version_num from alembic_version")).scalar()
            existing = set(conn.execute(text("select tablename from pg_tables where schemaname = 'public'")).scalars())
            counts = {
                t: int(conn.execute(text(f"select count(*) from {t}")).scalar_one()) for t in COUNTED if t in existing
            }
            cmd = [pg_dump, "--format=custom", "--no-owner", f"--snapshot={snapshot}", "-f", str(dest / PG_DUMP_FILE)]
            proc = subprocess.run([*cmd, libpq_url(url)], capture_output=True, text=True, check=False)
            conn.exec_driver_sql("commit")
    finally:
        engine.dispose()
    if proc.returncode != 0:
        raise BackupError(f"pg_dump failed: {proc.stderr.strip()[-500:]}")
    return rev, counts


def _backup_home_files(home: Path, dest: Path, blobs: Path) -> None:
    """Configuration and organisation files of the home (templates, trained models, execdesk.toml)."""
    target = dest / HOME_FILES
    target.mkdir()
    if not home.is_dir():
        return
    for entry in home.iterdir():
        if entry.name in _SKIP_HOME or entry.resolve() == blobs.resolve():
            continue
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name, symlinks=True)
        elif entry.is_file():
            shutil.copy2(entry, target / entry.name)


def _file_sums(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): _sha256(p) for p in sorted(root.rglob("*")) if p.is_file() and p.name != MANIFEST}


def backup(settings: Settings, dest: Path) -> BackupResult:
    """Copy the home's database and blob store to ``dest`` (new or empty), consistently, while it runs."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: back up into a new directory")
    dest.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    url = settings.db_url
    if url.startswith("sqlite"):
        src = _sqlite_path(url)
        if not src.exists():
            raise BackupError(f"no database at {src}: nothing to back up")
        _sqlite_copy(src, dest / DB_FILE)
        revision, counts = _counts_sqlite(dest / DB_FILE)
        database = {"kind": "sqlite", "file": DB_FILE}
    elif url.startswith("postgres"):
        revision, counts = _backup_postgres(url, dest)
        database = {"kind": "postgresql", "file": PG_DUMP_FILE, "format": "custom"}
    else:
        raise BackupError(f"unsupported database URL scheme: {url.split(':', 1)[0]}")
    segments = _backup_blobs(settings.blobs_path, dest)
    _backup_home_files(settings.home, dest, settings.blobs_path)
    manifest: dict[str, Any] = {
        "format": 1,
        "execdesk_version": __version__,
        "created_at": started.isoformat(),
        "database": database,
        "schema_revision": revision,
        "counts": counts,
        "segments": segments,
        "files": _file_sums(dest),
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return BackupResult(dest, manifest)


def verify(src: Path) -> dict[str, Any]:
    """The manifest of a backup, after checking every file against its SHA-256. Raises BackupError."""
    path = Path(src) / MANIFEST
    if not path.exists():
        raise BackupError(f"{src} has no {MANIFEST}: not an execdesk backup")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != 1:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for rel, digest in manifest["files"].items():
        f = Path(src) / rel
        if not f.is_file():
            raise BackupError(f"backup file {rel} is missing")
        if _sha256(f) != digest:
            raise BackupError(f"backup file {rel} does not match its checksum: the copy is damaged")
    found = set(_file_sums(Path(src)))
    extra = found - set(manifest["files"])
    if extra:
        raise BackupError(f"backup holds files not in its manifest: {', '.join(sorted(extra)[:5])}")
    return manifest


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            n = conn.execute(text("select count(*) from pg_tables where schemaname = 'public'")).scalar_one()
    finally:
        engine.dispose()
    if n:
        raise BackupError("the target PostgreSQL database is not empty: restore into a new, empty database")


def restore(src: Path, home: Path, *, database_url: str | None = None) -> dict[str, Any]:
    """Bring a backup back into a new home (and, for PostgreSQL, a new empty database).

    Refuses a non-empty home, a damaged backup, and a result whose counts differ from the
    manifest's. Returns the manifest with ``restored_counts`` added.
    """
    src, home = Path(src), Path(home)
    manifest = verify(src)
    if home.exists() and any(home.iterdir()):
        raise BackupError(f"{home} is not empty: restore into a new directory")
    kind = manifest["database"]["kind"]
    if kind == "postgresql" and not (database_url or "").startswith("postgres"):
        raise BackupError("this backup holds a PostgreSQL dump: give --database-url of a new, empty database")
    if kind == "sqlite" and database_url and not database_url.startswith("sqlite"):
        raise BackupError("this backup holds a SQLite database: restore it without --database-url")
    home.mkdir(parents=True, exist_ok=True)
    files = src / HOME_FILES
    if files.is_dir():
        shutil.copytree(files, home, dirs_exist_ok=True, symlinks=True)
    config = home / "execdesk.toml"
    if config.exists():
        config.chmod(0o600)
    shutil.copytree(src / BLOB_DIR, home / "blobs")
    if kind == "sqlite":
        target = _sqlite_path(database_url) if database_url else home / DB_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise BackupError(f"{target} exists: restore into a new database file")
        _sqlite_copy(src / DB_FILE, target)
        _, counts = _counts_sqlite(target)
    else:
        assert database_url is not None
        _empty_postgres(database_url)
        pg_restore = shutil.which("pg_restore")
        if pg_restore is None:
            raise BackupError("pg_restore not found: install the PostgreSQL client")
        cmd = [pg_restore, "--no-owner", "--exit-on-error", "-d", libpq_url(database_url), str(src / PG_DUMP_FILE)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise BackupError(f"pg_restore failed: {proc.stderr.strip()[-500:]}")
        counts = _pg_counts(database_url)
    if counts != manifest["counts"]:
        raise BackupError(f"restored counts {counts} differ from the manifest's {manifest['counts']}")
    # Bring an older backup's schema up to this release.
    from execdesk.store import Store

    store = Store.open(load_settings(home, database_url=database_url))
    store.close()
    return {**manifest, "restored_counts": counts, "home": str(home)}


def _pg_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            existing = set(conn.execute(text("select tablename from pg_tables where schemaname = 'public'")).scalars())
            return {
                t: int(conn.execute(text(f"select count(*) from {t}")).scalar_one()) for t in COUNTED if t in existing
            }
    finally:
        engine.dispose()
