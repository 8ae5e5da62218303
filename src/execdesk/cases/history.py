"""What the desk knew about each sender when their message arrived (input to repeat_contact).

Read-only and bulk: three statements per batch, then the batch's own messages are counted
in arrival order, so the second message of a sender inside one batch already sees the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, case, func, or_, select

from execdesk.analyze.model import ContactHistory
from execdesk.cases.service import OPEN_STATUSES
from execdesk.store.models import Case, Contact, Message, table_of

_contacts = table_of(Contact)
_cases = table_of(Case)
_messages = table_of(Message)

_CONTACTS = select(
    _contacts.c.id, _contacts.c.address, _contacts.c.message_count, _contacts.c.first_seen, _contacts.c.last_seen
).where(_contacts.c.address.in_(bindparam("addresses", expanding=True)))
_CASE_COUNTS = (
    select(
        _cases.c.contact_id,
        func.count(),
        func.sum(case((_cases.c.status.in_(OPEN_STATUSES), 1), else_=0)),
    )
    .where(_cases.c.contact_id.in_(bindparam("ids", expanding=True)))
    .group_by(_cases.c.contact_id)
)
_UNANSWERED = (
    select(_messages.c.contact_id, func.count())
    .select_from(_messages.join(_cases, _messages.c.case_id == _cases.c.id))
    .where(
        _messages.c.contact_id.in_(bindparam("ids", expanding=True)),
        _messages.c.direction == "in",
        or_(_cases.c.last_outbound_at.is_(None), _cases.c.last_outbound_at < _messages.c.received_at),
    )
    .group_by(_messages.c.contact_id)
)


def histories(conn: Connection, senders: Sequence[tuple[str | None, datetime]]) -> list[ContactHistory | None]:
    """For each (normalised address, message time), the sender's history before that message."""
    addresses = sorted({a for a, _ in senders if a})
    if not addresses:
        return [None] * len(senders)
    known = {r.address: r for r in conn.execute(_CONTACTS, {"addresses": addresses})}
    ids = [r.id for r in known.values()]
    cases_by: dict[int, tuple[int, int]] = {}
    unanswered: dict[int, int] = {}
    if ids:
        cases_by = {int(r[0]): (int(r[1]), int(r[2] or 0)) for r in conn.execute(_CASE_COUNTS, {"ids": ids})}
        unanswered = {int(r[0]): int(r[1]) for r in conn.execute(_UNANSWERED, {"ids": ids})}
    running: dict[str, ContactHistory] = {}
    for address, row in known.items():
        n_cases, n_open = cases_by.get(row.id, (0, 0))
        running[address] = ContactHistory(
            previous_messages=int(row.message_count),
            previous_cases=n_cases,
            open_cases=n_open,
            first_seen=row.first_seen,
            last_seen=row.last_seen,
            unanswered_messages=unanswered.get(row.id, 0),
        )
    out: list[ContactHistory | None] = []
    for address, at in senders:
        if not address:
            out.append(None)
            continue
        h = running.get(address)
        if h is None:
            out.append(ContactHistory())
            running[address] = ContactHistory(previous_messages=1, first_seen=at, last_seen=at, unanswered_messages=1)
            continue
        days = (at - h.last_seen).total_seconds() / 86400 if h.last_seen is not None and h.last_seen <= at else None
        out.append(
            ContactHistory(
                h.previous_messages,
                h.previous_cases,
                h.open_cases,
                h.first_seen,
                h.last_seen,
                h.unanswered_messages,
                days,
            )
        )
        h.previous_messages += 1
        h.unanswered_messages += 1
        h.first_seen = at if h.first_seen is None or at < h.first_seen else h.first_seen
        h.last_seen = at if h.last_seen is None or at > h.last_seen else h.last_seen
    return out
