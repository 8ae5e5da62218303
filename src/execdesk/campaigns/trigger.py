"""Which existing case a flood is about (its trigger), with the evidence.

A flood usually names the person it is about, or quotes what we said to them, or links the
post that started it. Rules, tried in order; the first that finds a case wins:

1. ``named_contact``: a full name (two or three capitalised words) written by at least
   ``trigger_name_share`` of the sampled members is the display name of a known contact; their
   most recent case that is not hidden in a campaign is the trigger (if that contact's own mail
   was caught in the flood, it is detached again: the person it is about is not one of its voices).
2. ``quoted_reply``: the members' shared phrases appear in one of our sent replies; the case
   of that reply is the trigger.
3. ``earlier_link``: a link shared by the members appears in a message that arrived before the
   flood and belongs to no campaign; the case of the earliest such message is the trigger.

Nothing here guesses from the subject alone or from a member merely being a known contact:
readers who wrote to us before about something else are not what the flood is about.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from execdesk.campaigns.model import CampaignDoc, CampaignSettings
from execdesk.campaigns.summary import CampaignSummary
from execdesk.cases.refs import case_ref
from execdesk.search.contains import may_contain_link
from execdesk.store.models import (
    MESSAGE_TIME,
    OUTBOUND,
    CampaignMember,
    Case,
    Contact,
    Message,
    table_of,
    unindexed_time,
)

_cases = table_of(Case)
_contacts = table_of(Contact)
_messages = table_of(Message)
_members = table_of(CampaignMember)

_NAME = re.compile(r"\b([A-Z][a-z]+(?:[ \t]+[A-Z][a-z][\w'-]*){1,2})\b")
_MIN_PHRASE_WORDS = 8
_RECENT_REPLIES = 2000


@dataclass(frozen=True, slots=True)
class TriggerMatch:
    case_id: int
    evidence: dict[str, Any] = field(default_factory=dict)


def names_in(text: str) -> set[str]:
    """Candidate full names in a text (lower-cased), e.g. 'dana whitfield'."""
    return {" ".join(m.group(1).split()).lower() for m in _NAME.finditer(text)}


def find_trigger(
    conn: Connection,
    settings: CampaignSettings,
    campaign_id: str,
    docs: Sequence[CampaignDoc],
    summary: CampaignSummary,
    *,
    first_seen: datetime | None,
) -> TriggerMatch | None:
    return (
        _named_contact(conn, settings, campaign_id, docs)
        or _quoted_reply(conn, summary)
        or _earlier_link(conn, campaign_id, summary, first_seen)
    )


def _named_contact(
    conn: Connection, settings: CampaignSettings, campaign_id: str, docs: Sequence[CampaignDoc]
) -> TriggerMatch | None:
    counts: Counter[str] = Counter()
    for d in docs:
        counts.update(names_in(d.subject + "\n" + d.text))
    need = max(2.0, settings.trigger_name_share * len(docs))
    names = [n for n, c in counts.most_common(50) if c >= need]
    if not names:
        return None
    rows = conn.execute(
        select(_contacts.c.id, _contacts.c.display_name, _contacts.c.address).where(
            func.lower(_contacts.c.display_name).in_(names)
        )
    ).all()
    for name in names:  # most mentioned first
        for contact in rows:
            if " ".join((contact.display_name or "").split()).lower() != name:
                continue
            case = conn.execute(
                select(_cases.c.id)
                .where(
                    _cases.c.contact_id == contact.id,
                    _cases.c.campaign_role.is_(None) | (_cases.c.campaign_role != "member"),
                )
                .order_by(_cases.c.last_inbound_at.desc().nulls_last(), _cases.c.id.desc())
                .limit(1)
            ).scalar()
            if case is None:
                continue
            share = counts[name] / max(1, len(docs))
            return TriggerMatch(
                int(case),
                {
                    "rule": "named_contact",
                    "why": f"{share:.0%} of sampled members name {contact.display_name!r}, a known contact "
                    f"({contact.address}); their latest case is {case_ref(int(case))}",
                    "name": contact.display_name,
                    "contact_id": int(contact.id),
                    "share": round(share, 3),
                },
            )
    return None


def _quoted_reply(conn: Connection, summary: CampaignSummary) -> TriggerMatch | None:
    phrases = [p for p in summary.shared_phrases if len(p.split()) >= _MIN_PHRASE_WORDS]
    if not phrases:
        return None
    rows = conn.execute(
        select(_messages.c.case_id, _messages.c.new_text)
        .where(OUTBOUND, _messages.c.case_id.is_not(None))
        .order_by(_messages.c.id.desc())
        .limit(_RECENT_REPLIES)
    ).all()
    for r in rows:
        flat = " ".join((r.new_text or "").lower().split())
        for p in phrases:
            if p in flat:
                return TriggerMatch(
                    int(r.case_id),
                    {
                        "rule": "quoted_reply",
                        "why": f"members quote our reply in {case_ref(int(r.case_id))}: \u201c{p}\u201d",
                        "phrase": p,
                    },
                )
    return None


def _earlier_link(
    conn: Connection, campaign_id: str, summary: CampaignSummary, first_seen: datetime | None
) -> TriggerMatch | None:
    links = [u for u, _ in summary.shared_links if "/" in u.split("://", 1)[-1].rstrip("/")][:3]
    if not links or first_seen is None:
        return None
    for url in links:
        found = earliest_with_link(conn, url, first_seen)
        if found is not None:
            case_id = found[1]
            return TriggerMatch(
                case_id,
                {
                    "rule": "earlier_link",
                    "why": f"the link members share ({url}) was in {case_ref(case_id)} before the flood began",
                    "url": url,
                },
            )
    return None


def earliest_with_link(
    conn: Connection, url: str, before: datetime, *, use_index: bool = True
) -> tuple[int, int] | None:
    """The earliest inbound message of a case, before ``before`` and a voice of no flood (a voice is not
    what started one), whose new text contains ``url``: its message pk and case id.

    The search index picks the messages worth reading (decision 0316): without it every message's
    text is scanned, seconds per lookup in a large store. ``use_index=False`` is that scan, the
    reference the tests and the benchmark compare with; it is also the path when the index cannot
    narrow a link. A link past the index's first 100,000 characters of a text is not found."""
    near = may_contain_link(conn, url) if use_index else None
    # Ordered by the indexed time, the planner would walk ix_messages_time from the oldest message and
    # read every text until one matches (decision 1002): the candidates must drive the query instead.
    when = MESSAGE_TIME if near is None else unindexed_time(conn.dialect.name)
    stmt = (
        select(_messages.c.id, _messages.c.case_id)
        .where(
            _messages.c.direction == "in",
            _messages.c.case_id.is_not(None),
            MESSAGE_TIME < before,  # noqa: SIM300 (a column expression, not a constant)
            _messages.c.new_text.contains(url, autoescape=True),
            _messages.c.id.not_in(select(_members.c.message_pk)),
        )
        .order_by(when, _messages.c.id)
        .limit(1)
    )
    if near is not None:
        stmt = stmt.where(near)
    row = conn.execute(stmt).first()
    return None if row is None else (int(row.id), int(row.case_id))
