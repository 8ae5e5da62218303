"""SLA breaches: the sweep that finds deadlines passed unmet, and the alert each one raises.

:func:`check_breaches` is idempotent and cheap: it reads only open, running cases whose next
unchecked deadline (``sla_due_at``, indexed) has passed, raises one ``sla_breach`` alert per
missed deadline (deduplicated by case, target and deadline), records the breach on the case
with an audit event, and moves ``sla_due_at`` to the next deadline still ahead. The CLI
(``execdesk sla check``), ``execdesk serve`` and workers call it; so do the write paths that
meet a deadline late (a late reply, a resolve after the deadline).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from execdesk.cases.refs import case_ref
from execdesk.cases.service import record_audits
from execdesk.notify.alerts import raise_alerts
from execdesk.routing.sla import OPEN, Clock, Late
from execdesk.settings import Settings
from execdesk.store.db import Store, lock_case_writes, utcnow
from execdesk.store.models import Case, table_of

log = logging.getLogger("execdesk.sla")
_cases = table_of(Case)
ACTOR = "system:sla"
SWEEP_CHUNK = 1000
_SET_DUE = (
    update(_cases)
    .where(_cases.c.id == bindparam("case_id"))
    .values(
        sla_due_at=bindparam("due_at", type_=_cases.c.sla_due_at.type),
        sla_breached_at=bindparam("breached_at", type_=_cases.c.sla_breached_at.type),
    )
)
_LABEL = {"first_response": "first response", "next_response": "next response", "resolution": "resolution"}


@dataclass(frozen=True)
class SweepResult:
    checked: int
    breaches: int
    alerts: int

    def to_dict(self) -> dict[str, int]:
        return {"checked": self.checked, "breaches": self.breaches, "alerts": self.alerts}


def breach_alert(row: Any, clock: Clock, target: str, due: datetime, at: datetime) -> dict[str, Any]:
    """The alert for one missed deadline of one case (no message text: it may go to a chat tool)."""
    ref = case_ref(row.id)
    routing = row.routing or {}
    high_risk = bool((routing.get("facts") or {}).get("high_risk"))
    return {
        "kind": "sla_breach",
        "dedup_key": f"sla_breach:{row.id}:{target}:{due.isoformat()}",
        "title": f"SLA breach on {ref}: {_LABEL[target]} was due {due:%Y-%m-%d %H:%M} UTC (policy {clock.policy})",
        "severity": "critical" if high_risk else "warning",
        "case_id": row.id,
        "at": at,
        "details": {
            "case": ref,
            "target": target,
            "due": due.isoformat(),
            "policy": clock.policy,
            "team": row.team,
            "assignee": row.assignee,
            "priority": round(float(row.priority or 0.0), 1),
            "high_risk": high_risk,
        },
    }


def record_breaches(
    conn: Connection, items: list[tuple[Any, Clock, Late]], at: datetime, *, alert_max_age: timedelta | None = None
) -> int:
    """Audit each missed deadline and raise its alert (unless older than ``alert_max_age`` when found:
    old mail imported today is a breach on record, not news). Returns the number of new alerts."""
    audits = []
    alerts = []
    for row, clock, late in items:
        for target, due in late:
            audits.append(
                {
                    "actor": ACTOR,
                    "action": "sla.breached",
                    "case_id": row.id,
                    "details": {"target": target, "due": due.isoformat(), "policy": clock.policy},
                    "at": at,
                }
            )
            if alert_max_age is None or at - due <= alert_max_age:
                alerts.append(breach_alert(row, clock, target, due, at))
    new = raise_alerts(conn, alerts)
    # audit only what is new: the same breach found twice (a late reply after the sweep) is one event
    seen = _already_audited(conn, [(a["case_id"], a["details"]["target"], a["details"]["due"]) for a in audits])
    record_audits(conn, [a for a in audits if (a["case_id"], a["details"]["target"], a["details"]["due"]) not in seen])
    return new


def _already_audited(conn: Connection, keys: list[tuple[int, str, str]]) -> set[tuple[int, str, str]]:
    if not keys:
        return set()
    from execdesk.store.models import AuditEvent

    audit = table_of(AuditEvent)
    rows = conn.execute(
        select(audit.c.case_id, audit.c.details).where(
            audit.c.action == "sla.breached", audit.c.case_id.in_(sorted({k[0] for k in keys}))
        )
    )
    return {(r.case_id, r.details.get("target"), r.details.get("due")) for r in rows}


def sweep(conn: Connection, now: datetime, *, alert_max_age: timedelta | None = None) -> SweepResult:
    """One chunk of the sweep (see the module's docstring): at most ``SWEEP_CHUNK`` cases whose next
    deadline has passed, earliest first. Each case's ``sla_due_at`` moves past ``now``, so the next
    call takes the next chunk; fewer than ``SWEEP_CHUNK`` checked means the sweep is done."""
    rows = conn.execute(
        select(_cases)
        .where(_cases.c.status.in_(OPEN), _cases.c.sla_paused_at.is_(None), _cases.c.sla_due_at <= now)
        .order_by(_cases.c.sla_due_at, _cases.c.id)
        .limit(SWEEP_CHUNK)
    ).all()
    if not rows:
        return SweepResult(0, 0, 0)
    items: list[tuple[Any, Clock, Late]] = []
    updates = []
    breaches = 0
    for row in rows:
        clock = Clock.of(row)
        active = clock.active()
        checked_before = row.sla_due_at  # deadlines before it were looked at by an earlier pass
        late: Late = sorted(((t, d) for t, d in active.items() if checked_before <= d <= now), key=lambda td: td[1])
        for _t, due in late:
            clock.mark_breached(due)
        ahead = [d for d in active.values() if d > now]
        updates.append({"case_id": row.id, "due_at": min(ahead) if ahead else None, "breached_at": clock.breached_at})
        if late:
            items.append((row, clock, late))
            breaches += len(late)
    conn.execute(_SET_DUE, updates)
    return SweepResult(len(rows), breaches, record_breaches(conn, items, now, alert_max_age=alert_max_age))


def check_breaches(
    store: Store, now: datetime | None = None, settings: Settings | None = None, *, deliver: bool = True
) -> SweepResult:
    """The breach sweep in its own transaction, then webhook delivery of what it raised."""
    settings = settings or store.settings
    now = now or utcnow()
    max_age = timedelta(hours=settings.sla.breach_alert_max_age_hours)
    checked = breaches = alerts = 0
    while True:  # a transaction per chunk: a backlog of breaches (a flood past its SLA) never holds ingest up long
        with store.transaction() as conn:
            lock_case_writes(conn)  # not interleaved with ingest's case writes (a deadlock otherwise)
            part = sweep(conn, now, alert_max_age=max_age)
        checked, breaches, alerts = checked + part.checked, breaches + part.breaches, alerts + part.alerts
        if part.checked < SWEEP_CHUNK:
            break
    result = SweepResult(checked, breaches, alerts)
    if deliver and settings.webhooks.enabled:
        from execdesk.notify.webhooks import dispatch

        dispatch(store, settings, now=now)
    return result


def start_sweeper(store: Store, settings: Settings | None = None) -> threading.Event:
    """Run :func:`check_breaches` every ``sla.sweep_seconds`` in a daemon thread (``execdesk serve``,
    workers). Set the returned event to stop it. A failing pass is logged and the next one runs."""
    settings = settings or store.settings
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                check_breaches(store, settings=settings)
            except Exception:
                log.exception("SLA breach sweep failed; retrying in %.0f s", settings.sla.sweep_seconds)
            stop.wait(settings.sla.sweep_seconds)

    threading.Thread(target=loop, name="execdesk-sla-sweep", daemon=True).start()
    return stop
