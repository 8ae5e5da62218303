"""``execdesk routing``, ``sla``, ``alerts`` and ``webhooks``: thin shells over execdesk.routing and
execdesk.notify (the web desk's settings page calls the same functions)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from execdesk.cli.output import fail, print_json

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from execdesk.store import Store

T = TypeVar("T")

routing_app = typer.Typer(help="Routing rules: ordered, named, each decision recorded with why.", no_args_is_help=True)
sla_app = typer.Typer(help="SLA policies, business hours and the breach sweep.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Signed webhooks out: endpoints, test pings, the delivery log.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
ByOpt = Annotated[str | None, typer.Option("--by", help="Who makes the change (audit log); default: the login name.")]


def _actor(by: str | None) -> str:
    from execdesk.cli.reply_cmds import _default_actor

    return by or _default_actor()


def _store() -> Store:
    from execdesk.cli import context
    from execdesk.store import Store

    return Store.open(context.settings())


def _write(change: Callable[[Connection], T], *, as_json: bool = False) -> T:
    """One change in one transaction (defaults installed first); the user's mistakes become one sentence."""
    from execdesk.cases.service import CaseError
    from execdesk.notify.webhooks import WebhookError
    from execdesk.routing.service import RoutingError, ensure_defaults

    store = _store()
    try:
        with store.transaction() as conn:
            ensure_defaults(conn)
            return change(conn)
    except (RoutingError, CaseError, WebhookError) as exc:
        fail(str(exc), as_json=as_json)
    finally:
        store.close()


def _json_arg(value: str | None, what: str) -> dict[str, Any]:
    if not value:
        return {}
    try:
        data = json.loads(Path(value[1:]).read_text() if value.startswith("@") else value)
    except (OSError, ValueError) as exc:
        fail(f"{what}: not JSON ({exc})")
    if not isinstance(data, dict):
        fail(f"{what}: expected a JSON object")
    return data


def _csv(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


# -- routing ----------------------------------------------------------------------------------------


@routing_app.command("list")
def routing_list(as_json: JsonOpt = False) -> None:
    """The routing rules in evaluation order, and the teams."""
    from execdesk.routing.service import list_rules, list_teams

    rules, teams = _write(lambda conn: (list_rules(conn), list_teams(conn)))
    if as_json:
        print_json({"rules": rules, "teams": teams})
        return
    for r in rules:
        state = "" if r["enabled"] else "  (disabled)"
        typer.secho(f"{r['position'] + 1:>3}. {r['name']}{state}", bold=True)
        cond = json.dumps(r["conditions"]) if r["conditions"] else "every case"
        typer.echo(f"     if {r['match']} of {cond}")
        typer.echo(f"     then {json.dumps(r['actions'])}{'' if r['stop'] else '  (and go on)'}")
    typer.echo("teams: " + ", ".join(t["name"] for t in teams))


@routing_app.command("add")
def routing_add(
    name: Annotated[str, typer.Argument(help="The rule's name (unique).")],
    team: Annotated[str | None, typer.Option("--team", help="Route matching cases to this team.")] = None,
    assignee: Annotated[str | None, typer.Option("--assignee", help="Assign matching cases (when unassigned).")] = None,
    priority: Annotated[float, typer.Option("--priority", help="Add this to the priority (negative lowers).")] = 0.0,
    sla_policy: Annotated[str | None, typer.Option("--sla-policy", help="Use this SLA policy (none: no SLA).")] = None,
    intent: Annotated[
        list[str] | None, typer.Option("--intent", help="Condition: intent (repeatable, or a,b).")
    ] = None,
    topic: Annotated[list[str] | None, typer.Option("--topic", help="Condition: topic (repeatable).")] = None,
    signal: Annotated[list[str] | None, typer.Option("--signal", help="Condition: any of these signals.")] = None,
    min_priority: Annotated[float | None, typer.Option("--min-priority", help="Condition: priority at least.")] = None,
    sender_domain: Annotated[
        list[str] | None, typer.Option("--sender-domain", help="Condition: the sender's domain (or below it).")
    ] = None,
    recipient: Annotated[
        list[str] | None, typer.Option("--recipient", help="Condition: addressed to this address or @domain.")
    ] = None,
    vip: Annotated[bool | None, typer.Option("--vip/--not-vip", help="Condition: the contact is (not) VIP.")] = None,
    campaign_role: Annotated[
        list[str] | None, typer.Option("--campaign-role", help="Condition: member, own_text, trigger or none.")
    ] = None,
    conditions: Annotated[
        str | None, typer.Option("--conditions", help="All conditions as JSON (or @file.json); overrides the above.")
    ] = None,
    match: Annotated[str, typer.Option("--match", help="all: every condition must hold; any: one is enough.")] = "all",
    go_on: Annotated[
        bool, typer.Option("--continue", help="Let later rules match too (default: this rule ends the evaluation).")
    ] = False,
    position: Annotated[
        int | None, typer.Option("--position", help="Place in the order, 1 = first (default: last).")
    ] = None,
    description: Annotated[str, typer.Option("--description", help="What the rule is for.")] = "",
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a routing rule (conditions AND-ed by default; each list means any of its values)."""
    from execdesk.routing.service import create_rule

    cond: dict[str, Any] = {
        "intents": _csv(intent),
        "topics": _csv(topic),
        "signals": _csv(signal),
        "sender_domains": _csv(sender_domain),
        "recipients": _csv(recipient),
        "campaign_roles": _csv(campaign_role),
        "min_priority": min_priority,
        "vip": vip,
    }
    cond = {k: v for k, v in cond.items() if v not in (None, [])}
    if conditions:
        cond = _json_arg(conditions, "--conditions")
    actions = {"team": team, "assignee": assignee, "priority": priority, "sla_policy": sla_policy}
    data = {
        "name": name,
        "description": description,
        "match": match,
        "stop": not go_on,
        "conditions": cond,
        "actions": {k: v for k, v in actions.items() if v not in (None, 0.0)},
    }
    pos = position - 1 if position is not None else None
    rule = _write(lambda conn: create_rule(conn, data, actor=_actor(by), position=pos), as_json=as_json)
    if as_json:
        print_json(rule)
    else:
        typer.echo(f"rule {rule['name']} added at position {rule['position'] + 1}")


@routing_app.command("remove")
def routing_remove(
    name: Annotated[str, typer.Argument(help="The rule's name.")], by: ByOpt = None, as_json: JsonOpt = False
) -> None:
    """Delete a routing rule (cases keep the team it gave them)."""
    from execdesk.routing.service import delete_rule

    _write(lambda conn: delete_rule(conn, name, actor=_actor(by)), as_json=as_json)
    if as_json:
        print_json({"removed": name})
    else:
        typer.echo(f"rule {name} removed")


@routing_app.command("move")
def routing_move(
    name: Annotated[str, typer.Argument(help="The rule's name.")],
    position: Annotated[int, typer.Argument(help="New place in the order, 1 = first.")],
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Move a rule to another place in the order."""
    from execdesk.routing.service import move_rule

    rules = _write(lambda conn: move_rule(conn, name, position - 1, actor=_actor(by)), as_json=as_json)
    if as_json:
        print_json(rules)
    else:
        typer.echo(" > ".join(r["name"] for r in rules))


@routing_app.command("enable")
def routing_enable(
    name: Annotated[str, typer.Argument(help="The rule's name.")],
    off: Annotated[bool, typer.Option("--off", help="Disable the rule instead.")] = False,
    by: ByOpt = None,
) -> None:
    """Enable (or with --off disable) a rule without deleting it."""
    from execdesk.routing.service import update_rule

    _write(lambda conn: update_rule(conn, name, {"enabled": not off}, actor=_actor(by)))
    typer.echo(f"rule {name} {'disabled' if off else 'enabled'}")


@routing_app.command("test")
def routing_test(
    case: Annotated[str, typer.Argument(help="Case reference, e.g. ED-000042 or 42.")], as_json: JsonOpt = False
) -> None:
    """What the rules and SLA policies would do with a case now, and why (changes nothing)."""
    from execdesk.cases.refs import parse_case_ref
    from execdesk.cli import context
    from execdesk.routing.stage import dry_run

    case_id = parse_case_ref(case)
    if case_id is None:
        fail(f"{case!r} is not a case reference (expected e.g. ED-000042)", as_json=as_json)
    result = _write(lambda conn: dry_run(conn, case_id, context.settings()), as_json=as_json)
    if as_json:
        print_json(result)
        return
    d = result["decision"]
    typer.secho(f"{result['case']}: team {d['team']} by rule {d['rule']}; SLA policy {result['sla_policy']}", bold=True)
    for m in d["matched"]:
        typer.echo(f"  {m['rule']}: {'; '.join(m['conditions'])} -> {json.dumps(m['actions'])}")
    typer.echo(f"  facts: {json.dumps(result['facts'])}")
    cur = result["current"]
    typer.echo(f"  now: team {cur['team']}, assignee {cur['assignee']}, SLA policy {cur['sla_policy']}")


@routing_app.command("team")
def routing_team(
    name: Annotated[str, typer.Argument(help="The team's name (letters, digits, . _ -).")],
    description: Annotated[str | None, typer.Option("--description", help="What the team handles.")] = None,
    member: Annotated[list[str] | None, typer.Option("--member", help="A member's name (repeatable).")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Delete the team (refused while a rule uses it).")] = False,
    by: ByOpt = None,
) -> None:
    """Create or change a team (or remove it with --remove)."""
    from execdesk.routing.service import delete_team, list_teams, save_team

    if remove:
        _write(lambda conn: delete_team(conn, name, actor=_actor(by)))
        typer.echo(f"team {name} removed")
        return

    def change(conn: Connection) -> dict[str, Any]:
        current = next((t for t in list_teams(conn) if t["name"] == name), {})
        data = {
            "name": name,
            "description": description if description is not None else current.get("description", ""),
            "members": _csv(member) if member is not None else current.get("members", []),
        }
        return save_team(conn, data, actor=_actor(by))

    team = _write(change)
    typer.echo(f"team {team['name']}: {team['description']} ({', '.join(team['members']) or 'no members'})")


# -- SLA --------------------------------------------------------------------------------------------


@sla_app.command("list")
def sla_list(as_json: JsonOpt = False) -> None:
    """SLA policies in the order they are tried, and the business hours."""
    from execdesk.routing.service import list_hours, list_policies

    policies, hours = _write(lambda conn: (list_policies(conn), list_hours(conn)))
    if as_json:
        print_json({"policies": policies, "business_hours": hours})
        return
    for p in policies:
        mins = [p["first_response_minutes"], p["next_response_minutes"], p["resolution_minutes"]]
        first, nxt, res = (f"{m / 60:g} h" if m else "-" for m in mins)
        state = "" if p["enabled"] else "  (disabled)"
        typer.secho(f"{p['position'] + 1:>3}. {p['name']}{state}", bold=True)
        typer.echo(f"     when {json.dumps(p['conditions']) if p['conditions'] else 'every case'}")
        typer.echo(f"     first response {first}, next {nxt}, resolution {res} ({p['calendar'] or 'round the clock'})")
    for h in hours:
        days = ",".join(h["working_days"])
        typer.echo(f"hours {h['name']}: {days} {h['day_start']}-{h['day_end']} {h['timezone']}")
        if h["holidays"]:
            typer.echo(f"  holidays: {', '.join(h['holidays'])}")


@sla_app.command("set")
def sla_set(
    name: Annotated[str, typer.Argument(help="The policy's name (created when new).")],
    first_response: Annotated[
        int | None, typer.Option("--first-response", help="First-response target, minutes of the calendar.")
    ] = None,
    next_response: Annotated[
        int | None, typer.Option("--next-response", help="Next-response target, minutes of the calendar.")
    ] = None,
    resolution: Annotated[
        int | None, typer.Option("--resolution", help="Resolution target, minutes of the calendar.")
    ] = None,
    calendar: Annotated[
        str | None, typer.Option("--calendar", help="Business hours by name; 'none' counts round the clock.")
    ] = None,
    conditions: Annotated[
        str | None, typer.Option("--conditions", help="When the policy applies: JSON (or @file.json).")
    ] = None,
    position: Annotated[int | None, typer.Option("--position", help="Place in the order, 1 = first.")] = None,
    disable: Annotated[bool | None, typer.Option("--disable/--enable", help="Turn the policy off or on.")] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an SLA policy or change the given fields of one; new clocks use it."""
    from execdesk.routing.service import save_policy

    data: dict[str, Any] = {"name": name}
    for key, value in (
        ("first_response_minutes", first_response),
        ("next_response_minutes", next_response),
        ("resolution_minutes", resolution),
    ):
        if value is not None:
            data[key] = value
    if calendar is not None:
        data["calendar"] = None if calendar == "none" else calendar
    if conditions is not None:
        data["conditions"] = _json_arg(conditions, "--conditions")
    if disable is not None:
        data["enabled"] = not disable
    pos = position - 1 if position is not None else None
    policy = _write(lambda conn: save_policy(conn, data, actor=_actor(by), position=pos), as_json=as_json)
    if as_json:
        print_json(policy)
    else:
        typer.echo(f"policy {policy['name']} saved at position {policy['position'] + 1}")


@sla_app.command("remove")
def sla_remove(name: Annotated[str, typer.Argument(help="The policy's name.")], by: ByOpt = None) -> None:
    """Delete an SLA policy (running clocks keep their deadlines)."""
    from execdesk.routing.service import delete_policy

    _write(lambda conn: delete_policy(conn, name, actor=_actor(by)))
    typer.echo(f"policy {name} removed")


@sla_app.command("hours")
def sla_hours(
    name: Annotated[str, typer.Option("--name", help="Which business hours (created when new).")] = "office",
    timezone: Annotated[str | None, typer.Option("--timezone", help="IANA time zone, e.g. Europe/Berlin.")] = None,
    days: Annotated[str | None, typer.Option("--days", help="Working days, e.g. mon,tue,wed,thu,fri.")] = None,
    hours: Annotated[
        str | None, typer.Option("--hours", help="Daily hours HH:MM-HH:MM; an end before the start runs overnight.")
    ] = None,
    holiday: Annotated[list[str] | None, typer.Option("--holiday", help="A holiday YYYY-MM-DD (repeatable).")] = None,
    clear_holidays: Annotated[bool, typer.Option("--clear-holidays", help="Forget the listed holidays first.")] = False,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set business hours: time zone, working days, daily hours, holidays."""
    from execdesk.routing.service import list_hours, save_hours

    def change(conn: Connection) -> dict[str, Any]:
        current = next((h for h in list_hours(conn) if h["name"] == name), {})
        data: dict[str, Any] = {"name": name}
        if timezone is not None:
            data["timezone"] = timezone
        if days is not None:
            data["working_days"] = _csv([days])
        if hours is not None:
            start, _, end = hours.partition("-")
            data["day_start"], data["day_end"] = start.strip(), end.strip()
        if holiday or clear_holidays:
            kept = [] if clear_holidays else list(current.get("holidays", []))
            data["holidays"] = sorted(set(kept + _csv(holiday)))
        return save_hours(conn, data, actor=_actor(by))

    h = _write(change, as_json=as_json)
    if as_json:
        print_json(h)
    else:
        typer.echo(f"hours {h['name']}: {','.join(h['working_days'])} {h['day_start']}-{h['day_end']} {h['timezone']}")


@sla_app.command("check")
def sla_check(
    now: Annotated[str | None, typer.Option("--now", help="Check as of this ISO time (default: now).")] = None,
    no_deliver: Annotated[bool, typer.Option("--no-deliver", help="Raise alerts but send no webhooks.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run the breach sweep once: missed deadlines become alerts (idempotent), then webhooks go out."""
    from execdesk.cli import context
    from execdesk.routing.breaches import check_breaches

    when = None
    if now is not None:
        try:
            when = datetime.fromisoformat(now)
        except ValueError:
            fail(f"--now {now!r} is not an ISO date and time", as_json=as_json)
    store = _store()
    try:
        result = check_breaches(store, when, context.settings(), deliver=not no_deliver)
    finally:
        store.close()
    if as_json:
        print_json(result.to_dict())
    else:
        typer.echo(f"checked {result.checked} cases: {result.breaches} missed deadlines, {result.alerts} new alerts")


# -- alerts -----------------------------------------------------------------------------------------


def alerts(
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="high_risk, campaign, spike or sla_breach (repeatable).")
    ] = None,
    unacknowledged: Annotated[bool, typer.Option("--open", help="Only alerts nobody acknowledged.")] = False,
    ack: Annotated[int | None, typer.Option("--ack", help="Acknowledge this alert (by number).")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Most alerts to show.")] = 50,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Alerts, newest first: high-risk cases, campaigns, volume spikes, SLA breaches."""
    from execdesk.notify.alerts import KINDS, acknowledge, list_alerts

    bad = [k for k in kind or [] if k not in KINDS]
    if bad:
        fail(f"unknown kind {', '.join(bad)}; choose from {', '.join(KINDS)}", as_json=as_json)
    if ack is not None:
        done = _write(lambda conn: acknowledge(conn, ack, actor=_actor(by)), as_json=as_json)
        if as_json:
            print_json(done)
        else:
            typer.echo(f"alert #{ack} acknowledged by {done['acknowledged_by']}")
        return
    rows = _write(
        lambda conn: list_alerts(conn, kinds=tuple(kind) if kind else None, unacknowledged=unacknowledged, limit=limit)
    )
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no alerts")
    colour = {"critical": typer.colors.RED, "warning": typer.colors.YELLOW, "info": None}
    for a in rows:
        mark = "" if a["acknowledged_at"] is None else f"  (ack {a['acknowledged_by']})"
        typer.secho(f"#{a['id']:<5} {a['at'][:16]}  {a['kind']:<10} {a['title']}{mark}", fg=colour.get(a["severity"]))


# -- webhooks -----------------------------------------------------------------------------------------


@webhooks_app.command("list")
def webhooks_list(
    deliveries: Annotated[bool, typer.Option("--deliveries", help="Show the delivery log instead.")] = False,
    status: Annotated[
        str | None, typer.Option("--status", help="With --deliveries: pending, delivered or failed.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="With --deliveries: most entries to show.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Configured endpoints (secrets are never shown), or the delivery log."""
    from execdesk.notify.webhooks import list_deliveries, list_endpoints

    if deliveries:
        rows = _write(lambda conn: list_deliveries(conn, status=status, limit=limit))
        if as_json:
            print_json(rows)
            return
        for d in rows:
            err = f"  {d['last_error']}" if d["last_error"] else ""
            typer.echo(f"#{d['id']:<5} {d['endpoint']:<12} {d['event']:<10} {d['status']:<9} x{d['attempts']}{err}")
        return
    eps = _write(list_endpoints)
    if as_json:
        print_json(eps)
        return
    if not eps:
        typer.echo("no webhooks (add one with: execdesk webhooks add NAME URL --event high_risk --secret-env VAR)")
    for e in eps:
        secret = f"env {e['secret_env']}" if e["secret_env"] else f"file {e['secret_file']}"
        state = "" if e["enabled"] else "  (disabled)"
        typer.echo(f"{e['name']:<14} {e['url']}  events {','.join(e['events'])}  secret from {secret}{state}")


@webhooks_app.command("add")
def webhooks_add(
    name: Annotated[str, typer.Argument(help="The endpoint's name (unique).")],
    url: Annotated[str, typer.Argument(help="Where to POST (https; http only to loopback in production).")],
    event: Annotated[
        list[str] | None, typer.Option("--event", help="high_risk, campaign, spike, sla_breach (repeatable, or a,b).")
    ] = None,
    secret_env: Annotated[
        str | None, typer.Option("--secret-env", help="Environment variable holding the signing secret.")
    ] = None,
    secret_file: Annotated[
        Path | None, typer.Option("--secret-file", help="File holding the signing secret (first line; mode 600).")
    ] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a webhook endpoint; alerts from now on are POSTed to it, signed with HMAC-SHA256."""
    from execdesk.cli import context
    from execdesk.notify.alerts import KINDS
    from execdesk.notify.webhooks import add_endpoint

    events = _csv(event) or list(KINDS)
    ep = _write(
        lambda conn: add_endpoint(
            conn,
            context.settings(),
            name=name,
            url=url,
            events=events,
            secret_env=secret_env,
            secret_file=str(secret_file.resolve()) if secret_file else None,
            actor=_actor(by),
        ),
        as_json=as_json,
    )
    if as_json:
        print_json(ep)
    else:
        typer.echo(f"webhook {ep['name']} added: {','.join(ep['events'])} -> {ep['url']}")


@webhooks_app.command("remove")
def webhooks_remove(name: Annotated[str, typer.Argument(help="The endpoint's name.")], by: ByOpt = None) -> None:
    """Delete an endpoint and its delivery log."""
    from execdesk.notify.webhooks import remove_endpoint

    _write(lambda conn: remove_endpoint(conn, name, actor=_actor(by)))
    typer.echo(f"webhook {name} removed")


@webhooks_app.command("test")
def webhooks_test(name: Annotated[str, typer.Argument(help="The endpoint's name.")], as_json: JsonOpt = False) -> None:
    """Send a signed ping to an endpoint now and show its answer (exit 1 when it is not 2xx)."""
    from execdesk.cli import context
    from execdesk.notify.webhooks import ping

    result = _write(lambda conn: ping(conn, context.settings(), name), as_json=as_json)
    if as_json:
        print_json(result)
    else:
        typer.echo(f"{name}: {result.get('status') or result.get('error')}")
    if not result["ok"]:
        raise typer.Exit(1)


@webhooks_app.command("send")
def webhooks_send(as_json: JsonOpt = False) -> None:
    """Queue deliveries for new alerts and send every delivery that is due (retries included)."""
    from execdesk.cli import context
    from execdesk.notify.webhooks import dispatch

    store = _store()
    try:
        results = dispatch(store, context.settings())
    finally:
        store.close()
    if as_json:
        print_json([r.to_dict() for r in results])
        return
    if not results:
        typer.echo("nothing due")
    for r in results:
        extra = f"  {r.error}" if r.error else ""
        typer.echo(f"#{r.delivery_id} {r.endpoint} {r.event} {r.status} attempt {r.attempts}{extra}")


def register(app: typer.Typer) -> None:
    app.add_typer(routing_app, name="routing")
    app.add_typer(sla_app, name="sla")
    app.add_typer(webhooks_app, name="webhooks")
    app.command("alerts")(alerts)
