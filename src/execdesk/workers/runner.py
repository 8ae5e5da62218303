"""``execdesk worker``: one process running queued tasks until SIGINT/SIGTERM (ingest, and the
periodic send, digest and SLA sweep of :mod:`.periodic`, reanalysis), recording why a task failed.

At-least-once: a job is marked done only after its task returned (the batch committed). A
worker that dies (SIGKILL, power) stops sending heartbeats; every running worker looks for
workers silent longer than ``queue.stalled_after_s`` and puts their running jobs back in the
queue, where the idempotent ingest task runs them again (docs/decisions/1000-task-queue.md). A
worker that was only late, not dead, takes back what it holds on paper only (:mod:`.custody`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import procrastinate
from procrastinate.worker import Worker

from execdesk.campaigns.runtime import flush_runtime
from execdesk.ops.redact import redact
from execdesk.settings import Settings
from execdesk.workers.app import ensure_schema, make_app
from execdesk.workers.custody import WorkerRef, ensure_registered, hold_job, put_back, reclaim_unheld

log = logging.getLogger("execdesk.workers")


async def recover_stalled(app: procrastinate.App, settings: Settings) -> int:
    """Put the jobs of dead workers back in the queue; returns how many."""
    jobs = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=settings.queue.stalled_after_s)
    n = 0
    for job in jobs:  # one by one: a job finished meanwhile by a worker that was only late stops no other
        if job.id is not None and await put_back(app, job.id, job.worker_id):
            n += 1
    if n:
        log.warning("re-queued %d job(s) of worker(s) silent for %.0f s", n, settings.queue.stalled_after_s)
    return n


async def _recovery_loop(app: procrastinate.App, settings: Settings, ref: WorkerRef) -> None:
    """Every heartbeat: take back the jobs of dead workers, and this worker's own jobs that it is not
    running; register again if another worker took this one for dead."""
    while True:
        try:
            if ref.worker_id is not None:
                ref.registered_as = ref.worker_id
            await ensure_registered(app.connector, ref.worker_id)
            await recover_stalled(app, settings)
            await reclaim_unheld(app, ref)
        except Exception:
            log.exception("stalled-job recovery failed; trying again")
        await asyncio.sleep(max(1.0, settings.queue.heartbeat_s))


async def record_failure(
    call_next: Callable[[], Awaitable[Any]], context: procrastinate.JobContext, worker: Worker
) -> Any:
    """Worker middleware: keep the error of a failed attempt beside its job (procrastinate records the
    status, not why), redacted like the logs, for ``execdesk jobs failed``."""
    try:
        return await call_next()
    except BaseException as exc:
        job = context.job
        if job is not None and job.id is not None and not isinstance(exc, asyncio.CancelledError):
            error = redact(f"{type(exc).__name__}: {exc}")[:2000]
            try:
                await context.app.connector.execute_query_async(
                    _RECORD_ERROR, job_id=job.id, attempt=(job.attempts or 0) + 1, error=error
                )
            except Exception:
                log.exception("could not record the error of job %s", job.id)
        raise


_RECORD_ERROR = """
insert into execdesk_job_errors (job_id, attempt, error, at) values (%(job_id)s, %(attempt)s, %(error)s, now())
on conflict (job_id) do update set attempt = excluded.attempt, error = excluded.error, at = excluded.at
"""


def prepare(settings: Settings) -> float:
    """Open the store and load the analysis and campaign kernels before the worker registers; returns the
    seconds it took. Done in the first batch instead, it holds the interpreter for seconds (kernels loaded
    or compiled, models read) while the worker's heartbeat is due: on a loaded host other workers took a
    worker just started for dead (CI, 2026-12-01; docs/decisions/1004-job-custody.md)."""
    from execdesk import native
    from execdesk.workers.tasks import store_for

    t = time.perf_counter()
    store_for(settings)
    native.warm_up()
    seconds = time.perf_counter() - t
    log.info("worker ready in %.1f s (store opened, analysis and campaign kernels loaded)", seconds)
    return seconds


def default_queues(settings: Settings) -> list[str]:
    """Every queue execdesk defers to: ingest, and the other tasks (send, digest, SLA, reanalysis)."""
    return [settings.queue.ingest_queue, settings.queue.tasks_queue]


async def run_async(
    settings: Settings, *, concurrency: int = 1, queues: Sequence[str] | None = None, wait: bool = True
) -> WorkerRef:
    """Run a worker; ``wait=False`` returns once the queues are empty (tests, one-off drains)."""
    app = make_app(settings)
    ref = WorkerRef()
    async with app.open_async():
        worker = Worker(
            app,
            queues=list(queues) if queues else default_queues(settings),
            wait=wait,
            worker_middleware=[record_failure, hold_job],
            name=f"execdesk@{socket.gethostname()}:{os.getpid()}",
            concurrency=concurrency,
            delete_jobs="never" if settings.queue.keep_finished_jobs else "successful",
            additional_context={"execdesk": ref},
            update_heartbeat_interval=settings.queue.heartbeat_s,
            stalled_worker_timeout=settings.queue.stalled_after_s,
        )
        ref.worker = worker
        recovery = asyncio.create_task(_recovery_loop(app, settings, ref))
        try:
            await worker.run()
        finally:
            recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recovery
            if ref.registered_as is not None:  # the loop may have registered it again while it shut down
                try:
                    await app.job_manager.unregister_worker(ref.registered_as)
                except Exception:  # the database is gone: the next worker to start prunes the row
                    log.warning("could not unregister worker %s at shutdown", ref.registered_as, exc_info=True)
    flush_runtime(settings.db_url, settings.home)
    return ref


def run(
    settings: Settings, *, concurrency: int = 1, queues: Sequence[str] | None = None, wait: bool = True
) -> WorkerRef:
    """Run a worker in the foreground until it is asked to stop (or, ``wait=False``, the queues are empty)."""
    ensure_schema(settings)
    prepare(settings)
    return asyncio.run(run_async(settings, concurrency=concurrency, queues=queues, wait=wait))
