"""SLA clocks: deadlines from a policy's targets, and what moves them.

A case's clock (the ``sla_*`` columns of ``cases``) starts at its first inbound message:
first-response and resolution deadlines are that instant plus the policy's targets in its
business hours. Events move it (pure functions on :class:`Clock`):

- a reply is sent (not an automatic acknowledgment): the first or next response is met;
- a new inbound message after our reply: the next-response deadline starts (the earliest
  unanswered message counts); a message that reopens a resolved case starts a new cycle;
- the case becomes ``pending`` (waiting on the customer): the clock pauses; when it is open
  again (or the customer writes) the remaining business time of each deadline resumes;
- the case is resolved or closed: the clock stops.

A deadline passed before it was met is a breach: :mod:`execdesk.routing.breaches` raises one
alert per deadline (the sweep), and an event that meets a deadline late raises it too.
``due_at`` is the nearest deadline the sweep has not yet looked at (indexed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.engine import Connection

from execdesk.routing.calendar import BusinessCalendar, add_time, time_between
from execdesk.store.models import Case, SlaPolicy, table_of

_cases = table_of(Case)
_policies = table_of(SlaPolicy)

TARGETS = ("first_response", "next_response", "resolution")
STATES = ("ok", "due_soon", "breached", "paused", "met", "none")
OPEN = ("open", "pending")
DONE = ("resolved", "closed")


@dataclass(frozen=True)
class Targets:
    """A policy's targets (minutes of its calendar; no calendar: real minutes)."""

    policy: str
    first_response: int | None
    next_response: int | None
    resolution: int | None
    calendar: BusinessCalendar | None = None
    position: int = 0

    def due(self, target: str, at: datetime) -> datetime | None:
        minutes = getattr(self, target)
        return None if minutes is None else add_time(self.calendar, at, minutes)


@dataclass
class Clock:
    """The SLA state of one case (mirrors the ``sla_*`` columns)."""

    policy: str | None = None
    started_at: datetime | None = None
    first_response_due: datetime | None = None
    first_response_at: datetime | None = None
    next_response_due: datetime | None = None
    resolution_due: datetime | None = None
    due_at: datetime | None = None
    breached_at: datetime | None = None
    paused_at: datetime | None = None

    @classmethod
    def of(cls, case: Any) -> Clock:
        """From a case row (attributes) or dict with the ``sla_*`` columns."""
        if isinstance(case, Mapping):
            return cls(*[case.get(column) for column in _COLUMNS])
        return cls(*[getattr(case, column, None) for column in _COLUMNS])

    def columns(self) -> dict[str, Any]:
        return {column: getattr(self, name) for name, column in zip(_NAMES, _COLUMNS, strict=True)}

    def active(self) -> dict[str, datetime]:
        """The deadlines still to meet (paused or not)."""
        out: dict[str, datetime] = {}
        if self.first_response_due is not None and self.first_response_at is None:
            out["first_response"] = self.first_response_due
        if self.next_response_due is not None:
            out["next_response"] = self.next_response_due
        if self.resolution_due is not None:
            out["resolution"] = self.resolution_due
        return out

    def refresh(self) -> None:
        active = self.active()
        self.due_at = min(active.values()) if active and self.paused_at is None and self.policy else None

    def mark_breached(self, due: datetime) -> None:
        if self.breached_at is None or due < self.breached_at:
            self.breached_at = due


#: The clock's fields and their ``sla_*`` columns, in order (read once: every routed case reads them).
_NAMES = tuple(f.name for f in fields(Clock))
_COLUMNS = tuple(f"sla_{name}" for name in _NAMES)

Late = list[tuple[str, datetime]]  # (target, deadline) met late or missed


# -- transitions (pure) ----------------------------------------------------------------------------


def start(targets: Targets, at: datetime) -> Clock:
    """A new clock at the case's first inbound message."""
    clock = Clock(policy=targets.policy, started_at=at)
    clock.first_response_due = targets.due("first_response", at)
    clock.resolution_due = targets.due("resolution", at)
    clock.refresh()
    return clock


def inbound(clock: Clock, targets: Targets, at: datetime, *, reopened: bool) -> Clock:
    """A new inbound message at ``at``; ``reopened``: it reopened a resolved or closed case."""
    if clock.policy is None:
        return start(targets, at)
    if reopened:  # a new cycle: the resolution clock restarts, and what we owe is a response
        clock.policy, clock.started_at, clock.paused_at = targets.policy, at, None
        clock.resolution_due = targets.due("resolution", at)
        if clock.first_response_at is None:
            clock.first_response_due = targets.due("first_response", at)
        else:
            clock.next_response_due = targets.due("next_response", at)
        clock.refresh()
        return clock
    if clock.paused_at is not None:  # the customer answered: the ball is in our court again
        resume(clock, targets.calendar, max(at, clock.paused_at))
    answered = clock.first_response_at is not None and at >= clock.first_response_at
    if answered and clock.next_response_due is None:  # the earliest unanswered message counts
        clock.next_response_due = targets.due("next_response", at)
    clock.refresh()
    return clock


def escalate(clock: Clock, targets: Targets, at: datetime) -> Clock:
    """A stricter policy applies from ``at`` on: each running deadline becomes the earlier of the two."""
    clock.policy = targets.policy
    for target in TARGETS:
        current = clock.active().get(target)
        if current is None:
            continue
        new = targets.due(target, at)
        if new is not None and new < current:
            setattr(clock, f"{target}_due", new)
    clock.refresh()
    return clock


def reply(clock: Clock, at: datetime) -> Late:
    """A reply was sent at ``at``: the pending response deadline is met (late ones are returned)."""
    late: Late = []
    if clock.policy is None:
        return late
    if clock.first_response_due is not None and clock.first_response_at is None:
        clock.first_response_at = at
        if at > clock.first_response_due:
            late.append(("first_response", clock.first_response_due))
    elif clock.first_response_at is None:
        clock.first_response_at = at
    if clock.next_response_due is not None:
        if at > clock.next_response_due:
            late.append(("next_response", clock.next_response_due))
        clock.next_response_due = None
    for _target, due in late:
        clock.mark_breached(due)
    clock.refresh()
    return late


def pause(clock: Clock, at: datetime) -> None:
    if clock.policy is not None and clock.paused_at is None:
        clock.paused_at = at
        clock.due_at = None


def resume(clock: Clock, calendar: BusinessCalendar | None, at: datetime) -> None:
    """Each running deadline moves by the working time spent paused (one already past stays)."""
    paused = clock.paused_at
    if paused is None:
        return
    for target, due in clock.active().items():
        if due > paused:
            setattr(clock, f"{target}_due", add_time(calendar, at, time_between(calendar, paused, due) / _MINUTE))
    clock.paused_at = None
    clock.refresh()


_MINUTE = timedelta(minutes=1)


def stop(clock: Clock, at: datetime) -> Late:
    """The case is resolved or closed at ``at``: the clock stops; deadlines already past are returned."""
    late: Late = [(t, due) for t, due in clock.active().items() if due < at] if clock.paused_at is None else []
    for _target, due in late:
        clock.mark_breached(due)
    clock.next_response_due = None
    clock.paused_at = None
    clock.due_at = None
    return late


# -- reading the state -----------------------------------------------------------------------------


def _get(case: Any, name: str) -> Any:
    return case.get(name) if isinstance(case, Mapping) else getattr(case, name, None)


def sla_state(case: Any, now: datetime, *, due_soon: timedelta = timedelta(minutes=60)) -> str:
    """ok | due_soon | breached | paused | met, or none (no policy), for a case row or dict."""
    clock = Clock.of(case)
    if clock.policy is None:
        return "none"
    if _get(case, "status") in DONE:
        return "breached" if clock.breached_at is not None else "met"
    if clock.paused_at is not None:
        return "paused"
    active = clock.active()
    if not active:
        return "met"
    nearest = min(active.values())
    if nearest <= now:
        return "breached"
    if nearest - now <= due_soon:
        return "due_soon"
    return "ok"


def _any_due_before(at: datetime) -> ColumnElement[bool]:
    c = _cases.c  # each term false, never NULL, where a column is NULL (the clause is negated elsewhere)
    return or_(
        and_(c.sla_first_response_due.is_not(None), c.sla_first_response_due <= at, c.sla_first_response_at.is_(None)),
        and_(c.sla_next_response_due.is_not(None), c.sla_next_response_due <= at),
        and_(c.sla_resolution_due.is_not(None), c.sla_resolution_due <= at),
    )


def state_clause(state: str, now: datetime, *, due_soon: timedelta = timedelta(minutes=60)) -> ColumnElement[bool]:
    """A WHERE clause on ``cases`` selecting the cases :func:`sla_state` puts in ``state`` (queue filters)."""
    c = _cases.c
    has = c.sla_policy.is_not(None)
    running = and_(has, c.status.in_(OPEN), c.sla_paused_at.is_(None))
    done = and_(has, c.status.in_(DONE))
    nothing_due = and_(
        or_(c.sla_first_response_due.is_(None), c.sla_first_response_at.is_not(None)),
        c.sla_next_response_due.is_(None),
        c.sla_resolution_due.is_(None),
    )
    if state == "none":
        return c.sla_policy.is_(None)
    if state == "paused":
        return and_(has, c.status.in_(OPEN), c.sla_paused_at.is_not(None))
    if state == "met":
        return or_(and_(done, c.sla_breached_at.is_(None)), and_(running, nothing_due))
    if state == "breached":
        return or_(and_(done, c.sla_breached_at.is_not(None)), and_(running, _any_due_before(now)))
    if state == "due_soon":
        return and_(running, ~_any_due_before(now), _any_due_before(now + due_soon))
    if state == "ok":
        return and_(running, ~nothing_due, ~_any_due_before(now + due_soon))
    raise ValueError(f"unknown SLA state {state!r}; choose from {', '.join(STATES)}")


def describe(case: Any, now: datetime, *, due_soon: timedelta = timedelta(minutes=60)) -> dict[str, Any]:
    """The case's SLA as JSON: policy, state, each deadline and whether it was met."""
    clock = Clock.of(case)

    def iso(v: datetime | None) -> str | None:
        return v.isoformat() if v is not None else None

    return {
        "policy": clock.policy,
        "state": sla_state(case, now, due_soon=due_soon),
        "started_at": iso(clock.started_at),
        "first_response_due": iso(clock.first_response_due),
        "first_response_at": iso(clock.first_response_at),
        "next_response_due": iso(clock.next_response_due),
        "resolution_due": iso(clock.resolution_due),
        "next_deadline": iso(min(clock.active().values())) if clock.active() else None,
        "breached_at": iso(clock.breached_at),
        "paused_at": iso(clock.paused_at),
    }


# -- hooks for the write paths outside routing (reply sending, status changes) -----------------------


def targets_for(conn: Connection, policy: str | None) -> Targets | None:
    """A policy's targets with its calendar, read from the database (None: no such policy)."""
    from execdesk.routing.service import calendars

    if policy is None:
        return None
    row = conn.execute(select(_policies).where(_policies.c.name == policy)).first()
    if row is None:
        return None
    cal = calendars(conn).get(row.calendar) if row.calendar else None
    return Targets(
        row.name, row.first_response_minutes, row.next_response_minutes, row.resolution_minutes, cal, row.position
    )


def _load(conn: Connection, case_id: int) -> tuple[Any, Clock] | None:
    row = conn.execute(select(_cases).where(_cases.c.id == case_id)).first()
    if row is None or row.sla_policy is None:
        return None
    return row, Clock.of(row)


def _save(conn: Connection, case_id: int, clock: Clock) -> None:
    conn.execute(update(_cases).where(_cases.c.id == case_id).values(**clock.columns()))


def on_reply_sent(conn: Connection, case_id: int, at: datetime, *, kind: str = "reply") -> Late:
    """Called in the transaction that records a sent reply. Automatic acknowledgments meet nothing."""
    if kind == "ack":
        return []
    loaded = _load(conn, case_id)
    if loaded is None:
        return []
    row, clock = loaded
    late = reply(clock, at)
    if row.status in DONE:
        clock.due_at = None
    _save(conn, case_id, clock)
    _raise_late(conn, row, clock, late, at)
    return late


def on_status_change(conn: Connection, case_id: int, status: str, at: datetime) -> Late:
    """Called in the transaction that changes a case's status, before the change (``row.status`` is
    the old one): resolved/closed stop the clock, pending pauses it, open resumes it or, on a
    resolved case, starts a new cycle. Idempotent for a status the clock already reflects."""
    loaded = _load(conn, case_id)
    if loaded is None:
        return []
    row, clock = loaded
    late: Late = []
    if status in DONE:
        if row.status in DONE:  # already stopped
            return []
        late = stop(clock, at)
    elif status == "pending":
        pause(clock, at)
    elif status == "open":
        if clock.paused_at is not None:
            targets = targets_for(conn, clock.policy)
            resume(clock, targets.calendar if targets else None, at)
        elif row.status in DONE:  # reopened by a person: a new cycle, as a reopening message would
            targets = targets_for(conn, clock.policy)
            if targets is not None:
                clock = inbound(clock, targets, at, reopened=True)
    _save(conn, case_id, clock)
    _raise_late(conn, row, clock, late, at)
    return late


def _raise_late(conn: Connection, row: Any, clock: Clock, late: Late, at: datetime) -> None:
    if late:
        from execdesk.routing.breaches import record_breaches

        record_breaches(conn, [(row, clock, late)], at)


__all__ = [
    "DONE",
    "OPEN",
    "STATES",
    "TARGETS",
    "Clock",
    "Targets",
    "describe",
    "escalate",
    "inbound",
    "on_reply_sent",
    "on_status_change",
    "pause",
    "reply",
    "resume",
    "sla_state",
    "start",
    "state_clause",
    "stop",
]
