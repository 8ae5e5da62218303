"""The ``execdesk`` command. Each command group lives in its own module with a ``register(app)``."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer

from execdesk import __version__
from execdesk.cli import context

app = typer.Typer(
    name="execdesk",
    help=(
        "execdesk: the desk for mail sent to a company's executives. Ingests mail from IMAP, SMTP, "
        "mbox, Maildir and .eml, never loses a message, and turns it into a prioritised queue of cases."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# One module per command group; each defines register(app: typer.Typer).
COMMAND_MODULES = [
    "execdesk.cli.setup_cmds",
    "execdesk.cli.settings_cmds",
    "execdesk.cli.ingest_cmds",
    "execdesk.cli.queue_cmds",
    "execdesk.cli.correct_cmds",
    "execdesk.cli.quarantine_cmds",
    "execdesk.cli.demo_cmds",
    "execdesk.cli.source_cmds",
    "execdesk.cli.analyze_cmds",
    "execdesk.cli.reply_cmds",
    "execdesk.cli.digest_cmds",
    "execdesk.cli.routing_cmds",
    "execdesk.cli.campaign_cmds",
    "execdesk.cli.web_cmds",
    "execdesk.cli.ops_cmds",
    "execdesk.cli.search_cmds",
    "execdesk.cli.worker_cmds",
    "execdesk.cli.jobs_cmds",
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"execdesk {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar="EXECDESK_HOME",
            help="Data directory holding all state [default: $XDG_DATA_HOME/execdesk or ~/.local/share/execdesk].",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Global options apply to every command."""
    context.set_home(home)
    context.configure_logging()


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)
