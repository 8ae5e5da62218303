"""What an ingest task does on a worker: load the raw bytes and call the ingest core.

:meth:`IngestSession.process_batch` is idempotent (a message already stored becomes another
arrival). Two more things make it safe with several workers on one PostgreSQL store:

* **a redelivered task changes nothing**: an item whose (raw SHA-256, source reference) already
  has an arrival was processed and committed by an earlier delivery, so it is skipped; a task
  killed before its commit left nothing and runs again in full; an item twice in one batch (its
  job re-queued while the batch was being pulled) is stored once;
* **concurrent workers agree**: each batch takes transaction-scoped advisory locks on its
  messages' SHA-256 and Message-ID before deduplication (two copies of one message in two
  batches: the second waits and then finds the first), and one store-wide lock before the
  first stage that writes cases (contacts, threads and cases are decided one batch at a time,
  like the campaign stage already is). Parsing and analysis — most of the CPU — run in parallel.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text

from execdesk.ingest.core import IngestSession
from execdesk.ingest.stages import default_pipeline
from execdesk.ingest.work import IngestResult, SourceRef
from execdesk.parse.identity import identify
from execdesk.pipeline import Pipeline, Stage
from execdesk.store.db import Store, lock_case_writes, lock_key
from execdesk.store.models import Arrival, Message, table_of
from execdesk.workers.message import REF_LIMIT, QueuedMessage

log = logging.getLogger("execdesk.workers")

_messages = table_of(Message)
_arrivals = table_of(Arrival)
_LOCK_ALL = text(
    "select pg_advisory_xact_lock(k) from unnest(cast(:keys as bigint[])) with ordinality as t(k, n) order by n"
)
_ALREADY = (
    select(_messages.c.raw_sha256, _arrivals.c.source_ref)
    .select_from(_arrivals.join(_messages, _arrivals.c.message_pk == _messages.c.id))
    .where(_messages.c.raw_sha256.in_(bindparam("shas", expanding=True)))
)


def _serialise(works: list[Any], env: Any) -> None:
    lock_case_writes(env.conn)


def worker_pipeline() -> Pipeline:
    """The default pipeline with a store-wide lock before the first stage that writes cases."""
    stages = list(default_pipeline().stages)
    at = next((i for i, s in enumerate(stages) if s.name == "cases"), None)
    if at is None:
        at = next((i for i, s in enumerate(stages) if not s.pure), len(stages))
    lock = Stage("serialise", (), (), _serialise, "one batch at a time writes cases (several workers)")
    return Pipeline([*stages[:at], lock, *stages[at:]])


def ingest_queued(store: Store, items: list[QueuedMessage], *, pipeline: Pipeline | None = None) -> list[IngestResult]:
    """Store the queued messages exactly once; returns results for the items not seen before."""
    if not items:
        return []
    session = IngestSession(store, pipeline=pipeline or worker_pipeline())
    try:
        conn = session.conn
        loaded = [(item, store.blobs.get(item.sha256)) for item in items]
        if conn.dialect.name == "postgresql":
            keys = {lock_key("sha:" + item.sha256) for item in items}
            keys |= {lock_key("mid:" + mid) for _, raw in loaded if (mid := identify(raw).message_id)}
            # One statement, keys in one order for everyone (no deadlock between batches); the
            # lock function is volatile, so PostgreSQL calls it after the sort, row by row.
            conn.execute(_LOCK_ALL, {"keys": sorted(keys)})
        seen = {  # stored by an earlier delivery, then each item of this batch as it is taken
            (r.raw_sha256, r.source_ref) for r in conn.execute(_ALREADY, {"shas": sorted({i.sha256 for i in items})})
        }
        incoming = []
        for item, raw in loaded:
            key = (item.sha256, item.ref[:REF_LIMIT])
            if key in seen:  # stored already, or twice in this batch (its job re-queued and pulled again)
                continue
            seen.add(key)
            incoming.append((raw, SourceRef(item.kind, item.ref), datetime.fromisoformat(item.received_at)))
        if len(incoming) < len(items):
            log.info("%d message(s) of a redelivered task were already stored", len(items) - len(incoming))
        results = session.process_batch(incoming) if incoming else []
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return results
