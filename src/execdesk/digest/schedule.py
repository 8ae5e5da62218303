"""Sending the digest: now (``execdesk digest --send``) or when due (``send_due_digests``, idempotent).

The schedule is one slot a day: ``digest.send_time`` in ``digest.timezone``. The digest due at a
slot covers ``digest.since`` back from the slot. Which slot was last sent is kept in the
``checkpoints`` table (key ``digest:schedule``), so calling :func:`send_due_digests` every minute
from cron, ``execdesk serve`` or a worker sends each day's digest once:

1. **claim** the slot in a writing transaction (``state: sending`` with the time), unless it is
   already sent or another process claimed it less than ``send_lease_seconds`` ago;
2. build the digest and deliver it over SMTP (the reply section's server, through
   :func:`execdesk.reply.send.smtp_deliver`);
3. **record** ``state: sent`` (or ``failed`` with the error, tried again on the next call).

A crash between 2 and 3 can send one slot twice after the lease; it never skips a slot silently.
A slot missed while nothing ran is sent late, once: only the latest due slot is sent, never a
backlog of old briefings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from execdesk.digest.build import build_digest
from execdesk.digest.model import Digest
from execdesk.digest.period import Period, parse_duration
from execdesk.digest.render import build_mail
from execdesk.reply.send import Deliver, PermanentSendError, TransientSendError, smtp_deliver
from execdesk.settings import Settings
from execdesk.store.checkpoints import read_checkpoint, write_checkpoint
from execdesk.store.db import Store
from execdesk.store.models import Checkpoint, table_of

CHECKPOINT_KEY = "digest:schedule"
_checkpoints = table_of(Checkpoint)


class DigestConfigError(ValueError):
    """The digest cannot be sent as configured (no recipients, no From address): nothing was attempted."""


@dataclass(frozen=True, slots=True)
class DigestSendResult:
    status: str  # sent | skipped | failed
    slot: str | None
    recipients: list[str]
    message_id: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def latest_slot(settings: Settings, now: datetime) -> datetime:
    """The most recent scheduled send time at or before ``now`` (UTC)."""
    d = settings.digest
    hour, minute = (int(x) for x in d.send_time.split(":"))
    local = now.astimezone(d.zone)
    slot = datetime.combine(local.date(), time(hour, minute), tzinfo=d.zone)
    if slot > local:
        slot = datetime.combine(local.date() - timedelta(days=1), time(hour, minute), tzinfo=d.zone)
    return slot.astimezone(UTC)


def slot_period(settings: Settings, slot: datetime) -> Period:
    length = parse_duration(settings.digest.since) or timedelta(hours=24)
    return Period(slot - length, slot)


def sender_of(settings: Settings) -> str:
    sender = settings.digest.from_address or settings.reply.from_address
    if not sender:
        raise DigestConfigError("the digest has no From address: set digest.from_address or reply.from_address")
    return sender


def subject_of(settings: Settings, digest: Digest) -> str:
    end = digest.period_end.astimezone(settings.digest.zone)
    return settings.digest.subject.format(
        company=settings.reply.company_name, date=end.strftime("%a %d %b %Y"), period=digest.period_label
    )


def send_digest(
    store: Store,
    settings: Settings,
    period: Period,
    *,
    recipients: list[str] | None = None,
    deliver: Deliver | None = None,
    now: datetime | None = None,
) -> DigestSendResult:
    """Build the digest of ``period`` and mail it now (no schedule, no checkpoint)."""
    to = list(recipients if recipients is not None else settings.digest.recipients)
    if not to:
        raise DigestConfigError("the digest has no recipients: set digest.recipients or pass --to")
    sender = sender_of(settings)
    deliver = deliver or smtp_deliver(settings)
    now = now or datetime.now(UTC)
    with store.engine.connect() as conn:
        digest = build_digest(conn, settings, period, now=now)
    msg = build_mail(
        digest,
        sender=sender,
        recipients=to,
        subject=subject_of(settings, digest),
        sender_name=settings.reply.from_name,
        msgid_domain=settings.reply.message_id_domain,
        attach_pdf=settings.digest.attach_pdf,
        page_size=settings.digest.page_size,
    )
    deliver(msg.as_bytes(), sender, to)
    return DigestSendResult("sent", period.end.isoformat(), to, str(msg["Message-ID"]))


def _claim(store: Store, settings: Settings, slot: datetime, now: datetime) -> str | None:
    """Claim the slot for this process; the reason it is not ours otherwise."""
    lease = timedelta(seconds=settings.digest.send_lease_seconds)
    with store.transaction() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(select(_checkpoints.c.key).where(_checkpoints.c.key == CHECKPOINT_KEY).with_for_update())
        state = read_checkpoint(conn, CHECKPOINT_KEY) or {}
        if state.get("slot") == slot.isoformat():
            if state.get("state") == "sent":
                return "already sent"
            claimed = state.get("claimed_at")
            if state.get("state") == "sending" and claimed and datetime.fromisoformat(claimed) + lease > now:
                return "being sent by another process"
        elif state.get("slot") and datetime.fromisoformat(state["slot"]) > slot:
            return "a later digest was already sent"
        write_checkpoint(
            conn,
            CHECKPOINT_KEY,
            {**state, "slot": slot.isoformat(), "state": "sending", "claimed_at": now.isoformat()},
            now,
        )
    return None


def send_due_digests(
    store: Store, settings: Settings, now: datetime | None = None, *, deliver: Deliver | None = None
) -> list[DigestSendResult]:
    """Send the digest of the latest slot unless it was sent already. Safe to call as often as you like."""
    now = now or datetime.now(UTC)
    d = settings.digest
    if not d.recipients:
        return []
    slot = latest_slot(settings, now)
    why_not = _claim(store, settings, slot, now)
    if why_not is not None:
        return [DigestSendResult("skipped", slot.isoformat(), list(d.recipients), reason=why_not)]
    try:
        result = send_digest(store, settings, slot_period(settings, slot), deliver=deliver, now=now)
    except (TransientSendError, PermanentSendError, DigestConfigError, OSError) as exc:
        with store.transaction() as conn:
            state = read_checkpoint(conn, CHECKPOINT_KEY) or {}
            write_checkpoint(conn, CHECKPOINT_KEY, {**state, "state": "failed", "error": str(exc)[:500]}, now)
        return [DigestSendResult("failed", slot.isoformat(), list(d.recipients), reason=str(exc))]
    with store.transaction() as conn:
        write_checkpoint(
            conn,
            CHECKPOINT_KEY,
            {
                "slot": slot.isoformat(),
                "state": "sent",
                "sent_at": now.isoformat(),
                "message_id": result.message_id,
                "recipients": len(result.recipients),
            },
            now,
        )
    return [result]
