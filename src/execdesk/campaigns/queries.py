"""Read side of campaigns: the list and one campaign, as plain JSON-ready dicts.

``execdesk campaigns --json``, ``execdesk campaign show`` and the web desk read through here (the
digest reads the period's arrivals and a bounded sample of members' texts itself). ``members`` are
Message-IDs without angle brackets (a stable interface).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from execdesk.cases.refs import case_ref
from execdesk.store.models import Alert, Campaign, CampaignMember, Case, Message, table_of

_campaigns = table_of(Campaign)
_members = table_of(CampaignMember)
_messages = table_of(Message)
_cases = table_of(Case)
_alerts = table_of(Alert)

STATUSES = ("active", "closed", "merged")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def bare_message_id(message_id: str | None) -> str | None:
    """A Message-ID as users script against it: without the angle brackets."""
    return message_id.strip().removeprefix("<").removesuffix(">") if message_id else None


def _summary(c: Any) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "status": c.status,
        "size": int(c.size),
        "distinct_senders": int(c.distinct_senders),
        "known_contacts": int(c.known_contacts),
        "known_contacts_share": round(c.known_contacts / c.distinct_senders, 3) if c.distinct_senders else 0.0,
        "own_text_members": int(c.own_text_members),
        "first_seen": _iso(c.first_seen),
        "last_seen": _iso(c.last_seen),
        "trigger": (
            {"case_id": c.trigger_case_id, "case": case_ref(c.trigger_case_id), **(c.trigger_evidence or {})}
            if c.trigger_case_id is not None
            else None
        ),
        "shared_links": [{"url": u, "members": n} for u, n in c.shared_links or []],
        "shared_domains": [{"domain": d, "members": n} for d, n in c.shared_domains or []],
        "shared_phrases": list(c.shared_phrases or []),
        "arrivals": [{"hour": h, "count": n} for h, n in c.arrivals or []],
        "family_id": c.family_id,
    }


def member_message_ids(conn: Connection, campaign_id: str) -> list[str]:
    q = (
        select(_messages.c.message_id, _messages.c.content_hash)
        .join(_members, _members.c.message_pk == _messages.c.id)
        .where(_members.c.campaign_id == campaign_id, _members.c.status == "member")
        .order_by(_members.c.joined_at, _members.c.id)
    )
    return [bare_message_id(r.message_id) or f"sha256:{r.content_hash}" for r in conn.execute(q)]


def list_campaigns(
    conn: Connection,
    *,
    status: str | None = None,
    since: datetime | None = None,
    include_members: bool = True,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Campaigns, most recently active first."""
    q = select(_campaigns).order_by(_campaigns.c.last_seen.desc().nulls_last(), _campaigns.c.id).limit(limit)
    q = q.where(_campaigns.c.status == status) if status is not None else q.where(_campaigns.c.status != "merged")
    if since is not None:
        q = q.where(_campaigns.c.last_seen >= since)
    out = []
    for c in conn.execute(q).all():
        row = _summary(c)
        if include_members:
            row["members"] = member_message_ids(conn, c.id)
        out.append(row)
    return out


def campaign_detail(conn: Connection, campaign_id: str) -> dict[str, Any] | None:
    """One campaign: its record, form text, members (with each decision's evidence), alerts, related
    campaigns (same trigger case)."""
    c = conn.execute(select(_campaigns).where(_campaigns.c.id == campaign_id)).first()
    if c is None:
        return None
    out = _summary(c)
    out["representative_text"] = c.representative_text
    out["representative_message_pk"] = c.representative_pk
    out["evidence"] = c.evidence
    out["created_at"] = _iso(c.created_at)
    out["closed_at"] = _iso(c.closed_at)
    out["merged_into"] = c.family_id if c.status == "merged" else None
    out["merged"] = list(
        conn.execute(
            select(_campaigns.c.id).where(_campaigns.c.status == "merged", _campaigns.c.family_id == c.id)
        ).scalars()
    )
    rows = conn.execute(
        select(
            _members.c.message_pk,
            _members.c.case_id,
            _members.c.status,
            _members.c.joined_at,
            _members.c.similarity,
            _members.c.adds_own_text,
            _members.c.own_text,
            _members.c.evidence,
            _messages.c.message_id,
            _messages.c.content_hash,
            _messages.c.from_addr,
            _messages.c.subject,
            _cases.c.campaign_role,
            _cases.c.status.label("case_status"),
        )
        .join(_messages, _messages.c.id == _members.c.message_pk)
        .outerjoin(_cases, _cases.c.id == _members.c.case_id)
        .where(_members.c.campaign_id == campaign_id)
        .order_by(_members.c.joined_at, _members.c.id)
    ).all()
    out["members"] = [bare_message_id(r.message_id) or f"sha256:{r.content_hash}" for r in rows if r.status == "member"]
    out["member_details"] = [
        {
            "message_pk": r.message_pk,
            "message_id": bare_message_id(r.message_id),
            "from": r.from_addr,
            "subject": r.subject,
            "case": case_ref(r.case_id) if r.case_id is not None else None,
            "case_id": r.case_id,
            "case_role": r.campaign_role,
            "case_status": r.case_status,
            "status": r.status,
            "joined_at": _iso(r.joined_at),
            "similarity": round(float(r.similarity), 3),
            "adds_own_text": bool(r.adds_own_text),
            "own_text": r.own_text,
            "evidence": r.evidence,
        }
        for r in rows
    ]
    out["alerts"] = [
        {"id": a.id, "kind": a.kind, "at": _iso(a.at), "title": a.title, "severity": a.severity}
        for a in conn.execute(select(_alerts).where(_alerts.c.campaign_id == campaign_id).order_by(_alerts.c.at))
    ]
    out["related"] = (
        [
            {"id": r.id, "title": r.title, "size": r.size}
            for r in conn.execute(
                select(_campaigns.c.id, _campaigns.c.title, _campaigns.c.size).where(
                    _campaigns.c.trigger_case_id == c.trigger_case_id,
                    _campaigns.c.id != c.id,
                    _campaigns.c.status != "merged",
                )
            )
        ]
        if c.trigger_case_id is not None
        else []
    )
    return out


def alerts(conn: Connection, *, kind: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Recent alerts (spikes, new campaigns, and others' kinds), newest first."""
    q = select(_alerts).order_by(_alerts.c.at.desc(), _alerts.c.id.desc()).limit(limit)
    if kind is not None:
        q = q.where(_alerts.c.kind == kind)
    return [
        {
            "id": a.id,
            "kind": a.kind,
            "at": _iso(a.at),
            "severity": a.severity,
            "title": a.title,
            "case": case_ref(a.case_id) if a.case_id is not None else None,
            "campaign_id": a.campaign_id,
            "details": a.details,
            "acknowledged_at": _iso(a.acknowledged_at),
        }
        for a in conn.execute(q)
    ]


def counts(conn: Connection) -> dict[str, int]:
    return {
        "campaigns": int(conn.execute(select(func.count()).select_from(_campaigns)).scalar_one()),
        "active": int(
            conn.execute(
                select(func.count()).select_from(_campaigns).where(_campaigns.c.status == "active")
            ).scalar_one()
        ),
    }
