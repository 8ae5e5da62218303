"""``execdesk demo``: generate the bundled demo mailbox, import it, and bring up the web desk.

In development mode it also creates demo accounts (an agent, a supervisor, an admin) with
generated passwords printed once; ``--no-serve`` imports and prints without serving (scripts, tests).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

import typer

from execdesk.cli import context
from execdesk.cli.output import print_json
from execdesk.cli.queue_cmds import cases
from execdesk.store import Store

#: The demo's accounts: sign-in name and role.
DEMO_USERS = (("agent", "agent"), ("supervisor", "supervisor"), ("admin", "admin"))


def _demo_accounts(store: Store) -> dict[str, str | None]:
    """Create the missing demo users; returns name -> new password (None: it existed already)."""
    from execdesk.web import accounts

    created: dict[str, str | None] = {}
    with store.transaction() as conn:
        existing = {u["name"] for u in accounts.list_users(conn)}
        for name, role in DEMO_USERS:
            if name in existing:
                created[name] = None
                continue
            password = secrets.token_urlsafe(12)
            accounts.add_user(conn, name=name, role=role, password=password, actor="execdesk demo")
            created[name] = password
    return created


def demo(
    seed: Annotated[
        int | None, typer.Option(help="Random seed of the generated mailbox (default: the scenario's).")
    ] = None,
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario file (default: the one shipped with execdesk).", exists=True)
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the import summary (and demo accounts) as JSON, not the queue.")
    ] = False,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Bring up the web desk on 127.0.0.1 after the import.")
    ] = True,
    port: Annotated[int | None, typer.Option(help="Port of the web desk [default: settings web.port].")] = None,
) -> None:
    """Generate a month of mail to a telecom CEO (the story included), import it, and serve the desk.

    Safe to run twice: the second import finds every message already stored, and existing demo
    accounts keep their passwords.
    """
    from execdesk.demo import generate_demo_mailbox
    from execdesk.ingest.batch import import_paths

    settings = context.settings()
    store = Store.open(settings)
    mbox = generate_demo_mailbox(settings.home / "demo", seed=seed, scenario=scenario)
    summary = import_paths(store, [mbox])
    development = settings.environment == "development"
    logins = _demo_accounts(store) if development else {}
    store.close()
    if as_json:
        out: dict[str, Any] = {"mailbox": str(mbox), **summary, "accounts": logins}
        print_json(out)
    else:
        typer.echo(f"demo mailbox: {mbox}")
        typer.echo(
            f"imported {summary['imported']}, duplicates {summary['duplicates']}, "
            f"quarantined {summary['quarantined']} into {settings.home}"
        )
        cases(as_json=False, status=None, include_machine=False, limit=10)
        _print_logins(logins, development)
    if not serve:
        if not as_json:
            typer.echo("Next: execdesk serve   execdesk show <case>   execdesk quarantine list")
        return
    from execdesk.cli.web_cmds import run_server

    run_server(settings, host="127.0.0.1", port=port or settings.web.port)


def _print_logins(logins: dict[str, str | None], development: bool) -> None:
    if not development:
        typer.echo("production mode: no demo accounts. Add one with: execdesk user add NAME --role supervisor")
        return
    typer.secho("\nSign in to the desk with (passwords are shown this once):", bold=True)
    for name, role in DEMO_USERS:
        password = logins.get(name)
        shown = password if password else "(exists already; reset with: execdesk user passwd " + name + ")"
        typer.echo(f"  {name:<11} {role:<11} {shown}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
