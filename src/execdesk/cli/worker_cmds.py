"""``execdesk worker``: a thin shell over ``execdesk.workers.runner``."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from execdesk.cli import context
from execdesk.cli.output import fail


def worker(
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="Tasks this process runs at once (each in a thread).")
    ] = 1,
    queues: Annotated[
        list[str] | None,
        typer.Option(
            "--queues", help="Queue to take tasks from, repeatable (default: queue.ingest_queue and queue.tasks_queue)."
        ),
    ] = None,
) -> None:
    """Run queued tasks until SIGINT/SIGTERM: ingest, outbox send, digest, SLA sweep, reanalysis.
    Needs queue.backend and PostgreSQL.

    Start as many as the machine allows, on one or several hosts sharing the home's blob
    store; see docs/deploy.md. Send, digest and the SLA sweep run periodically, once per tick
    however many workers run (docs/decisions/1001-stages-as-tasks.md).
    """
    from execdesk.workers.app import QueueNotConfigured, check
    from execdesk.workers.runner import run

    settings = context.settings()
    try:
        check(settings)
    except QueueNotConfigured as exc:
        fail(str(exc))
    context.configure_logging()
    typer.echo(f"execdesk worker: pid {os.getpid()}; Ctrl-C stops it", err=True)
    ref = run(settings, concurrency=concurrency, queues=queues)
    typer.echo(f"execdesk worker stopped after {ref.batches} batch(es), {ref.messages} message(s)", err=True)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
