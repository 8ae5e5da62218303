"""The dashboard's figures: volume by day, intent and topic, sentiment trend, risk counts, SLA
attainment and the campaign timeline, over a window of days.

Every figure is one grouped query (``GROUP BY day`` in the database, not rows in Python), so the
page stays fast with 100,000 cases (benchmarks/bench_web_queue.py). The window ends at the newest
inbound message rather than the wall clock, so an imported archive shows its own month. Used by
the dashboard page and ``GET /api/v1/dashboard``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal_column, or_, select, text
from sqlalchemy.sql.elements import ColumnElement

from execdesk.store.models import Campaign, CampaignMember, Case, Message, table_of

_cases = table_of(Case)
_messages = table_of(Message)
_campaigns = table_of(Campaign)
_members = table_of(CampaignMember)

MAX_DAYS = 366
#: Intents beyond this many (by volume) are summed as "other" in the by-day chart.
TOP_INTENTS = 6
TOP_CAMPAIGNS = 6


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def days(self) -> list[str]:
        first = self.start.date()
        return [(first + timedelta(days=i)).isoformat() for i in range((self.end.date() - first).days + 1)]


def _day(conn: Connection, column: Any) -> ColumnElement[str]:
    """The UTC calendar day of a timestamp as 'YYYY-MM-DD', computed in the database."""
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)  # SQLite keeps naive UTC text: '2026-10-01 09:00:00.000000'


def window(conn: Connection, days: int = 30, *, end: datetime | None = None) -> Window:
    """``days`` calendar days ending at ``end`` (default: the newest inbound message, else now)."""
    days = max(1, min(days, MAX_DAYS))
    if end is None:
        end = conn.execute(select(func.max(_cases.c.last_inbound_at))).scalar() or datetime.now(UTC)
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
    start = datetime.combine(end.date() - timedelta(days=days - 1), datetime.min.time(), tzinfo=UTC)
    return Window(start, end.replace(hour=23, minute=59, second=59, microsecond=0))


def _when() -> Any:
    return func.coalesce(_messages.c.date, _messages.c.received_at)


def _inbound(w: Window) -> Any:
    when = _when()
    return and_(_messages.c.direction == "in", _messages.c.machine_kind.is_(None), when >= w.start, when <= w.end)


def volume(conn: Connection, w: Window) -> dict[str, Any]:
    """Inbound messages (machine mail left out) per day and intent, and totals by intent and topic."""
    day = _day(conn, _when())
    intent = func.coalesce(_messages.c.intent, "unknown")
    rows = conn.execute(
        select(day.label("day"), intent.label("intent"), func.count().label("n"))
        .where(_inbound(w))
        .group_by(day, intent)
    ).all()
    by_intent: dict[str, int] = defaultdict(int)
    for r in rows:
        by_intent[r.intent] += int(r.n)
    top = [k for k, _ in sorted(by_intent.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_INTENTS]]
    grid: dict[str, dict[str, int]] = {k: defaultdict(int) for k in [*top, "other"]}
    for r in rows:
        grid[r.intent if r.intent in top else "other"][r.day] += int(r.n)
    topic = func.coalesce(_messages.c.topic, "unknown")
    topics = conn.execute(
        select(topic.label("topic"), func.count().label("n")).where(_inbound(w)).group_by(topic)
    ).all()
    return {
        "days": w.days,
        "total": sum(by_intent.values()),
        "by_day": {d: sum(grid[k].get(d, 0) for k in grid) for d in w.days},
        "by_day_intent": {k: [grid[k].get(d, 0) for d in w.days] for k in grid if any(grid[k].values())},
        "by_intent": dict(sorted(by_intent.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_topic": {r.topic: int(r.n) for r in sorted(topics, key=lambda r: (-r.n, r.topic))},
    }


def sentiment(conn: Connection, w: Window) -> dict[str, Any]:
    """Mean sentiment (-1..1) of inbound mail per day, and the share that is clearly negative."""
    day = _day(conn, _when())
    rows = conn.execute(
        select(
            day.label("day"),
            func.avg(_messages.c.sentiment).label("mean"),
            func.count(_messages.c.sentiment).label("n"),
            func.sum(case((_messages.c.sentiment <= -0.3, 1), else_=0)).label("negative"),
        )
        .where(_inbound(w), _messages.c.sentiment.is_not(None))
        .group_by(day)
    ).all()
    found = {r.day: r for r in rows}
    return {
        "mean": [round(float(found[d].mean), 3) if d in found else None for d in w.days],
        "negative_share": [
            round(int(found[d].negative or 0) / int(found[d].n), 3) if d in found and found[d].n else None
            for d in w.days
        ],
    }


def risk(conn: Connection, w: Window, high_risk_signals: list[str]) -> dict[str, Any]:
    """Cases opened in the window per signal, and open cases per high-risk signal (one grouped query
    over the JSON list of signals each: ``json_each`` in SQLite, ``json_array_elements_text`` in PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        elements = "json_array_elements_text(c.signals::json) AS s(value)"
    else:
        elements = "json_each(c.signals) AS s"
    sql = text(
        f"SELECT s.value AS signal, count(*) AS n, "
        f"sum(CASE WHEN c.status IN ('open', 'pending') THEN 1 ELSE 0 END) AS open_now "
        f"FROM cases c, {elements} "
        "WHERE c.opened_at >= :start AND c.opened_at <= :end AND c.machine = :no "
        "GROUP BY s.value"
    )
    rows = conn.execute(sql, {"start": _bind(conn, w.start), "end": _bind(conn, w.end), "no": False}).all()
    by_signal = {str(r.signal): {"cases": int(r.n), "open": int(r.open_now or 0)} for r in rows}
    high = {s: by_signal.get(s, {"cases": 0, "open": 0}) for s in high_risk_signals}
    return {
        "by_signal": dict(sorted(by_signal.items(), key=lambda kv: (-kv[1]["cases"], kv[0]))),
        "high_risk": high,
        "high_risk_open": sum(v["open"] for v in high.values()),
    }


def _bind(conn: Connection, value: datetime) -> Any:
    """Timestamps for a textual statement, as the store keeps them (SQLite: naive UTC text)."""
    if conn.dialect.name == "postgresql":
        return value
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def sla(conn: Connection, w: Window) -> dict[str, Any]:
    """Per SLA policy, of the cases opened in the window: first responses met on time, late, still
    due; cases that breached any deadline; and the attainment share (on time / answered or late)."""
    c = _cases.c
    met = and_(c.sla_first_response_at.is_not(None), c.sla_first_response_at <= c.sla_first_response_due)
    late = or_(
        and_(c.sla_first_response_at.is_not(None), c.sla_first_response_at > c.sla_first_response_due),
        and_(c.sla_first_response_at.is_(None), c.sla_first_response_due < datetime.now(UTC)),
    )
    rows = conn.execute(
        select(
            c.sla_policy.label("policy"),
            func.count().label("cases"),
            func.sum(case((met, 1), else_=0)).label("met"),
            func.sum(case((late, 1), else_=0)).label("late"),
            func.sum(case((c.sla_breached_at.is_not(None), 1), else_=0)).label("breached"),
        )
        .where(c.opened_at >= w.start, c.opened_at <= w.end, c.sla_policy.is_not(None))
        .group_by(c.sla_policy)
    ).all()
    policies = []
    for r in sorted(rows, key=lambda r: r.policy):
        decided = int(r.met or 0) + int(r.late or 0)
        policies.append(
            {
                "policy": r.policy,
                "cases": int(r.cases),
                "first_response_met": int(r.met or 0),
                "first_response_late": int(r.late or 0),
                "breached": int(r.breached or 0),
                "attainment": round(int(r.met or 0) / decided, 3) if decided else None,
            }
        )
    met_all = sum(p["first_response_met"] for p in policies)
    decided_all = met_all + sum(p["first_response_late"] for p in policies)
    return {"policies": policies, "attainment": round(met_all / decided_all, 3) if decided_all else None}


def campaign_timeline(conn: Connection, w: Window) -> dict[str, Any]:
    """Messages joining campaigns per day, for the campaigns most active in the window."""
    day = _day(conn, _members.c.joined_at)
    in_window = and_(_members.c.joined_at >= w.start, _members.c.joined_at <= w.end, _members.c.status == "member")
    totals = conn.execute(
        select(_members.c.campaign_id, func.count().label("n"))
        .where(in_window)
        .group_by(_members.c.campaign_id)
        .order_by(literal_column("n").desc(), _members.c.campaign_id)
        .limit(TOP_CAMPAIGNS)
    ).all()
    ids = [r.campaign_id for r in totals]
    if not ids:
        return {"campaigns": [], "by_day": {}}
    titles = dict(conn.execute(select(_campaigns.c.id, _campaigns.c.title).where(_campaigns.c.id.in_(ids))).all())
    rows = conn.execute(
        select(_members.c.campaign_id, day.label("day"), func.count().label("n"))
        .where(in_window, _members.c.campaign_id.in_(ids))
        .group_by(_members.c.campaign_id, day)
    ).all()
    grid: dict[str, dict[str, int]] = {i: {} for i in ids}
    for r in rows:
        grid[r.campaign_id][r.day] = int(r.n)
    return {
        "campaigns": [{"id": r.campaign_id, "title": titles.get(r.campaign_id), "joined": int(r.n)} for r in totals],
        "by_day": {i: [grid[i].get(d, 0) for d in w.days] for i in ids},
    }


def dashboard(conn: Connection, *, days: int = 30, high_risk_signals: list[str], end: datetime | None = None) -> Any:
    """Every figure of the dashboard for one window, as a JSON-ready dict."""
    w = window(conn, days, end=end)
    return {
        "window": {"start": w.start.isoformat(), "end": w.end.isoformat(), "days": w.days},
        "volume": volume(conn, w),
        "sentiment": sentiment(conn, w),
        "risk": risk(conn, w, high_risk_signals),
        "sla": sla(conn, w),
        "campaigns": campaign_timeline(conn, w),
    }
