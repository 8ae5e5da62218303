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

from execdesk.store.models import MESSAGE_TIME, Campaign, CampaignMember, Case, Message, table_of

_cases = table_of(Case)
_messages = table_of(Message)
_campaigns = table_of(Campaign)
_members = table_of(CampaignMember)

MAX_DAYS = 366
#: Intents beyond this many (by volume) are summed as "other" in the by-day chart.
TOP_INTENTS = 6
TOP_CAMPAIGNS = 6
#: On SQLite a window holding more than this share of the stored mail's time span is read by a scan.
SCAN_FRACTION = 0.2
#: A message with sentiment at or below this is "clearly negative" in the sentiment chart.
NEGATIVE = -0.3


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    #: Read the window by scanning the tables rather than through the time indexes (SQLite, wide windows).
    scan: bool = False

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
    return Window(start, end.replace(hour=23, minute=59, second=59, microsecond=0), _scan(conn, start, end))


def _scan(conn: Connection, start: datetime, end: datetime) -> bool:
    """Whether the window holds so much of the stored mail that reading the tables beats the indexes.

    PostgreSQL's planner knows from its statistics how many rows a time range holds; SQLite's does not
    and always takes an index on a range: with wide message rows a row lookup per message of a 30-day
    window out of 90 days cost 1.5x a scan, and 2.3x for the whole 90, while 7 days took half
    (benchmarks/bench_web_pages.py --cpu). The first message's time is one probe of ix_messages_time.
    """
    if conn.dialect.name != "sqlite":
        return False
    first = conn.execute(select(func.min(MESSAGE_TIME))).scalar()
    if first is None:
        return False
    first = first if first.tzinfo else first.replace(tzinfo=UTC)
    stored = (end - first).total_seconds()
    return stored <= 0 or (end - start).total_seconds() / stored > SCAN_FRACTION


def _unindexed(conn: Connection, expr: Any) -> Any:
    """``expr`` written so that SQLite will not use an index for it (unary ``+``, a no-op on any value)."""
    return literal_column("+" + str(expr.compile(dialect=conn.dialect)), type_=expr.type)


def _when(conn: Connection, w: Window) -> Any:
    return _unindexed(conn, MESSAGE_TIME) if w.scan else MESSAGE_TIME  # the indexed expression (0009)


def _opened(conn: Connection, w: Window) -> Any:
    return _unindexed(conn, _cases.c.opened_at) if w.scan else _cases.c.opened_at


def _inbound(conn: Connection, w: Window) -> Any:
    when = _when(conn, w)
    return and_(_messages.c.direction == "in", _messages.c.machine_kind.is_(None), when >= w.start, when <= w.end)


def inbound_groups(conn: Connection, w: Window) -> list[Any]:
    """Inbound messages of the window (machine mail left out) grouped by day, intent and topic, with
    their sentiment count, sum and negatives: one pass over the window's rows (``ix_messages_time``)
    feeds both :func:`volume` and :func:`sentiment`: the window's wide message rows are read once,
    not three times (benchmarks/bench_web_pages.py)."""
    m = _messages.c
    day = _day(conn, _when(conn, w))
    intent = func.coalesce(m.intent, "unknown")
    topic = func.coalesce(m.topic, "unknown")
    return list(
        conn.execute(
            select(
                day.label("day"),
                intent.label("intent"),
                topic.label("topic"),
                func.count().label("n"),
                func.count(m.sentiment).label("scored"),
                func.sum(m.sentiment).label("sentiment"),
                func.sum(case((m.sentiment <= NEGATIVE, 1), else_=0)).label("negative"),
            )
            .where(_inbound(conn, w))
            .group_by(day, intent, topic)
        )
    )


def volume(conn: Connection, w: Window, groups: list[Any] | None = None) -> dict[str, Any]:
    """Inbound messages (machine mail left out) per day and intent, and totals by intent and topic."""
    rows = inbound_groups(conn, w) if groups is None else groups
    by_intent: dict[str, int] = defaultdict(int)
    by_topic: dict[str, int] = defaultdict(int)
    for r in rows:
        by_intent[r.intent] += int(r.n)
        by_topic[r.topic] += int(r.n)
    top = [k for k, _ in sorted(by_intent.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_INTENTS]]
    grid: dict[str, dict[str, int]] = {k: defaultdict(int) for k in [*top, "other"]}
    for r in rows:
        grid[r.intent if r.intent in top else "other"][r.day] += int(r.n)
    return {
        "days": w.days,
        "total": sum(by_intent.values()),
        "by_day": {d: sum(grid[k].get(d, 0) for k in grid) for d in w.days},
        "by_day_intent": {k: [grid[k].get(d, 0) for d in w.days] for k in grid if any(grid[k].values())},
        "by_intent": dict(sorted(by_intent.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_topic": dict(sorted(by_topic.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def sentiment(conn: Connection, w: Window, groups: list[Any] | None = None) -> dict[str, Any]:
    """Mean sentiment (-1..1) of inbound mail per day, and the share that is clearly negative."""
    rows = inbound_groups(conn, w) if groups is None else groups
    scored: dict[str, int] = defaultdict(int)
    total: dict[str, float] = defaultdict(float)
    negative: dict[str, int] = defaultdict(int)
    for r in rows:
        if r.scored:
            scored[r.day] += int(r.scored)
            total[r.day] += float(r.sentiment)
            negative[r.day] += int(r.negative or 0)
    return {
        "mean": [round(total[d] / scored[d], 3) if scored.get(d) else None for d in w.days],
        "negative_share": [round(negative[d] / scored[d], 3) if scored.get(d) else None for d in w.days],
    }


def risk(conn: Connection, w: Window, high_risk_signals: list[str]) -> dict[str, Any]:
    """Cases opened in the window per signal, and open cases per high-risk signal (one grouped query
    over the JSON list of signals each: ``json_each`` in SQLite, ``json_array_elements_text`` in PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        elements = "json_array_elements_text(c.signals::json) AS s(value)"
    else:
        elements = "json_each(c.signals) AS s"
    opened = "+c.opened_at" if w.scan else "c.opened_at"  # see _scan
    sql = text(
        f"SELECT s.value AS signal, count(*) AS n, "
        f"sum(CASE WHEN c.status IN ('open', 'pending') THEN 1 ELSE 0 END) AS open_now "
        f"FROM cases c, {elements} "
        f"WHERE {opened} >= :start AND {opened} <= :end AND c.machine = :no "
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
        .where(_opened(conn, w) >= w.start, _opened(conn, w) <= w.end, c.sla_policy.is_not(None))
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
    groups = inbound_groups(conn, w)
    return {
        "window": {"start": w.start.isoformat(), "end": w.end.isoformat(), "days": w.days},
        "volume": volume(conn, w, groups),
        "sentiment": sentiment(conn, w, groups),
        "risk": risk(conn, w, high_risk_signals),
        "sla": sla(conn, w),
        "campaigns": campaign_timeline(conn, w),
    }
