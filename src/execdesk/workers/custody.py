"""Which queued jobs this worker holds, so that none stays ``doing`` under a worker that is not running it.

procrastinate marks a job ``doing`` with the id of the worker that fetched it, and other workers take
it back only when that worker falls silent (runner.recover_stalled). A worker that is alive but late
(its event loop starved for longer than ``queue.stalled_after_s`` on a loaded host) is taken for dead
while it keeps working:

* its running jobs are put back in the queue and run by another worker; when it ends its own batch,
  finishing one of them fails. Before this module, that failure left the rest of the batch's jobs
  ``doing`` under a live worker, which no one ever took back (CI, 2026-12-01: 66 jobs held forever);
* a worker starting at that moment deletes its row (procrastinate prunes silent workers), and its
  next fetch broke the foreign key of ``procrastinate_jobs.worker_id`` and stopped it.

So a worker finishes or releases the jobs it pulled one by one, a failure going no further than its
own job (:func:`finish`, :func:`release`); it audits the jobs recorded under its id and puts back
those it does not hold (:func:`reclaim_unheld`); it re-registers under its own id when its row was deleted
(:class:`CustodialJobManager`, :func:`ensure_registered`). Putting back a job is safe because every
execdesk task may run twice (at-least-once; docs/decisions/1004-job-custody.md).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import procrastinate
import psycopg.errors
from procrastinate import exceptions, manager
from procrastinate.jobs import Job, Status
from procrastinate.worker import Worker

log = logging.getLogger("execdesk.workers")


@dataclass
class WorkerRef:
    """Lets a task reach the worker running it (its id claims extra jobs for a batch), and records
    the jobs this worker holds: those it is running and those a batch pulled."""

    worker: Any = None
    batches: int = 0
    messages: int = 0
    held: set[int] = field(default_factory=set)
    #: Jobs recorded under this worker but not held at the last audit: put back if still so at the next.
    unheld_seen: set[int] = field(default_factory=set)
    #: The id the worker ran under (procrastinate forgets it at shutdown): its row is deleted once more at the end.
    registered_as: int | None = None

    @property
    def worker_id(self) -> int | None:
        worker_id = getattr(self.worker, "worker_id", None)
        return int(worker_id) if worker_id is not None else None


def ref_of(context: procrastinate.JobContext) -> WorkerRef | None:
    ref = context.additional_context.get("execdesk")
    return ref if isinstance(ref, WorkerRef) else None


async def hold_job(call_next: Callable[[], Awaitable[Any]], context: procrastinate.JobContext, worker: Worker) -> Any:
    """Worker middleware: the job is held while its task runs."""
    ref, job_id = ref_of(context), context.job.id if context.job is not None else None
    if ref is None or job_id is None:
        return await call_next()
    ref.held.add(job_id)
    try:
        return await call_next()
    finally:
        ref.held.discard(job_id)


async def finish(app: procrastinate.App, jobs: Iterable[Job], *, delete: bool, ref: WorkerRef | None) -> None:
    """Mark each job done, one by one: one that cannot be (another worker took it meanwhile) is logged and
    put back if it is still this worker's, and the others are still marked."""
    for job in jobs:
        assert job.id is not None
        try:
            await app.job_manager.finish_job(job, status=Status.SUCCEEDED, delete_job=delete)
        except Exception as exc:  # one job's failure must not leave the others held
            log.warning("job %s was no longer this worker's (taken for dead while it ran?): %s", job.id, _cause(exc))
            await put_back(app, job.id, ref.worker_id if ref is not None else None)
        finally:
            _unhold(ref, job)


async def release(app: procrastinate.App, jobs: Iterable[Job], *, ref: WorkerRef | None) -> None:
    """Put each job back in the queue if it is still this worker's, and stop holding it."""
    owner = ref.worker_id if ref is not None else None
    for job in jobs:
        assert job.id is not None
        try:
            await put_back(app, job.id, owner)
        finally:
            _unhold(ref, job)


def _unhold(ref: WorkerRef | None, job: Job) -> None:
    if ref is not None and job.id is not None:
        ref.held.discard(job.id)


_STILL_HELD_BY = """
select id from procrastinate_jobs
where id = %(job_id)s and status = 'doing' and worker_id is not distinct from %(owner)s
for update
"""
_PUT_BACK = (
    "with held as (" + _STILL_HELD_BY + ") "
    "select procrastinate_retry_job_v2(id, now(), null::integer, null::varchar, null::varchar) from held"
)
_END_ABORTED = (
    "with held as (" + _STILL_HELD_BY + ") "
    "select procrastinate_finish_job_v1(id, 'aborted'::procrastinate_job_status, false) from held"
)


async def put_back(app: procrastinate.App, job_id: int, owner: int | None) -> bool:
    """Queue a job again if it is still recorded ``doing`` under ``owner`` (None: under no worker); False if
    it is not (any more).

    The check and the re-queue are one statement holding the job's row lock: between a list of stalled jobs
    and the re-queue of each, another worker may already have re-queued one and fetched it, and a plain
    ``retry_job`` would then take it from under that worker while it runs (two workers on one message;
    seen in the kill test). A periodic task keeps at most one job queued (its ``queueing_lock``): when the
    next tick is already queued, this one cannot be, and is ended ``aborted`` instead (the queued tick does
    its work; ticks are claimed, decision 1001). Otherwise it would stay ``doing`` for good (procrastinate
    issue 1446)."""
    try:
        rows = await app.connector.execute_query_all_async(_PUT_BACK, job_id=job_id, owner=owner)
    except Exception as exc:
        queued_already = isinstance(exc, exceptions.UniqueViolation) and (
            exc.constraint_name == manager.QUEUEING_LOCK_CONSTRAINT
        )
        if not queued_already:
            log.info("job %s not put back: %s", job_id, _cause(exc))
            return False
        try:
            rows = await app.connector.execute_query_all_async(_END_ABORTED, job_id=job_id, owner=owner)
        except Exception as exc2:
            log.info("job %s not ended: %s", job_id, _cause(exc2))
            return False
        if rows:
            log.info("job %s ended aborted: the same periodic task is queued already", job_id)
    return bool(rows)


_OWN_DOING = "select id from procrastinate_jobs where status = 'doing' and worker_id = %(worker_id)s"


async def reclaim_unheld(app: procrastinate.App, ref: WorkerRef) -> int:
    """Put back the jobs recorded ``doing`` under this worker that it has held at none of two audits
    (one round apart, so a job between its fetch and its task, or between its task and its status
    update, is not taken); returns how many."""
    worker_id = ref.worker_id
    if worker_id is None:
        return 0
    rows = await app.connector.execute_query_all_async(_OWN_DOING, worker_id=worker_id)
    unheld = {int(row["id"]) for row in rows} - ref.held
    stale, ref.unheld_seen = unheld & ref.unheld_seen, unheld - ref.unheld_seen
    n = 0
    for job_id in sorted(stale):
        if job_id not in ref.held and await put_back(app, job_id, worker_id):
            n += 1
    if n:
        log.warning("put back %d job(s) recorded under this worker that it was not running", n)
    return n


_REGISTER_AGAIN = """
insert into procrastinate_workers (id, last_heartbeat) overriding system value values (%(worker_id)s, now())
on conflict (id) do nothing returning id
"""


async def ensure_registered(connector: procrastinate.BaseConnector, worker_id: int | None) -> bool:
    """Register this worker again under its own id if its row was deleted (another worker took it for
    dead); True if it had to."""
    if worker_id is None:
        return False
    if not await connector.execute_query_all_async(_REGISTER_AGAIN, worker_id=worker_id):
        return False
    log.warning("worker %s was taken for dead (late heartbeat) and registered again", worker_id)
    return True


class CustodialJobManager(manager.JobManager):
    """procrastinate's job manager, except that a fetch refused because this worker's row was deleted
    registers the worker again and fetches once more, instead of stopping the worker."""

    async def fetch_job(self, queues: Iterable[str] | None, worker_id: int) -> Job | None:
        try:
            return await super().fetch_job(queues, worker_id)
        except exceptions.ConnectorException as exc:
            if not isinstance(exc.__cause__, psycopg.errors.ForeignKeyViolation):
                raise
            await ensure_registered(self.connector, worker_id)
            return await super().fetch_job(queues, worker_id)


def _cause(exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    return " ".join(str(cause).split())[:300]
