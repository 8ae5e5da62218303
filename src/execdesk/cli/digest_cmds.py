"""``execdesk digest``: the executive briefing as text, HTML or PDF, sent now or on schedule."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from execdesk.cli import context
from execdesk.cli.output import fail, print_json
from execdesk.store import Store

digest_app = typer.Typer(
    help="The executive briefing: what is boiling (campaigns, legal, press, going public), what to answer "
    "personally, and how the office is doing. Text, HTML or PDF; sent by mail now or on schedule.",
    invoke_without_command=True,
)


@digest_app.callback()
def digest(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option(
            help="Period: a duration back from the end (24h, 7d) or an ISO start (2026-09-28). Default: digest.since."
        ),
    ] = None,
    until: Annotated[str | None, typer.Option(help="End of the period as an ISO date or time (default: now).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, html or pdf.")] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of standard output.")
    ] = None,
    send: Annotated[
        bool,
        typer.Option("--send", help="Mail the briefing now to digest.recipients (or --to) over the reply SMTP server."),
    ] = False,
    to: Annotated[
        list[str] | None, typer.Option("--to", help="Recipient for --send instead of digest.recipients (repeatable).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the digest's data as JSON instead of rendering it.")
    ] = False,
) -> None:
    """Build the briefing for a period and print it, write it to a file, or mail it."""
    if ctx.invoked_subcommand is not None:
        return
    from execdesk.digest.build import build_digest
    from execdesk.digest.period import PeriodError, parse_period
    from execdesk.digest.render import FORMATS, render

    settings = context.settings()
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}", as_json=as_json)
    try:
        period = parse_period(
            since or settings.digest.since, until=until, now=datetime.now(UTC), tz=settings.digest.zone
        )
    except PeriodError as exc:
        fail(str(exc), as_json=as_json)
    store = Store.open(settings)
    if send:
        from execdesk.digest.schedule import DigestConfigError, send_digest
        from execdesk.reply.send import PermanentSendError, SendConfigError, TransientSendError

        try:
            result = send_digest(store, settings, period, recipients=to or None)
        except (DigestConfigError, SendConfigError) as exc:
            fail(str(exc), as_json=as_json)
        except (TransientSendError, PermanentSendError) as exc:
            fail(f"the digest could not be sent: {exc}", code=1, as_json=as_json)
        if as_json:
            print_json(result.to_dict())
        else:
            typer.echo(f"digest sent to {', '.join(result.recipients)} ({result.message_id})")
        return
    with store.engine.connect() as conn:
        data = build_digest(conn, settings, period)
    if as_json:
        print_json(data.model_dump(mode="json"))
        return
    body = render(data, fmt, page_size=settings.digest.page_size)
    if output is not None:
        output.write_bytes(body)
        typer.echo(f"wrote {output} ({len(body)} bytes)", err=True)
    elif fmt == "pdf" and sys.stdout.isatty():
        fail("a PDF is not for the terminal: use --output FILE")
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()


@digest_app.command("schedule-run")
def schedule_run(
    at: Annotated[
        str | None, typer.Option("--at", help="Act as if it were this ISO time (default: now); for tests and catch-up.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Send the scheduled digest if it is due and not sent yet (idempotent: run it from cron every few minutes)."""
    from execdesk.digest.period import PeriodError, parse_when
    from execdesk.digest.schedule import send_due_digests
    from execdesk.reply.send import SendConfigError

    settings = context.settings()
    try:
        now = parse_when(at, settings.digest.zone) if at else datetime.now(UTC)
    except PeriodError as exc:
        fail(str(exc), as_json=as_json)
    store = Store.open(settings)
    try:
        results = send_due_digests(store, settings, now)
    except SendConfigError as exc:
        fail(str(exc), as_json=as_json)
    if as_json:
        print_json([r.to_dict() for r in results])
    elif not results:
        typer.echo("no digest recipients configured (digest.recipients)")
    for r in results if not as_json else []:
        typer.echo(f"{r.status}: digest for {r.slot}" + (f" ({r.reason})" if r.reason else ""))
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(digest_app, name="digest")
