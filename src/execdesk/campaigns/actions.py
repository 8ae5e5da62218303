"""Bulk actions on a campaign: acknowledge all, answer all with one reply, close all, detach one.

Each goes through the same core as a single case (``reply.outbox`` drafts checked by the tone
guard, ``cases.service`` status changes, audit events), so a bulk answer is never less guarded
than one reply. Mail goes to each distinct sender once: never to machine mail (RFC 3834), never
twice to one address for the same campaign, and acknowledgments respect the acknowledgment
window. Actions are idempotent: running one again only reaches members added since.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from execdesk.cases import service as cases
from execdesk.cases.refs import case_ref
from execdesk.reply.ack import acknowledged_since, draft_acknowledgment, never_reason
from execdesk.reply.drafting import case_context, compose, get_template, render, variables_for
from execdesk.reply.outbox import ReplyError, approve, check, create_draft, queue
from execdesk.settings import Settings
from execdesk.store.db import utcnow
from execdesk.store.models import Campaign, CampaignMember, Case, Message, OutboxEntry, table_of

_campaigns = table_of(Campaign)
_members = table_of(CampaignMember)
_messages = table_of(Message)
_cases = table_of(Case)
_outbox = table_of(OutboxEntry)

CLOSABLE_ROLES = ("member",)


class CampaignError(ValueError):
    """A bulk action cannot run as asked (unknown campaign, blocked text without approval...)."""


@dataclass
class BulkResult:
    campaign_id: str
    action: str
    done: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    tone: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "action": self.action,
            "done": len(self.done),
            "skipped": len(self.skipped),
            "items": self.done,
            "skipped_items": self.skipped,
            **({"tone": self.tone} if self.tone is not None else {}),
        }


def _campaign(conn: Connection, campaign_id: str) -> Any:
    c = conn.execute(select(_campaigns).where(_campaigns.c.id == campaign_id)).first()
    if c is None:
        raise CampaignError(f"no campaign {campaign_id}")
    return c


def _member_messages(conn: Connection, campaign_id: str) -> Sequence[Any]:
    return conn.execute(
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
            _cases.c.campaign_role,
            _cases.c.status.label("case_status"),
        )
        .join(_members, _members.c.message_pk == _messages.c.id)
        .outerjoin(_cases, _cases.c.id == _messages.c.case_id)
        .where(_members.c.campaign_id == campaign_id, _members.c.status == "member")
        .order_by(_members.c.joined_at, _members.c.id)
    ).all()


def _already_mailed(conn: Connection, campaign_id: str, kind: str) -> set[str]:
    """Addresses that already got this kind of mail in answer to a member of this campaign (the action is
    idempotent; members merged in from another campaign bring their answers with them)."""
    q = (
        select(_outbox.c.to_addr)
        .join(_members, _members.c.message_pk == _outbox.c.source_message_pk)
        .where(_members.c.campaign_id == campaign_id, _outbox.c.kind == kind)
    )
    return {a.lower() for a in conn.execute(q).scalars()}


def acknowledge_all(conn: Connection, settings: Settings, campaign_id: str, *, by: str) -> BulkResult:
    """One personalised acknowledgment per distinct sender, from the acknowledgment template."""
    _campaign(conn, campaign_id)
    r = settings.reply
    now = utcnow()
    result = BulkResult(campaign_id, "acknowledge")
    done = _already_mailed(conn, campaign_id, "ack")
    recent = acknowledged_since(conn, now - timedelta(days=r.ack_window_days))
    template = get_template(settings, r.ack_template)
    for m in _member_messages(conn, campaign_id):
        address = (m.from_addr or "").lower()
        why = never_reason(m, r.from_address)
        if why is None and address in done:
            why = "already acknowledged for this campaign"
        elif why is None and address in recent:
            why = f"already acknowledged within {r.ack_window_days:g} days (RFC 3834 section 2)"
        if why is not None:
            result.skipped.append({"message_pk": m.id, "case": _ref(m.case_id), "why": why})
            continue
        entry = draft_acknowledgment(
            conn, settings, template, m.case_id, m.id, signer=by, by=by, notes={"campaign_id": campaign_id}
        )
        done.add(address)
        recent.add(address)
        if entry["status"] == "blocked":
            result.skipped.append({"message_pk": m.id, "case": _ref(m.case_id), "why": "blocked by the tone guard"})
            continue
        queue(conn, entry["id"], actor=by)
        result.done.append({"message_pk": m.id, "case": _ref(m.case_id), "outbox_id": entry["id"], "to": address})
    _audit(conn, campaign_id, by, "campaign.acknowledged", result)
    return result


def answer_all(
    conn: Connection,
    settings: Settings,
    campaign_id: str,
    *,
    text: str,
    by: str,
    role: str | None = None,
    approval_reason: str | None = None,
    executive: bool = False,
) -> BulkResult:
    """One reply text, personalised (``{customer_name}``...), to each distinct sender once.

    The tone guard checks the text once against the campaign's representative message before
    anything is drafted: a blocked text needs a supervisor's written approval (``role`` and
    ``approval_reason``), which is then recorded on every entry."""
    c = _campaign(conn, campaign_id)
    if not text.strip():
        raise CampaignError("the answer text is empty")
    rep_case = conn.execute(select(_messages.c.case_id).where(_messages.c.id == c.representative_pk)).scalar()
    inbound = case_context(conn, rep_case).inbound if rep_case is not None else None
    report = check(text, settings, inbound)
    result = BulkResult(campaign_id, "answer", tone=report.to_dict())
    if report.blocked and not (approval_reason and approval_reason.strip()):
        rules = ", ".join(sorted({f.rule for f in report.findings if f.severity == "block"}))
        raise CampaignError(
            f"the tone guard blocks this answer ({rules}); change the text, or a supervisor approves it with "
            "a written reason (--role supervisor --reason TEXT)"
        )
    done = _already_mailed(conn, campaign_id, "campaign")
    for m in _member_messages(conn, campaign_id):
        address = (m.from_addr or "").lower()
        why = never_reason(m, settings.reply.from_address)
        if why is None and address in done:
            why = "already answered for this campaign"
        if why is not None:
            result.skipped.append({"message_pk": m.id, "case": _ref(m.case_id), "why": why})
            continue
        ctx = case_context(conn, m.case_id)
        variables = variables_for(ctx, settings, by)
        body, voice = compose(render(text, variables), settings, variables, executive=executive)
        entry = create_draft(
            conn,
            settings,
            case_id=m.case_id,
            body=body,
            created_by=by,
            kind="campaign",
            executive=executive,
            notes={"source": "campaign", "campaign_id": campaign_id, **voice},
            ctx=ctx,
            source_message_pk=m.id,
        )
        done.add(address)
        if entry["status"] == "blocked":
            try:
                approve(conn, settings, entry["id"], by=by, reason=approval_reason or "", role=role)
            except ReplyError as exc:
                raise CampaignError(str(exc)) from None
        queue(conn, entry["id"], actor=by)
        result.done.append({"message_pk": m.id, "case": _ref(m.case_id), "outbox_id": entry["id"], "to": address})
    _audit(conn, campaign_id, by, "campaign.answered", result)
    return result


def close_all(
    conn: Connection, campaign_id: str, *, by: str, reason: str = "", include_own_text: bool = False
) -> BulkResult:
    """Close the members' cases (those that only repeat the form; ``include_own_text`` for the rest)
    and the campaign. The trigger case and cases holding other mail are left open."""
    _campaign(conn, campaign_id)
    roles = (*CLOSABLE_ROLES, "own_text") if include_own_text else CLOSABLE_ROLES
    result = BulkResult(campaign_id, "close")
    seen: set[int] = set()
    for m in _member_messages(conn, campaign_id):
        if m.case_id is None or m.case_id in seen:
            continue
        seen.add(m.case_id)
        if m.campaign_role not in roles:
            result.skipped.append({"case": _ref(m.case_id), "why": f"case role {m.campaign_role or 'individual'}"})
            continue
        if m.case_status == "closed":
            result.skipped.append({"case": _ref(m.case_id), "why": "already closed"})
            continue
        cases.set_status(
            conn, case_id=m.case_id, status="closed", actor=by, reason=reason or f"closed with campaign {campaign_id}"
        )
        result.done.append({"case": _ref(m.case_id)})
    now = utcnow()
    conn.execute(
        update(_campaigns).where(_campaigns.c.id == campaign_id).values(status="closed", closed_at=now, updated_at=now)
    )
    _audit(conn, campaign_id, by, "campaign.closed", result)
    return result


def detach(conn: Connection, campaign_id: str, message_pk: int, *, by: str, reason: str = "") -> dict[str, Any]:
    """Take one message out of the campaign: its case becomes an ordinary case in the queue."""
    _campaign(conn, campaign_id)
    m = conn.execute(
        select(_members.c.id, _members.c.case_id, _members.c.status).where(
            _members.c.campaign_id == campaign_id, _members.c.message_pk == message_pk
        )
    ).first()
    if m is None:
        raise CampaignError(f"message {message_pk} is not in campaign {campaign_id}")
    if m.status != "member":
        raise CampaignError(f"message {message_pk} was already detached from campaign {campaign_id}")
    now = utcnow()
    conn.execute(update(_members).where(_members.c.id == m.id).values(status="detached"))
    conn.execute(
        update(_campaigns).where(_campaigns.c.id == campaign_id).values(size=_campaigns.c.size - 1, updated_at=now)
    )
    if m.case_id is not None:
        conn.execute(
            update(_cases)
            .where(_cases.c.id == m.case_id, _cases.c.campaign_role != "trigger")
            .values(campaign_role=None)
        )
    cases.record_audit(
        conn,
        actor=by,
        action="campaign.member_detached",
        case_id=m.case_id,
        message_pk=message_pk,
        details={"campaign_id": campaign_id, "why": reason},
        at=now,
    )
    return {"campaign_id": campaign_id, "message_pk": message_pk, "case": _ref(m.case_id), "status": "detached"}


def _ref(case_id: int | None) -> str | None:
    return case_ref(case_id) if case_id is not None else None


def _audit(conn: Connection, campaign_id: str, by: str, action: str, result: BulkResult) -> None:
    cases.record_audit(
        conn,
        actor=by,
        action=action,
        details={"campaign_id": campaign_id, "done": len(result.done), "skipped": len(result.skipped)},
    )
