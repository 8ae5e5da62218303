"""Content-addressed blob store on the filesystem: raw messages and attachments.

Blobs are appended to **segment files** (``<root>/segments/<writer>-<n>.pack``) and found
through a small index (``<root>/index.sqlite3``: SHA-256 -> segment, offset, length).
Why not one file per blob (Maildir style): creating a file costs 0.1–1 ms on the
filesystems measured here — more than parsing the message — and a million messages
would be a million inodes to back up. Appending costs microseconds, and one
``fdatasync`` per batch makes a whole batch durable (see docs/decisions/0002).

Promises:

* ``put`` is idempotent: a blob already indexed is not written again.
* ``flush`` makes every blob put since the last flush durable (segment data synced,
  then the index committed). Ingest calls it before committing the database, so the
  database never references a blob that is not on disk. Bytes appended but never
  flushed (a crash) are unreferenced garbage, never a corrupt blob.
* ``delete`` overwrites the blob's bytes with zeros on disk and removes it from the
  index: erasure leaves no trace of the content.
* Each writer process appends to segments of its own, so workers never interleave writes;
  the index is SQLite in WAL mode, safe for several processes on one machine.
"""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

SEGMENT_LIMIT = 256 * 1024 * 1024  # start a new segment file past this size
_SCHEMA = """
create table if not exists blobs (
    sha256 text primary key,
    segment text not null,
    offset integer not null,
    length integer not null
);
"""


@dataclass(frozen=True, slots=True)
class BlobLocation:
    segment: str
    offset: int
    length: int


class BlobNotFound(KeyError):
    """No blob with this SHA-256 (never stored, or erased)."""


class BlobStore:
    def __init__(self, root: Path, *, fsync: bool = True) -> None:
        self.root = Path(root)
        self.fsync = fsync
        self.segments = self.root / "segments"
        self.segments.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._writer = f"{uuid.uuid4().hex[:12]}"
        self._seq = 0
        self._fh: io.BufferedWriter | None = None
        self._segment_name = ""
        self._segment_size = 0
        self._pending: dict[str, BlobLocation] = {}
        self._db = sqlite3.connect(self.root / "index.sqlite3", isolation_level=None, check_same_thread=False)
        self._db.execute("pragma journal_mode=wal")
        self._db.execute("pragma synchronous=full" if fsync else "pragma synchronous=off")
        self._db.execute("pragma busy_timeout=30000")
        self._db.executescript(_SCHEMA)

    # -- writing -----------------------------------------------------------------
    def put(self, data: bytes, sha256: str | None = None) -> str:
        """Store ``data`` (idempotent) and return its SHA-256 hex digest."""
        digest = sha256 or hashlib.sha256(data).hexdigest()
        with self._lock:
            if digest in self._pending or self._lookup(digest) is not None:
                return digest
            fh = self._segment_for(len(data))
            offset = self._segment_size
            fh.write(data)
            self._segment_size += len(data)
            self._pending[digest] = BlobLocation(self._segment_name, offset, len(data))
        return digest

    def _segment_for(self, size: int) -> io.BufferedWriter:
        if self._fh is None or (self._segment_size + size > SEGMENT_LIMIT and self._segment_size > 0):
            if self._fh is not None:
                self._fh.flush()
                self._sync(self._fh)
                self._fh.close()
            self._seq += 1
            self._segment_name = f"{self._writer}-{self._seq:06d}.pack"
            self._fh = open(self.segments / self._segment_name, "ab")  # noqa: SIM115 - kept open across puts
            self._segment_size = 0
        return self._fh

    def flush(self) -> None:
        """Make every blob put since the last flush durable: data first, then the index."""
        with self._lock:
            if not self._pending:
                return
            if self._fh is not None:
                self._fh.flush()
                self._sync(self._fh)
            rows = [(sha, loc.segment, loc.offset, loc.length) for sha, loc in self._pending.items()]
            self._db.execute("begin immediate")
            try:
                self._db.executemany("insert or ignore into blobs values (?, ?, ?, ?)", rows)
                self._db.execute("commit")
            except BaseException:
                self._db.execute("rollback")
                raise
            self._pending.clear()

    def _sync(self, fh: io.BufferedWriter) -> None:
        if self.fsync:
            os.fdatasync(fh.fileno())

    # -- reading -----------------------------------------------------------------
    def _lookup(self, sha256: str) -> BlobLocation | None:
        row = self._db.execute("select segment, offset, length from blobs where sha256 = ?", (sha256,)).fetchone()
        return BlobLocation(*row) if row else None

    def location(self, sha256: str) -> BlobLocation | None:
        with self._lock:
            return self._pending.get(sha256) or self._lookup(sha256)

    def exists(self, sha256: str) -> bool:
        return self.location(sha256) is not None

    def get(self, sha256: str) -> bytes:
        loc = self.location(sha256)
        if loc is None:
            raise BlobNotFound(sha256)
        if sha256 in self._pending and self._fh is not None:
            with self._lock:
                self._fh.flush()
        with open(self.segments / loc.segment, "rb") as fh:
            fh.seek(loc.offset)
            data = fh.read(loc.length)
        if len(data) != loc.length:
            raise BlobNotFound(f"{sha256}: segment {loc.segment} is truncated")
        return data

    def describe(self, sha256: str) -> str:
        loc = self.location(sha256)
        return f"{self.segments / loc.segment}@{loc.offset}+{loc.length}" if loc else "(not stored)"

    # -- erasure -----------------------------------------------------------------
    def delete(self, sha256: str) -> bool:
        """Overwrite the blob's bytes with zeros on disk and forget it. False if absent."""
        self.flush()
        loc = self.location(sha256)
        if loc is None:
            return False
        with self._lock:
            if self._fh is not None and loc.segment == self._segment_name:
                self._fh.flush()
            fd = os.open(self.segments / loc.segment, os.O_WRONLY)
            try:
                os.pwrite(fd, b"\0" * loc.length, loc.offset)
                os.fsync(fd)
            finally:
                os.close(fd)
            self._db.execute("delete from blobs where sha256 = ?", (sha256,))
        return True

    def count(self) -> int:
        return int(self._db.execute("select count(*) from blobs").fetchone()[0])

    def close(self) -> None:
        self.flush()
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None
            self._db.close()
