"""Raising, listing and acknowledging alerts (the ``alerts`` table): one write path for all kinds.

Raising is idempotent: an alert's ``dedup_key`` names the event (``sla_breach:42:first_response:
2026-10-01T10:00:00+00:00``, ``high_risk:42``), and raising the same key again does nothing,
also when two processes race (the unique key and ``ON CONFLICT DO NOTHING`` settle it).
Webhooks (:mod:`execdesk.notify.webhooks`) deliver what is raised here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from execdesk.cases.refs import case_ref
from execdesk.cases.service import CaseError, record_audit
from execdesk.store.db import utcnow
from execdesk.store.models import Alert, table_of

_alerts = table_of(Alert)

KINDS = ("high_risk", "campaign", "spike", "sla_breach")
SEVERITIES = ("info", "warning", "critical")


def raise_alerts(conn: Connection, alerts: list[dict[str, Any]]) -> int:
    """Insert the alerts whose ``dedup_key`` is new; returns how many were new.

    Each dict: kind, dedup_key, title; optional severity, case_id, campaign_id, details, at."""
    unique: dict[str, dict[str, Any]] = {}
    for a in alerts:
        unique.setdefault(a["dedup_key"][:200], a)
    if not unique:
        return 0
    have = set(conn.execute(select(_alerts.c.dedup_key).where(_alerts.c.dedup_key.in_(list(unique)))).scalars())
    now = utcnow()
    rows = [
        {
            "kind": a["kind"],
            "at": a.get("at") or now,
            "severity": a.get("severity", "warning"),
            "title": a["title"],
            "case_id": a.get("case_id"),
            "campaign_id": a.get("campaign_id"),
            "details": a.get("details") or {},
            "dedup_key": key,
        }
        for key, a in unique.items()
        if key not in have
    ]
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    result = conn.execute(dialect.insert(_alerts).on_conflict_do_nothing(index_elements=["dedup_key"]), rows)
    # -1: the driver does not count executemany rows; 0: a racing process inserted them first
    return int(result.rowcount) if result.rowcount >= 0 else len(rows)


def raise_alert(
    conn: Connection,
    *,
    kind: str,
    dedup_key: str,
    title: str,
    severity: str = "warning",
    at: datetime | None = None,
    case_id: int | None = None,
    campaign_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> bool:
    """Record one alert once (by ``dedup_key``); returns whether it is new."""
    alert = {
        "kind": kind,
        "dedup_key": dedup_key,
        "title": title,
        "severity": severity,
        "at": at,
        "case_id": case_id,
        "campaign_id": campaign_id,
        "details": details,
    }
    return raise_alerts(conn, [alert]) > 0


def alert_dict(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "at": r.at.isoformat(),
        "severity": r.severity,
        "title": r.title,
        "case": case_ref(r.case_id) if r.case_id is not None else None,
        "case_id": r.case_id,
        "campaign_id": r.campaign_id,
        "details": r.details or {},
        "acknowledged_by": r.acknowledged_by,
        "acknowledged_at": r.acknowledged_at.isoformat() if r.acknowledged_at else None,
    }


def list_alerts(
    conn: Connection,
    *,
    kinds: tuple[str, ...] | None = None,
    since: datetime | None = None,
    case_id: int | None = None,
    unacknowledged: bool = False,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Alerts, newest first."""
    q = select(_alerts).order_by(_alerts.c.at.desc(), _alerts.c.id.desc()).limit(limit)
    if kinds:
        q = q.where(_alerts.c.kind.in_(kinds))
    if since is not None:
        q = q.where(_alerts.c.at >= since)
    if case_id is not None:
        q = q.where(_alerts.c.case_id == case_id)
    if unacknowledged:
        q = q.where(_alerts.c.acknowledged_at.is_(None))
    return [alert_dict(r) for r in conn.execute(q)]


def acknowledge(conn: Connection, alert_id: int, *, actor: str) -> dict[str, Any]:
    """A person has seen the alert (audited); acknowledging twice keeps the first."""
    row = conn.execute(select(_alerts).where(_alerts.c.id == alert_id)).first()
    if row is None:
        raise CaseError(f"no alert {alert_id}")
    if row.acknowledged_at is None:
        now = utcnow()
        conn.execute(update(_alerts).where(_alerts.c.id == alert_id).values(acknowledged_by=actor, acknowledged_at=now))
        record_audit(
            conn,
            actor=actor,
            action="alert.acknowledged",
            case_id=row.case_id,
            details={"alert_id": alert_id, "kind": row.kind},
            at=now,
        )
        row = conn.execute(select(_alerts).where(_alerts.c.id == alert_id)).one()
    return alert_dict(row)
