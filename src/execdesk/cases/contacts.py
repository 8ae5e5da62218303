"""Contacts: one per normalised sender address, with first/last contact and a message count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from execdesk.store.models import Case, Contact, Message, table_of

_contacts = table_of(Contact)
_cases = table_of(Case)
_messages = table_of(Message)


def normalise_address(address: str | None) -> str | None:
    """Lower-case, trimmed addr-spec. No provider-specific tricks (dots, +tags): they are
    different mailboxes to the sender's provider and we must not merge people."""
    if not address:
        return None
    addr = address.strip().strip("<>").strip().lower()
    return addr if "@" in addr and len(addr) <= 320 else None


@dataclass(frozen=True, slots=True)
class ContactSummary:
    """What the desk knows about a sender before this message (input to repeat_contact)."""

    previous_messages: int
    previous_cases: int
    open_cases: int
    first_seen: datetime | None
    last_seen: datetime | None
    unanswered_messages: int


def contact_summary(conn: Connection, contact_id: int) -> ContactSummary:
    c = conn.execute(select(_contacts).where(_contacts.c.id == contact_id)).one()
    cases = conn.execute(
        select(
            func.count(),
            func.sum((_cases.c.status.in_(("open", "pending"))).cast(_cases.c.message_count.type)),
        )
        .select_from(_cases)
        .where(_cases.c.contact_id == contact_id)
    ).one()
    unanswered = conn.execute(
        select(func.count())
        .select_from(_messages.join(_cases, _messages.c.case_id == _cases.c.id))
        .where(
            _messages.c.contact_id == contact_id,
            _messages.c.direction == "in",
            (_cases.c.last_outbound_at.is_(None)) | (_cases.c.last_outbound_at < _messages.c.received_at),
        )
    ).scalar_one()
    return ContactSummary(
        previous_messages=int(c.message_count),
        previous_cases=int(cases[0] or 0),
        open_cases=int(cases[1] or 0),
        first_seen=c.first_seen,
        last_seen=c.last_seen,
        unanswered_messages=int(unanswered),
    )
