"""The SLA breach sweep and ingest's case writes never interleave (PostgreSQL).

Found by the workers' load test: a sweep on one worker and an ingest batch on the other updated the
same cases in different orders and PostgreSQL aborted one of them (``deadlock detected``). Both now
take the store's case-writing lock (``store.db.lock_case_writes``) for their transaction."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from execdesk.routing.breaches import check_breaches
from execdesk.store.db import lock_case_writes


def test_the_sweep_waits_for_a_transaction_that_writes_cases(store: Any) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time already")
    finished = threading.Event()

    def sweep() -> None:
        check_breaches(store, deliver=False)
        finished.set()

    with store.transaction() as conn:
        lock_case_writes(conn)  # as an ingest batch holds it from its cases stage to its commit
        worker = threading.Thread(target=sweep)
        worker.start()
        time.sleep(1.0)
        waited = not finished.is_set()
    worker.join(timeout=30)
    assert waited, "the sweep ran while another transaction held the case-writing lock"
    assert finished.is_set(), "the sweep did not run once the lock was released"
