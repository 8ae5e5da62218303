"""Legal hold on a case or a contact: while it applies, retention and erasure leave it alone.

Holds are set and released by a supervisor with a reason; both are audited. Cases whose intent
or signals suggest litigation or a regulator (``SUGGEST_FOR``) are *suggested* for a hold:
shown to a supervisor, never set automatically (a hold is a legal decision, not a classifier's).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from execdesk.cases.contacts import normalise_address
from execdesk.cases.refs import case_ref
from execdesk.cases.service import record_audit
from execdesk.store.db import utcnow
from execdesk.store.models import Case, Contact, LegalHold, table_of

_holds = table_of(LegalHold)
_cases = table_of(Case)
_contacts = table_of(Contact)

#: Intents and signals for which a hold is suggested.
SUGGEST_INTENTS = ("legal_notice",)
SUGGEST_SIGNALS = ("legal_threat", "regulator")


class HoldError(ValueError):
    """A hold request that cannot be done (unknown case or contact, no reason...)."""


def _target(conn: Connection, case_id: int | None, address: str | None) -> tuple[int | None, int | None]:
    if (case_id is None) == (address is None):
        raise HoldError("give exactly one of a case or a contact address")
    if case_id is not None:
        if conn.execute(select(_cases.c.id).where(_cases.c.id == case_id)).first() is None:
            raise HoldError(f"no case {case_ref(case_id)}")
        return case_id, None
    addr = normalise_address(address)
    contact = conn.execute(select(_contacts.c.id).where(_contacts.c.address == addr)).scalar() if addr else None
    if contact is None:
        raise HoldError(f"no contact with the address {address!r}")
    return None, int(contact)


def set_hold(conn: Connection, *, case_id: int | None = None, address: str | None = None, by: str, reason: str) -> int:
    """Put a case or a contact on hold; returns the hold id (an existing active hold is reused)."""
    if not reason.strip():
        raise HoldError("a legal hold needs a reason")
    cid, contact_id = _target(conn, case_id, address)
    col = _holds.c.case_id if cid is not None else _holds.c.contact_id
    existing = conn.execute(
        select(_holds.c.id).where(col == (cid if cid is not None else contact_id), _holds.c.released_at.is_(None))
    ).scalar()
    if existing is not None:
        return int(existing)
    hold_id = int(
        conn.execute(
            insert(_holds)
            .values(case_id=cid, contact_id=contact_id, set_by=by, reason=reason, set_at=utcnow())
            .returning(_holds.c.id)
        ).scalar_one()
    )
    record_audit(
        conn,
        actor=by,
        action="legal_hold_set",
        case_id=cid,
        details={"hold": hold_id, "contact_id": contact_id, "reason": reason},
    )
    return hold_id


def release_hold(
    conn: Connection, *, case_id: int | None = None, address: str | None = None, by: str, reason: str
) -> int:
    """Release the active holds on a case or contact; returns how many were released."""
    if not reason.strip():
        raise HoldError("releasing a legal hold needs a reason")
    cid, contact_id = _target(conn, case_id, address)
    col = _holds.c.case_id if cid is not None else _holds.c.contact_id
    active = (col == (cid if cid is not None else contact_id)) & _holds.c.released_at.is_(None)
    ids = list(conn.execute(select(_holds.c.id).where(active)).scalars())
    if not ids:
        raise HoldError("no active legal hold there")
    conn.execute(update(_holds).where(active).values(released_by=by, release_reason=reason, released_at=utcnow()))
    record_audit(
        conn,
        actor=by,
        action="legal_hold_released",
        case_id=cid,
        details={"holds": ids, "contact_id": contact_id, "reason": reason},
    )
    return len(ids)


def list_holds(conn: Connection, *, include_released: bool = False) -> list[dict[str, Any]]:
    q = select(_holds, _contacts.c.address).outerjoin(_contacts, _contacts.c.id == _holds.c.contact_id)
    if not include_released:
        q = q.where(_holds.c.released_at.is_(None))
    out = []
    for r in conn.execute(q.order_by(_holds.c.id)):
        out.append(
            {
                "id": r.id,
                "case": case_ref(r.case_id) if r.case_id else None,
                "contact": r.address,
                "set_by": r.set_by,
                "reason": r.reason,
                "set_at": r.set_at.isoformat(),
                "released_at": r.released_at.isoformat() if r.released_at else None,
                "released_by": r.released_by,
            }
        )
    return out


def held_case_ids(conn: Connection, case_ids: Iterable[int]) -> set[int]:
    """Which of these cases are held, directly or through their contact's hold."""
    ids = sorted(set(case_ids))
    if not ids:
        return set()
    active = _holds.c.released_at.is_(None)
    direct = set(conn.execute(select(_holds.c.case_id).where(active, _holds.c.case_id.in_(ids))).scalars())
    via_contact = set(
        conn.execute(
            select(_cases.c.id)
            .join(_holds, _holds.c.contact_id == _cases.c.contact_id)
            .where(active, _cases.c.id.in_(ids))
        ).scalars()
    )
    return {int(i) for i in direct | via_contact}


def contact_held(conn: Connection, contact_id: int) -> bool:
    """A hold on the contact itself or on any of their cases."""
    active = _holds.c.released_at.is_(None)
    case_ids = select(_cases.c.id).where(_cases.c.contact_id == contact_id)
    q = select(_holds.c.id).where(active, or_(_holds.c.contact_id == contact_id, _holds.c.case_id.in_(case_ids)))
    return conn.execute(q.limit(1)).first() is not None


def suggestions(conn: Connection, limit: int = 100) -> list[dict[str, Any]]:
    """Cases a supervisor should consider holding (legal notice, legal threat, regulator), not yet held."""
    rows = conn.execute(
        select(_cases.c.id, _cases.c.intent, _cases.c.signals, _cases.c.subject)
        .order_by(_cases.c.id.desc())
        .limit(limit * 20)
    ).all()
    candidates = []
    for r in rows:
        names = {s.get("name") if isinstance(s, dict) else str(s) for s in (r.signals or [])}
        why = [f"intent:{r.intent}"] if r.intent in SUGGEST_INTENTS else []
        why += [f"signal:{n}" for n in SUGGEST_SIGNALS if n in names]
        if why:
            candidates.append((int(r.id), why))
    held = held_case_ids(conn, [c for c, _ in candidates])
    return [{"case": case_ref(c), "why": why} for c, why in candidates if c not in held][:limit]
