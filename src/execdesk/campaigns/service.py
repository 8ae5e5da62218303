"""Campaign records in the database: the one write path of the campaign stage.

:func:`record_assignments` turns the detector's decisions for one ingest batch into rows: new
campaigns (with the earlier messages that join them at promotion), members, the role of each
member's case (hidden ``member``, surfaced ``own_text``, or the flood's ``trigger``), the
``campaign_member``/``campaign_trigger`` computed signals on messages and cases, counts kept
incrementally (a 300,000-member flood is never re-read per batch), the summary and trigger
recomputed at a few sizes only, and alerts (new campaign, volume spike) deduplicated by key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from execdesk.analyze.priority import level_of
from execdesk.campaigns.model import Assignment, CampaignDoc, CampaignSettings
from execdesk.campaigns.spikes import OVERALL, SpikeAlert
from execdesk.campaigns.summary import summarise
from execdesk.campaigns.trigger import TriggerMatch, find_trigger
from execdesk.cases.refs import case_ref
from execdesk.ingest.work import message_time
from execdesk.notify.alerts import raise_alert
from execdesk.store.db import utcnow
from execdesk.store.models import Campaign, CampaignMember, Case, Contact, Message, table_of

_campaigns = table_of(Campaign)
_members = table_of(CampaignMember)
_cases = table_of(Case)
_messages = table_of(Message)
_contacts = table_of(Contact)

ACTOR = "system:campaigns"
SUMMARY_SAMPLE = 200
DEFAULT_MEMBER_WEIGHT = -5.0
DEFAULT_TRIGGER_WEIGHT = 25.0
DEFAULT_RELATED_WEIGHT = 20.0


@dataclass(frozen=True, slots=True)
class Arrived:
    """One message the campaign stage applied in this batch, with the detector's decision."""

    message_pk: int
    case_id: int | None
    contact_id: int | None
    at: datetime
    assignment: Assignment


@dataclass(frozen=True, slots=True)
class Related:
    """A message about a campaign's trigger that stays individual (a journalist, a lawyer, a regulator)."""

    message_pk: int
    case_id: int | None
    family_id: str
    evidence: str
    signals: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Weights:
    """Priority points of the computed campaign signals (from the analysis configuration)."""

    member: float = DEFAULT_MEMBER_WEIGHT
    trigger: float = DEFAULT_TRIGGER_WEIGHT
    related: float = DEFAULT_RELATED_WEIGHT
    levels: dict[str, float] | None = None  # the analysis configuration's priority levels

    @classmethod
    def from_config(cls, raw: dict[str, Any] | None) -> Weights:
        priority = (raw or {}).get("priority") or {}
        w = priority.get("signal_weights") or {}
        return cls(
            float(w.get("campaign_member", DEFAULT_MEMBER_WEIGHT)),
            float(w.get("campaign_trigger", DEFAULT_TRIGGER_WEIGHT)),
            float(w.get("campaign_related", DEFAULT_RELATED_WEIGHT)),
            priority.get("levels"),
        )


def _hour(at: datetime) -> str:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0).isoformat()


def _merge_arrivals(existing: list[Any], times: Iterable[datetime]) -> list[list[Any]]:
    counts: Counter[str] = Counter({str(h): int(n) for h, n in existing})
    counts.update(_hour(t) for t in times)
    return [[h, counts[h]] for h in sorted(counts)]


def record_assignments(
    conn: Connection,
    settings: CampaignSettings,
    arrived: Sequence[Arrived],
    spikes: Sequence[SpikeAlert],
    *,
    weights: Weights,
    batch_case_ids: Iterable[int] = (),
    related: Sequence[Related] = (),
) -> list[dict[str, Any]]:
    """Write one batch's campaign decisions; returns the audit events to record (with the batch's)."""
    now = utcnow()
    audits: list[dict[str, Any]] = []
    merged = merged_into(conn)
    joining = [(a, target) for a in arrived if (target := campaign_of(a.assignment, merged)) is not None]
    rows = _placeable(conn, _member_rows(conn, joining), audits, now)
    targets = sorted({r["campaign_id"] for r in rows})
    existing = (
        set(conn.execute(select(_campaigns.c.id).where(_campaigns.c.id.in_(targets))).scalars()) if rows else set()
    )
    new_ids = [cid for cid in targets if cid not in existing]  # promoted now (or its first placeable members)
    for cid in new_ids:
        _create_campaign(conn, cid, rows, joining, audits, now)

    by_campaign: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_campaign.setdefault(r["campaign_id"], []).append(r)
    touched = sorted(by_campaign)
    grown = _update_counts(conn, by_campaign, now)
    if rows:
        conn.execute(insert(_members), rows)
        _mark_cases(conn, rows, audits, now)
        _add_signal(
            conn, [r["message_pk"] for r in rows], "campaign_member", weights.member, _member_detail, weights.levels
        )

    for cid in touched:
        old, new = grown[cid]
        if cid in new_ids or any(old < t <= new for t in settings.refresh_sizes):
            refresh(conn, settings, cid, weights=weights, audits=audits)
    merges = _same_trigger_merges(conn, new_ids)
    for source, target in merges:
        _merge(conn, source, target, audits, now)
        refresh(conn, settings, target, weights=weights, audits=audits)  # title and form from all voices now
        touched = [t for t in touched if t != source] + ([target] if target not in touched else [])
    if merges:  # only _merge marks a campaign merged: without one, the aliases read above still hold
        merged = merged_into(conn)
    new_ids = [cid for cid in new_ids if cid not in merged]
    for cid in touched:
        _detach_trigger_contact(conn, cid, audits, now)
    _reinforce_triggers(conn, batch_case_ids, weights)
    _surface_outside_members(conn, arrived, merged, audits, now)
    _mark_related(conn, related, merged, weights)
    _raise_alerts(conn, new_ids, spikes, now)
    return audits


def _mark_related(conn: Connection, related: Sequence[Related], merged: dict[str, str], weights: Weights) -> None:
    """Press, legal or regulator mail about an active flood rises: it is where the flood gets dangerous."""
    for r in related:
        cid = merged.get(r.family_id, r.family_id)
        detail = f"about the same trigger as campaign {cid}, kept individual ({', '.join(r.signals)}): {r.evidence}"
        row = conn.execute(select(_messages.c.analysis).where(_messages.c.id == r.message_pk)).first()
        if row is not None and row.analysis:
            analysis = with_signal(row.analysis, "campaign_related", weights.related, detail, weights.levels)
            conn.execute(
                update(_messages)
                .where(_messages.c.id == r.message_pk)
                .values(analysis=analysis, priority=analysis["priority"]["score"])
            )
        if r.case_id is not None:
            _add_case_reason(
                conn,
                r.case_id,
                "campaign_related",
                weights.related,
                f"campaign_related 1.00 x weight {weights.related:g} ({detail[:300]})",
            )
            conn.execute(
                update(_cases).where(_cases.c.id == r.case_id, _cases.c.campaign_id.is_(None)).values(campaign_id=cid)
            )


def merged_into(conn: Connection) -> dict[str, str]:
    """Campaigns merged into another (same trigger case): their id -> the surviving campaign's id."""
    q = select(_campaigns.c.id, _campaigns.c.family_id).where(_campaigns.c.status == "merged")
    return {r.id: r.family_id for r in conn.execute(q) if r.family_id}


def adopt_campaign_ids(conn: Connection, seeds: dict[int, str]) -> list[dict[str, Any]]:
    """Keep a flood one campaign when the campaign state was rebuilt without the message that seeded it.

    ``seeds``: each promoted group's seed message -> the group's campaign id. A group whose seed was
    erased (or purged) is seeded again by another member when the state is rebuilt, under another id;
    if that message is already a member of a campaign, the new id becomes an alias of it (status
    ``merged``, as for two campaigns about the same trigger case), so later members land in the campaign
    staff already know. Returns the audit events (none when every id is already known).
    """
    now = utcnow()
    audits: list[dict[str, Any]] = []
    pks = sorted(seeds)
    for i in range(0, len(pks), 500):
        chunk = pks[i : i + 500]
        ids = sorted({seeds[pk] for pk in chunk})
        known = set(conn.execute(select(_campaigns.c.id).where(_campaigns.c.id.in_(ids))).scalars())
        rows = conn.execute(
            select(_members.c.message_pk, _members.c.campaign_id).where(_members.c.message_pk.in_(chunk))
        ).all()
        for pk, target in sorted(rows):
            alias = seeds[int(pk)]
            if alias in known or alias == target:
                continue
            evidence = f"the state was rebuilt without this campaign's first seed; {alias} is {target}"
            conn.execute(insert(_campaigns).values(_empty_campaign(alias, "merged", target, evidence, now)))
            known.add(alias)
            audits.append(
                {
                    "actor": ACTOR,
                    "action": "campaign.merged",
                    "details": {"campaign_id": target, "merged": alias, "members": 0, "why": "state rebuilt"},
                    "at": now,
                }
            )
    return audits


def _same_trigger_merges(conn: Connection, new_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(new campaign, campaign it joins) for new campaigns about the same case as another: the same trigger by
    definition. The survivor is a campaign that existed before this batch if there is one (its id is already
    known to people), else the new one that began first (the largest on a tie)."""
    fresh = set(new_ids)
    triggers = {
        r.trigger_case_id
        for r in conn.execute(select(_campaigns.c.trigger_case_id).where(_campaigns.c.id.in_(sorted(fresh))))
        if r.trigger_case_id is not None
    }
    merges: list[tuple[str, str]] = []
    for trigger in sorted(triggers):
        group = conn.execute(
            select(_campaigns.c.id, _campaigns.c.first_seen, _campaigns.c.size).where(
                _campaigns.c.trigger_case_id == trigger, _campaigns.c.status == "active"
            )
        ).all()
        if len(group) < 2:
            continue
        far = datetime.max.replace(tzinfo=UTC)
        survivor = min(group, key=lambda c: (c.id in fresh, c.first_seen or far, -c.size, c.id)).id
        merges += [(c.id, survivor) for c in sorted(group, key=lambda c: c.id) if c.id in fresh and c.id != survivor]
    return merges


def _merge(conn: Connection, source: str, target: str, audits: list[dict[str, Any]], now: datetime) -> None:
    """A new campaign whose trigger case is an existing campaign's joins it (members, counts, arrivals);
    its id stays as an alias (status ``merged``) so that later members of its group land in the target."""
    src = conn.execute(select(_campaigns).where(_campaigns.c.id == source)).one()
    dst = conn.execute(select(_campaigns).where(_campaigns.c.id == target)).one()
    contacts = {
        r.contact_id
        for r in conn.execute(
            select(_members.c.contact_id).where(_members.c.campaign_id == target, _members.c.contact_id.is_not(None))
        )
    }
    moving = conn.execute(
        select(_members.c.contact_id, _members.c.joined_at).where(_members.c.campaign_id == source)
    ).all()
    fresh = {r.contact_id for r in moving if r.contact_id is not None} - contacts
    conn.execute(update(_members).where(_members.c.campaign_id == source).values(campaign_id=target))
    conn.execute(update(_cases).where(_cases.c.campaign_id == source).values(campaign_id=target))
    firsts = [t for t in (src.first_seen, dst.first_seen) if t is not None]
    lasts = [t for t in (src.last_seen, dst.last_seen) if t is not None]
    conn.execute(
        update(_campaigns)
        .where(_campaigns.c.id == target)
        .values(
            size=dst.size + src.size,
            distinct_senders=dst.distinct_senders + len(fresh) + sum(1 for r in moving if r.contact_id is None),
            known_contacts=dst.known_contacts + src.known_contacts,
            own_text_members=dst.own_text_members + src.own_text_members,
            first_seen=min(firsts) if firsts else None,
            last_seen=max(lasts) if lasts else None,
            arrivals=_merge_arrivals(dst.arrivals or [], (r.joined_at for r in moving)),
            updated_at=now,
        )
    )
    conn.execute(
        update(_campaigns)
        .where(_campaigns.c.id == source)
        .values(status="merged", family_id=target, size=0, updated_at=now)
    )
    audits.append(
        {
            "actor": ACTOR,
            "action": "campaign.merged",
            "case_id": dst.trigger_case_id,
            "details": {
                "campaign_id": target,
                "merged": source,
                "members": len(moving),
                "why": f"both are about {case_ref(dst.trigger_case_id)} (their trigger case)",
            },
            "at": now,
        }
    )


def _member_rows(conn: Connection, joining: Sequence[tuple[Arrived, str]]) -> list[dict[str, Any]]:
    """Member rows for the batch: each joining message, and the stored messages that join when
    their group is promoted now."""
    earlier = _earlier_members(conn, [(a.assignment, t) for a, t in joining])
    rows: list[dict[str, Any]] = []
    for a, target in joining:
        asg = a.assignment
        for e in earlier.get(asg.campaign_id or "", []) if asg.is_new_campaign else []:
            evidence = f"joined when group {asg.campaign_id} became a campaign ({asg.group_size} messages)"
            if target != asg.campaign_id:
                evidence += f"; {asg.family_evidence}"
            rows.append(_member_row(target, e, evidence=evidence))
        current = {"message_pk": a.message_pk, "case_id": a.case_id, "contact_id": a.contact_id, "at": a.at}
        rows.append(_member_row(target, current, asg))
    return rows


def _placeable(
    conn: Connection, rows: list[dict[str, Any]], audits: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """Drop rows for messages already in a campaign (e.g. placed in the family before their group was
    promoted: they stay there) and for mail from the person a campaign is about."""
    if not rows:
        return rows
    already = set(
        conn.execute(
            select(_members.c.message_pk).where(_members.c.message_pk.in_([r["message_pk"] for r in rows]))
        ).scalars()
    )
    trigger_contact = _trigger_contacts(conn, {r["campaign_id"] for r in rows})
    kept: list[dict[str, Any]] = []
    for r in rows:
        if r["contact_id"] is not None and trigger_contact.get(r["campaign_id"]) == r["contact_id"]:
            audits.append(_kept_individual(r, now))  # the person the flood is about is not one of its voices
            continue
        if r["message_pk"] not in already:
            already.add(r["message_pk"])
            kept.append(r)
    return kept


def _empty_campaign(cid: str, status: str, family_id: str, evidence: str, now: datetime) -> dict[str, Any]:
    """A ``campaigns`` row with no member yet (counts grow with its members)."""
    return {
        "id": cid,
        "title": "",
        "status": status,
        "size": 0,
        "distinct_senders": 0,
        "known_contacts": 0,
        "own_text_members": 0,
        "arrivals": [],
        "shared_links": [],
        "shared_domains": [],
        "shared_phrases": [],
        "trigger_evidence": {},
        "evidence": evidence,
        "created_at": now,
        "updated_at": now,
        "family_id": family_id,
    }


def _create_campaign(
    conn: Connection,
    cid: str,
    rows: list[dict[str, Any]],
    joining: Sequence[tuple[Arrived, str]],
    audits: list[dict[str, Any]],
    now: datetime,
) -> None:
    """The campaign row, empty: counts are added with its members like any campaign's."""
    first = min((r["joined_at"] for r in rows if r["campaign_id"] == cid), default=now)
    evidence = next((a.assignment.evidence for a, t in joining if t == cid and a.assignment.is_new_campaign), "")
    evidence = evidence or next(a.assignment.evidence for a, t in joining if t == cid)
    row = _empty_campaign(cid, "active", cid, evidence, now)
    conn.execute(insert(_campaigns).values({**row, "first_seen": first, "last_seen": first}))
    audits.append({"actor": ACTOR, "action": "campaign.detected", "details": {"campaign_id": cid}, "at": now})


def campaign_of(asg: Assignment, merged: dict[str, str] | None = None) -> str | None:
    """The campaign a message belongs to in the product: its trigger family (the root campaign), so
    that a form letter, its reworded variants and self-written mail about the same trigger are one
    campaign; the detector's near-duplicate group stays in the member's evidence."""
    if asg.campaign_id is None and asg.family_id is None:
        return None
    cid = asg.family_id or asg.campaign_id
    assert cid is not None
    return (merged or {}).get(cid, cid)


def _trigger_contacts(conn: Connection, campaign_ids: set[str]) -> dict[str, int]:
    """The contact of each campaign's trigger case."""
    if not campaign_ids:
        return {}
    q = (
        select(_campaigns.c.id, _cases.c.contact_id)
        .join(_cases, _cases.c.id == _campaigns.c.trigger_case_id)
        .where(_campaigns.c.id.in_(sorted(campaign_ids)), _cases.c.contact_id.is_not(None))
    )
    return {r.id: int(r.contact_id) for r in conn.execute(q)}


def _kept_individual(r: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "actor": ACTOR,
        "action": "campaign.trigger_contact_kept",
        "case_id": r["case_id"],
        "message_pk": r["message_pk"],
        "details": {
            "campaign_id": r["campaign_id"],
            "why": "the sender is the person this campaign is about (its trigger case's contact); "
            "their mail stays an individual case",
        },
        "at": now,
    }


def _detach_trigger_contact(conn: Connection, campaign_id: str, audits: list[dict[str, Any]], now: datetime) -> None:
    """Members sent by the trigger's own contact (found before the trigger was known) leave the campaign."""
    contact = _trigger_contacts(conn, {campaign_id}).get(campaign_id)
    if contact is None:
        return
    rows = conn.execute(
        select(_members.c.id, _members.c.message_pk, _members.c.case_id, _members.c.campaign_id).where(
            _members.c.campaign_id == campaign_id, _members.c.contact_id == contact, _members.c.status == "member"
        )
    ).all()
    for r in rows:
        conn.execute(update(_members).where(_members.c.id == r.id).values(status="detached"))
        if r.case_id is not None:
            conn.execute(
                update(_cases)
                .where(_cases.c.id == r.case_id, _cases.c.campaign_role != "trigger")
                .values(campaign_role=None)
            )
        audits.append(_kept_individual(dict(r._mapping), now))
    if rows:
        conn.execute(
            update(_campaigns)
            .where(_campaigns.c.id == campaign_id)
            .values(size=_campaigns.c.size - len(rows), distinct_senders=_campaigns.c.distinct_senders - 1)
        )


def _earlier_members(conn: Connection, joining: Sequence[tuple[Assignment, str]]) -> dict[str, list[dict[str, Any]]]:
    """Stored messages that become members when their group is promoted (keys are message pks),
    by the detector's group id."""
    wanted: dict[int, str] = {}
    for asg, _ in joining:
        if asg.is_new_campaign and asg.campaign_id is not None:
            for key in asg.joined_earlier:
                if key.isdigit():
                    wanted[int(key)] = asg.campaign_id
    out: dict[str, list[dict[str, Any]]] = {}
    if not wanted:
        return out
    q = select(
        _messages.c.id, _messages.c.case_id, _messages.c.contact_id, _messages.c.date, _messages.c.received_at
    ).where(_messages.c.id.in_(sorted(wanted)))
    for r in conn.execute(q):
        at = message_time(r.date, r.received_at)
        out.setdefault(wanted[int(r.id)], []).append(
            {"message_pk": int(r.id), "case_id": r.case_id, "contact_id": r.contact_id, "at": at}
        )
    for v in out.values():
        v.sort(key=lambda e: e["message_pk"])
    return out


def _member_row(
    campaign_id: str, m: dict[str, Any], asg: Assignment | None = None, *, evidence: str = ""
) -> dict[str, Any]:
    if asg is not None:
        evidence = asg.evidence if asg.campaign_id is not None else ""
        if asg.family_id and asg.family_id != asg.campaign_id:
            evidence = "; ".join(x for x in (evidence, asg.family_evidence) if x)
    return {
        "campaign_id": campaign_id,
        "message_pk": m["message_pk"],
        "case_id": m["case_id"],
        "contact_id": m["contact_id"],
        "joined_at": m["at"],
        "similarity": asg.similarity if asg else 0.0,
        "jaccard": asg.jaccard if asg else 0.0,
        "adds_own_text": asg.adds_own_text if asg else False,
        "own_text": asg.own_text if asg else "",
        "evidence": evidence,
        "status": "member",
    }


def _update_counts(
    conn: Connection, by_campaign: dict[str, list[dict[str, Any]]], now: datetime
) -> dict[str, tuple[int, int]]:
    """Incremental counts: size, distinct senders, known contacts, own-text members, arrivals by hour."""
    grown: dict[str, tuple[int, int]] = {}
    for cid, rows in by_campaign.items():
        c = conn.execute(select(_campaigns).where(_campaigns.c.id == cid)).one()
        contacts = {r["contact_id"] for r in rows if r["contact_id"] is not None}
        seen = (
            set(
                conn.execute(
                    select(_members.c.contact_id).where(
                        _members.c.campaign_id == cid, _members.c.contact_id.in_(sorted(contacts))
                    )
                ).scalars()
            )
            if contacts
            else set()
        )
        fresh = contacts - seen
        first_seen = min(
            [c.first_seen, *(r["joined_at"] for r in rows)] if c.first_seen else [r["joined_at"] for r in rows]
        )
        known = 0
        if fresh:
            known = len(
                conn.execute(
                    select(_contacts.c.id).where(_contacts.c.id.in_(sorted(fresh)), _contacts.c.first_seen < first_seen)
                ).all()
            )
        new_size = c.size + len(rows)
        conn.execute(
            update(_campaigns)
            .where(_campaigns.c.id == cid)
            .values(
                size=new_size,
                distinct_senders=c.distinct_senders + len(fresh) + sum(1 for r in rows if r["contact_id"] is None),
                known_contacts=c.known_contacts + known,
                own_text_members=c.own_text_members + sum(1 for r in rows if r["adds_own_text"]),
                first_seen=first_seen,
                last_seen=max(
                    [c.last_seen, *(r["joined_at"] for r in rows)] if c.last_seen else [r["joined_at"] for r in rows]
                ),
                arrivals=_merge_arrivals(c.arrivals or [], (r["joined_at"] for r in rows)),
                status="active" if c.status == "closed" and c.closed_at is None else c.status,
                updated_at=now,
            )
        )
        grown[cid] = (c.size, new_size)
    return grown


def _mark_cases(conn: Connection, rows: list[dict[str, Any]], audits: list[dict[str, Any]], now: datetime) -> None:
    """A member's own case is hidden behind the campaign ("member") unless it says more than the form
    ("own_text") or holds other messages too (then it stays an ordinary case, linked)."""
    case_ids = sorted({r["case_id"] for r in rows if r["case_id"] is not None})
    if not case_ids:
        return
    cases = {
        int(r.id): r
        for r in conn.execute(
            select(_cases.c.id, _cases.c.message_count, _cases.c.campaign_role).where(_cases.c.id.in_(case_ids))
        )
    }
    changes = []
    for r in rows:
        c = cases.get(r["case_id"]) if r["case_id"] is not None else None
        if c is None or c.campaign_role == "trigger":
            continue
        if r["adds_own_text"]:
            role = "own_text"
        elif c.message_count <= 1:
            role = "member"
        else:
            role = c.campaign_role
        changes.append({"cid": c.id, "campaign_id": r["campaign_id"], "role": role})
        audits.append(
            {
                "actor": ACTOR,
                "action": "campaign.member_added",
                "case_id": c.id,
                "message_pk": r["message_pk"],
                "details": {"campaign_id": r["campaign_id"], "role": role, "evidence": r["evidence"][:500]},
                "at": now,
            }
        )
    if changes:
        conn.execute(
            update(_cases)
            .where(_cases.c.id == bindparam("cid"))
            .values(campaign_id=bindparam("campaign_id"), campaign_role=bindparam("role")),
            changes,
        )


def _member_detail(campaign_id: str) -> str:
    return f"member of campaign {campaign_id}"


def _add_signal(
    conn: Connection, message_pks: list[int], name: str, weight: float, detail_for: Any, levels: dict[str, float] | None
) -> None:
    """Add a computed signal to stored analyses (messages and their cases' judgments), priority rebuilt
    by adding its points: the same arithmetic as ``execdesk.analyze.priority`` for an uncapped signal."""
    if not message_pks:
        return
    campaign_of = {
        int(r.message_pk): r.campaign_id
        for r in conn.execute(
            select(_members.c.message_pk, _members.c.campaign_id).where(_members.c.message_pk.in_(message_pks))
        )
    }
    updates = []
    case_updates: dict[int, str] = {}
    for r in conn.execute(
        select(_messages.c.id, _messages.c.analysis, _messages.c.case_id).where(_messages.c.id.in_(message_pks))
    ):
        analysis = r.analysis
        if not analysis or any(s.get("name") == name for s in analysis.get("signals", [])):
            continue
        detail = detail_for(campaign_of.get(int(r.id), "?"))
        analysis = with_signal(analysis, name, weight, detail, levels)
        updates.append({"pk": r.id, "analysis": analysis, "priority": analysis["priority"]["score"]})
        if r.case_id is not None:
            case_updates[int(r.case_id)] = detail
    if updates:
        conn.execute(
            update(_messages)
            .where(_messages.c.id == bindparam("pk"))
            .values(analysis=bindparam("analysis"), priority=bindparam("priority")),
            updates,
        )
    _add_case_reasons(
        conn, {cid: f"{name} 1.00 x weight {weight:g} ({detail})" for cid, detail in case_updates.items()}, name, weight
    )


def with_signal(
    analysis: dict[str, Any], name: str, weight: float, detail: str, levels: dict[str, float] | None
) -> dict[str, Any]:
    """The stored analysis with one computed signal added: the points are added as
    ``execdesk.analyze.priority`` adds an uncapped signal's, and the level is recomputed."""
    out = dict(analysis)
    out["signals"] = [
        *analysis.get("signals", []),
        {"name": name, "strength": 1.0, "evidence": [], "rule": "campaigns", "detail": detail},
    ]
    prio = dict(analysis.get("priority") or {"score": 0.0, "level": "low", "reasons": []})
    reasons = [
        *prio.get("reasons", []),
        {
            "source": f"signal:{name}",
            "points": round(weight, 2),
            "detail": f"{name} 1.00 x weight {weight:g} ({detail})",
        },
    ]
    reasons.sort(key=lambda x: -abs(float(x.get("points", 0))))
    prio["reasons"] = reasons
    prio["score"] = round(max(0.0, min(100.0, float(prio.get("score", 0.0)) + weight)), 1)
    if levels:  # the level follows the score, by the analysis stage's rule
        prio["level"] = level_of(prio["score"], levels)
    out["priority"] = prio
    return out


def _add_case_reason(conn: Connection, case_id: int, name: str, weight: float, detail: str) -> None:
    """Add a computed signal's points to a case's judgment (once)."""
    _add_case_reasons(conn, {case_id: detail}, name, weight)


def _add_case_reasons(conn: Connection, details: dict[int, str], name: str, weight: float) -> None:
    """Add a computed signal's points to several cases' judgments (once each): one read, one
    batched write, however many members a flood brings in one batch."""
    if not details:
        return
    source = f"signal:{name}"
    changes = []
    for c in conn.execute(
        select(_cases.c.id, _cases.c.priority, _cases.c.priority_reasons, _cases.c.signals).where(
            _cases.c.id.in_(sorted(details))
        )
    ):
        reasons = list(c.priority_reasons or [])
        if any(r.get("source") == source for r in reasons):
            continue
        reasons.append({"source": source, "points": round(weight, 2), "detail": details[int(c.id)]})
        reasons.sort(key=lambda x: -abs(float(x.get("points", 0))))
        signals = list(c.signals or [])
        if name not in signals:
            signals.append(name)
        changes.append(
            {
                "cid": int(c.id),
                "priority": max(0.0, min(100.0, float(c.priority or 0.0) + weight)),
                "reasons": reasons,
                "signals": signals,
            }
        )
    if changes:
        conn.execute(
            update(_cases)
            .where(_cases.c.id == bindparam("cid"))
            .values(
                priority=bindparam("priority"), priority_reasons=bindparam("reasons"), signals=bindparam("signals")
            ),
            changes,
        )


def refresh(
    conn: Connection,
    settings: CampaignSettings,
    campaign_id: str,
    *,
    weights: Weights,
    audits: list[dict[str, Any]],
) -> None:
    """Recompute title, form text, shared links/phrases from a sample of members; find the trigger."""
    c = conn.execute(select(_campaigns).where(_campaigns.c.id == campaign_id)).one()
    docs = sample_members(conn, campaign_id)
    if not docs:
        return
    s = summarise(docs)
    values: dict[str, Any] = {
        "title": s.title or c.title,
        "representative_pk": int(s.representative_key),
        "representative_text": s.representative_text,
        "shared_links": [[u, n] for u, n in s.shared_links[:10]],
        "shared_domains": [[d, n] for d, n in s.shared_domains[:10]],
        "shared_phrases": s.shared_phrases[:5],
    }
    if c.trigger_case_id is None:
        match = find_trigger(conn, settings, campaign_id, docs, s, first_seen=c.first_seen)
        if match is not None:
            values["trigger_case_id"] = match.case_id
            values["trigger_evidence"] = match.evidence
            _link_trigger(conn, campaign_id, match, weights, audits)
    conn.execute(update(_campaigns).where(_campaigns.c.id == campaign_id).values(**values))


def sample_members(conn: Connection, campaign_id: str, limit: int = SUMMARY_SAMPLE) -> list[CampaignDoc]:
    """The first members (the form as it started) and the latest (how it evolved), in arrival order."""
    half = limit // 2
    cols = (
        _messages.c.id,
        _messages.c.new_text,
        _messages.c.subject,
        _messages.c.from_addr,
        _members.c.joined_at,
    )
    base = (
        select(*cols)
        .join(_messages, _messages.c.id == _members.c.message_pk)
        .where(_members.c.campaign_id == campaign_id, _members.c.status == "member")
    )
    first = conn.execute(base.order_by(_members.c.id).limit(half)).all()
    last = conn.execute(base.order_by(_members.c.id.desc()).limit(half)).all()
    seen: set[int] = set()
    docs = []
    for r in [*first, *reversed(last)]:
        if r.id in seen:
            continue
        seen.add(r.id)
        docs.append(CampaignDoc(str(r.id), r.new_text or "", r.subject or "", r.from_addr or "", r.joined_at))
    return docs


def _link_trigger(
    conn: Connection, campaign_id: str, match: TriggerMatch, weights: Weights, audits: list[dict[str, Any]]
) -> None:
    """The case the flood is about stays individual, is marked as the trigger, and rises in the queue."""
    conn.execute(
        update(_cases).where(_cases.c.id == match.case_id).values(campaign_id=campaign_id, campaign_role="trigger")
    )
    _add_case_reason(
        conn,
        match.case_id,
        "campaign_trigger",
        weights.trigger,
        f"campaign_trigger 1.00 x weight {weights.trigger:g} (the flood {campaign_id} is about this case: "
        f"{match.evidence.get('why', '')})",
    )
    audits.append(
        {
            "actor": ACTOR,
            "action": "campaign.trigger_linked",
            "case_id": match.case_id,
            "details": {"campaign_id": campaign_id, "case": case_ref(match.case_id), **match.evidence},
        }
    )


def _reinforce_triggers(conn: Connection, case_ids: Iterable[int], weights: Weights) -> None:
    """A new message in a trigger case re-judges the case; keep the trigger's points on it."""
    ids = sorted(set(case_ids))
    if not ids:
        return
    for r in conn.execute(
        select(_cases.c.id, _cases.c.campaign_id).where(_cases.c.id.in_(ids), _cases.c.campaign_role == "trigger")
    ):
        _add_case_reason(
            conn,
            int(r.id),
            "campaign_trigger",
            weights.trigger,
            f"campaign_trigger 1.00 x weight {weights.trigger:g} (the flood {r.campaign_id} is about this case)",
        )


def _surface_outside_members(
    conn: Connection, arrived: Sequence[Arrived], merged: dict[str, str], audits: list[dict[str, Any]], now: datetime
) -> None:
    """A hidden member case that receives a message outside the campaign becomes an ordinary case."""
    outside = [a for a in arrived if campaign_of(a.assignment, merged) is None and a.case_id is not None]
    if not outside:
        return
    # the hidden member cases first: usually none of the batch's cases is one, and then the members
    # among hundreds of messages need not be looked up (the same cases either way)
    hidden_any = set(
        conn.execute(
            select(_cases.c.id).where(
                _cases.c.id.in_(sorted({a.case_id for a in outside if a.case_id is not None})),
                _cases.c.campaign_role == "member",
            )
        ).scalars()
    )
    outside = [a for a in outside if a.case_id in hidden_any]
    if not outside:
        return
    joined_later = set(  # a message in a group promoted later in this batch is a member after all
        conn.execute(
            select(_members.c.message_pk).where(_members.c.message_pk.in_([a.message_pk for a in outside]))
        ).scalars()
    )
    hidden = sorted({a.case_id for a in outside if a.message_pk not in joined_later and a.case_id is not None})
    if not hidden:
        return
    conn.execute(update(_cases).where(_cases.c.id.in_(hidden)).values(campaign_role=None))
    for cid in hidden:
        audits.append(
            {
                "actor": ACTOR,
                "action": "campaign.case_surfaced",
                "case_id": cid,
                "details": {"why": "a new message outside the campaign arrived in this case"},
                "at": now,
            }
        )


def _raise_alerts(conn: Connection, new_ids: Sequence[str | None], spikes: Sequence[SpikeAlert], now: datetime) -> None:
    for cid in new_ids:
        if cid is None:
            continue
        c = conn.execute(select(_campaigns).where(_campaigns.c.id == cid)).one()
        raise_alert(
            conn,
            kind="campaign",
            dedup_key=f"campaign:{cid}",
            title=f"New campaign: {c.title or cid} ({c.size} messages)",
            at=now,
            campaign_id=cid,
            case_id=c.trigger_case_id,
            details={"size": c.size, "evidence": c.evidence, "trigger": c.trigger_evidence},
        )
    for s in spikes:
        label = "all mail" if s.topic == OVERALL else f"topic {s.topic}"
        raise_alert(
            conn,
            kind="spike",
            dedup_key=f"spike:{s.topic}:{s.bucket_start.isoformat()}",
            title=f"Volume spike in {label}: {s.count} messages in an hour (baseline median {s.median:g})",
            at=now,
            details={
                "topic": s.topic,
                "bucket_start": s.bucket_start.isoformat(),
                "count": s.count,
                "threshold": round(s.threshold, 2),
                "median": s.median,
                "mad": s.mad,
                "evidence": s.evidence,
            },
        )
