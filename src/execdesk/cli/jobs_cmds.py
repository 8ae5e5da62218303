"""``execdesk jobs [failed|retry]`` and ``execdesk reanalyze``: a thin shell over the task queue.

``jobs`` reads the queue (counts, failed tasks with their error) and puts failed tasks back;
``reanalyze`` runs the analyze stage again over stored messages, inline or as tasks.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from execdesk.cli import context
from execdesk.cli.output import fail, print_json

jobs_app = typer.Typer(
    help="The task queue (queue.backend = procrastinate): jobs per task and status, failed tasks, replay.",
    invoke_without_command=True,
)


def _queue_settings(as_json: bool) -> Any:
    from execdesk.workers.app import QueueNotConfigured, check

    settings = context.settings()
    try:
        check(settings)
    except QueueNotConfigured as exc:
        fail(str(exc), as_json=as_json)
    return settings


@jobs_app.callback()
def jobs(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Jobs per task and status, how long the oldest job due to run has waited, and the workers (last heard
    from, jobs running)."""
    if ctx.invoked_subcommand is not None:
        return
    from execdesk.workers.jobs import summary

    data = summary(_queue_settings(as_json))
    if as_json:
        print_json(data)
        return
    if not data["tasks"]:
        typer.echo("the queue is empty")
    for row in data["tasks"]:
        typer.echo(f"{row['task']:<24} {row['status']:<10} {row['jobs']:>8}")
    oldest = data["oldest_waiting"]
    if oldest is not None:
        typer.echo(f"oldest waiting: job {oldest['id']} ({oldest['task']}), {oldest['age_seconds']:.0f} s")
    for w in data["workers"]:
        age, running = w["heartbeat_age_seconds"], w["running"]
        typer.echo(f"worker {w['id']}: heard from {age:.0f} s ago, {running} job(s) running")
    if data["running_without_worker"]:
        typer.echo(f"{data['running_without_worker']} job(s) running under no worker: handed on at the next recovery")


@jobs_app.command("failed")
def failed(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """Tasks that failed all their attempts: id, task, attempts, when, and the last error."""
    from execdesk.workers.jobs import failed as failed_jobs

    rows = failed_jobs(_queue_settings(as_json))
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no failed tasks")
    for r in rows:
        typer.echo(f"#{r['id']:<7} {r['task']:<22} {r['attempts']} attempt(s)  {r['failed_at']}  {r['error'] or '?'}")


@jobs_app.command("retry")
def retry(
    job_ids: Annotated[
        list[int] | None, typer.Argument(help="Failed job ids (from `jobs failed`); none with --all.")
    ] = None,
    retry_all: Annotated[bool, typer.Option("--all", help="Retry every failed job.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Put failed tasks back in the queue (one more attempt each); a worker runs them again."""
    if not job_ids and not retry_all:
        fail("name job ids or use --all", as_json=as_json)
    from execdesk.workers.jobs import retry as retry_jobs

    result = retry_jobs(_queue_settings(as_json), None if retry_all else job_ids)
    if as_json:
        print_json(result)
    else:
        typer.echo(f"{len(result['retried'])} job(s) back in the queue")
    if result["not_failed"]:
        fail(f"not failed jobs: {result['not_failed']}", as_json=as_json)


def reanalyze(
    first: Annotated[int | None, typer.Option("--from", help="First message id (default: the smallest).")] = None,
    last: Annotated[int | None, typer.Option("--to", help="Last message id (default: the largest).")] = None,
    chunk: Annotated[
        int, typer.Option("--chunk", min=1, help="Messages per transaction, and per task with --enqueue.")
    ] = 500,
    enqueue: Annotated[
        bool, typer.Option("--enqueue", help="Queue one task per --chunk ids for the workers instead of running here.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Analyse stored messages again (after `execdesk train`): new analysis and priority; corrections kept."""
    from execdesk.ingest.reanalyze import id_bounds, ranges, reanalyze_range
    from execdesk.store import Store

    settings = _queue_settings(as_json) if enqueue else context.settings()
    store = Store.open(settings)
    try:
        bounds = id_bounds(store) or (1, 0)  # an empty store: an empty range
        lo, hi = first if first is not None else bounds[0], last if last is not None else bounds[1]
        if enqueue:
            out: dict[str, Any] = {"first_id": lo, "last_id": hi, "tasks": _enqueue(settings, ranges(lo, hi, chunk))}
        else:
            out = reanalyze_range(store, lo, hi, chunk=chunk).to_dict()
    finally:
        store.close()
    if as_json:
        print_json(out)
    elif enqueue:
        typer.echo(f"{out.get('tasks', 0)} reanalysis task(s) queued")
    else:
        typer.echo(
            f"{out['messages']} message(s) analysed again, {out.get('changed', 0)} changed, "
            f"{out.get('cases', 0)} case(s) updated"
        )


def _enqueue(settings: Any, spans: list[tuple[int, int]]) -> int:
    from execdesk.workers.app import REANALYZE_TASK
    from execdesk.workers.intake import close_producers, producer

    try:
        task = producer(settings).configure_task(name=REANALYZE_TASK, queue=settings.queue.tasks_queue)
        for lo, hi in spans:
            task.defer(first_id=lo, last_id=hi)
    finally:
        close_producers()
    return len(spans)


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app, name="jobs")
    app.command("reanalyze")(reanalyze)
