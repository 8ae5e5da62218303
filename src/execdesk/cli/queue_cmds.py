"""``execdesk cases``, ``show`` and ``stats``: the queue as the office sees it."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from execdesk.cases import queries
from execdesk.cases.refs import parse_case_ref
from execdesk.cases.service import STATUSES
from execdesk.cli import context
from execdesk.cli.output import fail, print_json
from execdesk.store import Store


def cases(
    as_json: Annotated[bool, typer.Option("--json", help="Print the queue as a JSON list.")] = False,
    status: Annotated[
        list[str] | None, typer.Option("--status", help=f"Statuses to list (repeatable): {', '.join(STATUSES)}.")
    ] = None,
    include_machine: Annotated[
        bool, typer.Option("--machine/--no-machine", help="Include cases opened by machine mail (auto-replies...).")
    ] = False,
    limit: Annotated[int, typer.Option(help="Most cases to show.")] = 50,
) -> None:
    """The queue: open cases, highest priority first, with the reasons for the ranking."""
    statuses = tuple(status) if status else ("open", "pending")
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        fail(f"unknown status {', '.join(bad)}; choose from {', '.join(STATUSES)}")
    store = Store.open(context.settings())
    with store.engine.connect() as conn:
        rows = queries.queue(conn, statuses=statuses, include_machine=include_machine, limit=limit)
        counts = queries.stats(conn)
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"Queue: {counts['open_cases']} open cases, {counts['quarantined']} quarantined messages")
    for col in ("case", "priority", "from", "subject", "intent", "why (top reasons)", "msgs"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["id"],
            f"{r['priority']:.1f}",
            r["contact"] or "?",
            (r["subject"] or "(no subject)")[:60],
            r["intent"] or "",
            _why(r["priority_reasons"]),
            str(r["messages"]),
        )
    Console().print(table)


def _why(reasons: list[Any]) -> str:
    """The two largest contributions to the priority, as the queue's one-line explanation."""
    parts = []
    for reason in reasons[:2]:
        if isinstance(reason, dict):
            parts.append(f"{reason.get('source', '?')} +{reason.get('points', 0):g}")
        else:
            parts.append(str(reason))
    return ", ".join(parts)


def show(
    case: Annotated[str, typer.Argument(help="Case reference, e.g. ED-000042 or 42.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the case as JSON.")] = False,
) -> None:
    """One case: its thread, the contact's history, judgments with evidence, and the audit trail."""
    case_id = parse_case_ref(case)
    if case_id is None:
        fail(f"{case!r} is not a case reference (expected e.g. ED-000042)")
    store = Store.open(context.settings())
    with store.engine.connect() as conn:
        detail = queries.case_detail(conn, case_id)
    if detail is None:
        fail(f"no case {case}")
    if as_json:
        print_json(detail)
        return
    _render_case(detail)


def _render_case(d: dict[str, Any]) -> None:
    out = Console()
    out.rule(f"{d['id']}  {d['subject']}")
    out.print(f"status {d['status']}  priority {d['priority']:.2f}  from {d['contact']}  messages {d['messages']}")
    if d["intent"] or d["signals"]:
        out.print(f"intent {d['intent']}  topic {d['topic']}  signals {', '.join(d['signals']) or '-'}")
    for reason in d["priority_reasons"]:
        if isinstance(reason, dict):
            out.print(
                f"  priority +{reason.get('points', 0):g}  {reason.get('detail', reason.get('source'))}", markup=False
            )
        else:
            out.print(f"  priority: {reason}", markup=False)
    for m in d["thread"]:
        out.rule(f"{m['direction']} {m['from']}  {m['date'] or m['received_at']}", style="dim")
        if m["machine"]:
            out.print(f"[machine mail: {m['machine']['kind']} — {m['machine']['reason']}]", markup=False)
        out.print(m["new_text"].strip() or "(no new text)", markup=False, highlight=False)
        _render_evidence(out, m.get("analysis"))
        if m["quoted_text"].strip():
            out.print(f"[{len(m['quoted_text'].splitlines())} quoted lines]", markup=False, style="dim")
        for a in m["attachments"]:
            out.print(f"attachment: {a['filename']} ({a['content_type']}, {a['size']} bytes)", markup=False)
        for defect in m["defects"]:
            out.print(f"defect: {defect}", markup=False, style="yellow")
    if "contact_history" in d:
        h = d["contact_history"]
        out.rule("contact", style="dim")
        out.print(f"{h['address']}: {h['messages']} messages since {h['first_seen']}; other cases:", markup=False)
        for o in h["other_cases"]:
            out.print(f"  {o['id']} {o['status']} {o['subject']}", markup=False)
    out.rule("audit", style="dim")
    for a in d["audit"]:
        out.print(f"{a['at']} {a['actor']} {a['action']} {a['details']}", markup=False, highlight=False)


def _render_evidence(out: Console, analysis: dict[str, Any] | None) -> None:
    """Each judgment with what it rests on: quoted spans, the rule or model, the strength."""
    if not analysis:
        return
    intent, topic = analysis.get("intent") or {}, analysis.get("topic") or {}
    out.print(
        f"  why: intent {intent.get('label')} ({intent.get('confidence', 0):.2f}, {intent.get('source', 'model')}), "
        f"topic {topic.get('label')} ({topic.get('confidence', 0):.2f})",
        markup=False,
        style="cyan",
    )
    for sig in analysis.get("signals") or []:
        quotes = "; ".join(f"“{e['text']}”" for e in sig.get("evidence") or []) or sig.get("detail", "")
        out.print(
            f"  why: {sig['name']} {sig['strength']:.2f} [{sig.get('rule', '')}] {quotes}",
            markup=False,
            highlight=False,
            style="cyan",
        )


def stats(as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False) -> None:
    """Counts: distinct inbound messages (quarantined included), quarantined, cases, contacts."""
    store = Store.open(context.settings())
    with store.engine.connect() as conn:
        counts = queries.stats(conn)
    if as_json:
        print_json(counts)
        return
    for key, value in counts.items():
        typer.echo(f"{key:>20}: {value}")


def register(app: typer.Typer) -> None:
    app.command("cases")(cases)
    app.command("show")(show)
    app.command("stats")(stats)
