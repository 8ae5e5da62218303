"""``execdesk worker``: one process running queued tasks until SIGINT/SIGTERM.

At-least-once: a job is marked done only after its task returned (the batch committed). A
worker that dies (SIGKILL, power) stops sending heartbeats; every running worker looks for
workers silent longer than ``queue.stalled_after_s`` and puts their running jobs back in the
queue, where the idempotent ingest task runs them again (docs/decisions/1000-task-queue.md).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Sequence

import procrastinate
from procrastinate.worker import Worker

from execdesk.campaigns.runtime import flush_runtime
from execdesk.settings import Settings
from execdesk.workers.app import ensure_schema, make_app
from execdesk.workers.tasks import WorkerRef

log = logging.getLogger("execdesk.workers")


async def recover_stalled(app: procrastinate.App, settings: Settings) -> int:
    """Put the jobs of dead workers back in the queue; returns how many."""
    jobs = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=settings.queue.stalled_after_s)
    n = 0
    for job in jobs:
        await app.job_manager.retry_job(job)
        n += 1
    if n:
        log.warning("re-queued %d job(s) of worker(s) silent for %.0f s", n, settings.queue.stalled_after_s)
    return n


async def _recovery_loop(app: procrastinate.App, settings: Settings) -> None:
    while True:
        try:
            await recover_stalled(app, settings)
        except Exception:
            log.exception("stalled-job recovery failed; trying again")
        await asyncio.sleep(max(1.0, settings.queue.heartbeat_s))


async def run_async(settings: Settings, *, concurrency: int = 1, queues: Sequence[str] | None = None) -> WorkerRef:
    app = make_app(settings)
    ref = WorkerRef()
    async with app.open_async():
        worker = Worker(
            app,
            queues=list(queues) if queues else [settings.queue.ingest_queue],
            name=f"execdesk@{socket.gethostname()}:{os.getpid()}",
            concurrency=concurrency,
            delete_jobs="never" if settings.queue.keep_finished_jobs else "successful",
            additional_context={"execdesk": ref},
            update_heartbeat_interval=settings.queue.heartbeat_s,
            stalled_worker_timeout=settings.queue.stalled_after_s,
        )
        ref.worker = worker
        recovery = asyncio.create_task(_recovery_loop(app, settings))
        try:
            await worker.run()
        finally:
            recovery.cancel()
    flush_runtime(settings.db_url, settings.home)
    return ref


def run(settings: Settings, *, concurrency: int = 1, queues: Sequence[str] | None = None) -> WorkerRef:
    """Run a worker in the foreground until it is asked to stop."""
    ensure_schema(settings)
    return asyncio.run(run_async(settings, concurrency=concurrency, queues=queues))
