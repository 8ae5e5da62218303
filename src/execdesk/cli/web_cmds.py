"""``execdesk serve`` (the web desk), ``execdesk user`` and ``execdesk token``: thin shells over
``execdesk.web.app`` and ``execdesk.web.accounts``."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Annotated

import typer

from execdesk.cli import context
from execdesk.cli.output import fail, print_json

PASSWORD_ENV = "EXECDESK_PASSWORD"

user_app = typer.Typer(help="Desk accounts: add users, change passwords and roles, disable them.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens: create (shown once), list, revoke.", no_args_is_help=True)


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [default: settings web.host].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [default: settings web.port].")] = None,
    workers: Annotated[int, typer.Option(help="Web processes (they share the database; sessions live there).")] = 1,
) -> None:
    """Run the web desk (pages and the REST API under /api/v1) with uvicorn."""
    from execdesk.web.security import WebConfigError, load_secret

    settings = context.settings()
    try:
        load_secret(settings)  # refuse unsafe production settings before binding a port
    except WebConfigError as exc:
        fail(str(exc))
    run_server(settings, host=host or settings.web.host, port=port or settings.web.port, workers=workers)


def run_server(settings: object, *, host: str, port: int, workers: int = 1) -> None:
    """Serve until interrupted (``execdesk demo`` calls this too)."""
    import uvicorn

    from execdesk.settings import Settings

    assert isinstance(settings, Settings)
    typer.echo(f"execdesk web desk on http://{host}:{port}/  (home {settings.home}; Ctrl-C stops it)")
    if workers > 1:
        os.environ["EXECDESK_HOME"] = str(settings.home)
        uvicorn.run(
            "execdesk.web.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=settings.web.trust_proxy_headers,
            log_level="warning",
        )
        return
    from execdesk.web.app import create_app

    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        proxy_headers=settings.web.trust_proxy_headers,
        log_level="warning",
    )


def _password(stdin: bool) -> str:
    """From standard input, EXECDESK_PASSWORD, or a prompt (twice) in a terminal; never an argument."""
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env
    if not sys.stdin.isatty():
        fail(f"no password: use --password-stdin, set {PASSWORD_ENV}, or run in a terminal to be asked")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        fail("the passwords differ")
    return first


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def _write(change):  # type: ignore[no-untyped-def]
    from execdesk.store import Store
    from execdesk.web.accounts import AccountError

    store = Store.open(context.settings())
    try:
        with store.transaction() as conn:
            return change(conn)
    except AccountError as exc:
        fail(str(exc))
    finally:
        store.close()


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Sign-in name (no spaces).")],
    role: Annotated[str, typer.Option("--role", help="agent, supervisor, executive or admin.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help=f"Read the password from standard input (else {PASSWORD_ENV}).")
    ] = False,
) -> None:
    """Add a user; the password comes from a prompt, standard input or EXECDESK_PASSWORD."""
    from execdesk.web import accounts

    password = _password(password_stdin)
    user = _write(lambda conn: accounts.add_user(conn, name=name, role=role, password=password, actor=_actor()))
    typer.echo(f"user {user['name']} ({user['role']}) added")


@user_app.command("list")
def user_list(as_json: Annotated[bool, typer.Option("--json", help="Print the users as JSON.")] = False) -> None:
    """Users with their roles and whether they are active."""
    from execdesk.web import accounts

    users = _write(accounts.list_users)
    if as_json:
        print_json(users)
        return
    for u in users:
        typer.echo(f"{u['name']:<24} {u['role']:<11} {'active' if u['active'] else 'disabled'}")


@user_app.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(help="The user.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help=f"Read the password from standard input (else {PASSWORD_ENV}).")
    ] = False,
) -> None:
    """Set a new password; the user's open sessions end."""
    from execdesk.web import accounts

    password = _password(password_stdin)
    _write(lambda conn: accounts.set_password(conn, name=name, password=password, actor=_actor()))
    typer.echo(f"password of {name} changed")


@user_app.command("role")
def user_role(
    name: Annotated[str, typer.Argument(help="The user.")],
    role: Annotated[str, typer.Argument(help="agent, supervisor, executive or admin.")],
) -> None:
    """Change a user's role."""
    from execdesk.web import accounts

    _write(lambda conn: accounts.set_role(conn, name=name, role=role, actor=_actor()))
    typer.echo(f"{name} is now {role}")


@user_app.command("disable")
def user_disable(
    name: Annotated[str, typer.Argument(help="The user.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable the account again instead.")] = False,
) -> None:
    """Disable an account (its sessions end, its tokens stop working), or enable it again."""
    from execdesk.web import accounts

    _write(lambda conn: accounts.set_active(conn, name=name, active=enable, actor=_actor()))
    typer.echo(f"{name} {'enabled' if enable else 'disabled'}")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="The user the token acts as (with that user's role).")],
    label: Annotated[str, typer.Option("--label", help="What the token is for (shown in lists).")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the token record as JSON.")] = False,
) -> None:
    """Create an API token; it is printed once and stored only as a hash."""
    from execdesk.web import accounts

    token = _write(lambda conn: accounts.create_token(conn, name=name, label=label, actor=_actor()))
    if as_json:
        print_json(token)
        return
    typer.echo(token["token"])
    typer.echo(f"(token #{token['id']} for {name}; shown once: use it as 'Authorization: Bearer <token>')", err=True)


@token_app.command("list")
def token_list(
    name: Annotated[str | None, typer.Option("--user", help="Only this user's tokens.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the tokens as JSON.")] = False,
) -> None:
    """API tokens (prefix, owner, last use); never the secrets."""
    from execdesk.web import accounts

    rows = [t for t in _write(accounts.list_tokens) if name is None or t["user"] == name]
    if as_json:
        print_json(rows)
        return
    for t in rows:
        state = "revoked" if t["revoked"] else f"last used {t['last_used_at'] or 'never'}"
        typer.echo(f"#{t['id']:<4} {t['user']:<20} {t['prefix']}…  {t['label']}  {state}")


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="Token number (as `execdesk token list` shows).")],
) -> None:
    """Revoke an API token at once."""
    from execdesk.web import accounts

    _write(lambda conn: accounts.revoke_token(conn, token_id=token_id, actor=_actor()))
    typer.echo(f"token #{token_id} revoked")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
