"""Build the digest of one period from the store: one read-only pass, one typed :class:`Digest`.

Mail is placed in time by when it was written (the Date header, the received time when absent),
as cases are: the digest of an imported archive is about the archive's own days. Campaigns are
read from the ``campaigns`` / ``campaign_members`` tables when the campaigns stage has filled them;
until then the flood shows as individual cases and the digest still works.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from execdesk.cases.refs import case_ref
from execdesk.cases.service import OPEN_STATUSES
from execdesk.digest import rules
from execdesk.digest.model import (
    AlertItem,
    CampaignItem,
    CaseItem,
    Count,
    Digest,
    Lead,
    SlaFigures,
    Totals,
)
from execdesk.digest.period import Period
from execdesk.settings import Settings
from execdesk.store.models import (
    MESSAGE_TIME,
    Alert,
    Campaign,
    CampaignMember,
    Case,
    Contact,
    Message,
    QuarantineEntry,
    table_of,
)
from execdesk.summarize.campaign import summarize_campaign
from execdesk.summarize.cases import summarize_case

_cases = table_of(Case)
_contacts = table_of(Contact)
_messages = table_of(Message)
_campaigns = table_of(Campaign)
_members = table_of(CampaignMember)
_alerts = table_of(Alert)
_quarantine = table_of(QuarantineEntry)
_WHEN = MESSAGE_TIME  # the indexed expression (migration 0009)
_CAMPAIGN_LEAD_MIN = 10  # a campaign this size in the period leads the briefing
#: Cases the digest counts: people, not machines, and not the plain members a campaign stands for.
_LISTED = and_(_cases.c.machine.is_(False), or_(_cases.c.campaign_role.is_(None), _cases.c.campaign_role != "member"))


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _in(period: Period) -> Any:
    return and_(period.start <= _WHEN, period.end > _WHEN)


# -- what arrived ---------------------------------------------------------------------------------


def _inbound(conn: Connection, period: Period) -> list[Any]:
    """Inbound messages of the period and the previous one: time, case, machine, campaign."""
    span = Period(period.previous.start, period.end)
    q = (
        select(_WHEN.label("at"), _messages.c.case_id, _messages.c.machine_kind, _members.c.campaign_id)
        .select_from(_messages.outerjoin(_members, _members.c.message_pk == _messages.c.id))
        .where(_messages.c.direction == "in", _in(span))
    )
    return list(conn.execute(q))


def _bucket(at: datetime, hourly: bool) -> datetime:
    at = _aware(at) or at
    return (
        at.replace(minute=0, second=0, microsecond=0)
        if hourly
        else at.replace(hour=0, minute=0, second=0, microsecond=0)
    )


def _volume(rows: Sequence[Any], period: Period) -> list[tuple[str, int, int]]:
    hourly = period.length <= timedelta(hours=48)
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    counts: dict[datetime, list[int]] = {}
    t = _bucket(period.start, hourly)
    while t < period.end:
        counts[t] = [0, 0]
        t += step
    for r in rows:
        at = _aware(r.at)
        if at is None or r.machine_kind or not (period.start <= at < period.end):
            continue
        slot = counts.setdefault(_bucket(at, hourly), [0, 0])
        slot[1 if r.campaign_id else 0] += 1
    return [(k.isoformat(), v[0], v[1]) for k, v in sorted(counts.items())]


def _totals(conn: Connection, rows: Sequence[Any], period: Period, new_cases: int) -> Totals:
    now_rows = [r for r in rows if period.start <= (_aware(r.at) or period.start) < period.end]
    before = [r for r in rows if (_aware(r.at) or period.end) < period.start]
    human = [r for r in now_rows if not r.machine_kind]
    human_before = [r for r in before if not r.machine_kind]
    change = None
    if human_before:
        change = round(100.0 * (len(human) - len(human_before)) / len(human_before), 1)
    open_cases = conn.execute(
        select(func.count())
        .select_from(_cases)
        .where(_cases.c.status.in_(OPEN_STATUSES), _cases.c.machine.is_(False), _cases.c.opened_at < period.end)
    ).scalar_one()
    quarantined = conn.execute(
        select(func.count())
        .select_from(_quarantine)
        .where(_quarantine.c.created_at >= period.start, _quarantine.c.created_at < period.end)
    ).scalar_one()
    return Totals(
        messages=len(human),
        previous_messages=len(human_before),
        change_pct=change,
        new_cases=new_cases,
        campaign_messages=sum(1 for r in human if r.campaign_id),
        machine_messages=len(now_rows) - len(human),
        open_cases=int(open_cases),
        quarantined=int(quarantined),
    )


# -- cases ------------------------------------------------------------------------------------------


def _with_contact() -> Any:
    """Cases with their contact's address, name and message count (the rows :func:`_item` reads)."""
    return select(
        _cases, _contacts.c.address, _contacts.c.display_name, _contacts.c.message_count.label("contact_messages")
    ).select_from(_cases.outerjoin(_contacts, _cases.c.contact_id == _contacts.c.id))


def _period_cases(conn: Connection, period: Period) -> list[Any]:
    """Cases with an inbound message in the period, machine cases and plain campaign members left out."""
    active = (
        select(_messages.c.case_id)
        .where(_messages.c.direction == "in", _messages.c.machine_kind.is_(None), _in(period))
        .distinct()
        .scalar_subquery()
    )
    return list(conn.execute(_with_contact().where(_cases.c.id.in_(active), _LISTED)))


def _count_intents(conn: Connection, period: Period, column: Any) -> Counter[str]:
    q = (
        select(column, func.count())
        .where(_cases.c.opened_at >= period.start, _cases.c.opened_at < period.end, _LISTED)
        .group_by(column)
    )
    return Counter({str(k or "unknown"): int(n) for k, n in conn.execute(q)})


def _themes(conn: Connection, period: Period, column: Any) -> list[Count]:
    now, before = _count_intents(conn, period, column), _count_intents(conn, period.previous, column)
    return [Count(label=k, count=n, previous=before.get(k, 0)) for k, n in now.most_common()]


class _CaseReader:
    """Reads the period's cases' messages in one query (signals, intents, evidence quotes) and
    summarises a case on demand. A case's judgments are those of all its messages: the journalist's
    follow-up ("following up...") must not hide that her first mail was a press inquiry."""

    def __init__(self, conn: Connection, case_ids: Sequence[int]) -> None:
        self.conn = conn
        self.signals: dict[int, set[str]] = defaultdict(set)
        self.intents: dict[int, set[str]] = defaultdict(set)
        self.quotes: dict[int, dict[str, str]] = defaultdict(dict)
        self._summaries: dict[int, str] = {}
        self._texts: dict[int, str] = {}
        ids = list(case_ids)
        for i in range(0, len(ids), 500):
            for r in conn.execute(
                select(_messages.c.case_id, _messages.c.intent, _messages.c.analysis).where(
                    _messages.c.case_id.in_(ids[i : i + 500]), _messages.c.direction == "in"
                )
            ):
                if r.intent:
                    self.intents[r.case_id].add(r.intent)
                for sig in (r.analysis or {}).get("signals") or []:
                    name = str(sig.get("name"))
                    self.signals[r.case_id].add(name)
                    for ev in sig.get("evidence") or []:
                        self.quotes[r.case_id].setdefault(name, " ".join(str(ev.get("text", "")).split()))

    def summary(self, case_id: int) -> str:
        if case_id not in self._summaries:
            self._summaries[case_id] = summarize_case(self.conn, case_id).text
        return self._summaries[case_id]

    def case_signals(self, r: Any) -> list[str]:
        """The case's signals and those of each of its messages, case order first."""
        own = list(r.signals or [])
        return own + sorted(self.signals.get(r.id, set()) - set(own))

    def case_intent(self, r: Any) -> str | None:
        """The case's intent, unless one of its messages is a press inquiry or a legal notice."""
        for special in rules.RISK_INTENTS:
            if special in self.intents.get(r.id, set()):
                return special
        return r.intent

    def text(self, case_id: int) -> str:
        """The case's inbound subjects and texts, read once (each campaign looks at every press case)."""
        if case_id not in self._texts:
            rows = self.conn.execute(
                select(_messages.c.subject, _messages.c.new_text).where(
                    _messages.c.case_id == case_id, _messages.c.direction == "in"
                )
            ).all()
            self._texts[case_id] = "\n".join(f"{r.subject}\n{r.new_text}" for r in rows)
        return self._texts[case_id]


def _owner(r: Any) -> str:
    team = getattr(r, "team", None)
    if r.assignee:
        return f"{r.assignee}" + (f" ({team})" if team else "")
    return f"team {team}, unassigned" if team else "unassigned"


def _item(r: Any, reader: _CaseReader, reasons: list[str] | None = None) -> CaseItem:
    return CaseItem(
        ref=case_ref(r.id),
        case_id=r.id,
        subject=r.subject or "(no subject)",
        contact=r.address,
        contact_name=r.display_name,
        intent=reader.case_intent(r),
        topic=r.topic,
        signals=reader.case_signals(r),
        priority=round(float(r.priority or 0.0), 1),
        owner=_owner(r),
        summary=reader.summary(r.id),
        reasons=reasons or [],
        messages=int(r.message_count or 0),
        last_inbound_at=_aware(r.last_inbound_at),
        campaign_id=r.campaign_id,
        campaign_role=r.campaign_role,
    )


def _risk_items(cases: Sequence[Any], reader: _CaseReader, limit: int, triggers: set[int]) -> list[CaseItem]:
    found = []
    for r in cases:
        signals = reader.case_signals(r)
        why = rules.risk_reasons(reader.case_intent(r), signals)
        if not why:
            continue
        quotes = reader.quotes.get(r.id, {})
        for sig in rules.RISK_SIGNALS:
            if sig in signals and quotes.get(sig):
                why.append(f"{sig.replace('_', ' ')}: “{quotes[sig][:140]}”")
                break
        found.append((r.id in triggers, float(r.priority or 0.0), r, why))
    found.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return [_item(r, reader, why) for _t, _p, r, why in found[:limit]]


# -- campaigns --------------------------------------------------------------------------------------


def _campaign_items(
    conn: Connection, period: Period, reader: _CaseReader, cases_by_id: dict[int, Any], press: list[CaseItem]
) -> list[CampaignItem]:
    span = Period(period.previous.start, period.end)
    arrivals = conn.execute(
        select(_members.c.campaign_id, _WHEN.label("at"))
        .select_from(_members.join(_messages, _members.c.message_pk == _messages.c.id))
        .where(_in(span), _members.c.status == "member")
    ).all()
    per: dict[str, list[datetime]] = defaultdict(list)
    for a in arrivals:
        at = _aware(a.at)
        if at is not None:
            per[a.campaign_id].append(at)
    ids = [cid for cid, times in per.items() if any(t >= period.start for t in times)]
    if not ids:
        return []
    items = []
    for c in conn.execute(select(_campaigns).where(_campaigns.c.id.in_(ids))):
        times = per[c.id]
        in_period = sum(1 for t in times if t >= period.start)
        hours = Counter(t.replace(minute=0, second=0, microsecond=0) for t in times if t >= period.start)
        peak = max(hours.items(), key=lambda kv: (kv[1], kv[0])) if hours else None
        window = min(timedelta(hours=6), period.length / 4)
        recent = sum(1 for t in times if period.end - window <= t < period.end)
        earlier = sum(1 for t in times if period.end - 2 * window <= t < period.end - window)
        growth = "growing" if recent > earlier and recent >= 3 else "fading" if recent < earlier / 2 else "steady"
        trigger = None
        if c.trigger_case_id is not None:
            row = cases_by_id.get(c.trigger_case_id) or _case_row(conn, c.trigger_case_id)
            if row is not None:
                trigger = _item(row, reader, [f"the case campaign {c.id} is about"])
        own_texts = [
            t
            for (t,) in conn.execute(
                select(_members.c.own_text)
                .where(_members.c.campaign_id == c.id, _members.c.adds_own_text.is_(True))
                .limit(300)
            )
        ]
        links = [str(x[0]) if isinstance(x, list | tuple) else str(x) for x in (c.shared_links or [])][:3]
        related = [p for p in press if _mentions(reader.text(p.case_id), links, trigger)]
        summary = summarize_campaign(
            c.representative_text or "",
            own_texts,
            title=c.title or "",
            trigger=f"{trigger.ref} ({trigger.contact_name or trigger.contact})" if trigger else None,
        )
        facts = {
            "id": c.id,
            "size": c.size,
            "shared_links": links,
            "own_text_members": c.own_text_members,
            "growth": growth,
        }
        stance, why = rules.campaign_stance(
            facts,
            trigger=trigger.model_dump() if trigger else None,
            press=[p.model_dump() for p in related],
        )
        items.append(
            CampaignItem(
                id=c.id,
                title=c.title or summary.form.text[:80],
                size=int(c.size or 0),
                in_period=in_period,
                previous_period=len(times) - in_period,
                distinct_senders=int(c.distinct_senders or 0),
                own_text_members=int(c.own_text_members or 0),
                first_seen=_aware(c.first_seen),
                last_seen=_aware(c.last_seen),
                peak_hour=f"{peak[0].isoformat()} ({peak[1]})" if peak else None,
                growth=growth,
                trigger=trigger,
                shared_links=links,
                summary=summary.text,
                form_summary=summary.form.text,
                additions=[f"{a.text} ({a.members})" for a in summary.additions],
                stance=stance,
                stance_reasons=why,
                related_to=None,
            )
        )
    items.sort(key=lambda i: (i.in_period, i.size), reverse=True)
    first_of: dict[int, str] = {}
    for item in items:
        if item.trigger is not None:
            main = first_of.setdefault(item.trigger.case_id, item.id)
            item.related_to = main if main != item.id else None
    return items


def _mentions(text: str, links: Sequence[str], trigger: CaseItem | None) -> bool:
    lower = text.lower()
    if any(link.lower().rstrip("/") in lower for link in links):
        return True
    return bool(trigger and trigger.contact_name and trigger.contact_name.lower() in lower)


def _case_row(conn: Connection, case_id: int) -> Any | None:
    return conn.execute(_with_contact().where(_cases.c.id == case_id)).first()


# -- SLA --------------------------------------------------------------------------------------------


def _sla(conn: Connection, period: Period, settings: Settings) -> SlaFigures:
    now = period.end
    c = _cases.c
    base = [_LISTED, or_(c.intent.is_(None), c.intent != "spam")]
    clocked = conn.execute(
        select(
            c.status, c.opened_at, c.sla_first_response_due.label("due"), c.sla_first_response_at.label("done")
        ).where(c.sla_first_response_due >= period.start, c.sla_first_response_due < period.end, *base)
    ).all()
    if clocked:  # the routing stage's SLA clocks; without them, the configured first-response target
        return _attainment("sla", None, clocked, now)
    target = timedelta(hours=settings.digest.first_response_hours)
    first_out = (
        select(_messages.c.case_id, func.min(_messages.c.received_at).label("done"))
        .where(_messages.c.direction == "out")
        .group_by(_messages.c.case_id)
        .subquery()
    )
    rows = conn.execute(
        select(c.status, c.opened_at, first_out.c.done)
        .select_from(_cases.outerjoin(first_out, first_out.c.case_id == c.id))
        .where(c.opened_at >= period.start - target, c.opened_at < period.end - target, *base)
    ).all()
    shaped = [_Due(r.status, r.opened_at, (_aware(r.opened_at) or now) + target, r.done) for r in rows]
    return _attainment("first_response", settings.digest.first_response_hours, shaped, now)


class _Due:
    __slots__ = ("done", "due", "opened_at", "status")

    def __init__(self, status: str, opened_at: datetime | None, due: datetime, done: datetime | None) -> None:
        self.status, self.opened_at, self.due, self.done = status, opened_at, due, done


def _attainment(source: str, target: float | None, rows: Sequence[Any], now: datetime) -> SlaFigures:
    met = missed = overdue = 0
    waits: list[float] = []
    for r in rows:
        due, done, opened = _aware(r.due), _aware(r.done), _aware(r.opened_at)
        if done is not None and opened is not None:
            waits.append((done - opened).total_seconds() / 3600)
        if done is not None and due is not None and done <= due:
            met += 1
        elif done is not None or (due is not None and due < now):
            missed += 1
            overdue += int(done is None and r.status in OPEN_STATUSES)
    due_n = met + missed
    return SlaFigures(
        source=source,
        target_hours=target,
        due=due_n,
        met=met,
        missed=missed,
        overdue_open=overdue,
        attainment_pct=round(100.0 * met / due_n, 1) if due_n else None,
        median_first_response_hours=round(statistics.median(waits), 1) if waits else None,
    )


# -- the digest -------------------------------------------------------------------------------------


def _personal(
    cases: Sequence[Any], reader: _CaseReader, campaigns: Sequence[CampaignItem], limit: int
) -> list[CaseItem]:
    by_trigger: dict[int, CampaignItem] = {}
    for c in campaigns:  # largest first: a case that triggered several floods is named after the largest
        if c.trigger is not None:
            by_trigger.setdefault(c.trigger.case_id, c)
    scored = []
    taken: set[str] = set()
    present = {r.id for r in cases}
    # a flood's trigger customer may not have written in the period: the flood makes her case current
    extra = [row for cid in by_trigger if cid not in present and (row := _case_row(reader.conn, cid)) is not None]
    for r in [*cases, *extra]:
        camp = by_trigger.get(r.id)
        facts = {
            "intent": reader.case_intent(r),
            "signals": reader.case_signals(r),
            "priority": r.priority,
            "campaign_role": r.campaign_role,
            "contact_messages": r.contact_messages,
            "answered": r.last_outbound_at is not None,
        }
        s = rules.personal_reply(facts, campaign=camp.model_dump() if camp else None)
        if s is not None:
            scored.append((s.score, r.id, r, s.reasons))
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    out = []
    for _score, _id, r, reasons in scored:
        kind = "praise" if r.intent == "praise" else "own_text" if r.campaign_role == "own_text" else None
        if kind is not None:  # one thank-you and one flood writer stand for the rest of their kind
            if kind in taken:
                continue
            taken.add(kind)
        out.append(_item(r, reader, reasons))
        if len(out) >= limit:
            break
    return out


def _leads(
    campaigns: Sequence[CampaignItem],
    personal: Sequence[CaseItem],
    risk: Sequence[CaseItem],
    totals: Totals,
    alerts: Sequence[AlertItem],
) -> list[Lead]:
    leads: list[Lead] = []
    led_triggers: set[str | None] = set()
    for c in campaigns:
        if len(leads) >= 2 or (c.in_period < _CAMPAIGN_LEAD_MIN and leads):
            break
        trigger_ref = c.trigger.ref if c.trigger else None
        if trigger_ref is not None and trigger_ref in led_triggers:
            continue  # the same event in other words: counted in the first campaign's lead
        led_triggers.add(trigger_ref)
        related = [o for o in campaigns if o is not c and trigger_ref and o.trigger and o.trigger.ref == trigger_ref]
        more = (
            f" (and {sum(o.in_period for o in related)} more in {len(related)} related campaign"
            f"{'s' if len(related) > 1 else ''})"
            if related
            else ""
        )
        about = f", about {c.trigger.ref} ({c.trigger.contact_name or c.trigger.contact})" if c.trigger else ""
        steps = c.stance[:2] if c.trigger else c.stance[:1]
        leads.append(
            Lead(
                kind="campaign",
                ref=c.id,
                text=f"A flood: {c.in_period} messages in the period{more}, {c.growth} — "
                f"“{c.title}”{about}. Suggested: "
                + "; ".join(step[0].lower() + step[1:] for step in steps or ["One answer for all"])
                + ".",
            )
        )
    shown = {lead.ref for lead in leads} | led_triggers  # a flood's lead already names its trigger
    for p in personal[:2]:
        if p.ref in shown:
            continue
        leads.append(
            Lead(
                kind="case",
                ref=p.ref,
                text=f"{p.contact_name or p.contact} ({p.ref}) deserves a personal reply: {'; '.join(p.reasons[:2])}. "
                f"“{_clip(p.summary, 160)}”",
            )
        )
        shown.add(p.ref)
    for r in risk:
        if len(leads) >= 4:
            break
        if r.ref in shown:
            continue
        leads.append(
            Lead(kind="case", ref=r.ref, text=f"{r.subject} ({r.ref}, {r.contact}): {', '.join(r.reasons[:1])}.")
        )
        shown.add(r.ref)
    for a in alerts:
        if len(leads) >= 5:
            break
        if a.kind == "spike":
            leads.append(Lead(kind="alert", ref=None, text=a.title))
    if not leads:
        leads.append(Lead(kind="quiet", text=f"A quiet period: {totals.messages} messages, nothing high-risk."))
    return leads


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def build_digest(conn: Connection, settings: Settings, period: Period, *, now: datetime | None = None) -> Digest:
    """The briefing for ``period``: read-only, deterministic for the same store and period."""
    d = settings.digest
    rows = _inbound(conn, period)
    cases = _period_cases(conn, period)
    reader = _CaseReader(conn, [r.id for r in cases])
    cases.sort(key=lambda r: (-(r.priority or 0.0), r.id))
    cases_by_id = {r.id: r for r in cases}
    new_cases = sum(1 for r in cases if (_aware(r.opened_at) or period.end) >= period.start)
    totals = _totals(conn, rows, period, new_cases)
    press_cases = [
        _item(r, reader) for r in cases if reader.case_intent(r) == "media_inquiry" or "media" in reader.case_signals(r)
    ]
    campaigns = _campaign_items(conn, period, reader, cases_by_id, press_cases)
    triggers = {c.trigger.case_id for c in campaigns if c.trigger}
    risk = _risk_items(cases, reader, d.max_high_risk, triggers)
    praise = [_item(r, reader, ["praise"]) for r in cases if r.intent == "praise"][: d.max_praise]
    personal = _personal(cases, reader, campaigns, d.personal_replies)
    alerts = [
        AlertItem(
            kind=a.kind,
            severity=a.severity,
            title=a.title,
            at=_aware(a.at) or period.end,
            campaign_id=a.campaign_id,
            case_ref=case_ref(a.case_id) if a.case_id else None,
        )
        for a in conn.execute(
            select(_alerts).where(_alerts.c.at >= period.start, _alerts.c.at < period.end).order_by(_alerts.c.at)
        )
    ]
    r = settings.reply
    return Digest(
        title=f"{r.company_name}: executive briefing",
        company=r.company_name,
        executive=r.executive_name,
        period_start=period.start,
        period_end=period.end,
        period_label=period.label(d.zone),
        timezone=d.timezone,
        generated_at=now or datetime.now(UTC),
        leads=_leads(campaigns, personal, risk, totals, alerts),
        totals=totals,
        themes=_themes(conn, period, _cases.c.intent),
        topics=_themes(conn, period, _cases.c.topic),
        volume=_volume(rows, period),
        campaigns=campaigns,
        high_risk=risk,
        praise=praise,
        personal_replies=personal,
        sla=_sla(conn, period, settings),
        alerts=alerts,
    )
