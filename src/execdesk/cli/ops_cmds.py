"""Operations commands: backup, restore, forget, hold, retention, doctor (see docs/OPERATIONS.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from execdesk.cli import context
from execdesk.cli.output import fail, print_json

hold_app = typer.Typer(help="Legal holds on a case or a contact (supervisor).", no_args_is_help=True)
retention_app = typer.Typer(help="Retention of raw mail of closed cases.", no_args_is_help=True)


def backup(
    dest: Annotated[Path, typer.Argument(help="New or empty directory to write the backup to.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """Consistent online backup of the database and the blob store (the desk may keep running)."""
    from execdesk.ops.backup import BackupError
    from execdesk.ops.backup import backup as do_backup

    try:
        result = do_backup(context.settings(), dest)
    except BackupError as exc:
        fail(str(exc), as_json=as_json)
    if as_json:
        print_json(result.manifest)
        return
    m = result.manifest
    counts = ", ".join(f"{k} {v}" for k, v in m["counts"].items())
    typer.echo(f"backup written to {dest} (schema {m['schema_revision']}; {counts}; {len(m['segments'])} segment(s))")


def restore(
    src: Annotated[Path, typer.Argument(help="A directory written by execdesk backup.")],
    home: Annotated[Path, typer.Option("--home", help="New, empty home directory to restore into.")],
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="PostgreSQL backups: URL of a new, empty database.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Restore a backup into a new home, after verifying every file against the manifest."""
    from execdesk.ops.backup import BackupError
    from execdesk.ops.backup import restore as do_restore

    try:
        report = do_restore(src, home, database_url=database_url)
    except BackupError as exc:
        fail(str(exc), as_json=as_json)
    if as_json:
        print_json(report)
        return
    counts = ", ".join(f"{k} {v}" for k, v in report["restored_counts"].items())
    typer.echo(f"restored into {home}: {counts}")
    if database_url:
        typer.echo("point the desk at it with EXECDESK_DATABASE_URL (or database_url in execdesk.toml)")


def forget(
    address: Annotated[str, typer.Argument(help="The e-mail address of the person to erase.")],
    by: Annotated[str, typer.Option("--by", help="Who handles the request (recorded in the tombstone).")] = "admin",
    reason: Annotated[
        str, typer.Option("--reason", help="Why, e.g. the request's reference (recorded; no personal data).")
    ] = "erasure request",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be erased; change nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Erase a person: messages, replies, blobs, analysis, search entries, campaign memberships."""
    from execdesk.ops.erasure import ErasureRefused
    from execdesk.ops.erasure import forget as do_forget
    from execdesk.store import Store

    store = Store.open(context.settings())
    try:
        summary = do_forget(store, address, by=by, reason=reason, dry_run=dry_run)
    except ErasureRefused as exc:
        fail(str(exc), as_json=as_json)
    finally:
        store.close()
    if as_json:
        print_json(summary)
        return
    verb = "would erase" if dry_run else "erased"
    typer.echo(
        f"{verb}: {summary['messages']} message(s), {summary['cases']} case(s), "
        f"{summary['outbox_entries']} outbox entr(ies), {summary['blobs']} blob(s), "
        f"{len(summary['campaigns'])} campaign(s) adjusted (tombstone sha256 {summary['address_sha256'][:16]}...)"
    )


def _target(case: str | None, contact: str | None) -> tuple[int | None, str | None]:
    from execdesk.cases.refs import parse_case_ref

    if (case is None) == (contact is None):
        fail("give exactly one of --case REF or --contact ADDRESS")
    if case is not None:
        cid = parse_case_ref(case)
        if cid is None:
            fail(f"not a case reference: {case!r} (e.g. ED-000042)")
        return cid, None
    return None, contact


CaseOpt = Annotated[str | None, typer.Option("--case", help="Case reference, e.g. ED-000042.")]
ContactOpt = Annotated[str | None, typer.Option("--contact", help="Contact e-mail address.")]
ByOpt = Annotated[str, typer.Option("--by", help="The supervisor setting or releasing the hold.")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (recorded in the audit log).")]


def _supervisor(by: str) -> None:
    supervisors = context.settings().reply.supervisors
    if supervisors and by not in supervisors:
        fail(f"{by!r} is not a supervisor (reply.supervisors)")


@hold_app.command("set")
def hold_set(by: ByOpt, reason: ReasonOpt, case: CaseOpt = None, contact: ContactOpt = None) -> None:
    """Put a case or a contact on legal hold: retention and erasure leave it alone."""
    from execdesk.ops.holds import set_hold

    hold_id = _change_hold(set_hold, by, reason, case, contact)
    typer.echo(f"legal hold {hold_id} set")


@hold_app.command("release")
def hold_release(by: ByOpt, reason: ReasonOpt, case: CaseOpt = None, contact: ContactOpt = None) -> None:
    """Release the legal hold on a case or a contact."""
    from execdesk.ops.holds import release_hold

    n = _change_hold(release_hold, by, reason, case, contact)
    typer.echo(f"{n} legal hold(s) released")


def _change_hold(change: Callable[..., int], by: str, reason: str, case: str | None, contact: str | None) -> int:
    """Check the supervisor and the target, then set or release a hold in one transaction."""
    from execdesk.ops.holds import HoldError
    from execdesk.store import Store

    _supervisor(by)
    cid, addr = _target(case, contact)
    store = Store.open(context.settings())
    try:
        with store.transaction() as conn:
            return change(conn, case_id=cid, address=addr, by=by, reason=reason)
    except HoldError as exc:
        fail(str(exc))
    finally:
        store.close()


@hold_app.command("list")
def hold_list(
    include_released: Annotated[bool, typer.Option("--all", help="Include released holds.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: holds and suggestions.")] = False,
) -> None:
    """Active legal holds, and the cases suggested for one (legal notice, legal threat, regulator)."""
    from execdesk.ops.holds import list_holds, suggestions
    from execdesk.store import Store

    store = Store.open(context.settings())
    with store.engine.connect() as conn:
        holds, suggested = list_holds(conn, include_released=include_released), suggestions(conn)
    store.close()
    if as_json:
        print_json({"holds": holds, "suggested": suggested})
        return
    for h in holds:
        state = f" released {h['released_at'][:16]} by {h['released_by']}" if h["released_at"] else ""
        typer.echo(f"{h['id']}: {h['case'] or h['contact']} by {h['set_by']} {h['set_at'][:16]}: {h['reason']}{state}")
    if not holds:
        typer.echo("no legal holds")
    for s in suggested:
        typer.echo(f"suggested (not set): {s['case']} ({', '.join(s['why'])}) - execdesk hold set --case {s['case']}")


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what would be deleted.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan or result as JSON.")] = False,
) -> None:
    """Delete raw messages and attachments of closed cases past their retention (held cases never)."""
    from execdesk.ops import retention
    from execdesk.store import Store

    store = Store.open(context.settings())
    try:
        result = retention.run(store, dry_run=dry_run)
    finally:
        store.close()
    if as_json:
        print_json(result)
        return
    verb = "would delete" if dry_run else "deleted"
    typer.echo(
        f"{verb} raw mail of {result['messages']} message(s) in {len(result['cases'])} case(s), {result['bytes']} bytes"
    )
    for c in result["cases"]:
        typer.echo(f"  {c['case']}: {len(c['messages'])} message(s) (rule {c['rule']})")
    if result["held"]:
        typer.echo(f"kept under legal hold: {', '.join(result['held'])}")


def doctor(as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False) -> None:
    """Check configuration, database and migrations, IMAP/SMTP, disk and blobs; say what to fix."""
    from execdesk.ops import doctor as checks

    report = checks.run(context.settings())
    if as_json:
        print_json(report)
    else:
        for c in report["checks"]:
            typer.echo(f"[{c['status']:>4}] {c['name']}: {c['detail']}")
            if c["fix"] and c["status"] != "ok":
                typer.echo(f"       fix: {c['fix']}")
    if not report["ok"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("forget")(forget)
    app.command("doctor")(doctor)
    app.add_typer(hold_app, name="hold")
    app.add_typer(retention_app, name="retention")
