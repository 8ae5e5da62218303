"""The one write path for cases: every state change goes through a function here and
records an audit event in the same transaction. CLI, web, API and workers call these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, case, insert, select, update

from execdesk.store.db import utcnow
from execdesk.store.models import AuditEvent, Case

_cases = Case.__table__
_audit = AuditEvent.__table__

OPEN_STATUSES = ("open", "pending")
STATUSES = ("open", "pending", "resolved", "closed")

# Hot-path statements are built once: ingest runs them for every message.
_INSERT_AUDIT = insert(_audit)
_INSERT_CASE = insert(_cases)
_at = bindparam("at", type_=_cases.c.last_inbound_at.type)
_ADD_INBOUND = (
    update(_cases)
    .where(_cases.c.id == bindparam("case_id"))
    .values(
        message_count=_cases.c.message_count + 1,
        updated_at=bindparam("now", type_=_cases.c.updated_at.type),
        last_inbound_at=case(
            (_cases.c.last_inbound_at.is_(None) | (_cases.c.last_inbound_at < _at), _at),
            else_=_cases.c.last_inbound_at,
        ),
        # no IN (...) here: expanding parameters cannot be used with executemany
        status=case(((_cases.c.status == "open") | (_cases.c.status == "pending"), _cases.c.status), else_="open"),
    )
)
_ADD_INBOUND_MANY = _ADD_INBOUND.values(message_count=_cases.c.message_count + bindparam("added"))
_SELECT_STATUS = select(_cases.c.status).where(_cases.c.id == bindparam("case_id"))
_SET_JUDGMENT = update(_cases).where(_cases.c.id == bindparam("case_id"))


class CaseError(ValueError):
    """A requested change is not allowed (unknown case, bad status...). Shown to the user as is."""


def record_audit(
    conn: Connection,
    *,
    actor: str,
    action: str,
    case_id: int | None = None,
    message_pk: int | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    conn.execute(
        _INSERT_AUDIT,
        {
            "at": at or utcnow(),
            "actor": actor,
            "action": action,
            "case_id": case_id,
            "message_pk": message_pk,
            "details": details or {},
        },
    )


def record_audits(conn: Connection, events: list[dict[str, Any]]) -> None:
    """Many audit events in one statement (ingest batches). Each dict as record_audit's arguments."""
    if not events:
        return
    now = utcnow()
    conn.execute(
        _INSERT_AUDIT,
        [
            {
                "at": e.get("at") or now,
                "actor": e["actor"],
                "action": e["action"],
                "case_id": e.get("case_id"),
                "message_pk": e.get("message_pk"),
                "details": e.get("details") or {},
            }
            for e in events
        ],
    )


def open_cases(conn: Connection, new_cases: list[dict[str, Any]]) -> list[int]:
    """Insert new cases in one statement; returns their ids in order. The caller audits them
    (it knows each case's first message) through :func:`record_audits` in the same transaction."""
    if not new_cases:
        return []
    now = utcnow()
    rows = [
        {
            "subject": c["subject"][:500],
            "contact_id": c["contact_id"],
            "status": "open",
            "machine": c["machine"],
            "priority": 0.0,
            "priority_reasons": [],
            "signals": [],
            "opened_at": now,
            "updated_at": now,
            "last_inbound_at": c["last_inbound_at"],
            "message_count": c["message_count"],
        }
        for c in new_cases
    ]
    result = conn.execute(_INSERT_CASE.returning(_cases.c.id, sort_by_parameter_order=True), rows)
    return [int(r[0]) for r in result]


def add_inbound_to_cases(conn: Connection, updates: list[dict[str, Any]]) -> None:
    """Existing cases receive new inbound messages: counts, last inbound time, reopen.
    Each dict: case_id, added (messages), at (latest message time)."""
    if not updates:
        return
    now = utcnow()
    conn.execute(
        _ADD_INBOUND_MANY, [{"case_id": u["case_id"], "added": u["added"], "at": u["at"], "now": now} for u in updates]
    )


def open_case(
    conn: Connection,
    *,
    subject: str,
    contact_id: int | None,
    first_message_pk: int,
    at: datetime,
    machine: bool,
    actor: str,
    reason: str,
) -> int:
    now = utcnow()
    values = {
        "subject": subject[:500],
        "contact_id": contact_id,
        "status": "open",
        "machine": machine,
        "priority": 0.0,
        "priority_reasons": [],
        "signals": [],
        "opened_at": now,
        "updated_at": now,
        "last_inbound_at": at,
        "message_count": 1,
    }
    case_id = int(conn.execute(_INSERT_CASE, values).inserted_primary_key[0])
    record_audit(
        conn,
        actor=actor,
        action="case.opened",
        case_id=case_id,
        message_pk=first_message_pk,
        details={"why": reason},
    )
    return case_id


def add_inbound_message(
    conn: Connection, *, case_id: int, message_pk: int, at: datetime, actor: str, reason: str
) -> None:
    """A new inbound message joins the case; a resolved or closed case reopens."""
    status = conn.execute(_SELECT_STATUS, {"case_id": case_id}).scalar_one()
    reopened = status not in OPEN_STATUSES
    conn.execute(_ADD_INBOUND, {"case_id": case_id, "at": at, "now": utcnow()})
    record_audit(
        conn,
        actor=actor,
        action="case.reopened" if reopened else "case.message_added",
        case_id=case_id,
        message_pk=message_pk,
        details={"why": reason},
    )


def set_status(conn: Connection, *, case_id: int, status: str, actor: str, reason: str = "") -> None:
    if status not in STATUSES:
        raise CaseError(f"unknown status {status!r}; choose one of {', '.join(STATUSES)}")
    row = conn.execute(select(_cases.c.status).where(_cases.c.id == case_id)).first()
    if row is None:
        raise CaseError(f"no case {case_id}")
    if row.status == status:
        return
    conn.execute(update(_cases).where(_cases.c.id == case_id).values(status=status, updated_at=utcnow()))
    record_audit(
        conn,
        actor=actor,
        action="case.status",
        case_id=case_id,
        details={"from": row.status, "to": status, "why": reason},
    )


def assign(conn: Connection, *, case_id: int, assignee: str | None, actor: str, reason: str = "") -> None:
    row = conn.execute(select(_cases.c.assignee).where(_cases.c.id == case_id)).first()
    if row is None:
        raise CaseError(f"no case {case_id}")
    conn.execute(update(_cases).where(_cases.c.id == case_id).values(assignee=assignee, updated_at=utcnow()))
    record_audit(
        conn,
        actor=actor,
        action="case.assigned",
        case_id=case_id,
        details={"from": row.assignee, "to": assignee, "why": reason},
    )


def set_judgment(
    conn: Connection,
    *,
    case_id: int,
    priority: float,
    reasons: list[Any],
    intent: str | None,
    topic: str | None,
    signals: list[str],
) -> None:
    """Store the case's current automated judgment (derived data: not an audited human action)."""
    conn.execute(
        _SET_JUDGMENT,
        {
            "case_id": case_id,
            "priority": priority,
            "priority_reasons": reasons,
            "intent": intent,
            "topic": topic,
            "signals": signals,
        },
    )
