"""``execdesk demo``: generate the bundled demo mailbox, import it, and show the triaged queue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from execdesk.cli import context
from execdesk.cli.output import print_json
from execdesk.cli.queue_cmds import cases
from execdesk.ingest.batch import import_paths
from execdesk.store import Store


def demo(
    seed: Annotated[
        int | None, typer.Option(help="Random seed of the generated mailbox (default: the scenario's).")
    ] = None,
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario file (default: the one shipped with execdesk).", exists=True)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the import summary as JSON, not the queue.")] = False,
) -> None:
    """Generate a month of mail to a telecom CEO (the story included), import it, show the queue.

    Safe to run twice: the second import finds every message already stored.
    """
    from execdesk.demo import generate_demo_mailbox

    settings = context.settings()
    store = Store.open(settings)
    mbox = generate_demo_mailbox(settings.home / "demo", seed=seed, scenario=scenario)
    summary = import_paths(store, [mbox])
    if as_json:
        print_json({"mailbox": str(mbox), **summary})
        return
    typer.echo(f"demo mailbox: {mbox}")
    typer.echo(
        f"imported {summary['imported']}, duplicates {summary['duplicates']}, "
        f"quarantined {summary['quarantined']} into {settings.home}"
    )
    cases(as_json=False, status=None, include_machine=False, limit=25)
    typer.echo("Next: execdesk show <case>   execdesk quarantine list   execdesk stats")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
