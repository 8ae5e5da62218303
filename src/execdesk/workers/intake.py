"""The producer side: a source hands raw messages to the queue instead of ingesting inline.

Order, which is what makes it lossless: the raw bytes are written to the blob store and made
durable (``flush``: fsync) **before** the task is enqueued, and the task is committed in
PostgreSQL before the source acknowledges (SMTP 250, IMAP flag, the import's progress). A
crash before the enqueue leaves only an unreferenced blob, and the source still holds the
message; a crash after it leaves a task that a worker will run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any

from execdesk.ingest.work import SourceRef
from execdesk.settings import Settings
from execdesk.store.db import Store, utcnow
from execdesk.workers.message import REF_LIMIT, QueuedMessage

if TYPE_CHECKING:  # procrastinate is imported only when a queue is configured
    import procrastinate

Item = tuple[bytes, SourceRef] | tuple[bytes, SourceRef, datetime | None]

_APPS: dict[str, Any] = {}
_APPS_LOCK = Lock()


def queue_enabled(settings: Settings) -> bool:
    """True when sources must enqueue instead of ingesting inline (``queue.backend``)."""
    return settings.queue.backend != "none"


def producer(settings: Settings) -> procrastinate.App:
    """One open, synchronous app per process and database (a connection pool, reused)."""
    from execdesk.workers.app import conninfo, ensure_schema, make_app

    key = conninfo(settings)
    with _APPS_LOCK:
        app = _APPS.get(key)
        if app is None:
            ensure_schema(settings)
            app = make_app(settings, sync=True)
            app.open()
            _APPS[key] = app
        return app


def enqueue_messages(store: Store, settings: Settings, items: Sequence[Item]) -> list[QueuedMessage]:
    """Store the raw bytes durably, then enqueue one ingest task carrying their SHA-256s."""
    if not items:
        return []
    now = utcnow()
    queued: list[QueuedMessage] = []
    for item in items:
        raw, source = item[0], item[1]
        at = item[2] if len(item) > 2 and item[2] is not None else now
        sha = store.blobs.put(raw)
        queued.append(QueuedMessage(sha, source.kind, source.ref[:REF_LIMIT], at.isoformat()))
    store.blobs.flush()  # durable before anyone is told about them
    from execdesk.workers.app import INGEST_TASK

    app = producer(settings)
    payload: list[Any] = [q.to_json() for q in queued]
    app.configure_task(name=INGEST_TASK, queue=settings.queue.ingest_queue).defer(items=payload)
    return queued


def close_producers() -> None:
    """Close the producers' pools (end of a command, tests)."""
    with _APPS_LOCK:
        apps = list(_APPS.values())
        _APPS.clear()
    for app in apps:
        app.close()


def enqueue_paths(store: Store, settings: Settings, paths: Sequence[Path]) -> dict[str, Any]:
    """``execdesk import --enqueue``: one task per ``ingest.batch_size`` messages; the summary for ``--json``."""
    from execdesk.ingest.files import iter_raw_messages

    started = time.perf_counter()
    batch = max(1, settings.ingest.batch_size)
    pending: list[Item] = []
    queued = tasks = 0
    skipped: list[dict[str, str]] = []
    for item in iter_raw_messages(paths, max_message_bytes=settings.limits.max_message_bytes):
        if item.raw is None:
            skipped.append({"source": item.source.ref, "reason": item.skipped or "skipped"})
            continue
        pending.append((item.raw, item.source))
        if len(pending) >= batch:
            queued += len(enqueue_messages(store, settings, pending))
            tasks += 1
            pending = []
    if pending:
        queued += len(enqueue_messages(store, settings, pending))
        tasks += 1
    return {
        "queued": queued,
        "tasks": tasks,
        "skipped": len(skipped),
        "skipped_files": skipped[:100],
        "seconds": round(time.perf_counter() - started, 3),
    }
