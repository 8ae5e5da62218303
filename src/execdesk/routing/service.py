"""Teams, routing rules and SLA policies in the database: the one write path for editing them.

The web desk's settings page, the CLI and the route stage call these; each change is audited
(``routing.*`` / ``sla.*`` actions, no case). Functions take a connection inside the caller's
transaction and return plain dicts. :func:`ensure_defaults` copies the shipped defaults
(``defaults.yaml``) into an empty desk once; a checkpoint remembers it, so rules a supervisor
deleted stay deleted.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection, delete, func, insert, select, update

from execdesk.cases.service import record_audit
from execdesk.routing.calendar import BusinessCalendar, CalendarError, shared_calendar
from execdesk.routing.rules import Conditions, RuleSpec
from execdesk.store.db import utcnow
from execdesk.store.models import BusinessHours, Checkpoint, RoutingRule, SlaPolicy, Team, table_of

_rules = table_of(RoutingRule)
_policies = table_of(SlaPolicy)
_teams = table_of(Team)
_checkpoints = table_of(Checkpoint)
_hours = table_of(BusinessHours)

DEFAULTS_CHECKPOINT = "routing:defaults"


class RoutingError(ValueError):
    """A requested change is not allowed (unknown rule, duplicate name, bad condition). Shown as is."""


MAX_TARGET_MINUTES = 366 * 24 * 60  # a target beyond a year is a typo, not a policy


class PolicySpec(BaseModel):
    """An SLA policy as it is created or edited. Targets are minutes (business minutes by default)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    description: str = ""
    enabled: bool = True
    conditions: Conditions = Field(default_factory=Conditions)  # type: ignore[arg-type]
    first_response_minutes: int | None = Field(None, ge=1, le=MAX_TARGET_MINUTES)
    next_response_minutes: int | None = Field(None, ge=1, le=MAX_TARGET_MINUTES)
    resolution_minutes: int | None = Field(None, ge=1, le=MAX_TARGET_MINUTES)
    calendar: str | None = Field("office", description="Business hours the targets count in; none: round the clock.")


class HoursSpec(BaseModel):
    """A business-hours calendar as it is created or edited."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("office", min_length=1, max_length=64)
    timezone: str = "UTC"
    working_days: list[str] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    day_start: str = "09:00"
    day_end: str = "17:00"
    holidays: list[str] = Field(default_factory=list)

    def calendar(self) -> BusinessCalendar:
        return shared_calendar(
            self.timezone, tuple(self.working_days), self.day_start, self.day_end, tuple(self.holidays)
        )


class TeamSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[\w.-]+$")
    description: str = ""
    members: list[str] = Field(default_factory=list)


def _validate(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or model.__name__
        raise RoutingError(f"{where}: {first['msg']}") from None


# -- defaults ------------------------------------------------------------------------------------


@cache
def shipped_defaults() -> dict[str, Any]:
    """The shipped teams, rules and policies (validated; see docs/routing.md)."""
    text = resources.files("execdesk.routing").joinpath("defaults.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return {
        "teams": [_validate(TeamSpec, t) for t in raw["teams"]],
        "rules": [_validate(RuleSpec, r) for r in raw["rules"]],
        "sla_policies": [_validate(PolicySpec, p) for p in raw["sla_policies"]],
        "business_hours": [_validate(HoursSpec, h) for h in raw["business_hours"]],
    }


def ensure_defaults(conn: Connection) -> bool:
    """Copy the shipped defaults into the database once (a checkpoint marks it). True when it did."""
    if conn.execute(select(_checkpoints.c.key).where(_checkpoints.c.key == DEFAULTS_CHECKPOINT)).first():
        return False
    d = shipped_defaults()
    now = utcnow()
    have_teams = set(conn.execute(select(_teams.c.name)).scalars())
    have_rules = set(conn.execute(select(_rules.c.name)).scalars())
    have_policies = set(conn.execute(select(_policies.c.name)).scalars())
    have_hours = set(conn.execute(select(_hours.c.name)).scalars())
    hours = [
        {**h.model_dump(), "created_at": now, "updated_at": now}
        for h in d["business_hours"]
        if h.name not in have_hours
    ]
    if hours:
        conn.execute(insert(_hours), hours)
    teams = [
        {"name": t.name, "description": t.description, "members": t.members, "created_at": now, "updated_at": now}
        for t in d["teams"]
        if t.name not in have_teams
    ]
    if teams:
        conn.execute(insert(_teams), teams)
    start = _next_position(conn, _rules)
    rules = [
        {**_rule_row(r), "position": start + i, "updated_by": "system:defaults", "created_at": now, "updated_at": now}
        for i, r in enumerate(x for x in d["rules"] if x.name not in have_rules)
    ]
    if rules:
        conn.execute(insert(_rules), rules)
    start = _next_position(conn, _policies)
    policies = [
        {
            **_policy_row(p),
            "position": start + i,
            "updated_by": "system:defaults",
            "created_at": now,
            "updated_at": now,
        }
        for i, p in enumerate(x for x in d["sla_policies"] if x.name not in have_policies)
    ]
    if policies:
        conn.execute(insert(_policies), policies)
    conn.execute(
        insert(_checkpoints).values(key=DEFAULTS_CHECKPOINT, value={"seeded_at": now.isoformat()}, updated_at=now)
    )
    record_audit(
        conn,
        actor="system:defaults",
        action="routing.defaults_installed",
        details={"teams": len(teams), "rules": len(rules), "sla_policies": len(policies)},
        at=now,
    )
    return True


def _next_position(conn: Connection, table: Any) -> int:
    return int(conn.execute(select(func.coalesce(func.max(table.c.position), -1))).scalar_one()) + 1


# -- teams ---------------------------------------------------------------------------------------


def list_teams(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(_teams).order_by(_teams.c.name)).all()
    return [{"id": r.id, "name": r.name, "description": r.description, "members": r.members or []} for r in rows]


def save_team(conn: Connection, data: dict[str, Any], *, actor: str) -> dict[str, Any]:
    """Create a team, or update the one with this name (description, members)."""
    spec: TeamSpec = _validate(TeamSpec, data)
    now = utcnow()
    existing = conn.execute(select(_teams.c.id).where(_teams.c.name == spec.name)).scalar()
    values = {"description": spec.description, "members": spec.members, "updated_at": now}
    if existing is None:
        conn.execute(insert(_teams).values(name=spec.name, created_at=now, **values))
    else:
        conn.execute(update(_teams).where(_teams.c.id == existing).values(**values))
    record_audit(conn, actor=actor, action="routing.team_saved", details=spec.model_dump(), at=now)
    return next(t for t in list_teams(conn) if t["name"] == spec.name)


def delete_team(conn: Connection, name: str, *, actor: str) -> None:
    used = [r["name"] for r in list_rules(conn) if r["actions"].get("team") == name]
    if used:
        raise RoutingError(f"team {name!r} is used by rule(s) {', '.join(used)}; change them first")
    if conn.execute(delete(_teams).where(_teams.c.name == name)).rowcount == 0:
        raise RoutingError(f"no team {name!r}")
    record_audit(conn, actor=actor, action="routing.team_deleted", details={"name": name})


# -- routing rules -------------------------------------------------------------------------------


def _rule_row(spec: RuleSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "description": spec.description,
        "enabled": spec.enabled,
        "match": spec.match,
        "conditions": spec.conditions.model_dump(exclude_defaults=True),
        "actions": spec.actions.model_dump(exclude_defaults=True),
        "stop": spec.stop,
    }


def _rule_dict(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "position": r.position,
        "enabled": bool(r.enabled),
        "description": r.description,
        "match": r.match,
        "conditions": r.conditions or {},
        "actions": r.actions or {},
        "stop": bool(r.stop),
        "updated_by": r.updated_by,
        "updated_at": r.updated_at.isoformat() if r.updated_at else None,
    }


def list_rules(conn: Connection) -> list[dict[str, Any]]:
    """Every rule in evaluation order."""
    return [_rule_dict(r) for r in conn.execute(select(_rules).order_by(_rules.c.position, _rules.c.id))]


def rule_specs(conn: Connection) -> list[RuleSpec]:
    """The rules in order, as the evaluator takes them."""
    return [RuleSpec.model_validate({k: r[k] for k in RuleSpec.model_fields}) for r in list_rules(conn)]


def get_rule(conn: Connection, name: str) -> dict[str, Any]:
    row = conn.execute(select(_rules).where(_rules.c.name == name)).first()
    if row is None:
        raise RoutingError(f"no routing rule {name!r}")
    return _rule_dict(row)


def _check_refs(conn: Connection, spec: RuleSpec) -> None:
    team = spec.actions.team
    if team and conn.execute(select(_teams.c.id).where(_teams.c.name == team)).first() is None:
        raise RoutingError(f"no team {team!r}; create it first (execdesk routing team-add)")
    pol = spec.actions.sla_policy
    if pol and pol != "none" and conn.execute(select(_policies.c.id).where(_policies.c.name == pol)).first() is None:
        raise RoutingError(f"no SLA policy {pol!r}")


def create_rule(conn: Connection, data: dict[str, Any], *, actor: str, position: int | None = None) -> dict[str, Any]:
    """Add a rule (at ``position``, 0 = first; default last)."""
    spec: RuleSpec = _validate(RuleSpec, data)
    if conn.execute(select(_rules.c.id).where(_rules.c.name == spec.name)).first() is not None:
        raise RoutingError(f"a routing rule named {spec.name!r} exists")
    _check_refs(conn, spec)
    now = utcnow()
    conn.execute(
        insert(_rules).values(
            **_rule_row(spec), position=_next_position(conn, _rules), updated_by=actor, created_at=now, updated_at=now
        )
    )
    record_audit(conn, actor=actor, action="routing.rule_created", details=_rule_row(spec), at=now)
    if position is not None:
        move_rule(conn, spec.name, position, actor=actor)
    return get_rule(conn, spec.name)


def update_rule(conn: Connection, name: str, changes: dict[str, Any], *, actor: str) -> dict[str, Any]:
    """Change a rule's fields (a new ``name`` renames it); conditions and actions are replaced whole."""
    current = get_rule(conn, name)
    merged = {k: current[k] for k in RuleSpec.model_fields} | changes
    spec: RuleSpec = _validate(RuleSpec, merged)
    if spec.name != name and conn.execute(select(_rules.c.id).where(_rules.c.name == spec.name)).first():
        raise RoutingError(f"a routing rule named {spec.name!r} exists")
    _check_refs(conn, spec)
    now = utcnow()
    conn.execute(
        update(_rules).where(_rules.c.id == current["id"]).values(**_rule_row(spec), updated_by=actor, updated_at=now)
    )
    record_audit(
        conn,
        actor=actor,
        action="routing.rule_updated",
        details={"name": name, "from": {k: current[k] for k in RuleSpec.model_fields}, "to": _rule_row(spec)},
        at=now,
    )
    return get_rule(conn, spec.name)


def reorder_rules(conn: Connection, names: list[str], *, actor: str) -> list[dict[str, Any]]:
    """Set the evaluation order: ``names`` first, in this order; rules not named keep theirs after them."""
    current = [r["name"] for r in list_rules(conn)]
    unknown = [n for n in names if n not in current]
    if unknown:
        raise RoutingError(f"no routing rule {', '.join(map(repr, unknown))}")
    if len(set(names)) != len(names):
        raise RoutingError("a rule is named twice in the new order")
    order = list(names) + [n for n in current if n not in names]
    _renumber(conn, _rules, order)
    record_audit(conn, actor=actor, action="routing.rules_reordered", details={"from": current, "to": order})
    return list_rules(conn)


def move_rule(conn: Connection, name: str, position: int, *, actor: str) -> list[dict[str, Any]]:
    order = [r["name"] for r in list_rules(conn) if r["name"] != name]
    get_rule(conn, name)
    order.insert(max(0, min(position, len(order))), name)
    return reorder_rules(conn, order, actor=actor)


def delete_rule(conn: Connection, name: str, *, actor: str) -> None:
    rule = get_rule(conn, name)
    conn.execute(delete(_rules).where(_rules.c.id == rule["id"]))
    record_audit(conn, actor=actor, action="routing.rule_deleted", details={k: rule[k] for k in RuleSpec.model_fields})


def _renumber(conn: Connection, table: Any, names: list[str]) -> None:
    now = utcnow()
    for i, n in enumerate(names):
        conn.execute(update(table).where(table.c.name == n).values(position=i, updated_at=now))


# -- SLA policies --------------------------------------------------------------------------------


def _policy_row(spec: PolicySpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "description": spec.description,
        "enabled": spec.enabled,
        "conditions": spec.conditions.model_dump(exclude_defaults=True),
        "first_response_minutes": spec.first_response_minutes,
        "next_response_minutes": spec.next_response_minutes,
        "resolution_minutes": spec.resolution_minutes,
        "calendar": spec.calendar,
    }


def _policy_dict(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "position": r.position,
        **{k: getattr(r, k) for k in PolicySpec.model_fields},
        "conditions": r.conditions or {},
        "updated_by": r.updated_by,
    }


def list_policies(conn: Connection) -> list[dict[str, Any]]:
    """Every SLA policy in the order they are tried."""
    return [_policy_dict(r) for r in conn.execute(select(_policies).order_by(_policies.c.position, _policies.c.id))]


def policy_specs(conn: Connection) -> list[PolicySpec]:
    return [PolicySpec.model_validate({k: p[k] for k in PolicySpec.model_fields}) for p in list_policies(conn)]


def save_policy(conn: Connection, data: dict[str, Any], *, actor: str, position: int | None = None) -> dict[str, Any]:
    """Create a policy, or replace the fields given for the one with this name. New cases use it;
    running clocks keep the deadlines they were given."""
    name = data.get("name")
    row = conn.execute(select(_policies).where(_policies.c.name == name)).first() if name else None
    current = {k: getattr(row, k) for k in PolicySpec.model_fields} if row is not None else {}
    spec: PolicySpec = _validate(PolicySpec, current | data)
    if spec.calendar and conn.execute(select(_hours.c.id).where(_hours.c.name == spec.calendar)).first() is None:
        raise RoutingError(f"no business hours named {spec.calendar!r} (execdesk sla hours --name {spec.calendar})")
    now = utcnow()
    if row is None:
        conn.execute(
            insert(_policies).values(
                **_policy_row(spec),
                position=_next_position(conn, _policies),
                updated_by=actor,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        conn.execute(
            update(_policies)
            .where(_policies.c.id == row.id)
            .values(**_policy_row(spec), updated_by=actor, updated_at=now)
        )
    record_audit(
        conn, actor=actor, action="sla.policy_saved", details={"from": current or None, "to": _policy_row(spec)}, at=now
    )
    if position is not None:
        order = [p["name"] for p in list_policies(conn) if p["name"] != spec.name]
        order.insert(max(0, min(position, len(order))), spec.name)
        _renumber(conn, _policies, order)
    return next(p for p in list_policies(conn) if p["name"] == spec.name)


def delete_policy(conn: Connection, name: str, *, actor: str) -> None:
    if conn.execute(delete(_policies).where(_policies.c.name == name)).rowcount == 0:
        raise RoutingError(f"no SLA policy {name!r}")
    record_audit(conn, actor=actor, action="sla.policy_deleted", details={"name": name})


def reorder_policies(conn: Connection, names: list[str], *, actor: str) -> list[dict[str, Any]]:
    current = [p["name"] for p in list_policies(conn)]
    unknown = [n for n in names if n not in current]
    if unknown:
        raise RoutingError(f"no SLA policy {', '.join(map(repr, unknown))}")
    order = list(dict.fromkeys(names)) + [n for n in current if n not in names]
    _renumber(conn, _policies, order)
    record_audit(conn, actor=actor, action="sla.policies_reordered", details={"from": current, "to": order})
    return list_policies(conn)


# -- business hours ------------------------------------------------------------------------------


def list_hours(conn: Connection) -> list[dict[str, Any]]:
    return [
        {"id": r.id, **{k: getattr(r, k) for k in HoursSpec.model_fields}, "updated_by": r.updated_by}
        for r in conn.execute(select(_hours).order_by(_hours.c.name))
    ]


def calendars(conn: Connection) -> dict[str, BusinessCalendar]:
    """Every business-hours calendar by name, ready for arithmetic."""
    out = {}
    for h in list_hours(conn):
        out[h["name"]] = HoursSpec.model_validate({k: h[k] for k in HoursSpec.model_fields}).calendar()
    return out


def save_hours(conn: Connection, data: dict[str, Any], *, actor: str) -> dict[str, Any]:
    """Create or change a business-hours calendar. Running clocks keep their deadlines; new ones use it."""
    name = data.get("name") or "office"
    row = conn.execute(select(_hours).where(_hours.c.name == name)).first()
    current = {k: getattr(row, k) for k in HoursSpec.model_fields} if row is not None else {}
    spec: HoursSpec = _validate(HoursSpec, current | data | {"name": name})
    try:
        spec.calendar()
    except CalendarError as exc:
        raise RoutingError(str(exc)) from None
    now = utcnow()
    values = spec.model_dump() | {"updated_by": actor, "updated_at": now}
    if row is None:
        conn.execute(insert(_hours).values(**values, created_at=now))
    else:
        conn.execute(update(_hours).where(_hours.c.id == row.id).values(**values))
    record_audit(
        conn, actor=actor, action="sla.hours_saved", details={"from": current or None, "to": spec.model_dump()}
    )
    return next(h for h in list_hours(conn) if h["name"] == name)


# -- a person routes a case ----------------------------------------------------------------------


def set_team(conn: Connection, *, case_id: int, team: str | None, actor: str, reason: str = "") -> dict[str, Any]:
    """A person moves a case to a team (or none). Audited; the rules never move it again (pinned)."""
    from execdesk.cases.service import CaseError
    from execdesk.store.models import Case

    cases = table_of(Case)
    row = conn.execute(select(cases.c.team, cases.c.routing).where(cases.c.id == case_id)).first()
    if row is None:
        raise CaseError(f"no case {case_id}")
    if team is not None and conn.execute(select(_teams.c.id).where(_teams.c.name == team)).first() is None:
        raise RoutingError(f"no team {team!r}")
    now = utcnow()
    routing = dict(row.routing or {}) | {"pinned": True, "set_by": actor, "at": now.isoformat()}
    conn.execute(update(cases).where(cases.c.id == case_id).values(team=team, routing=routing, updated_at=now))
    record_audit(
        conn,
        actor=actor,
        action="case.team",
        case_id=case_id,
        details={"from": row.team, "to": team, "why": reason},
        at=now,
    )
    return {"case_id": case_id, "team": team, "routing": routing}
