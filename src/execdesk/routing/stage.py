"""The ``route`` ingest stage: team, owner and priority from the rules; SLA clocks; high-risk alerts.

Runs last, inside the batch's transaction, once per batch: the rules, policies and calendars
are read once, the touched cases (with their contacts) in one query, and the results written
with one ``executemany``, one audit insert and one alert insert.

- A case is routed when it is first seen. Later messages re-route it only when a rule *earlier*
  in the order now matches (an escalation: a complaint that turns into a legal threat moves to
  the risk team; nothing moves a case down), and never once a person set its team
  (``routing.pinned``). The assignee is set only when nobody is assigned.
- A routing priority adjustment is applied on top of the analyzer's judgment each time the
  judgment is refreshed, with its own line in the priority reasons.
- Clocks: see :mod:`execdesk.routing.sla`; a stricter policy matching later applies from then on.
- A case that is (or becomes) high-risk raises one ``high_risk`` alert (campaign members do not:
  the campaign's alert speaks for them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from execdesk.cases.refs import case_ref
from execdesk.cases.service import record_audits
from execdesk.notify.alerts import raise_alerts
from execdesk.routing import service
from execdesk.routing.rules import CaseFacts, Decision, RuleSpec, evaluate, holds, level_of
from execdesk.routing.sla import Clock, Targets, escalate, inbound, start
from execdesk.store.models import Case, Contact, table_of

_cases = table_of(Case)
_contacts = table_of(Contact)

ACTOR = "system:routing"
_CHUNK = 500
_UPDATE = (
    update(_cases)
    .where(_cases.c.id == bindparam("case_id"))
    .values(
        {
            name: bindparam(f"v_{name}", type_=_cases.c[name].type)
            for name in (
                "team",
                "assignee",
                "routing",
                "priority",
                "priority_reasons",
                *(f"sla_{n}" for n in Clock.__dataclass_fields__),
            )
        }
    )
)


class RoutingContext:
    """What one batch needs from the database, read once."""

    def __init__(self, conn: Connection, levels: dict[str, float] | None, *, seed: bool = True) -> None:
        if seed:
            service.ensure_defaults(conn)
        self.rules: list[RuleSpec] = service.rule_specs(conn)
        cals = service.calendars(conn)
        self.policies: list[tuple[Any, Targets]] = []
        for position, p in enumerate(service.policy_specs(conn)):
            if not p.enabled:
                continue
            cal = cals.get(p.calendar) if p.calendar else None
            targets = Targets(
                p.name, p.first_response_minutes, p.next_response_minutes, p.resolution_minutes, cal, position
            )
            self.policies.append((p, targets))
        self.by_name = {t.policy: t for _p, t in self.policies}
        self.levels = levels

    def policy_for(self, facts: CaseFacts, override: str | None) -> Targets | None:
        if override == "none":
            return None
        if override and override in self.by_name:
            return self.by_name[override]
        for spec, targets in self.policies:
            if holds(spec.conditions, facts):  # no conditions: every case
                return targets
        return None


def case_facts(row: Any, *, sender: str | None, recipients: list[str], settings: Any, levels: Any) -> CaseFacts:
    signals = frozenset(s for s in (row.signals or []) if isinstance(s, str))
    priority = float(row.priority or 0.0)
    high_risk = bool(signals & set(settings.routing.high_risk_signals)) or (
        row.intent is not None and row.intent in settings.routing.high_risk_intents
    )
    return CaseFacts(
        intent=row.intent,
        topic=row.topic,
        signals=signals,
        priority=priority,
        level=level_of(priority, levels),
        sender=sender or row.address,
        vip=bool(row.vip),
        recipients=tuple(sorted({r.lower() for r in recipients if r})),
        campaign_role=row.campaign_role,
        high_risk=high_risk and not row.machine,
        machine=bool(row.machine),
    )


def _load_cases(conn: Connection, ids: list[int]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for i in range(0, len(ids), _CHUNK):
        q = (
            select(_cases, _contacts.c.address, _contacts.c.vip)
            .select_from(_cases.outerjoin(_contacts, _cases.c.contact_id == _contacts.c.id))
            .where(_cases.c.id.in_(ids[i : i + _CHUNK]))
        )
        out.update({int(r.id): r for r in conn.execute(q)})
    return out


def route_batch(works: list[Any], env: Any) -> None:
    """The stage function (see the module's docstring)."""
    from execdesk.ingest.stages import effective_time

    settings = env.settings
    if not settings.routing.enabled:
        return
    todo = [w for w in works if w.failure is None and w.case_id is not None and w.parsed is not None]
    if not todo:
        return
    conn: Connection = env.conn
    levels = None
    if env.analyze_config is not None:
        levels = (env.analyze_config.raw.get("priority") or {}).get("levels")
    ctx = RoutingContext(conn, levels)
    by_case: dict[int, list[Any]] = {}
    for w in todo:
        by_case.setdefault(int(w.case_id), []).append(w)
    rows = _load_cases(conn, sorted(by_case))
    updates, audits, alerts = [], [], []
    for case_id, ws in by_case.items():
        row = rows.get(case_id)
        if row is None:
            continue
        ws.sort(key=lambda w: effective_time(w.parsed, w.received_at))
        events = [(w, effective_time(w.parsed, w.received_at), _action(w, case_id)) for w in ws]
        latest = ws[-1].parsed
        facts = case_facts(
            row,
            sender=ws[-1].extra.get("from_addr"),
            recipients=[*latest.to_addrs, *latest.cc_addrs],
            settings=settings,
            levels=levels,
        )
        out = route_case(ctx, row, facts, events, judged=any(w.analysis is not None for w in ws))
        updates.append(out["values"])
        audits.extend(out["audits"])
        alerts.extend(out["alerts"])
    if updates:
        conn.execute(_UPDATE, updates)
    record_audits(conn, audits)
    raise_alerts(conn, alerts)


def _action(w: Any, case_id: int) -> str:
    for e in w.extra.get("audit", []):
        if e.get("case_id") == case_id and e.get("message_pk") == w.message_pk:
            return str(e.get("action"))
    return "case.message_added"


def route_case(
    ctx: RoutingContext, row: Any, facts: CaseFacts, events: list[tuple[Any, datetime, str]], *, judged: bool
) -> dict[str, Any]:
    """Routing, priority, clock and alerts for one case touched by a batch; returns the new column
    values (for the batch's one UPDATE), audit events and alerts."""
    at = events[-1][1]
    first_pk = events[0][0].message_pk
    decision = evaluate(ctx.rules, facts)
    routing: dict[str, Any] | None = dict(row.routing) if row.routing else None
    team, assignee = row.team, row.assignee
    audits: list[dict[str, Any]] = []
    reroute = routing is None or (
        not routing.get("pinned")
        and decision.position is not None
        and (routing.get("position") is None or decision.position < routing["position"])
    )
    if reroute:
        new = _routing_record(decision, facts, at)
        audits.append(
            {
                "actor": ACTOR,
                "action": "case.routed" if routing is None else "case.rerouted",
                "case_id": row.id,
                "message_pk": events[-1][0].message_pk,
                "details": {
                    "from_team": team,
                    "team": decision.team,
                    "rule": decision.rule,
                    "why": decision.matched,
                    "assignee": decision.assignee if assignee is None else None,
                    "priority": decision.priority,
                },
                "at": at,
            }
        )
        routing = new
        team = decision.team or team
        if assignee is None and decision.assignee:
            assignee = decision.assignee
    assert routing is not None
    routing["facts"] = facts.to_dict()
    priority, reasons = float(row.priority or 0.0), list(row.priority_reasons or [])
    delta = float(routing.get("priority") or 0.0)
    if delta and judged:  # the analyzer's judgment was just refreshed: adjust it again
        priority = max(0.0, min(100.0, priority + delta))
        reasons = [r for r in reasons if not str((r or {}).get("source", "")).startswith("routing:")]
        reasons.append({"source": f"routing:{routing.get('rule')}", "points": delta, "detail": "routing rule"})
        reasons.sort(key=lambda r: -abs(float(r.get("points", 0))))
    adjusted = CaseFacts(**{**facts.__dict__, "priority": priority, "level": level_of(priority, ctx.levels)})
    clock, clock_audit = _clock(ctx, row, adjusted, routing, events)
    if clock_audit is not None:
        audits.append({**clock_audit, "case_id": row.id, "message_pk": first_pk})
    alerts = []
    if facts.high_risk and facts.campaign_role != "member":
        alerts.append(high_risk_alert(row, facts, team, priority, at))
    values = {
        "case_id": row.id,
        "v_team": team,
        "v_assignee": assignee,
        "v_routing": routing,
        "v_priority": priority,
        "v_priority_reasons": reasons,
        **{f"v_{k}": v for k, v in clock.columns().items()},
    }
    return {"values": values, "audits": audits, "alerts": alerts}


def _routing_record(decision: Decision, facts: CaseFacts, at: datetime) -> dict[str, Any]:
    return {**decision.to_dict(), "at": at.isoformat(), "pinned": False}


def _clock(
    ctx: RoutingContext,
    row: Any,
    facts: CaseFacts,
    routing: dict[str, Any],
    events: list[tuple[Any, datetime, str]],
) -> tuple[Clock, dict[str, Any] | None]:
    clock = Clock.of(row)
    targets = ctx.policy_for(facts, routing.get("sla_policy"))
    before = clock.policy
    if targets is None:
        return clock, None
    for _w, at, action in events:
        if clock.policy is None:
            clock = start(targets, at)
        else:
            clock = inbound(clock, ctx.by_name.get(clock.policy, targets), at, reopened=action == "case.reopened")
    current = ctx.by_name.get(clock.policy or "")
    if clock.policy != targets.policy and (current is None or targets.position < current.position):
        clock = escalate(clock, targets, events[-1][1])
    if clock.policy == before:
        return clock, None
    return clock, {
        "actor": ACTOR,
        "action": "sla.started" if before is None else "sla.policy_changed",
        "details": {
            "from": before,
            "policy": clock.policy,
            "first_response_due": _iso(clock.first_response_due),
            "resolution_due": _iso(clock.resolution_due),
        },
        "at": events[-1][1],
    }


def _iso(v: datetime | None) -> str | None:
    return v.isoformat() if v is not None else None


def high_risk_alert(row: Any, facts: CaseFacts, team: str | None, priority: float, at: datetime) -> dict[str, Any]:
    ref = case_ref(row.id)
    risky = sorted(facts.signals) or [facts.intent or "?"]
    return {
        "kind": "high_risk",
        "dedup_key": f"high_risk:{row.id}",
        "title": f"High-risk case {ref}: {', '.join(risky)}" + (f" (team {team})" if team else ""),
        "severity": "critical" if "safety" in facts.signals or "legal_threat" in facts.signals else "warning",
        "case_id": row.id,
        "campaign_id": row.campaign_id,
        "at": at,
        "details": {
            "case": ref,
            "signals": sorted(facts.signals),
            "intent": facts.intent,
            "topic": facts.topic,
            "team": team,
            "priority": round(priority, 1),
            "vip": facts.vip,
        },
    }


def dry_run(conn: Connection, case_id: int, settings: Any, levels: dict[str, float] | None = None) -> dict[str, Any]:
    """What the current rules and policies would do with a stored case, without changing it
    (``execdesk routing test``, the settings page's "test" button)."""
    from execdesk.cases.service import CaseError
    from execdesk.store.models import Message

    messages = table_of(Message)
    rows = _load_cases(conn, [case_id])
    row = rows.get(case_id)
    if row is None:
        raise CaseError(f"no case {case_id}")
    latest = conn.execute(
        select(messages.c.from_addr, messages.c.to_addrs, messages.c.cc_addrs)
        .where(messages.c.case_id == case_id, messages.c.direction == "in")
        .order_by(messages.c.received_at.desc(), messages.c.id.desc())
        .limit(1)
    ).first()
    recipients = [*(latest.to_addrs or []), *(latest.cc_addrs or [])] if latest else []
    facts = case_facts(
        row, sender=latest.from_addr if latest else None, recipients=recipients, settings=settings, levels=levels
    )
    ctx = RoutingContext(conn, levels, seed=False)
    decision = evaluate(ctx.rules, facts)
    adjusted = float(row.priority or 0.0) + decision.priority
    policy = ctx.policy_for(
        CaseFacts(**{**facts.__dict__, "priority": adjusted, "level": level_of(adjusted, levels)}), decision.sla_policy
    )
    return {
        "case": case_ref(case_id),
        "facts": facts.to_dict(),
        "decision": decision.to_dict(),
        "sla_policy": policy.policy if policy else None,
        "current": {"team": row.team, "assignee": row.assignee, "routing": row.routing, "sla_policy": row.sla_policy},
    }
