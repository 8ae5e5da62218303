"""The dashboard: volume by day and intent, topics, sentiment trend, risk counts, SLA attainment and
the campaign timeline. Figures from :mod:`execdesk.cases.dashboard` (grouped SQL; the API serves the
same dict); each chart is written into a ``data-chart`` attribute for static/charts.js, and a table
beside it carries the same numbers without JavaScript."""

from __future__ import annotations

import json
import threading
import time
from typing import Annotated, Any
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from execdesk.cases import dashboard as figures
from execdesk.web.accounts import Principal
from execdesk.web.app import render
from execdesk.web.auth import READERS, StoreDep, require_role

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require_role(*READERS))]
WINDOWS = (7, 30, 90, 365)


#: Per store: window (days) -> (monotonic expiry, figures). The figures are aggregates over days, so a
#: few seconds of staleness is harmless, while computing them reads every message of the window
#: (docs/decisions/1002-production-indexes.md). Callers must not change the dict they get.
_CACHE: WeakKeyDictionary[Any, dict[int, tuple[float, dict[str, Any]]]] = WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


def compute(store: Any, days: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        return figures.dashboard(conn, days=days, high_risk_signals=store.settings.routing.high_risk_signals)


def load(store: Any, days: int) -> dict[str, Any]:
    """The figures for a window, from this process's cache when younger than web.dashboard_cache_seconds."""
    ttl = store.settings.web.dashboard_cache_seconds
    if ttl <= 0:
        return compute(store, days)
    now = time.monotonic()
    with _CACHE_LOCK:
        hit = _CACHE.get(store, {}).get(days)
    if hit is not None and hit[0] > now:
        return hit[1]
    data = compute(store, days)  # outside the lock: two first requests may both compute, neither waits
    with _CACHE_LOCK:
        _CACHE.setdefault(store, {})[days] = (now + ttl, data)
    return data


def _short(day: str) -> str:
    return day[5:]  # MM-DD: the window is on the page


def charts(data: dict[str, Any]) -> dict[str, str]:
    """Chart.js specs (labels and series) as JSON strings for the ``data-chart`` attributes."""
    days = [_short(d) for d in data["window"]["days"]]
    vol, risk, sla = data["volume"], data["risk"], data["sla"]
    specs: dict[str, Any] = {
        "volume": {
            "type": "bar",
            "stacked": True,
            "labels": days,
            "yTitle": "inbound messages",
            "series": [{"label": k, "data": v} for k, v in vol["by_day_intent"].items()],
        },
        "topics": {
            "type": "bar",
            "horizontal": True,
            "labels": list(vol["by_topic"]),
            "series": [{"label": "messages", "data": list(vol["by_topic"].values())}],
        },
        "sentiment": {
            "type": "line",
            "labels": days,
            "decimals": True,
            "beginAtZero": False,
            "yMin": -1,
            "yMax": 1,
            "yTitle": "mean sentiment",
            "y2Title": "share negative",
            "series": [
                {"label": "mean sentiment (-1..1)", "data": data["sentiment"]["mean"]},
                {
                    "label": "share clearly negative",
                    "data": data["sentiment"]["negative_share"],
                    "axis": "y2",
                    "color": "#b3261e",
                },
            ],
        },
        "risk": {
            "type": "bar",
            "horizontal": True,
            "labels": list(risk["by_signal"]),
            "series": [
                {"label": "cases opened", "data": [v["cases"] for v in risk["by_signal"].values()]},
                {"label": "still open", "data": [v["open"] for v in risk["by_signal"].values()], "color": "#b3261e"},
            ],
        },
        "sla": {
            "type": "bar",
            "stacked": True,
            "labels": [p["policy"] for p in sla["policies"]],
            "yTitle": "cases",
            "series": [
                {
                    "label": "first response on time",
                    "data": [p["first_response_met"] for p in sla["policies"]],
                    "color": "#1e6b3a",
                },
                {
                    "label": "first response late or overdue",
                    "data": [p["first_response_late"] for p in sla["policies"]],
                    "color": "#b3261e",
                },
            ],
        },
        "campaigns": {
            "type": "bar",
            "stacked": True,
            "labels": days,
            "yTitle": "messages joining",
            "series": [
                {"label": (c["title"] or c["id"])[:40], "data": data["campaigns"]["by_day"][c["id"]]}
                for c in data["campaigns"]["campaigns"]
            ],
        },
    }
    return {name: json.dumps(spec) for name, spec in specs.items()}


@router.get("/dashboard")
def dashboard_page(request: Request, store: StoreDep, user: Reader, days: int = 30) -> Response:
    days = days if days in WINDOWS else 30
    data = load(store, days)
    return render(request, "dashboard.html", {"d": data, "charts": charts(data), "days": days, "windows": WINDOWS})
