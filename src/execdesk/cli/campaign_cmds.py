"""``execdesk campaigns`` and ``execdesk campaign show|ack|answer|close|detach``: floods as one event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Connection

from execdesk.cli import context
from execdesk.cli.output import fail, print_json
from execdesk.cli.reply_cmds import _default_actor, _read_text, _send
from execdesk.store import Store

T = TypeVar("T")

campaign_app = typer.Typer(help="One campaign: show it, or act on all its members at once.", no_args_is_help=True)


def campaigns(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON list (id, title, size, first_seen, last_seen, members...).")
    ] = False,
    status: Annotated[
        str | None, typer.Option("--status", help="Only campaigns with this status: active or closed.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Most campaigns to list (most recently active first).")] = 200,
) -> None:
    """Floods of near-identical or same-trigger mail, grouped as campaigns."""
    from execdesk.campaigns import queries

    if status is not None and status not in queries.STATUSES:
        fail(f"unknown status {status!r}; choose from {', '.join(queries.STATUSES)}", as_json=as_json)
    store = Store.open(context.settings())
    with store.engine.connect() as conn:
        rows = queries.list_campaigns(conn, status=status, limit=limit, include_members=as_json)
    store.close()
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no campaigns")
        return
    table = Table(title=f"{len(rows)} campaign(s)")
    for col in ("id", "size", "senders", "first seen", "last seen", "trigger", "title"):
        table.add_column(col, overflow="fold")
    for r in rows:
        trigger = r["trigger"]["case"] if r["trigger"] else ""
        table.add_row(
            r["id"],
            str(r["size"]),
            str(r["distinct_senders"]),
            (r["first_seen"] or "")[:16],
            (r["last_seen"] or "")[:16],
            trigger,
            r["title"][:70],
        )
    Console().print(table)


@campaign_app.command("show")
def show(
    campaign_id: Annotated[str, typer.Argument(help="Campaign id, e.g. cmp_536fb6934062440c.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the campaign as JSON.")] = False,
) -> None:
    """One campaign: form text, trigger and why, shared links and phrases, growth, members."""
    from execdesk.campaigns import queries

    store = Store.open(context.settings())
    with store.engine.connect() as conn:
        c = queries.campaign_detail(conn, campaign_id)
    store.close()
    if c is None:
        fail(f"no campaign {campaign_id}", as_json=as_json)
    if as_json:
        print_json(c)
        return
    echo = typer.echo
    echo(f"{c['id']}  [{c['status']}]  {c['title']}")
    echo(
        f"{c['size']} messages from {c['distinct_senders']} senders ({c['known_contacts_share']:.0%} known contacts), "
        f"{c['own_text_members']} add text of their own; {c['first_seen']} .. {c['last_seen']}"
    )
    if c["trigger"]:
        echo(f"trigger: {c['trigger']['case']}  ({c['trigger'].get('rule')}: {c['trigger'].get('why', '')})")
    else:
        echo("trigger: none found")
    for link in c["shared_links"][:5]:
        echo(f"shared link: {link['url']}  ({link['members']} members)")
    for phrase in c["shared_phrases"][:3]:
        echo(f"shared phrase: \u201c{phrase}\u201d")
    if c["arrivals"]:
        peak = max(c["arrivals"], key=lambda a: a["count"])
        echo(f"growth: {len(c['arrivals'])} hour(s) with mail; peak {peak['count']} at {peak['hour']}")
    if c["related"]:
        echo("related (same trigger): " + ", ".join(f"{r['id']} ({r['size']})" for r in c["related"]))
    echo("\nform text:\n" + "\n".join("  " + line for line in c["representative_text"].splitlines()))
    own = [m for m in c["member_details"] if m["adds_own_text"] and m["status"] == "member"]
    if own:
        echo(f"\nmembers with text of their own ({len(own)}; also in the queue):")
        for m in own[:20]:
            echo(f"  {m['case']}  {m['from']}: {m['own_text'][:100]}")
    detached = [m for m in c["member_details"] if m["status"] == "detached"]
    if detached:
        echo(f"\ndetached: {', '.join(str(m['case']) for m in detached)}")


def _write(change: Callable[[Connection], T], *, as_json: bool) -> T:
    from execdesk.campaigns.actions import CampaignError
    from execdesk.reply.drafting import DraftError
    from execdesk.reply.outbox import ReplyError

    store = Store.open(context.settings())
    try:
        with store.transaction() as conn:
            return change(conn)
    except (CampaignError, ReplyError, DraftError) as exc:
        fail(str(exc), as_json=as_json)
    finally:
        store.close()


def _report(result: dict[str, Any], *, as_json: bool, verb: str) -> None:
    if as_json:
        print_json(result)
        return
    typer.echo(f"{verb} {result['done']}; skipped {result['skipped']}")
    reasons: dict[str, int] = {}
    for s in result["skipped_items"]:
        reasons[s["why"]] = reasons.get(s["why"], 0) + 1
    for why, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
        typer.echo(f"  skipped {n}: {why}")


def _send_now(as_json: bool) -> None:
    settings = context.settings()
    store = Store.open(settings)
    results = _send(store, settings, None, as_json=as_json)
    store.close()
    if not as_json:
        sent = sum(1 for r in results if r.status == "sent")
        typer.echo(f"sent {sent} of {len(results)} due")


@campaign_app.command("ack")
def ack(
    campaign_id: Annotated[str, typer.Argument(help="Campaign id.")],
    by: Annotated[str | None, typer.Option("--by", help="Who acts (audit log); default: the login name.")] = None,
    send: Annotated[bool, typer.Option("--send", help="Send the queued acknowledgments now.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Acknowledge every member once, personalised; never machine mail, never twice to one sender."""
    from execdesk.campaigns.actions import acknowledge_all

    actor = by or _default_actor()
    result = _write(lambda conn: acknowledge_all(conn, context.settings(), campaign_id, by=actor), as_json=as_json)
    _report(result.to_dict(), as_json=as_json, verb="acknowledgments queued:")
    if send:
        _send_now(as_json)


@campaign_app.command("answer")
def answer(
    campaign_id: Annotated[str, typer.Argument(help="Campaign id.")],
    text: Annotated[
        str, typer.Option("--text", help="The answer: a file, or - for standard input ({customer_name}...).")
    ],
    by: Annotated[str | None, typer.Option("--by", help="Who answers (audit log); default: the login name.")] = None,
    role: Annotated[str | None, typer.Option("--role", help="Your role; a blocked text needs a supervisor.")] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="A supervisor's written reason to send a text the guard blocks.")
    ] = None,
    executive: Annotated[bool, typer.Option("--executive", help="Sign in the executive's voice.")] = False,
    send: Annotated[bool, typer.Option("--send", help="Send the queued answers now.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Answer every member with one text, checked once by the tone guard, one mail per sender."""
    from execdesk.campaigns.actions import answer_all

    body = _read_text(text)
    actor = by or _default_actor()
    result = _write(
        lambda conn: answer_all(
            conn,
            context.settings(),
            campaign_id,
            text=body,
            by=actor,
            role=role,
            approval_reason=reason,
            executive=executive,
        ),
        as_json=as_json,
    )
    _report(result.to_dict(), as_json=as_json, verb="answers queued:")
    if send:
        _send_now(as_json)


@campaign_app.command("close")
def close(
    campaign_id: Annotated[str, typer.Argument(help="Campaign id.")],
    by: Annotated[str | None, typer.Option("--by", help="Who closes (audit log); default: the login name.")] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (audit log).")] = "",
    include_own_text: Annotated[
        bool, typer.Option("--include-own-text", help="Also close members who wrote text of their own.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Close the members' cases and the campaign (the trigger case stays open)."""
    from execdesk.campaigns.actions import close_all

    actor = by or _default_actor()
    result = _write(
        lambda conn: close_all(conn, campaign_id, by=actor, reason=reason, include_own_text=include_own_text),
        as_json=as_json,
    )
    _report(result.to_dict(), as_json=as_json, verb="cases closed:")


@campaign_app.command("detach")
def detach(
    campaign_id: Annotated[str, typer.Argument(help="Campaign id.")],
    message: Annotated[int, typer.Argument(help="The member's message number (message_pk in `campaign show --json`).")],
    by: Annotated[str | None, typer.Option("--by", help="Who detaches (audit log); default: the login name.")] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (audit log).")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Take one message out of the campaign; its case returns to the queue as an ordinary case."""
    from execdesk.campaigns.actions import detach as detach_member

    actor = by or _default_actor()
    out = _write(lambda conn: detach_member(conn, campaign_id, message, by=actor, reason=reason), as_json=as_json)
    if as_json:
        print_json(out)
    else:
        typer.echo(f"detached message {message}; case {out['case']} is back in the queue")


def register(app: typer.Typer) -> None:
    app.command("campaigns")(campaigns)
    app.add_typer(campaign_app, name="campaign")
