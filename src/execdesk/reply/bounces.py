"""Bounces of our replies, linked back to the case they answered.

A delivery status notification (RFC 3464) rarely carries In-Reply-To; it carries the
original message (``message/rfc822``) or its headers (``text/rfc822-headers``), and
qmail-style failure notices quote it inline. Ingest stores the DSN as machine mail in a
case of its own; :func:`link_bounces`, run after the ingest commit, finds the Message-IDs
the DSN quotes, matches them against the outbox, marks that entry ``bounced`` and moves the
DSN into the reply's case, so the agent sees in the thread that the reply never arrived.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from execdesk.cases.refs import case_ref
from execdesk.cases.service import record_audit, set_status
from execdesk.store.db import Store, utcnow
from execdesk.store.models import Attachment, Case, Message, OutboxEntry, table_of

_messages = table_of(Message)
_attachments = table_of(Attachment)
_outbox = table_of(OutboxEntry)
_cases = table_of(Case)

ACTOR = "execdesk:bounces"
_QUOTED_ID = re.compile(rb"(?im)^(?:message-id|in-reply-to|references)[ \t]*:[ \t]*((?:[^\r\n]|\r?\n[ \t])*)")
_ID = re.compile(rb"<([^<>\s]+)>")
_CARRIERS = (
    "message/rfc822",
    "text/rfc822-headers",
    "message/rfc822-headers",
    "message/global",
    "message/global-headers",
)
MAX_SCAN = 512 * 1024


@dataclass(frozen=True)
class BounceLink:
    message_pk: int
    outbox_id: int
    case: str
    moved_from: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def quoted_message_ids(data: bytes) -> list[str]:
    """Message-IDs named in header lines anywhere in ``data`` (the DSN, or an attached original)."""
    found: list[str] = []
    for m in _QUOTED_ID.finditer(data[:MAX_SCAN]):
        for ref in _ID.findall(m.group(1)):
            value = ref.decode("ascii", errors="replace")
            if value not in found:
                found.append(value)
    return found


def _candidates(store: Store, conn: Connection, m: Any) -> list[str]:
    ids = [m.in_reply_to, *reversed(m.references or [])]
    with suppress(KeyError, OSError):
        ids += quoted_message_ids(store.blobs.get(m.raw_sha256))
    for att in conn.execute(
        select(_attachments.c.sha256).where(
            _attachments.c.message_pk == m.id, _attachments.c.content_type.in_(_CARRIERS)
        )
    ):
        try:
            ids += quoted_message_ids(store.blobs.get(att.sha256))
        except (KeyError, OSError):
            continue
    return [i for i in dict.fromkeys(ids) if i and i != m.message_id]


def link_bounces(store: Store, message_pks: list[int]) -> list[BounceLink]:
    """Link each bounce among ``message_pks`` to the outbox entry it reports on (idempotent)."""
    links: list[BounceLink] = []
    if not message_pks:
        return links
    with store.transaction() as conn:
        bounces = conn.execute(
            select(_messages).where(
                _messages.c.id.in_(message_pks), _messages.c.machine_kind == "bounce", _messages.c.direction == "in"
            )
        ).all()
        for m in bounces:
            ids = _candidates(store, conn, m)
            if not ids:
                continue
            entry = conn.execute(
                select(_outbox).where(_outbox.c.message_id.in_(ids)).order_by(_outbox.c.id.desc()).limit(1)
            ).first()
            if entry is None:
                continue
            links.append(_link(conn, m, entry))
    return links


def _link(conn: Connection, m: Any, entry: Any) -> BounceLink:
    now = utcnow()
    moved_from = m.case_id if m.case_id != entry.case_id else None
    if moved_from is not None:
        conn.execute(update(_messages).where(_messages.c.id == m.id).values(case_id=entry.case_id))
        conn.execute(
            update(_cases)
            .where(_cases.c.id == entry.case_id)
            .values(message_count=_cases.c.message_count + 1, updated_at=now)
        )
        conn.execute(update(_cases).where(_cases.c.id == moved_from).values(message_count=_cases.c.message_count - 1))
        left = conn.execute(select(_messages.c.id).where(_messages.c.case_id == moved_from).limit(1)).first()
        if left is None:
            set_status(
                conn,
                case_id=moved_from,
                status="closed",
                actor=ACTOR,
                reason=f"its only message is a bounce of a reply in {case_ref(entry.case_id)}",
            )
    if entry.status != "bounced":
        conn.execute(
            update(_outbox)
            .where(_outbox.c.id == entry.id)
            .values(status="bounced", last_error=(m.machine_reason or "bounce")[:2000], updated_at=now)
        )
        record_audit(
            conn,
            actor=ACTOR,
            action="reply.bounced",
            case_id=entry.case_id,
            message_pk=m.id,
            details={
                "outbox_id": entry.id,
                "message_id": entry.message_id,
                "to": entry.to_addr,
                "moved_from": case_ref(moved_from) if moved_from else None,
            },
            at=now,
        )
    return BounceLink(m.id, entry.id, case_ref(entry.case_id), case_ref(moved_from) if moved_from else None)
