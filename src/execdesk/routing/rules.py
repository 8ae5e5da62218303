"""Routing rules as data, and their evaluation (pure: facts in, a decision with its reasons out).

A rule is named, ordered, and has conditions (``match = "all"``: every condition set must hold;
``"any"``: one is enough; a rule without conditions matches every case) and actions (team,
assignee, a priority adjustment, an SLA policy). Rules are tried in order; the first matching
rule with ``stop`` (the default) ends the evaluation. A matching rule without ``stop`` applies
what it sets and lets later rules go on: the first rule to set a team, an assignee or a policy
wins it, priority adjustments add up. Each decision lists every rule that matched and which of
its conditions did, in words (that is what the case's "why" panel and the audit log show).

SLA policies reuse :class:`Conditions` (every set condition must hold).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from execdesk.analyze.priority import level_of as priority_level

CAMPAIGN_ROLES = ("member", "own_text", "trigger", "none")
PRIORITY_LEVELS = ("urgent", "high", "normal", "low")
#: The analyzer's shipped level thresholds (analyze/default_config.yaml); the route stage uses the
#: organisation's own when it has them.
DEFAULT_LEVELS = {"urgent": 60.0, "high": 40.0, "normal": 15.0, "low": 0.0}


def _lower_list(values: list[str]) -> list[str]:
    return [v.strip().lower() for v in values if v and v.strip()]


class Conditions(BaseModel):
    """What a case must look like. Lists mean "any of these"; unset conditions are not checked."""

    model_config = ConfigDict(extra="forbid")

    intents: list[str] = Field(default_factory=list, description="The case's intent is one of these.")
    topics: list[str] = Field(default_factory=list, description="The case's topic is one of these.")
    signals: list[str] = Field(default_factory=list, description="The case has at least one of these signals.")
    min_priority: float | None = Field(None, description="Priority at least this (0..100).")
    max_priority: float | None = Field(None, description="Priority below this.")
    priority_levels: list[str] = Field(default_factory=list, description="Priority level: urgent, high, normal, low.")
    sender_domains: list[str] = Field(
        default_factory=list, description="Sender's domain is one of these or below one (example.gov: x.example.gov)."
    )
    vip: bool | None = Field(None, description="The contact is (true) or is not (false) marked VIP.")
    recipients: list[str] = Field(
        default_factory=list, description="The mail was addressed (To/Cc) to one of these addresses or @domains."
    )
    campaign_roles: list[str] = Field(
        default_factory=list, description="Role in a campaign: member, own_text, trigger, none (not in one)."
    )
    high_risk: bool | None = Field(None, description="The case is (true) or is not (false) high-risk.")
    machine: bool | None = Field(None, description="Opened by machine mail (auto-replies, bounces...).")

    @field_validator("intents", "topics", "signals", "sender_domains", "recipients", "campaign_roles")
    @classmethod
    def _normalise(cls, values: list[str]) -> list[str]:
        return _lower_list(values)

    @field_validator("priority_levels")
    @classmethod
    def _levels(cls, values: list[str]) -> list[str]:
        values = _lower_list(values)
        bad = [v for v in values if v not in PRIORITY_LEVELS]
        if bad:
            raise ValueError(f"unknown priority level {', '.join(bad)}; choose from {', '.join(PRIORITY_LEVELS)}")
        return values

    @field_validator("campaign_roles")
    @classmethod
    def _roles(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if v not in CAMPAIGN_ROLES]
        if bad:
            raise ValueError(f"unknown campaign role {', '.join(bad)}; choose from {', '.join(CAMPAIGN_ROLES)}")
        return values


class Actions(BaseModel):
    """What a matching rule does to the case."""

    model_config = ConfigDict(extra="forbid")

    team: str | None = Field(None, description="Route the case to this team.")
    assignee: str | None = Field(None, description="Assign the case to this person (only when nobody is assigned).")
    priority: float = Field(0.0, ge=-100, le=100, description="Add this to the case's priority (negative lowers it).")
    sla_policy: str | None = Field(None, description="Use this SLA policy instead of the first matching one.")


class RuleSpec(BaseModel):
    """A routing rule as it is created or edited (web form, CLI, defaults file)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    description: str = ""
    enabled: bool = True
    match: Literal["all", "any"] = "all"
    conditions: Conditions = Field(default_factory=Conditions)  # type: ignore[arg-type]
    actions: Actions = Field(default_factory=Actions)  # type: ignore[arg-type]
    stop: bool = True


@dataclass(frozen=True)
class CaseFacts:
    """What rules and policies look at, gathered from the case, its contact and its latest message."""

    intent: str | None = None
    topic: str | None = None
    signals: frozenset[str] = frozenset()
    priority: float = 0.0
    level: str = "low"
    sender: str | None = None
    vip: bool = False
    recipients: tuple[str, ...] = ()
    campaign_role: str | None = None
    high_risk: bool = False
    machine: bool = False

    @property
    def sender_domain(self) -> str | None:
        if not self.sender or "@" not in self.sender:
            return None
        return self.sender.rsplit("@", 1)[1].lower()

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "topic": self.topic,
            "signals": sorted(self.signals),
            "priority": round(self.priority, 2),
            "level": self.level,
            "sender_domain": self.sender_domain,
            "vip": self.vip,
            "recipients": list(self.recipients),
            "campaign_role": self.campaign_role,
            "high_risk": self.high_risk,
            "machine": self.machine,
        }


def level_of(priority: float, levels: dict[str, float] | None = None) -> str:
    """The analysis stage's level rule, with the shipped levels when the configuration gives none."""
    return priority_level(priority, levels or DEFAULT_LEVELS)


def _domain_matches(domain: str | None, wanted: str) -> bool:
    wanted = wanted.lstrip("@.")
    return domain is not None and (domain == wanted or domain.endswith("." + wanted))


def _recipient_matches(recipients: Sequence[str], wanted: str) -> bool:
    if wanted.startswith("@"):
        return any(_domain_matches(r.rsplit("@", 1)[-1], wanted) for r in recipients if "@" in r)
    return wanted in recipients


def _outcomes(c: Conditions, facts: CaseFacts) -> list[tuple[str, bool]]:
    """Each set condition's name and whether it holds, in the order the reasons list them.

    The one place conditions are decided; the reasons are worded only for rules that match (most
    rules do not match most cases, and wording their failed conditions was most of the cost)."""
    out: list[tuple[str, bool]] = []
    if c.intents:
        out.append(("intents", facts.intent in c.intents))
    if c.topics:
        out.append(("topics", facts.topic in c.topics))
    if c.signals:
        out.append(("signals", not facts.signals.isdisjoint(c.signals)))
    if c.min_priority is not None:
        out.append(("min_priority", facts.priority >= c.min_priority))
    if c.max_priority is not None:
        out.append(("max_priority", facts.priority < c.max_priority))
    if c.priority_levels:
        out.append(("priority_levels", facts.level in c.priority_levels))
    if c.sender_domains:
        out.append(("sender_domains", _sender_domain_hit(c, facts) is not None))
    if c.vip is not None:
        out.append(("vip", facts.vip == c.vip))
    if c.recipients:
        out.append(("recipients", _recipient_hit(c, facts) is not None))
    if c.campaign_roles:
        out.append(("campaign_roles", (facts.campaign_role or "none") in c.campaign_roles))
    if c.high_risk is not None:
        out.append(("high_risk", facts.high_risk == c.high_risk))
    if c.machine is not None:
        out.append(("machine", facts.machine == c.machine))
    return out


def _verdict(outcomes: list[tuple[str, bool]], match: str) -> bool:
    """``all``: no condition fails; ``any``: one holds. No conditions: every case matches."""
    if not outcomes:
        return True
    if match == "any":
        return any(ok for _name, ok in outcomes)
    return all(ok for _name, ok in outcomes)


def _sender_domain_hit(c: Conditions, facts: CaseFacts) -> str | None:
    domain = facts.sender_domain
    return next((d for d in c.sender_domains if _domain_matches(domain, d)), None)


def _recipient_hit(c: Conditions, facts: CaseFacts) -> str | None:
    return next((r for r in c.recipients if _recipient_matches(facts.recipients, r)), None)


def _signals_text(c: Conditions, facts: CaseFacts) -> str:
    hits = sorted(facts.signals & set(c.signals))
    return f"signal {', '.join(hits)}" if hits else f"no signal of {c.signals}"


def _sender_domain_text(c: Conditions, facts: CaseFacts) -> str:
    hit = _sender_domain_hit(c, facts)
    return f"sender domain {facts.sender_domain} matches {hit or c.sender_domains}"


def _recipients_text(c: Conditions, facts: CaseFacts) -> str:
    hit = _recipient_hit(c, facts)
    return f"addressed to {hit}" if hit else f"not addressed to {c.recipients}"


#: Each condition in words (what the "why" panel and the audit log show).
_TEXTS: dict[str, Callable[[Conditions, CaseFacts], str]] = {
    "intents": lambda c, f: f"intent {f.intent} in {c.intents}",
    "topics": lambda c, f: f"topic {f.topic} in {c.topics}",
    "signals": _signals_text,
    "min_priority": lambda c, f: f"priority {f.priority:.0f} >= {c.min_priority:g}",
    "max_priority": lambda c, f: f"priority {f.priority:.0f} < {c.max_priority:g}",
    "priority_levels": lambda c, f: f"priority level {f.level} in {c.priority_levels}",
    "sender_domains": _sender_domain_text,
    "vip": lambda c, f: "VIP contact" if f.vip else "not a VIP contact",
    "recipients": _recipients_text,
    "campaign_roles": lambda c, f: f"campaign role {f.campaign_role or 'none'} in {c.campaign_roles}",
    "high_risk": lambda c, f: "high-risk" if f.high_risk else "not high-risk",
    "machine": lambda c, f: "machine mail" if f.machine else "not machine mail",
}


def check(conditions: Conditions, facts: CaseFacts) -> tuple[list[str], list[str]]:
    """(conditions that hold, conditions that do not), each in words."""
    held: list[str] = []
    failed: list[str] = []
    for name, ok in _outcomes(conditions, facts):
        (held if ok else failed).append(_TEXTS[name](conditions, facts))
    return held, failed


def holds(conditions: Conditions, facts: CaseFacts, match: str = "all") -> bool:
    """Whether :func:`matches` would match, without wording any reason (policies need only this)."""
    return _verdict(_outcomes(conditions, facts), match)


def matches(conditions: Conditions, facts: CaseFacts, match: str = "all") -> list[str] | None:
    """The reasons a rule matches (the conditions that hold, in words), or None when it does not."""
    outcomes = _outcomes(conditions, facts)
    if not _verdict(outcomes, match):
        return None
    if not outcomes:
        return ["no conditions: matches every case"]
    return [_TEXTS[name](conditions, facts) for name, ok in outcomes if ok]


@dataclass
class Decision:
    """The outcome of the rules for one case, with every matching rule and why it matched."""

    team: str | None = None
    assignee: str | None = None
    priority: float = 0.0
    sla_policy: str | None = None
    rule: str | None = None  # the rule that chose the team
    position: int | None = None  # its place in the order (lower wins an escalation)
    matched: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "assignee": self.assignee,
            "priority": self.priority,
            "sla_policy": self.sla_policy,
            "rule": self.rule,
            "position": self.position,
            "matched": self.matched,
        }


def evaluate(rules: Sequence[RuleSpec], facts: CaseFacts) -> Decision:
    """Apply the enabled rules in order (see the module's docstring)."""
    d = Decision()
    for position, rule in enumerate(rules):
        if not rule.enabled:
            continue
        why = matches(rule.conditions, facts, rule.match)
        if why is None:
            continue
        a = rule.actions
        d.matched.append({"rule": rule.name, "conditions": why, "actions": a.model_dump(exclude_defaults=True)})
        if a.team and d.team is None:
            d.team, d.rule, d.position = a.team, rule.name, position
        if a.assignee and d.assignee is None:
            d.assignee = a.assignee
        if a.sla_policy and d.sla_policy is None:
            d.sla_policy = a.sla_policy
        d.priority += a.priority
        if rule.stop:
            break
    return d
