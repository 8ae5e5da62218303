"""Automatic acknowledgments that cannot become a mail cannon or a mail loop (RFC 3834).

``auto_acknowledge(store, settings, message_pks)`` runs after an ingest commit. Each new
inbound message gets a decision, in order: never to machine mail (auto-replies, bounces,
lists, bulk: the parse stage's verdict), to senders that asked for none
(``X-Auto-Response-Suppress``), to null or system senders (mailer-daemon, no-reply...), to our
own address, or to spam; never into a conversation we already answered; never twice to one
address within ``reply.ack_window_days``; never more than ``reply.ack_max_per_hour`` in any hour.
What passes is drafted from the ``reply.ack_template`` template, checked by the tone guard and queued with
``Auto-Submitted: auto-replied``. Every skip is audited with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from execdesk.cases.service import record_audits
from execdesk.reply.drafting import Template, case_context, compose, get_template, render, variables_for
from execdesk.reply.outbox import create_draft, queue
from execdesk.settings import Settings
from execdesk.store.db import Store, advisory_xact_lock, utcnow
from execdesk.store.models import Message, OutboxEntry, table_of

_messages = table_of(Message)
_outbox = table_of(OutboxEntry)

ACTOR = "execdesk:auto-ack"
_ACK_LOCK = 0x6578_6563_6B61_636B  # "execkack": one advisory lock key for acknowledgment decisions
SIGNER = "The team"
_SYSTEM_SENDER = re.compile(
    r"^(?:mailer-daemon|mail-daemon|postmaster|daemon|bounces?|no-?reply|do-?not-?reply|donotreply|noreply-\w+|"
    r"listserv|majordomo|mailman|owner-[^@]*|[^@]*-(?:request|owner|bounces?))@",
    re.IGNORECASE,
)
_SUPPRESS = re.compile(r"\b(?:all|autoreply|oof)\b", re.IGNORECASE)


@dataclass(frozen=True)
class AckDecision:
    """What happened to one inbound message: ``queued`` (with its outbox entry) or ``skipped`` (why)."""

    message_pk: int
    case_id: int | None
    to: str | None
    outcome: str  # queued | skipped
    reason: str
    outbox_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def never_reason(m: Any, own: str | None) -> str | None:
    """Why this message must never be acknowledged, or None (RFC 3834 §2 and the desk's own rules)."""
    if m.direction != "in" or m.status != "ok":
        return "not a stored inbound message"
    if m.case_id is None:
        return "no case"
    if not m.from_addr:
        return "no sender address"
    if m.machine_kind:
        return f"machine mail ({m.machine_kind}): {m.machine_reason or ''}".rstrip(": ")
    headers = m.headers or {}
    auto = str(headers.get("auto-submitted", "")).strip().lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto}"
    precedence = str(headers.get("precedence", "")).strip().lower()
    if precedence in ("bulk", "list", "junk"):
        return f"Precedence: {precedence}"
    if headers.get("list-id") or headers.get("list-unsubscribe"):
        return "mailing-list mail"
    if _SUPPRESS.search(str(headers.get("x-auto-response-suppress", ""))):
        return "the sender asked for no automatic replies (X-Auto-Response-Suppress)"
    if "return-path" in headers and str(headers["return-path"]).strip() in ("<>", ""):
        return "null return path"
    if _SYSTEM_SENDER.match(m.from_addr):
        return "system sender address"
    if own and m.from_addr.lower() == own.lower():
        return "our own address"
    if (m.intent or "") == "spam":
        return "spam"
    return None


def acknowledged_since(conn: Connection, since: datetime, addresses: Sequence[str] | None = None) -> set[str]:
    """Addresses (lower-cased) that got an acknowledgment since ``since``: the RFC 3834 window.
    ``addresses`` narrows the lookup (in chunks); None means every address."""
    base = select(_outbox.c.to_addr).where(_outbox.c.kind == "ack", _outbox.c.created_at >= since)
    if addresses is None:
        return {a.lower() for a in conn.execute(base).scalars()}
    found: set[str] = set()
    for i in range(0, len(addresses), 500):
        found.update(
            a.lower() for a in conn.execute(base.where(_outbox.c.to_addr.in_(addresses[i : i + 500]))).scalars()
        )
    return found


def draft_acknowledgment(
    conn: Connection,
    settings: Settings,
    template: Template,
    case_id: int,
    message_pk: int,
    *,
    signer: str,
    by: str,
    notes: dict[str, Any],
) -> dict[str, Any]:
    """The acknowledgment of one message, personalised from ``template`` and checked by the tone guard
    (``blocked`` when the guard blocks it); automatic and campaign acknowledgments share it."""
    ctx = case_context(conn, case_id)
    variables = variables_for(ctx, settings, signer)
    body, _ = compose(render(template.body, variables), settings, variables, executive=False)
    return create_draft(
        conn,
        settings,
        case_id=case_id,
        body=body,
        created_by=by,
        kind="ack",
        notes={"source": "template", "template": template.name, **notes},
        ctx=ctx,
        source_message_pk=message_pk,
    )


def auto_acknowledge(
    store: Store, settings: Settings | None = None, message_pks: list[int] | None = None, *, now: datetime | None = None
) -> list[AckDecision]:
    """Queue acknowledgments for the given newly ingested messages; returns one decision per message."""
    settings = settings or store.settings
    r = settings.reply
    if not r.auto_ack or not message_pks:
        return []
    now = now or utcnow()
    window_start = now - timedelta(days=r.ack_window_days)
    decisions: list[AckDecision] = []
    skipped: list[dict[str, Any]] = []
    with store.transaction() as conn:
        advisory_xact_lock(conn, _ACK_LOCK)  # workers decide one at a time: the window and the cap hold
        rows = {
            m.id: m
            for m in conn.execute(
                select(
                    _messages.c.id,
                    _messages.c.direction,
                    _messages.c.status,
                    _messages.c.case_id,
                    _messages.c.from_addr,
                    _messages.c.machine_kind,
                    _messages.c.machine_reason,
                    _messages.c.headers,
                    _messages.c.intent,
                    _messages.c.date,
                    _messages.c.received_at,
                ).where(_messages.c.id.in_(message_pks))
            )
        }
        recently = acknowledged_since(
            conn, window_start, sorted({m.from_addr.lower() for m in rows.values() if m.from_addr})
        )
        case_ids = sorted({int(m.case_id) for m in rows.values() if m.case_id is not None})
        answered = {
            int(c)
            for c in conn.execute(
                select(_messages.c.case_id)
                .where(_messages.c.case_id.in_(case_ids or [-1]), _messages.c.direction == "out")
                .distinct()
            ).scalars()
        }
        sent_last_hour = int(
            conn.execute(
                select(func.count())
                .select_from(_outbox)
                .where(_outbox.c.kind == "ack", _outbox.c.created_at >= now - timedelta(hours=1))
            ).scalar_one()
        )
        template = get_template(settings, r.ack_template)
        for pk in message_pks:
            m = rows.get(pk)
            if m is None:
                decisions.append(AckDecision(pk, None, None, "skipped", "no such message"))
                continue
            address = (m.from_addr or "").lower() or None
            reason = never_reason(m, r.from_address)
            written = min(d for d in (m.date, m.received_at) if d is not None)
            if reason is None and written < now - timedelta(hours=r.ack_max_age_hours):
                reason = (
                    f"written more than {r.ack_max_age_hours:g} h ago: too old to acknowledge (an import of old mail)"
                )
            if reason is None and m.case_id in answered:
                reason = "the case already has a reply from us: a person is in the conversation"
            if reason is None and address in recently:
                reason = f"already acknowledged within {r.ack_window_days:g} days (RFC 3834 section 2)"
            if reason is None and sent_last_hour >= r.ack_max_per_hour:
                reason = f"rate limit: {r.ack_max_per_hour} acknowledgments per hour reached"
            if reason is None:
                entry = draft_acknowledgment(
                    conn, settings, template, m.case_id, pk, signer=SIGNER, by=ACTOR, notes={"acknowledges": pk}
                )
                assert address is not None
                recently.add(address)  # also holds within this batch
                sent_last_hour += 1  # a blocked one counts too: the limit bounds attempts, not successes
                if entry["status"] == "blocked":
                    reason = "the tone guard blocked the acknowledgment template; left for a person"
                else:
                    queue(conn, entry["id"], actor=ACTOR)
                    decisions.append(AckDecision(pk, m.case_id, address, "queued", "acknowledged", entry["id"]))
                    continue
            decisions.append(AckDecision(pk, m.case_id, address, "skipped", reason))
            if m.case_id is not None:
                skipped.append(
                    {
                        "actor": ACTOR,
                        "action": "reply.ack_skipped",
                        "case_id": m.case_id,
                        "message_pk": pk,
                        "details": {"why": reason},
                        "at": now,
                    }
                )
        record_audits(conn, skipped)
    return decisions
