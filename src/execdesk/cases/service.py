"""The one write path for cases: every state change goes through a function here and
records an audit event in the same transaction. CLI, web, API and workers call these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, case, insert, select, update

from execdesk.store.db import allocate_ids, utcnow
from execdesk.store.models import AuditEvent, Case, Correction, Message, table_of

_cases = table_of(Case)
_audit = table_of(AuditEvent)
_messages = table_of(Message)
_corrections = table_of(Correction)

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
            "opened_at": c.get("opened_at") or c["last_inbound_at"],  # when the conversation began
            "updated_at": now,
            "last_inbound_at": c["last_inbound_at"],
            "message_count": c["message_count"],
        }
        for c in new_cases
    ]
    ids = allocate_ids(conn, _cases, len(rows))
    for row, case_id in zip(rows, ids, strict=True):
        row["id"] = case_id
    conn.execute(_INSERT_CASE, rows)
    return ids


def add_inbound_to_cases(conn: Connection, updates: list[dict[str, Any]]) -> None:
    """Existing cases receive new inbound messages: counts, last inbound time, reopen.
    Each dict: case_id, added (messages), at (latest message time)."""
    if not updates:
        return
    now = utcnow()
    conn.execute(
        _ADD_INBOUND_MANY, [{"case_id": u["case_id"], "added": u["added"], "at": u["at"], "now": now} for u in updates]
    )


def set_status(conn: Connection, *, case_id: int, status: str, actor: str, reason: str = "") -> None:
    if status not in STATUSES:
        raise CaseError(f"unknown status {status!r}; choose one of {', '.join(STATUSES)}")
    from execdesk.routing.sla import on_status_change  # SLA clocks stop, pause, resume (before the change)

    on_status_change(conn, case_id, status, utcnow())
    _change(conn, case_id=case_id, column="status", value=status, action="case.status", actor=actor, reason=reason)


def assign(conn: Connection, *, case_id: int, assignee: str | None, actor: str, reason: str = "") -> None:
    _change(
        conn, case_id=case_id, column="assignee", value=assignee, action="case.assigned", actor=actor, reason=reason
    )


def _change(conn: Connection, *, case_id: int, column: str, value: Any, action: str, actor: str, reason: str) -> None:
    """Set one field of a case and audit the change (from, to, why); no-op when nothing changes."""
    row = conn.execute(select(_cases.c[column]).where(_cases.c.id == case_id)).first()
    if row is None:
        raise CaseError(f"no case {case_id}")
    if row[0] == value:
        return
    conn.execute(update(_cases).where(_cases.c.id == case_id).values({column: value, "updated_at": utcnow()}))
    record_audit(
        conn, actor=actor, action=action, case_id=case_id, details={"from": row[0], "to": value, "why": reason}
    )


def set_judgments(conn: Connection, judgments: list[dict[str, Any]]) -> None:
    """Store cases' current automated judgments (derived data, not an audited human action).
    Each dict: case_id, priority, priority_reasons, intent, topic, signals."""
    if judgments:
        conn.execute(_SET_JUDGMENT, judgments)


CORRECTABLE = ("intent", "topic")


def correct_judgment(
    conn: Connection,
    *,
    message_pk: int,
    field: str,
    new_value: str,
    actor: str,
    reason: str = "",
    allowed: Sequence[str],
) -> dict[str, Any]:
    """A person corrects a message's intent or topic: stored for retraining, shown at once, audited."""
    if field not in CORRECTABLE:
        raise CaseError(f"cannot correct {field!r}; choose one of {', '.join(CORRECTABLE)}")
    if new_value not in allowed:
        raise CaseError(f"unknown {field} {new_value!r}; choose one of {', '.join(allowed)}")
    row = conn.execute(
        select(_messages.c.id, _messages.c.case_id, _messages.c[field]).where(_messages.c.id == message_pk)
    ).first()
    if row is None:
        raise CaseError(f"no message {message_pk}")
    old = row[2]
    now = utcnow()
    conn.execute(
        insert(_corrections).values(
            message_pk=message_pk, field=field, old_value=old, new_value=new_value, actor=actor, at=now, reason=reason
        )
    )
    conn.execute(update(_messages).where(_messages.c.id == message_pk).values({field: new_value}))
    if row.case_id is not None:
        latest = conn.execute(
            select(_messages.c.id)
            .where(_messages.c.case_id == row.case_id, _messages.c.direction == "in")
            .order_by(_messages.c.received_at.desc(), _messages.c.id.desc())
            .limit(1)
        ).scalar()
        if latest == message_pk:  # the case shows its latest inbound message's judgment
            conn.execute(update(_cases).where(_cases.c.id == row.case_id).values({field: new_value, "updated_at": now}))
    record_audit(
        conn,
        actor=actor,
        action="judgment.corrected",
        case_id=row.case_id,
        message_pk=message_pk,
        details={"field": field, "from": old, "to": new_value, "why": reason},
        at=now,
    )
    return {"message_pk": message_pk, "field": field, "from": old, "to": new_value}
