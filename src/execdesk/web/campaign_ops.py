"""Campaign reads and bulk actions as the desk's pages and API both call them.

A thin composition over :mod:`execdesk.campaigns.queries` and :mod:`execdesk.campaigns.actions`
(the one core the CLI uses too): it opens the transaction, turns "no such campaign" into 404 and
the core's refusals into 400 ``refused``, and applies the desk's role policy for blocked answers
(only a supervisor's written reason lets a blocked text go out; see docs/web.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from execdesk.campaigns import actions, queries
from execdesk.campaigns.actions import CampaignError
from execdesk.store import Store
from execdesk.web.accounts import Principal
from execdesk.web.auth import APPROVERS
from execdesk.web.errors import DeskError

MAX_ANSWER_CHARS = 50_000


def detail(store: Store, campaign_id: str) -> dict[str, Any]:
    """One campaign with its members, alerts and related campaigns; 404 when unknown."""
    with store.engine.connect() as conn:
        found = queries.campaign_detail(conn, campaign_id)
    if found is None:
        raise DeskError(404, "not_found", f"no campaign {campaign_id}")
    rep = found.get("representative_message_pk")
    found["representative_case_id"] = next(
        (m["case_id"] for m in found["member_details"] if m["message_pk"] == rep), None
    )
    return found


def listing(store: Store, *, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return queries.list_campaigns(conn, status=status, include_members=False, limit=limit)


def acknowledge(store: Store, campaign_id: str, user: Principal) -> dict[str, Any]:
    with _refusals(), store.transaction() as conn:
        return actions.acknowledge_all(conn, store.settings, campaign_id, by=user.name).to_dict()


def answer(
    store: Store, campaign_id: str, user: Principal, *, text: str, reason: str = "", executive: bool = False
) -> dict[str, Any]:
    """Answer every distinct sender. A blocked text is refused unless a supervisor gives a reason;
    an agent's reason is not an approval, so it is refused outright rather than ignored."""
    reason = reason.strip()
    if reason and user.role not in APPROVERS:
        raise DeskError(403, "forbidden", "only a supervisor may approve a blocked answer with a reason")
    with _refusals(), store.transaction() as conn:
        result = actions.answer_all(
            conn,
            store.settings,
            campaign_id,
            text=text,
            by=user.name,
            role=user.role,
            approval_reason=reason or None,
            executive=executive,
        )
    return result.to_dict()


def close(store: Store, campaign_id: str, user: Principal, *, reason: str = "", include_own_text: bool = False) -> Any:
    with _refusals(), store.transaction() as conn:
        return actions.close_all(
            conn, campaign_id, by=user.name, reason=reason, include_own_text=include_own_text
        ).to_dict()


def detach(store: Store, campaign_id: str, message_pk: int, user: Principal, *, reason: str = "") -> dict[str, Any]:
    with _refusals(), store.transaction() as conn:
        return actions.detach(conn, campaign_id, message_pk, by=user.name, reason=reason)


@contextmanager
def _refusals() -> Iterator[None]:
    """Core refusals in the desk's error shape: unknown campaign 404, anything else 400 refused."""
    try:
        yield
    except CampaignError as exc:
        message = str(exc)
        if message.startswith("no campaign "):
            raise DeskError(404, "not_found", message) from None
        raise DeskError(400, "refused", message) from None


#: The growth chart shows at most this many hours (the latest); the table below it has them all.
MAX_GROWTH_HOURS = 24 * 14


def growth_chart(arrivals: list[dict[str, Any]]) -> dict[str, Any]:
    """Arrivals per hour with the empty hours filled in, and the running total: the chart's data."""
    counts = {datetime.fromisoformat(a["hour"]): int(a["count"]) for a in arrivals}
    if not counts:
        return {"type": "bar", "labels": [], "series": []}
    first, last = min(counts), max(counts)
    hours = int((last - first).total_seconds() // 3600) + 1
    if hours > MAX_GROWTH_HOURS:
        first = last - timedelta(hours=MAX_GROWTH_HOURS - 1)
        hours = MAX_GROWTH_HOURS
    before = sum(n for h, n in counts.items() if h < first)
    labels, per_hour, total = [], [], []
    running = before
    for i in range(hours):
        hour = first + timedelta(hours=i)
        n = counts.get(hour, 0)
        running += n
        labels.append(hour.astimezone(UTC).strftime("%m-%d %H:00"))
        per_hour.append(n)
        total.append(running)
    return {
        "type": "bar",
        "labels": labels,
        "yTitle": "messages per hour",
        "y2Title": "total",
        "series": [
            {"label": "arrivals per hour", "data": per_hour},
            {"label": "running total", "data": total, "kind": "line", "axis": "y2", "color": "#6a3fb5"},
        ],
    }
