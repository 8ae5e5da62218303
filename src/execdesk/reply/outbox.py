"""The outbox and its policy: the one write path for outgoing mail, every step audited.

States::

    draft ──queue──> queued ──> sending ──> sent        (bounced: a DSN came back for it)
    blocked ──approve (supervisor + reason)──> approved ──queue──> queued
                                      sending ──4xx/5xx──> queued (backoff) ... failed

A text whose tone verdict is ``block`` is stored as ``blocked`` and cannot be queued until
a supervisor approves it with a written reason. Editing re-runs the guard and drops any
approval. Each function takes the caller's connection, so the change and its audit event
commit together.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from execdesk.cases.refs import case_ref
from execdesk.cases.service import record_audit
from execdesk.reply.drafting import CaseContext, case_context, reply_subject
from execdesk.reply.tone import InboundContext, ToneConfig, ToneReport, check_tone, load_config, warm_up
from execdesk.settings import Settings
from execdesk.store.db import utcnow
from execdesk.store.models import OutboxEntry, table_of

_outbox = table_of(OutboxEntry)

KINDS = ("reply", "ack", "campaign")
STATUSES = ("draft", "blocked", "approved", "queued", "sending", "sent", "failed", "bounced")
EDITABLE = ("draft", "blocked", "approved")
QUEUEABLE = ("draft", "approved")
SUPERVISOR = "supervisor"


class ReplyError(ValueError):
    """The requested outbox change is not allowed; the message says why and what would allow it."""


@lru_cache(maxsize=8)
def _tone_config(path: Path | None) -> ToneConfig:
    return load_config(path)


def tone_config(settings: Settings) -> ToneConfig:
    return _tone_config(settings.reply.tone_rules_path)


def check(text: str, settings: Settings, inbound: InboundContext | None) -> ToneReport:
    """The guard on an outgoing text, with the organisation's rules and the customer's message as context."""
    return check_tone(text, inbound=inbound, config=tone_config(settings))


def warm_up_tone(settings: Settings) -> None:
    """Compile the organisation's tone rules and models before the first live check (``tone.warm_up``)."""
    warm_up(tone_config(settings))


def message_id_domain(settings: Settings) -> str:
    r = settings.reply
    if r.message_id_domain:
        return r.message_id_domain
    if r.from_address and "@" in r.from_address:
        return r.from_address.rsplit("@", 1)[1].strip(">").lower()
    return "execdesk.invalid"


def new_message_id(settings: Settings, case_id: int) -> str:
    """Fixed once per outbox entry (without angle brackets, as messages.message_id)."""
    return f"{uuid.uuid4().hex}.{case_ref(case_id).lower()}@{message_id_domain(settings)}"


def _tone_values(report: ToneReport) -> dict[str, Any]:
    return {
        "tone_verdict": report.verdict,
        "tone_score": report.front_page_score,
        "tone_findings": [f.to_dict() for f in report.findings],
    }


def create_draft(
    conn: Connection,
    settings: Settings,
    *,
    case_id: int,
    body: str,
    created_by: str,
    kind: str = "reply",
    executive: bool = False,
    notes: dict[str, Any] | None = None,
    ctx: CaseContext | None = None,
    source_message_pk: int | None = None,
) -> dict[str, Any]:
    """Store a draft on the case after the tone guard ran on it; ``blocked`` when the verdict is block."""
    if kind not in KINDS:
        raise ReplyError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    if not body.strip():
        raise ReplyError("the reply text is empty")
    ctx = ctx or case_context(conn, case_id)
    if not ctx.customer_address:
        raise ReplyError(f"case {ctx.ref} has no address to reply to")
    report = check(body, settings, ctx.inbound)
    in_reply_to, references = ctx.threading()
    now = utcnow()
    values = {
        "case_id": case_id,
        "message_id": new_message_id(settings, case_id),
        "to_addr": ctx.customer_address,
        "subject": reply_subject(ctx.subject, ctx.ref),
        "body": body,
        "in_reply_to": in_reply_to,
        "references": references,
        "kind": kind,
        "status": "blocked" if report.blocked else "draft",
        "executive": executive,
        **_tone_values(report),
        "notes": notes or {},
        "attempts": 0,
        "source_message_pk": source_message_pk or ctx.last_inbound_pk,
        "created_by": created_by,
        "created_at": now,
        "updated_at": now,
    }
    outbox_id = int(conn.execute(insert(_outbox).values(**values).returning(_outbox.c.id)).scalar_one())
    record_audit(
        conn,
        actor=created_by,
        action="reply.drafted",
        case_id=case_id,
        details={
            "outbox_id": outbox_id,
            "kind": kind,
            "verdict": report.verdict,
            "front_page_score": report.front_page_score,
            "rules": [f.rule for f in report.findings],
        },
        at=now,
    )
    return get(conn, outbox_id)


def _row(conn: Connection, outbox_id: int) -> Any:
    row = conn.execute(select(_outbox).where(_outbox.c.id == outbox_id)).first()
    if row is None:
        raise ReplyError(f"no outbox entry {outbox_id}")
    return row


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def as_dict(r: Any) -> dict[str, Any]:
    """The JSON shape of an outbox entry (CLI ``--json``, web, API)."""
    return {
        "id": r.id,
        "case": case_ref(r.case_id),
        "case_id": r.case_id,
        "kind": r.kind,
        "status": r.status,
        "to": r.to_addr,
        "subject": r.subject,
        "message_id": r.message_id,
        "in_reply_to": r.in_reply_to,
        "references": list(r.references or []),
        "executive": bool(r.executive),
        "tone": {"verdict": r.tone_verdict, "front_page_score": r.tone_score, "findings": list(r.tone_findings or [])},
        "notes": dict(r.notes or {}),
        "approved_by": r.approved_by,
        "approval_reason": r.approval_reason,
        "attempts": r.attempts,
        "next_attempt_at": _iso(r.next_attempt_at),
        "last_error": r.last_error,
        "created_by": r.created_by,
        "created_at": _iso(r.created_at),
        "sent_at": _iso(r.sent_at),
        "body": r.body,
    }


def get(conn: Connection, outbox_id: int) -> dict[str, Any]:
    return as_dict(_row(conn, outbox_id))


def list_outbox(
    conn: Connection, *, statuses: tuple[str, ...] | None = None, case_id: int | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Newest first."""
    q = select(_outbox).order_by(_outbox.c.id.desc()).limit(limit)
    if statuses:
        q = q.where(_outbox.c.status.in_(statuses))
    if case_id is not None:
        q = q.where(_outbox.c.case_id == case_id)
    return [as_dict(r) for r in conn.execute(q)]


def edit_draft(conn: Connection, settings: Settings, outbox_id: int, *, body: str, actor: str) -> dict[str, Any]:
    """New text: the guard runs again and any approval is dropped (it approved other words)."""
    row = _row(conn, outbox_id)
    if row.status not in EDITABLE:
        raise ReplyError(f"outbox entry {outbox_id} is {row.status}; only {', '.join(EDITABLE)} entries can be edited")
    if not body.strip():
        raise ReplyError("the reply text is empty")
    ctx = case_context(conn, row.case_id)
    report = check(body, settings, ctx.inbound)
    now = utcnow()
    conn.execute(
        update(_outbox)
        .where(_outbox.c.id == outbox_id)
        .values(
            body=body,
            status="blocked" if report.blocked else "draft",
            approved_by=None,
            approval_reason=None,
            approved_at=None,
            updated_at=now,
            **_tone_values(report),
        )
    )
    record_audit(
        conn,
        actor=actor,
        action="reply.edited",
        case_id=row.case_id,
        details={
            "outbox_id": outbox_id,
            "verdict": report.verdict,
            "rules": [f.rule for f in report.findings],
            "approval_dropped": row.approved_by is not None,
        },
        at=now,
    )
    return get(conn, outbox_id)


def approve(
    conn: Connection,
    settings: Settings,
    outbox_id: int,
    *,
    by: str,
    reason: str,
    role: str | None = None,
) -> dict[str, Any]:
    """A supervisor overrides the guard's block, in writing. Refused without the role or a reason."""
    by = (by or "").strip()
    if not by:
        raise ReplyError("approval needs the approver's name (--by)")
    if role != SUPERVISOR and by not in settings.reply.supervisors:
        raise ReplyError(
            f"{by} is not a supervisor: only a supervisor (--role supervisor, or a name in reply.supervisors) "
            "may approve a blocked reply"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ReplyError("approval needs a written reason (--reason): it goes into the audit log")
    row = _row(conn, outbox_id)
    if row.status != "blocked":
        raise ReplyError(
            f"outbox entry {outbox_id} is {row.status}, not blocked: there is nothing to approve"
            + ("" if row.status != "draft" else " (queue it instead)")
        )
    now = utcnow()
    conn.execute(
        update(_outbox)
        .where(_outbox.c.id == outbox_id, _outbox.c.status == "blocked")
        .values(status="approved", approved_by=by, approval_reason=reason, approved_at=now, updated_at=now)
    )
    record_audit(
        conn,
        actor=by,
        action="reply.approved",
        case_id=row.case_id,
        details={
            "outbox_id": outbox_id,
            "role": role or "listed supervisor",
            "why": reason,
            "overridden": [f.get("rule") for f in row.tone_findings or [] if f.get("severity") == "block"],
        },
        at=now,
    )
    return get(conn, outbox_id)


def queue(conn: Connection, outbox_id: int, *, actor: str) -> dict[str, Any]:
    """Hand an entry to the sender. A blocked entry is refused with what would unblock it."""
    row = _row(conn, outbox_id)
    if row.status == "blocked":
        rules = ", ".join(sorted({f.get("rule", "?") for f in row.tone_findings or [] if f.get("severity") == "block"}))
        raise ReplyError(
            f"outbox entry {outbox_id} is blocked by the tone guard ({rules}); edit it, or a supervisor approves it: "
            f"execdesk approve {outbox_id} --by NAME --role supervisor --reason TEXT"
        )
    if row.status not in QUEUEABLE:
        raise ReplyError(f"outbox entry {outbox_id} is {row.status}; only {', '.join(QUEUEABLE)} entries can be queued")
    now = utcnow()
    conn.execute(
        update(_outbox)
        .where(_outbox.c.id == outbox_id)
        .values(status="queued", queued_at=now, next_attempt_at=now, updated_at=now)
    )
    record_audit(
        conn,
        actor=actor,
        action="reply.queued",
        case_id=row.case_id,
        details={"outbox_id": outbox_id, "approved_by": row.approved_by},
        at=now,
    )
    return get(conn, outbox_id)
