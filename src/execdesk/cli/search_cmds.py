"""``execdesk search``: the desk's full-text search from the shell (execdesk.search)."""

from __future__ import annotations

from typing import Annotated

import typer

from execdesk.cli.output import print_json


def search(
    query: Annotated[str, typer.Argument(help='Words to find; "a phrase", a OR b, -word, ED-000042 for one case.')],
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="Results per page.")] = 20,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Skip this many results (the next page).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Find messages by words in their subject, new text or sender, newest first."""
    from execdesk.cli import context
    from execdesk.search.query import search as run_search
    from execdesk.search.snippet import as_text
    from execdesk.store import Store

    store = Store.open(context.settings())
    try:
        with store.engine.connect() as conn:
            results = run_search(conn, query, limit=limit, offset=offset)
    finally:
        store.close()
    if as_json:
        print_json(results.to_dict())
        return
    if not results.hits:
        typer.echo("No messages match.")
    for h in results.hits:
        when = h.date.strftime("%Y-%m-%d %H:%M") if h.date else ""
        typer.secho(f"{h.case_ref}  {when}  {h.sender}  {h.subject}", bold=True)
        typer.echo(f"    {as_text(h.segments)[0]}")
    if results.more:
        typer.echo(f"More: execdesk search {query!r} --offset {offset + limit}")


def register(app: typer.Typer) -> None:
    app.command("search")(search)
