"""The ingest and reanalysis tasks (send, digest and SLA sweep: :mod:`.periodic`).

A worker pulls more queued ingest jobs into the batch it is about to run (up to
``ingest.batch_size`` messages): a flood arriving one SMTP message per task is still stored
with one transaction per few hundred messages. The jobs it pulled are marked done only after
the batch committed; if the batch fails they go back to the queue; if the worker is killed
they are handed to another worker with the one it was running (heartbeat; see runner). Each is
finished or released on its own, so one taken meanwhile by another worker holds up none of the others (custody).
"""

from __future__ import annotations

import asyncio
import logging
from threading import Lock
from typing import Any

import procrastinate
from procrastinate.jobs import Job

from execdesk.settings import Settings
from execdesk.store.db import Store
from execdesk.workers.app import INGEST_TASK, REANALYZE_TASK
from execdesk.workers.custody import WorkerRef, finish, ref_of, release
from execdesk.workers.ingest import ingest_queued
from execdesk.workers.message import QueuedMessage

log = logging.getLogger("execdesk.workers")

_STORES: dict[str, Store] = {}
_STORES_LOCK = Lock()


def store_for(settings: Settings) -> Store:
    """One store per worker process (engine pool, blob store, campaign state are shared by tasks). Opening it
    reads the database: call it in a task's thread, never on the event loop that sends the heartbeat."""
    key = f"{settings.db_url}|{settings.home}"
    with _STORES_LOCK:
        if key not in _STORES:
            _STORES[key] = Store.open(settings)
        return _STORES[key]


def close_stores() -> None:
    """Close the worker's stores (end of an in-process worker: tests, one-off drains)."""
    with _STORES_LOCK:
        stores = list(_STORES.values())
        _STORES.clear()
    for store in stores:
        store.close()


def _items(job: Job) -> list[dict[str, Any]]:
    items = job.task_kwargs.get("items")
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


async def _pull_more(app: procrastinate.App, ref: WorkerRef | None, queue: str, room: int, extra: list[Job]) -> None:
    """Claim queued ingest jobs (as this worker) into ``extra`` until about ``room`` more messages are
    in the batch; each is held from the moment it is claimed."""
    worker_id = ref.worker_id if ref is not None else None
    while room > 0 and worker_id is not None:
        job = await app.job_manager.fetch_job(queues=[queue], worker_id=worker_id)
        if job is None:
            break
        if job.task_name != INGEST_TASK:  # not ours to batch: back to the queue at once
            await release(app, [job], ref=ref)
            break
        extra.append(job)
        if ref is not None and job.id is not None:
            ref.held.add(job.id)
        room -= len(_items(job))


def register(app: procrastinate.App, settings: Settings) -> None:
    queue = settings.queue.ingest_queue
    delete = not settings.queue.keep_finished_jobs

    @app.task(
        name=INGEST_TASK,
        queue=queue,
        pass_context=True,
        retry=procrastinate.RetryStrategy(max_attempts=5, wait=2, exponential_wait=2),
    )
    async def ingest(context: procrastinate.JobContext, items: list[dict[str, Any]]) -> int:
        ref = ref_of(context)
        batch = [QueuedMessage.from_json(i) for i in items]
        extra: list[Job] = []
        try:
            await _pull_more(context.app, ref, queue, settings.ingest.batch_size - len(batch), extra)
            for job in extra:
                batch.extend(QueuedMessage.from_json(i) for i in _items(job))
            results = await asyncio.to_thread(lambda: ingest_queued(store_for(settings), batch))
        except BaseException:
            # the pulled jobs go back to the queue; this job fails (and is retried)
            await release(context.app, extra, ref=ref)
            raise
        await finish(context.app, extra, delete=delete, ref=ref)
        if ref is not None:
            ref.batches += 1
            ref.messages += len(batch)
        log.info(
            "ingest task: %d message(s) from %d job(s), %d new arrival(s)", len(batch), 1 + len(extra), len(results)
        )
        return len(results)

    @app.task(
        name=REANALYZE_TASK,
        queue=settings.queue.tasks_queue,
        retry=procrastinate.RetryStrategy(max_attempts=3, wait=5),
    )
    async def reanalyze(first_id: int, last_id: int) -> int:
        """Analyse stored messages ``first_id..last_id`` again (idempotent: a retry stores the same)."""
        from execdesk.ingest.reanalyze import reanalyze_range

        result = await asyncio.to_thread(lambda: reanalyze_range(store_for(settings), int(first_id), int(last_id)))
        return result.messages
