"""``execdesk quarantine list|show|retry``: messages a stage could not handle, kept with the reason."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from execdesk.cli import context
from execdesk.cli.output import fail, print_json
from execdesk.ingest import quarantine as q
from execdesk.store import Store

quarantine_app = typer.Typer(
    help="Messages a stage could not handle: kept raw with the stage and the reason, and replayable.",
    no_args_is_help=True,
)


@quarantine_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    include_resolved: Annotated[bool, typer.Option("--all", help="Include entries resolved by a retry.")] = False,
) -> None:
    """List quarantined messages with their stage and reason."""
    store = Store.open(context.settings())
    with store.engine.connect() as conn:
        entries = q.list_entries(conn, include_resolved=include_resolved)
    if as_json:
        print_json(entries)
        return
    if not entries:
        typer.echo("quarantine is empty")
    for e in entries:
        typer.echo(f"#{e['id']:<5} {e['stage']}:{e['code']:<18} {e['size']:>9} bytes  {e['reason']}")


@quarantine_app.command("show")
def show(
    entry_id: Annotated[int, typer.Argument(help="Quarantine entry number (from `quarantine list`).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    raw: Annotated[bool, typer.Option("--raw", help="Write the message's raw bytes to standard output.")] = False,
) -> None:
    """One quarantined message: reason, sources it came from, where its raw bytes are."""
    store = Store.open(context.settings())
    with store.engine.connect() as conn:
        entry = q.get_entry(conn, entry_id)
    if entry is None:
        fail(f"no quarantine entry {entry_id}")
    if raw:
        sys.stdout.buffer.write(store.blobs.get(entry["raw_sha256"]))
        return
    entry["raw_location"] = store.blobs.describe(entry["raw_sha256"])
    if as_json:
        print_json(entry)
        return
    for key, value in entry.items():
        typer.echo(f"{key:>12}: {value}")


@quarantine_app.command("retry")
def retry(
    entry_ids: Annotated[list[int] | None, typer.Argument(help="Entry numbers; none with --all.")] = None,
    retry_all: Annotated[bool, typer.Option("--all", help="Retry every unresolved entry.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Run quarantined messages through the pipeline again (after a fix or a limit change)."""
    from execdesk.ingest.core import IngestSession

    if not entry_ids and not retry_all:
        fail("name entry numbers or use --all")
    store = Store.open(context.settings())
    with store.engine.connect() as conn:
        entries = q.list_entries(conn)
    wanted = entries if retry_all else [e for e in entries if e["id"] in set(entry_ids or [])]
    unknown = sorted(set(entry_ids or []) - {e["id"] for e in entries})
    if unknown:
        fail(f"no unresolved quarantine entries {unknown}")
    results = []
    with IngestSession(store) as session:
        for e in wanted:
            outcome = session.retry(e["message_pk"])
            results.append({"id": e["id"], "status": outcome.status, "stage": outcome.stage, "reason": outcome.reason})
    if as_json:
        print_json(results)
        return
    for r in results:
        typer.echo(f"#{r['id']}: {r['status']}" + (f" at {r['stage']}: {r['reason']}" if r["stage"] else ""))


def register(app: typer.Typer) -> None:
    app.add_typer(quarantine_app, name="quarantine")
