"""``execdesk import``: .eml files, directories, mbox and Maildir, streamed into the desk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

from execdesk.cli import context
from execdesk.cli.output import fail, is_terminal, print_json
from execdesk.store import Store


def import_(
    paths: Annotated[
        list[Path],
        typer.Argument(help=".eml files, directories of them (recursive), mbox files or Maildir folders."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    progress: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="Progress bar (default: on a terminal).")
    ] = None,
    enqueue: Annotated[
        bool,
        typer.Option(
            "--enqueue", help="Store the raw bytes and queue ingest tasks for `execdesk worker` (needs queue.backend)."
        ),
    ] = False,
) -> None:
    """Import mail files. Idempotent: importing the same mail again adds nothing.

    The JSON summary has imported, duplicates, quarantined, skipped (files that are not
    messages, with reasons), seconds and messages_per_second.
    """
    from execdesk.ingest.batch import import_paths
    from execdesk.ingest.files import total_bytes

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        fail(f"no such file or directory: {', '.join(missing)}", as_json=as_json)
    store = Store.open(context.settings())
    if enqueue:
        _enqueue(store, paths, as_json=as_json)
        return
    show = is_terminal() if progress is None else progress
    if show:
        console = Console(stderr=True)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("importing", total=total_bytes(paths))
            summary = import_paths(store, paths, progress=lambda n: bar.advance(task, n))
    else:
        summary = import_paths(store, paths)
    if as_json:
        print_json(summary)
        return
    typer.echo(
        f"imported {summary['imported']}, duplicates {summary['duplicates']}, "
        f"quarantined {summary['quarantined']}, skipped {summary['skipped']} "
        f"in {summary['seconds']} s ({summary['messages_per_second']} msgs/s)"
    )
    for reason, n in sorted(summary["quarantine_reasons"].items()):
        typer.echo(f"  quarantined {n} at {reason} (see: execdesk quarantine list)")
    for item in summary["skipped_files"][:20]:
        typer.echo(f"  skipped {item['source']}: {item['reason']}")


def _enqueue(store: Store, paths: list[Path], *, as_json: bool) -> None:
    from execdesk.workers.intake import close_producers, enqueue_paths, queue_enabled

    if not queue_enabled(store.settings):
        fail('--enqueue needs a task queue: set queue.backend = "procrastinate" (docs/deploy.md)', as_json=as_json)
    try:
        summary = enqueue_paths(store, store.settings, paths)
    finally:
        close_producers()
    if as_json:
        print_json(summary)
        return
    typer.echo(f"queued {summary['queued']} in {summary['tasks']} task(s), skipped {summary['skipped']}")


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
