"""``execdesk settings``: the effective configuration (secrets hidden), or the reference."""

from __future__ import annotations

from typing import Annotated

import typer

from execdesk.cli import context
from execdesk.cli.output import print_json
from execdesk.settings_doc import settings_reference


def settings_cmd(
    reference: Annotated[
        bool, typer.Option("--reference", help="Print the documented list of every setting (docs/settings.md).")
    ] = False,
) -> None:
    """Show the settings in effect for this home, with passwords hidden."""
    if reference:
        typer.echo(settings_reference(), nl=False)
        return
    print_json(context.settings().model_dump(mode="json"))


def register(app: typer.Typer) -> None:
    app.command("settings")(settings_cmd)
