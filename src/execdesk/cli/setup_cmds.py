"""``execdesk init``: create the home directory and bring the database schema up to date."""

from __future__ import annotations

from typing import Annotated

import typer

from execdesk.cli import context
from execdesk.cli.output import print_json
from execdesk.store import Store


def init(
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Create the data directory and run database migrations (also done on first use)."""
    settings = context.settings()
    store = Store.open(settings, migrate=False)
    pending = store.pending_migrations()
    store.migrate()
    result = {
        "home": str(settings.home),
        "database": store.engine.url.render_as_string(hide_password=True),
        "blobs": str(settings.blobs_path),
        "migrations_applied": pending,
    }
    if as_json:
        print_json(result)
    else:
        typer.echo(f"execdesk home: {result['home']}")
        typer.echo(f"database:      {result['database']}")
        typer.echo(f"blobs:         {result['blobs']}")
        typer.echo(f"migrations:    {', '.join(pending) if pending else 'up to date'}")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
