"""Reply commands, thin shells over execdesk.reply: ``tone-check`` (the guard alone), ``reply``
(draft on a case, optionally send), ``approve`` (a supervisor overrides a block), ``outbox`` and ``send``.

Exit status: 0 when the verdict is ok or warn (warnings are advice, like a linter's), 3 when
it is block (the reply must not be sent without a supervisor's approval), 4 for warn with
``--strict``; 2 stays reserved for the user's errors (bad file, bad rules file, refused approval).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from execdesk.cli.output import fail

T = TypeVar("T")

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from execdesk.reply.send import SendResult
    from execdesk.settings import Settings
    from execdesk.store import Store

EXIT_BLOCK = 3
EXIT_WARN_STRICT = 4


def _read_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    p = Path(path)
    if not p.is_file():
        fail(f"{path}: no such file")
    return p.read_bytes().decode("utf-8", errors="replace")


def tone_check(
    file: Annotated[str, typer.Argument(help="The reply text: a file, or - for standard input.")] = "-",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
    inbound: Annotated[
        Path | None,
        typer.Option(
            "--inbound", help="The customer's message (.eml) the reply answers: its intent and sentiment are context."
        ),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="Organisation rules file (YAML); default: settings reply.tone_rules_path."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 4 on warnings too.")] = False,
    reasons: Annotated[
        bool, typer.Option("--reasons", help="With --json, add the front-page score's reasons.")
    ] = False,
) -> None:
    """Check a reply's tone: block / warn / ok, the findings with their spans, and the front-page score."""
    from execdesk.reply.tone import ToneConfigError, check_tone, load_config
    from execdesk.reply.tone.inbound import context_from_eml

    text = _read_text(file)
    if rules is None:
        try:
            from execdesk.cli import context

            rules = context.settings().reply.tone_rules_path
        except Exception:  # no readable settings: the shipped rules still apply
            rules = None
    try:
        cfg = load_config(rules)
    except ToneConfigError as exc:
        fail(str(exc), as_json=as_json)
    ctx = None
    if inbound is not None:
        if not inbound.is_file():
            fail(f"{inbound}: no such file", as_json=as_json)
        ctx = context_from_eml(inbound.read_bytes())
    report = check_tone(text, inbound=ctx, config=cfg)
    if as_json:
        typer.echo(json.dumps(report.to_dict(with_reasons=reasons), ensure_ascii=False))
    else:
        _print_text(report, ctx is not None)
    if report.verdict == "block":
        raise typer.Exit(EXIT_BLOCK)
    if report.verdict == "warn" and strict:
        raise typer.Exit(EXIT_WARN_STRICT)


def _print_text(report: object, with_inbound: bool) -> None:
    from execdesk.reply.tone import ToneReport

    assert isinstance(report, ToneReport)
    colour = {"block": typer.colors.RED, "warn": typer.colors.YELLOW, "ok": typer.colors.GREEN}[report.verdict]
    typer.secho(f"{report.verdict.upper()}  front-page score {report.front_page_score}/100", fg=colour, bold=True)
    for f in report.findings:
        typer.echo(f"  {f.start}-{f.end}  {f.severity:<5}  {f.rule}: {f.text!r}")
        typer.echo(f"      why: {f.why}")
        typer.echo(f"      try: {f.suggestion}")
    for r in report.reasons:
        typer.echo(f"  score: {r}")
    if not with_inbound:
        typer.echo("  (no --inbound message: the apology and register checks had no context)")


def _default_actor() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "agent"


def reply(
    case: Annotated[str, typer.Argument(help="Case reference, e.g. ED-000042 or 42.")],
    template: Annotated[
        str | None, typer.Option("--template", help="Template name (shipped, or <home>/templates/NAME.md).")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="The reply text: a file, or - for standard input.")] = None,
    suggest: Annotated[
        bool, typer.Option("--suggest", help="Start from the reply of the most similar resolved case.")
    ] = False,
    executive: Annotated[
        bool, typer.Option("--executive", help="Executive voice: short, personal, signed by reply.executive_name.")
    ] = False,
    send: Annotated[
        bool, typer.Option("--send", help="Queue and send at once unless the tone guard blocks it.")
    ] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who drafts it (audit log); default: the login name.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outbox entry as JSON.")] = False,
) -> None:
    """Draft a reply on a case (template, own text or a precedent), run the tone guard, optionally send it."""
    from execdesk.cases.refs import parse_case_ref
    from execdesk.cli import context
    from execdesk.cli.output import print_json
    from execdesk.reply.outbox import queue
    from execdesk.reply.service import draft_reply
    from execdesk.store import Store

    case_id = parse_case_ref(case)
    if case_id is None:
        fail(f"{case!r} is not a case reference (expected e.g. ED-000042)", as_json=as_json)
    body = _read_text(text) if text is not None else None
    settings = context.settings()
    actor = by or _default_actor()
    store = Store.open(settings)

    def create(conn: Connection) -> dict[str, Any]:
        entry = draft_reply(
            conn, settings, case_id, by=actor, template=template, text=body, suggest=suggest, executive=executive
        )
        return queue(conn, entry["id"], actor=actor) if send and entry["status"] != "blocked" else entry

    entry = _write(store, create, as_json=as_json)
    sent = None
    if send and entry["status"] == "queued":
        sent = _send(store, settings, [entry["id"]], as_json=as_json)
        with store.engine.connect() as conn:
            from execdesk.reply.outbox import get

            entry = get(conn, entry["id"])
    store.close()
    if as_json:
        print_json({**entry, "send": [r.to_dict() for r in sent] if sent is not None else None})
    else:
        _print_entry(entry)
    if entry["tone"]["verdict"] == "block":
        if send and not as_json:
            typer.secho("not sent: blocked until a supervisor approves it", fg=typer.colors.RED, err=True)
        raise typer.Exit(EXIT_BLOCK)


def _write(store: Store, change: Callable[[Connection], T], *, as_json: bool) -> T:
    """Run one change in a transaction; the user's mistakes (ReplyError, DraftError) become one sentence."""
    from execdesk.reply.drafting import DraftError
    from execdesk.reply.outbox import ReplyError

    try:
        with store.transaction() as conn:
            return change(conn)
    except (DraftError, ReplyError) as exc:
        store.close()
        fail(str(exc), as_json=as_json)


def _send(store: Store, settings: Settings, ids: list[int] | None, *, as_json: bool) -> list[SendResult]:
    from execdesk.reply.send import SendConfigError, send_due

    try:
        return send_due(store, settings, ids=ids)
    except SendConfigError as exc:
        store.close()
        fail(f"{exc}; the entry stays queued for `execdesk send`", as_json=as_json)


def _print_entry(entry: dict[str, Any]) -> None:
    tone = entry["tone"]
    colour = {"block": typer.colors.RED, "warn": typer.colors.YELLOW, "ok": typer.colors.GREEN}[tone["verdict"]]
    typer.secho(f"outbox #{entry['id']}  {entry['case']}  {entry['status']}  to {entry['to']}", bold=True)
    typer.echo(f"Subject: {entry['subject']}")
    notes = entry.get("notes") or {}
    if notes.get("source") == "suggestion":
        typer.echo(f"(from the reply in {notes['precedent']}, similarity {notes['similarity']:.2f})")
    if notes.get("executive_too_long"):
        typer.secho(f"executive voice: {notes['executive_too_long']}", fg=typer.colors.YELLOW)
    typer.echo("")
    typer.echo(entry["body"].rstrip())
    typer.echo("")
    typer.secho(f"{tone['verdict'].upper()}  front-page score {tone['front_page_score']}/100", fg=colour, bold=True)
    for f in tone["findings"]:
        typer.echo(f"  {f['start']}-{f['end']}  {f['severity']:<5}  {f['rule']}: {f['text']!r}")
        typer.echo(f"      why: {f['why']}")
        typer.echo(f"      try: {f['suggestion']}")
    if entry["status"] == "blocked":
        typer.echo(f"  blocked: execdesk approve {entry['id']} --by NAME --role supervisor --reason TEXT")
    if entry.get("last_error"):
        typer.echo(f"  last error: {entry['last_error']}")


def approve(
    draft: Annotated[int, typer.Argument(help="Outbox entry number (as `execdesk outbox` lists it).")],
    by: Annotated[str, typer.Option("--by", help="The approving supervisor's name (audit log).")],
    reason: Annotated[str, typer.Option("--reason", help="Why the block is overridden (required; audit log).")],
    role: Annotated[
        str | None,
        typer.Option("--role", help="The approver's role; must be supervisor unless listed in reply.supervisors."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outbox entry as JSON.")] = False,
) -> None:
    """A supervisor approves a reply the tone guard blocked, with a written reason (audited)."""
    from execdesk.cli import context
    from execdesk.cli.output import print_json
    from execdesk.reply.outbox import approve as approve_entry
    from execdesk.store import Store

    settings = context.settings()
    store = Store.open(settings)
    entry = _write(
        store, lambda conn: approve_entry(conn, settings, draft, by=by, reason=reason, role=role), as_json=as_json
    )
    store.close()
    if as_json:
        print_json(entry)
    else:
        typer.echo(f"outbox #{entry['id']} approved by {entry['approved_by']}: {entry['approval_reason']}")
        typer.echo(f"queue and send it with: execdesk send --queue {entry['id']}")


def outbox(
    status: Annotated[
        list[str] | None, typer.Option("--status", help="Statuses to list (repeatable); default: all.")
    ] = None,
    case: Annotated[str | None, typer.Option("--case", help="Only this case's entries.")] = None,
    limit: Annotated[int, typer.Option(help="Most entries to show.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print the entries as a JSON list.")] = False,
) -> None:
    """The outbox: drafts, blocked replies, queued and sent mail, newest first, with tone verdicts."""
    from rich.console import Console
    from rich.table import Table

    from execdesk.cases.refs import parse_case_ref
    from execdesk.cli import context
    from execdesk.cli.output import print_json
    from execdesk.reply.outbox import STATUSES, list_outbox
    from execdesk.store import Store

    bad = [s for s in status or [] if s not in STATUSES]
    if bad:
        fail(f"unknown status {', '.join(bad)}; choose from {', '.join(STATUSES)}", as_json=as_json)
    case_id = parse_case_ref(case) if case else None
    if case and case_id is None:
        fail(f"{case!r} is not a case reference (expected e.g. ED-000042)", as_json=as_json)
    store = Store.open(context.settings())
    with store.engine.connect() as conn:
        rows = list_outbox(conn, statuses=tuple(status) if status else None, case_id=case_id, limit=limit)
    store.close()
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"Outbox: {len(rows)} entries")
    for col in ("#", "case", "kind", "status", "to", "subject", "tone", "attempts", "approved by"):
        table.add_column(col, overflow="fold")
    for r in rows:
        tone = r["tone"]
        table.add_row(
            str(r["id"]),
            r["case"],
            r["kind"],
            r["status"],
            r["to"],
            r["subject"][:50],
            f"{tone['verdict']} {tone['front_page_score']}",
            str(r["attempts"]),
            r["approved_by"] or "",
        )
    Console().print(table)


def send(
    queue_ids: Annotated[
        list[int] | None,
        typer.Option("--queue", help="Queue these approved or draft entries first (repeatable)."),
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who queues them (audit log); default: the login name.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one result per entry as a JSON list.")] = False,
) -> None:
    """Send every queued entry that is due (retries with backoff; entries left mid-send by a crash included)."""
    from execdesk.cli import context
    from execdesk.cli.output import print_json
    from execdesk.reply.outbox import queue
    from execdesk.store import Store

    settings = context.settings()
    store = Store.open(settings)
    if queue_ids:
        actor = by or _default_actor()
        _write(store, lambda conn: [queue(conn, outbox_id, actor=actor) for outbox_id in queue_ids], as_json=as_json)
    results = _send(store, settings, None, as_json=as_json)
    store.close()
    if as_json:
        print_json([r.to_dict() for r in results])
        return
    if not results:
        typer.echo("nothing due")
    for r in results:
        extra = f"  {r.error}" if r.error else ""
        nxt = f"  next attempt {r.next_attempt_at}" if r.next_attempt_at else ""
        typer.echo(f"#{r.outbox_id}  {r.case}  {r.status}  attempt {r.attempts}  <{r.message_id}>{extra}{nxt}")


def edit(
    draft: Annotated[int, typer.Argument(help="Outbox entry number (as `execdesk outbox` lists it).")],
    text: Annotated[str, typer.Option("--text", help="The new reply text: a file, or - for standard input.")],
    by: Annotated[str | None, typer.Option("--by", help="Who edits it (audit log); default: the login name.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outbox entry as JSON.")] = False,
) -> None:
    """Replace a draft's text: the tone guard runs again and any approval is dropped."""
    from execdesk.cli import context
    from execdesk.cli.output import print_json
    from execdesk.reply.outbox import edit_draft
    from execdesk.store import Store

    body = _read_text(text)
    settings = context.settings()
    store = Store.open(settings)
    actor = by or _default_actor()
    entry = _write(store, lambda conn: edit_draft(conn, settings, draft, body=body, actor=actor), as_json=as_json)
    store.close()
    if as_json:
        print_json(entry)
    else:
        _print_entry(entry)
    if entry["tone"]["verdict"] == "block":
        raise typer.Exit(EXIT_BLOCK)


def templates(
    as_json: Annotated[bool, typer.Option("--json", help="Print the templates as a JSON list.")] = False,
) -> None:
    """Reply templates: the shipped ones and the organisation's (<home>/templates/*.md), with their variables."""
    from execdesk.cli import context
    from execdesk.cli.output import print_json
    from execdesk.reply.drafting import VARIABLES, load_templates

    found = load_templates(context.settings())
    rows = [{"name": t.name, "origin": t.origin, "description": t.description} for t in found.values()]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['name']:<22} {r['description']}  ({r['origin']})")
    typer.echo(f"variables: {', '.join('{' + v + '}' for v in VARIABLES)}")


def register(app: typer.Typer) -> None:
    app.command("tone-check")(tone_check)
    app.command("reply")(reply)
    app.command("approve")(approve)
    app.command("outbox")(outbox)
    app.command("send")(send)
    app.command("edit")(edit)
    app.command("templates")(templates)
