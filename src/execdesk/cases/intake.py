"""Cases stage of ingest, for a whole batch at once: contacts, threading, case writes.

The decisions are made in memory, in arrival order, from a few bulk reads (the batch's
referenced Message-IDs, its senders' open cases), so a batch of hundreds of messages
costs a handful of statements instead of a dozen per message. The rules are those of
:mod:`execdesk.cases.threading` and are recorded as each message's ``thread_reason``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, case, func, insert, select, update

from execdesk.cases import service
from execdesk.cases.refs import SUBJECT_TAG
from execdesk.cases.service import OPEN_STATUSES
from execdesk.store.db import allocate_ids
from execdesk.store.models import Case, Contact, Message, table_of

_cases = table_of(Case)
_contacts = table_of(Contact)
_messages = table_of(Message)

CHUNK = 500

_CONTACTS_BY_ADDRESS = select(_contacts.c.id, _contacts.c.address).where(
    _contacts.c.address.in_(bindparam("addresses", expanding=True))
)
_INSERT_CONTACT = insert(_contacts)
_first = bindparam("first", type_=_contacts.c.first_seen.type)
_last = bindparam("last", type_=_contacts.c.last_seen.type)
_TOUCH_CONTACTS = (
    update(_contacts)
    .where(_contacts.c.id == bindparam("contact_id"))
    .values(
        message_count=_contacts.c.message_count + bindparam("added"),
        last_seen=case(
            (_contacts.c.last_seen.is_(None) | (_contacts.c.last_seen < _last), _last), else_=_contacts.c.last_seen
        ),
        first_seen=case(
            (_contacts.c.first_seen.is_(None) | (_contacts.c.first_seen > _first), _first), else_=_contacts.c.first_seen
        ),
        display_name=func.coalesce(bindparam("name", type_=_contacts.c.display_name.type), _contacts.c.display_name),
    )
)
_CASES_OF_REFS = select(_messages.c.message_id, _messages.c.case_id).where(
    _messages.c.message_id.in_(bindparam("refs", expanding=True)), _messages.c.case_id.is_not(None)
)
_CASES_BY_ID = select(_cases.c.id, _cases.c.contact_id, _cases.c.status, _cases.c.last_inbound_at).where(
    _cases.c.id.in_(bindparam("ids", expanding=True))
)
_OPEN_CASES_OF_CONTACTS = select(_cases.c.id, _cases.c.contact_id, _cases.c.status, _cases.c.last_inbound_at).where(
    _cases.c.contact_id.in_(bindparam("contacts", expanding=True)),
    _cases.c.status.in_(OPEN_STATUSES),
    _cases.c.machine.is_(False),
)


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


@dataclass(slots=True)
class ContactSeen:
    address: str
    name: str | None
    at: datetime


def touch_contacts(conn: Connection, seen: list[ContactSeen]) -> list[int]:
    """Create or update the contacts of a batch; returns each entry's contact id, in order."""
    addresses = sorted({s.address for s in seen})
    ids: dict[str, int] = {}
    for chunk in _chunks(addresses):
        ids.update({r.address: int(r.id) for r in conn.execute(_CONTACTS_BY_ADDRESS, {"addresses": list(chunk)})})
    agg: dict[str, dict[str, Any]] = {}
    for s in seen:
        a = agg.get(s.address)
        if a is None:
            agg[s.address] = {"added": 1, "first": s.at, "last": s.at, "name": s.name}
        else:
            a["added"] += 1
            a["first"] = min(a["first"], s.at)
            a["last"] = max(a["last"], s.at)
            a["name"] = s.name or a["name"]
    new = [a for a in addresses if a not in ids]
    if new:
        rows = [
            {
                "address": a,
                "display_name": agg[a]["name"],
                "first_seen": agg[a]["first"],
                "last_seen": agg[a]["last"],
                "message_count": agg[a]["added"],
                "vip": False,
            }
            for a in new
        ]
        new_ids = allocate_ids(conn, _contacts, len(rows))
        for row, contact_id in zip(rows, new_ids, strict=True):
            row["id"] = contact_id
        conn.execute(_INSERT_CONTACT, rows)
        ids.update(zip(new, new_ids, strict=True))
    existing = [
        {"contact_id": ids[a], "added": v["added"], "first": v["first"], "last": v["last"], "name": v["name"]}
        for a, v in agg.items()
        if a not in new
    ]
    if existing:
        conn.execute(_TOUCH_CONTACTS, existing)
    return [ids[s.address] for s in seen]


@dataclass(slots=True)
class ThreadItem:
    """What threading needs to know about one stored message."""

    message_pk: int
    message_id: str | None
    refs: list[str]  # In-Reply-To first, then References newest first
    subject: str
    contact_id: int | None
    at: datetime
    machine: bool
    case_id: int | None = None
    reason: str = ""


@dataclass(slots=True)
class _CaseState:
    contact_id: int | None
    status: str
    last_inbound_at: datetime | None
    new_index: int | None = None  # position in the new-cases list, for cases opened by this batch
    added: int = 0
    events: list[tuple[int, str, str]] = field(default_factory=list)  # (message_pk, action, why)


def assign_cases(
    conn: Connection, items: list[ThreadItem], *, by_sender: bool, window: timedelta, actor: str
) -> list[dict[str, Any]]:
    """Thread each item into a case, opening and updating case rows as needed; sets item.case_id.

    Returns the audit events (one per message: opened, message added or reopened) for the caller
    to record once the message rows exist (they reference them)."""
    if not items:
        return []
    refs = sorted({r for it in items for r in it.refs})
    by_msgid: dict[str, int] = {}
    for chunk in _chunks(refs):
        by_msgid.update({r.message_id: int(r.case_id) for r in conn.execute(_CASES_OF_REFS, {"refs": list(chunk)})})
    tag_ids = {int(m.group(1)) for it in items if (m := SUBJECT_TAG.search(it.subject or ""))}
    known_ids = sorted(set(by_msgid.values()) | tag_ids)
    states: dict[Any, _CaseState] = {}
    for chunk in _chunks(known_ids):
        for r in conn.execute(_CASES_BY_ID, {"ids": list(chunk)}):
            states[int(r.id)] = _CaseState(r.contact_id, r.status, r.last_inbound_at)
    contacts = sorted({it.contact_id for it in items if it.contact_id is not None})
    open_by_contact: dict[int, list[Any]] = {}
    if by_sender:
        for chunk in _chunks(contacts):
            for r in conn.execute(_OPEN_CASES_OF_CONTACTS, {"contacts": list(chunk)}):
                states.setdefault(int(r.id), _CaseState(r.contact_id, r.status, r.last_inbound_at))
                open_by_contact.setdefault(int(r.contact_id), []).append(int(r.id))
    new_cases: list[dict[str, Any]] = []
    batch_msgid: dict[str, Any] = {}
    keys: list[Any] = []  # each item's case: an existing id or ("new", n)
    hours = window.total_seconds() / 3600

    for it in items:
        key: Any = None
        for ref in it.refs:
            if ref in batch_msgid:
                key, it.reason = batch_msgid[ref], f"replies to <{ref}>"
                break
            if ref in by_msgid:
                key, it.reason = by_msgid[ref], f"replies to <{ref}>"
                break
        if key is None and it.contact_id is not None:
            tag = SUBJECT_TAG.search(it.subject or "")
            if tag and int(tag.group(1)) in states and states[int(tag.group(1))].contact_id == it.contact_id:
                key, it.reason = int(tag.group(1)), f"subject carries the case tag {tag.group(0)}"
        if key is None and by_sender and not it.machine and it.contact_id is not None:
            best = None
            for candidate in open_by_contact.get(it.contact_id, []):
                st = states[candidate]
                if (
                    st.status in OPEN_STATUSES
                    and st.last_inbound_at is not None
                    and abs(it.at - st.last_inbound_at) <= window
                ) and (best is None or st.last_inbound_at > states[best].last_inbound_at):  # type: ignore[operator]
                    best = candidate
            if best is not None:
                key, it.reason = best, f"same sender's open case, last message within {hours:g} h"
        if key is None:
            key = ("new", len(new_cases))
            new_cases.append(
                {
                    "subject": it.subject,
                    "contact_id": it.contact_id,
                    "machine": it.machine,
                    "opened_at": it.at,
                    "last_inbound_at": it.at,
                }
            )
            states[key] = _CaseState(it.contact_id, "open", it.at, new_index=len(new_cases) - 1, added=1)
            states[key].events.append((it.message_pk, "case.opened", "new conversation"))
            if it.contact_id is not None and not it.machine:
                open_by_contact.setdefault(it.contact_id, []).append(key)
            it.reason = "new conversation"
        else:
            st = states[key]
            action = "case.message_added" if st.status in OPEN_STATUSES else "case.reopened"
            st.status = "open"
            st.added += 1
            if st.last_inbound_at is None or it.at > st.last_inbound_at:
                st.last_inbound_at = it.at
            st.events.append((it.message_pk, action, it.reason))
            if st.new_index is not None:
                new_cases[st.new_index]["last_inbound_at"] = st.last_inbound_at
        if it.message_id:
            batch_msgid.setdefault(it.message_id, key)
        keys.append(key)

    for c in new_cases:
        c["message_count"] = 0
    for st in states.values():
        if st.new_index is not None:
            new_cases[st.new_index]["message_count"] = st.added
    new_ids = service.open_cases(conn, new_cases)
    real_id = {("new", i): cid for i, cid in enumerate(new_ids)}
    service.add_inbound_to_cases(
        conn,
        [
            {"case_id": k, "added": st.added, "at": st.last_inbound_at}
            for k, st in states.items()
            if isinstance(k, int) and st.added
        ],
    )
    events: list[dict[str, Any]] = []
    for k, st in states.items():
        cid = real_id.get(k, k)
        events.extend(
            {"actor": actor, "action": action, "case_id": cid, "message_pk": pk, "details": {"why": why}}
            for pk, action, why in st.events
        )
    for it, key in zip(items, keys, strict=True):
        it.case_id = real_id.get(key, key)
    return events
