"""Read side the desk needs beyond :mod:`execdesk.cases.queries`: the filtered queue, the case's
extra panels (campaign, SLA fields when routing has added them) and the raw message for display.

Rows have the shape of ``cases.queries`` (its ``_case_row``), so pages, API and CLI show one record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Text, cast, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from execdesk.cases.queries import _case_row, queue_order, queue_sort_key
from execdesk.cases.service import OPEN_STATUSES, STATUSES
from execdesk.store.models import Attachment, Case, Contact, Message, table_of

_cases = table_of(Case)
_contacts = table_of(Contact)
_messages = table_of(Message)
_att = table_of(Attachment)

MAX_PAGE = 200


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows. Empty fields do not filter. ``status`` "active" means open or pending."""

    status: str = "active"
    intent: str | None = None
    topic: str | None = None
    signal: str | None = None
    campaign: str | None = None
    assignee: str | None = None  # a name, or "-" for unassigned
    include_members: bool = False  # campaign members are hidden: the campaign stands for them
    sla: str | None = None  # breached | paused | running (only when routing's SLA columns exist)
    include_machine: bool = False

    def statuses(self) -> tuple[str, ...]:
        if self.status in STATUSES:
            return (self.status,)
        if self.status == "all":
            return STATUSES
        return OPEN_STATUSES


def queue_page(
    conn: Connection, flt: QueueFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], bool]:
    """One page of the queue, highest priority first; and whether another page follows.

    One query per status, merged here: ``status IN (a, b)`` makes SQLite (and often PostgreSQL)
    sort every matching case, while ``status = a ORDER BY priority DESC`` walks the
    ``(status, priority)`` index and stops after the page. With 100,000 cases that is the
    difference between seconds and milliseconds (benchmarks/bench_web_queue.py).
    """
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(offset, 0)
    statuses = flt.statuses()
    dialect = conn.dialect.name
    if len(statuses) == 1:
        rows = list(
            conn.execute(_filtered(flt, statuses[0], full=True, dialect=dialect).limit(limit + 1).offset(offset))
        )
    else:
        # Narrow rows (id and sort key) per status, merged; then the page's full rows by id.
        keys: list[Any] = []
        for status in statuses:
            keys.extend(conn.execute(_filtered(flt, status, full=False, dialect=dialect).limit(offset + limit + 1)))
        keys.sort(key=queue_sort_key)
        ids = [k.id for k in keys[offset : offset + limit + 1]]
        full = {r.id: r for r in conn.execute(_select_full().where(_cases.c.id.in_(ids or [-1])))}
        rows = [full[i] for i in ids if i in full]
    out = [_case_row(r) | _extra(r) for r in rows]
    return out[:limit], len(out) > limit


def _select_full() -> Any:
    return select(_cases, _contacts.c.address, _contacts.c.display_name).select_from(
        _cases.outerjoin(_contacts, _cases.c.contact_id == _contacts.c.id)
    )


def _filtered(flt: QueueFilter, status: str, *, full: bool, dialect: str = "sqlite") -> Any:
    c = _cases.c
    base: Any = _select_full() if full else select(c.id, c.machine, c.priority, c.last_inbound_at)
    q: Any = queue_order(base.where(c.status == status), include_machine=flt.include_machine)
    if flt.campaign:
        q = q.where(c.campaign_id == flt.campaign)
    elif not flt.include_members:
        q = q.where(or_(c.campaign_role.is_(None), c.campaign_role != "member"))
    if flt.intent:
        q = q.where(c.intent == flt.intent)
    if flt.topic:
        q = q.where(c.topic == flt.topic)
    if flt.assignee == "-":
        q = q.where(c.assignee.is_(None))
    elif flt.assignee:
        q = q.where(c.assignee == flt.assignee)
    if flt.sla:
        q = _sla_filter(q, flt.sla)
    if flt.signal:
        q = q.where(_has_signal(flt.signal, dialect))
    return q


def _has_signal(name: str, dialect: str) -> Any:
    """Cases whose JSON list of signals holds ``name``. PostgreSQL: ``signals::jsonb @> '["name"]'``, the
    expression of migration 0009's GIN index. SQLite (text, no such index): a quoted-name match."""
    signals = _cases.c.signals
    if dialect == "postgresql":
        return cast(signals, JSONB).contains([name])
    return cast(signals, Text).like(f'%"{_like_escape(name)}"%', escape="\\")


SLA_STATES = ("breached", "paused", "running")


def _sla_filter(q: Any, state: str) -> Any:
    """Cases by SLA clock state; refused quietly (no filter) where routing has not added the columns."""
    c = _cases.c
    if state not in SLA_STATES or not {"sla_due_at", "sla_breached_at", "sla_paused_at"} <= set(sla_columns()):
        return q
    if state == "breached":
        return q.where(c.sla_breached_at.is_not(None))
    if state == "paused":
        return q.where(c.sla_paused_at.is_not(None), c.sla_breached_at.is_(None))
    return q.where(c.sla_due_at.is_not(None), c.sla_breached_at.is_(None), c.sla_paused_at.is_(None))


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace('"', "")


def _extra(r: Any) -> dict[str, Any]:
    m = r._mapping
    out: dict[str, Any] = {"campaign_id": m.get("campaign_id"), "campaign_role": m.get("campaign_role")}
    for key in sla_columns():
        value = m.get(key)
        out[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def sla_columns() -> list[str]:
    """``cases.sla_*`` columns, when the routing/SLA stage has added them (shown only then)."""
    return [name for name in _cases.c.keys() if name.startswith("sla_")]  # noqa: SIM118 - a ColumnCollection


def case_extra(conn: Connection, case_id: int) -> dict[str, Any]:
    row = conn.execute(select(_cases).where(_cases.c.id == case_id)).first()
    return _extra(row) if row is not None else {}


@dataclass(frozen=True)
class RawMessage:
    pk: int
    case_id: int | None
    raw_sha256: str
    has_html: bool


def _raw_messages(conn: Connection, where: Any) -> list[RawMessage]:
    m = _messages.c
    rows = conn.execute(select(m.id, m.case_id, m.raw_sha256, m.has_html).where(where))
    return [RawMessage(r.id, r.case_id, r.raw_sha256, bool(r.has_html)) for r in rows]


def message_ref(conn: Connection, message_pk: int) -> RawMessage | None:
    return next(iter(_raw_messages(conn, _messages.c.id == message_pk)), None)


def message_refs(conn: Connection, case_id: int) -> dict[int, RawMessage]:
    return {r.pk: r for r in _raw_messages(conn, _messages.c.case_id == case_id)}


def attachment(conn: Connection, message_pk: int, sha256: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(_att.c.filename, _att.c.content_type, _att.c.size, _att.c.sha256)
        .where(_att.c.message_pk == message_pk, _att.c.sha256 == sha256)
        .limit(1)
    ).first()
    return dict(row._mapping) if row is not None else None


def case_row(conn: Connection, case_id: int) -> dict[str, Any] | None:
    """One case in the queue's row shape."""
    row = conn.execute(_select_full().where(_cases.c.id == case_id)).first()
    return _case_row(row) | _extra(row) if row is not None else None
