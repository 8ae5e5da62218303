"""``execdesk fetch`` (IMAP) and ``execdesk listen-smtp`` (SMTP in): thin shells over ``execdesk.ingest``."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from execdesk.cli import context
from execdesk.cli.output import fail, print_json
from execdesk.store import Store

if TYPE_CHECKING:
    from execdesk.ingest.imap import FetchReport

log = logging.getLogger("execdesk.cli")


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by Ctrl-C or SIGTERM, so long-running commands finish their unit of work and exit 0."""
    stop = threading.Event()

    def handler(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _line(report: FetchReport) -> str:
    data = report.to_json()
    return f"imported {data['imported']}, duplicates {data['duplicates']}, quarantined {data['quarantined']}"


def fetch(
    watch: Annotated[
        bool,
        typer.Option("--watch", help="Keep running: IDLE if supported, else poll every imap.poll_seconds."),
    ] = False,
    mailbox: Annotated[
        list[str] | None,
        typer.Option("--mailbox", "-m", help="Mailbox to read (repeatable) (default: imap.mailboxes)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Read new mail from the IMAP account in the settings (imap.*) into the desk.

    Resumable: each mailbox has a UIDVALIDITY/UID checkpoint stored with the messages.

    Mail is flagged (imap.flag) or moved (imap.move_to) only after it is committed; reading never marks it seen.

    The password comes from EXECDESK_IMAP__PASSWORD or imap.password_file and is never printed.

    Exit codes: 0 done; 1 the server or network failed (connect, TLS, login, a mailbox); 2 the desk could not store.

    JSON: imported, duplicates, quarantined, mailboxes (counts, flagged, moved, uidvalidity, last_uid, error).
    """
    from execdesk.ingest.imap import ImapError, ImapSource

    settings = context.settings()
    store = Store.open(settings)
    try:
        with stop_on_signals() as stop:
            source = ImapSource(store, settings, mailboxes=mailbox, stop=stop)
            if watch:
                report = source.watch(
                    on_pass=None if as_json else _print_pass,
                    on_error=lambda e: typer.secho(f"execdesk: {e} (retrying)", fg="yellow", err=True),
                )
            else:
                report = source.run_once()
    except ImapError as exc:
        fail(str(exc), code=1, as_json=as_json)
    except Exception as exc:  # ours (disk, database): one line; details at debug level
        log.debug("fetch failed", exc_info=True)
        first = str(exc).splitlines()[0][:300] if str(exc) else ""
        fail(
            f"could not store the fetched mail ({type(exc).__name__}: {first}); messages not stored "
            "were not flagged or moved: run fetch again once this is fixed",
            code=2,
            as_json=as_json,
        )
    finally:
        store.close()
    if as_json:
        print_json(report.to_json())
    elif not watch:
        typer.echo(_line(report))
    for error in report.errors:
        typer.secho(f"execdesk: {error}", fg=typer.colors.RED, err=True)
    if report.errors:
        raise typer.Exit(1)


def _print_pass(report: FetchReport) -> None:
    data = report.to_json()
    if data["imported"] or data["duplicates"] or data["quarantined"]:
        typer.echo(_line(report))
    for error in report.errors:
        typer.secho(f"execdesk: {error} (will retry)", fg="yellow", err=True)


def listen_smtp(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (default: smtp_listen.host).")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port to listen on (default: smtp_listen.port).")] = None,
    recipient: Annotated[
        list[str] | None,
        typer.Option(
            "--recipient",
            help="Accepted recipient address or @domain (repeatable) (default: smtp_listen.recipients).",
        ),
    ] = None,
) -> None:
    """Receive mail over SMTP and store it; runs until Ctrl-C or SIGTERM.

    250 only after the message is durably stored; 550 5.1.1 for a recipient outside smtp_listen.recipients.

    552 5.3.4 above limits.max_message_bytes; 451 4.3.0 when the desk cannot store (the sender retries).

    Run it behind your MTA (e.g. Postfix transport_maps) on loopback: it has no TLS and no authentication.
    """
    from execdesk.ingest.smtp import SmtpListener

    settings = context.settings()
    store = Store.open(settings)
    listener = SmtpListener(store, settings, host=host, port=port, recipients=recipient)
    try:
        with stop_on_signals() as stop:
            try:
                listener.start()
            except (OSError, RuntimeError) as exc:
                fail(f"cannot listen on {listener.host}:{listener.port}: {exc}", code=1)
            typer.echo(f"execdesk: listening for SMTP on {listener.host}:{listener.port}", err=True)
            try:
                while not stop.wait(1.0):
                    pass
            finally:
                listener.stop()
    finally:
        store.close()
    c = listener.counters
    typer.echo(
        f"execdesk: stopped; accepted {c.accepted}, duplicates {c.duplicates}, quarantined {c.quarantined}, "
        f"refused recipients {c.rejected_recipients}, deferred (451) {c.deferred}",
        err=True,
    )


def register(app: typer.Typer) -> None:
    app.command("fetch")(fetch)
    app.command("listen-smtp")(listen_smtp)
