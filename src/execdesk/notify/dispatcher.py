"""Delivering webhooks after an ingest commit without ever making ingest wait.

:func:`after_ingest` queues the new alerts' deliveries in one short transaction, then hands
the sending to one background thread per process (its own database engine; poked again when
more arrive while it runs). Whatever it has not sent when the process ends stays queued:
the breach sweep (``execdesk sla check``, ``execdesk serve``, workers) and ``execdesk
webhooks send`` deliver it. At exit the process waits for the thread at most one request
timeout.
"""

from __future__ import annotations

import atexit
import logging
import threading

from execdesk.notify.webhooks import deliver_due, enqueue
from execdesk.settings import Settings
from execdesk.store.db import Store, make_engine

log = logging.getLogger("execdesk.webhooks")

_lock = threading.Lock()
_wanted = threading.Event()
_thread: threading.Thread | None = None
_timeout = 10.0


def after_ingest(store: Store, settings: Settings) -> int:
    """Queue deliveries for new alerts and send them in the background (or here, when
    ``webhooks.background`` is off). Returns the number queued. Raises nothing."""
    if not settings.webhooks.enabled:
        return 0
    try:
        with store.transaction() as conn:
            queued = enqueue(conn)
    except Exception:
        log.exception("could not queue webhook deliveries (the alerts are stored; the sweep retries)")
        return 0
    if queued:
        if settings.webhooks.background:
            kick(store, settings)
        else:
            try:
                deliver_due(store, settings)
            except Exception:
                log.exception("webhook delivery failed (queued deliveries are retried)")
    return queued


def kick(store: Store, settings: Settings) -> None:
    """Make sure the background sender runs (once more, if it is running now)."""
    global _thread, _timeout
    with _lock:
        _wanted.set()
        _timeout = settings.webhooks.timeout_seconds
        if _thread is not None and _thread.is_alive():
            return
        _thread = threading.Thread(
            target=_run, args=(Store(settings, make_engine(settings.db_url), store.blobs), settings), daemon=True
        )
        _thread.name = "execdesk-webhooks"
        _thread.start()


def _run(store: Store, settings: Settings) -> None:
    global _thread
    try:
        while True:
            with _lock:
                if not _wanted.is_set():
                    _thread = None
                    return
                _wanted.clear()
            try:
                deliver_due(store, settings)
            except Exception:
                log.exception("webhook delivery failed (queued deliveries are retried)")
    finally:
        store.engine.dispose()


def wait(timeout: float | None = None) -> bool:
    """Wait for the background sender to finish; True when it has (tests, shutdown)."""
    t = _thread
    if t is None:
        return True
    t.join(_timeout + 5 if timeout is None else timeout)
    return not t.is_alive()


atexit.register(wait)
