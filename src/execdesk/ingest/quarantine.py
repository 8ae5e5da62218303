"""Reading the quarantine: what failed, at which stage, why; replay lives in IngestSession.retry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from execdesk.store.models import Arrival, Message, QuarantineEntry, table_of

_q = table_of(QuarantineEntry)
_m = table_of(Message)
_a = table_of(Arrival)


def list_entries(conn: Connection, *, include_resolved: bool = False, limit: int = 200) -> list[dict[str, Any]]:
    q = (
        select(_q, _m.c.raw_sha256, _m.c.size, _m.c.message_id)
        .select_from(_q.join(_m, _q.c.message_pk == _m.c.id))
        .order_by(_q.c.id)
        .limit(limit)
    )
    if not include_resolved:
        q = q.where(_q.c.resolved_at.is_(None))
    return [_entry(r) for r in conn.execute(q)]


def get_entry(conn: Connection, entry_id: int) -> dict[str, Any] | None:
    r = conn.execute(
        select(_q, _m.c.raw_sha256, _m.c.size, _m.c.message_id)
        .select_from(_q.join(_m, _q.c.message_pk == _m.c.id))
        .where(_q.c.id == entry_id)
    ).first()
    if r is None:
        return None
    entry = _entry(r)
    entry["sources"] = [
        {"kind": a.source_kind, "ref": a.source_ref, "at": a.arrived_at.isoformat()}
        for a in conn.execute(select(_a).where(_a.c.message_pk == r.message_pk))
    ]
    return entry


def _entry(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "message_pk": r.message_pk,
        "message_id": r.message_id,
        "stage": r.stage,
        "code": r.code,
        "reason": r.reason,
        "size": r.size,
        "raw_sha256": r.raw_sha256,
        "created_at": r.created_at.isoformat(),
        "attempts": r.attempts,
        "resolved_at": r.resolved_at.isoformat() if r.resolved_at else None,
    }
