"""What is in the task queue, which tasks failed and why, and putting failed tasks back.

A task that failed all its attempts stays in ``procrastinate_jobs`` with status ``failed``
(finished jobs are deleted, failed ones never are); the error of its last attempt is in
``execdesk_job_errors`` (written by the worker: :func:`execdesk.workers.runner.record_failure`).
Retrying one is procrastinate's own ``retry_job`` (``failed`` -> ``todo``, one more attempt,
a ``retried`` event); every execdesk task is idempotent, so running one again is safe.

Per-message failures are not task failures: they are in quarantine (``execdesk quarantine``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from execdesk.settings import Settings
from execdesk.workers.app import conninfo, ensure_schema

_COUNTS = """
select task_name, status::text as status, count(*) as jobs,
       min(scheduled_at) filter (where status = 'todo') as earliest_scheduled
from procrastinate_jobs group by 1, 2 order by 1, 2
"""
_OLDEST_WAITING = """
select j.id, j.task_name, min(e.at) as since
from procrastinate_jobs j join procrastinate_events e on e.job_id = j.id
where j.status = 'todo' and (j.scheduled_at is null or j.scheduled_at <= now())
group by j.id, j.task_name order by since limit 1
"""
_WORKERS = """
select w.id, w.last_heartbeat, count(j.id) as running
from procrastinate_workers w left join procrastinate_jobs j on j.worker_id = w.id and j.status = 'doing'
group by w.id, w.last_heartbeat order by w.id
"""
_DOING_WITHOUT_WORKER = "select count(*) as n from procrastinate_jobs where status = 'doing' and worker_id is null"
_FAILED = """
select j.id, j.task_name, j.queue_name, j.attempts, j.args,
       (select max(e.at) from procrastinate_events e where e.job_id = j.id and e.type = 'failed') as failed_at,
       x.error, x.attempt as error_attempt
from procrastinate_jobs j left join execdesk_job_errors x on x.job_id = j.id
where j.status = 'failed' {where}
order by j.id
limit %(limit)s
"""


def _connect(settings: Settings) -> psycopg.Connection[dict[str, Any]]:
    ensure_schema(settings)
    return psycopg.connect(conninfo(settings), autocommit=True, row_factory=dict_row)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def summary(settings: Settings, *, now: datetime | None = None) -> dict[str, Any]:
    """Jobs per task and status, how long the oldest job due to run has been waiting, and the registered
    workers: when each was last heard from and how many jobs are recorded as running under it (a worker
    silent for longer than ``queue.stalled_after_s`` is taken for dead and its jobs handed on; jobs
    running under no worker are waiting for that; docs/decisions/1004-job-custody.md)."""
    with _connect(settings) as conn:
        rows = conn.execute(_COUNTS).fetchall()
        oldest = conn.execute(_OLDEST_WAITING).fetchone()
        workers = conn.execute(_WORKERS).fetchall()
        orphans = conn.execute(_DOING_WITHOUT_WORKER).fetchone()
        now = now or conn.execute("select now() as now").fetchone()["now"]  # type: ignore[index]
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["status"]] = totals.get(r["status"], 0) + int(r["jobs"])
    assert now is not None
    return {
        "tasks": [{"task": r["task_name"], "status": r["status"], "jobs": int(r["jobs"])} for r in rows],
        "totals": totals,
        "oldest_waiting": None
        if oldest is None
        else {
            "id": int(oldest["id"]),
            "task": oldest["task_name"],
            "since": _iso(oldest["since"]),
            "age_seconds": round(max(0.0, (now - oldest["since"]).total_seconds()), 1),
        },
        "workers": [
            {
                "id": int(w["id"]),
                "heartbeat_age_seconds": round(max(0.0, (now - w["last_heartbeat"]).total_seconds()), 1),
                "running": int(w["running"]),
            }
            for w in workers
        ],
        "running_without_worker": int(orphans["n"]) if orphans is not None else 0,
    }


def _args(args: dict[str, Any]) -> dict[str, Any]:
    """A job's arguments for display: an ingest job's message list as its length (refs may name people)."""
    out = dict(args or {})
    if isinstance(out.get("items"), list):
        out["items"] = len(out["items"])
    return out


def failed(settings: Settings, ids: Sequence[int] | None = None, *, limit: int = 1000) -> list[dict[str, Any]]:
    """Failed jobs, oldest first: id, task, queue, attempts, when it failed, its last error."""
    params: dict[str, Any] = {"limit": limit}
    where = ""
    if ids is not None:
        where, params["ids"] = "and j.id = any(%(ids)s)", list(ids)
    with _connect(settings) as conn:
        rows = conn.execute(_FAILED.format(where=where), params).fetchall()
    return [
        {
            "id": int(r["id"]),
            "task": r["task_name"],
            "queue": r["queue_name"],
            "attempts": int(r["attempts"]),
            "failed_at": _iso(r["failed_at"]),
            "error": r["error"],
            "args": _args(r["args"]),
        }
        for r in rows
    ]


def retry(settings: Settings, ids: Sequence[int] | None = None) -> dict[str, list[int]]:
    """Put failed jobs back to ``todo`` (all of them when ``ids`` is None); which were retried, and
    which of the named ids are not failed jobs."""
    import procrastinate

    wanted = failed(settings, ids, limit=1_000_000)
    found = [j["id"] for j in wanted]
    app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=conninfo(settings)))
    with app.open():
        now = datetime.now(UTC)
        for job_id in found:
            app.job_manager.retry_job_by_id(job_id, retry_at=now)
    return {"retried": found, "not_failed": sorted(set(ids or []) - set(found))}
