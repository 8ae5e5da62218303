"""The dashboard: its figures from grouped SQL agree with the rows they count, the page carries each
chart's data for static/charts.js (and the numbers as tables), the API serves the same dict."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from execdesk.cases.dashboard import dashboard
from execdesk.store.models import Case, Message, table_of
from execdesk.web import accounts
from tests.web.conftest import Desk, make_desk
from tests.web.flood import READERS, flood_mail


@pytest.fixture
def flood(home: Path, db_url: str) -> Iterator[Desk]:
    d = make_desk(home, database_url=db_url, extra_mail=flood_mail())
    yield d
    d.store.close()


def test_figures_count_what_the_rows_say(flood: Desk) -> None:
    """Each figure against a count made in Python from the same rows (SQLite and PostgreSQL)."""
    m, c = table_of(Message), table_of(Case)
    with flood.store.engine.connect() as conn:
        d = dashboard(conn, days=30, high_risk_signals=["legal_threat", "going_public"])
        inbound = conn.execute(
            select(m.c.date, m.c.intent, m.c.topic).where(m.c.direction == "in", m.c.machine_kind.is_(None))
        ).all()
        cases = conn.execute(select(c.c.signals, c.c.status, c.c.machine)).all()
    days = Counter(r.date.date().isoformat() for r in inbound)
    assert d["volume"]["total"] == len(inbound)
    assert {k: v for k, v in d["volume"]["by_day"].items() if v} == dict(days)
    assert d["volume"]["by_topic"] == dict(Counter(r.topic or "unknown" for r in inbound))
    assert sum(sum(v) for v in d["volume"]["by_day_intent"].values()) == len(inbound)
    signals = Counter(s for r in cases if not r.machine for s in r.signals)
    assert {k: v["cases"] for k, v in d["risk"]["by_signal"].items()} == dict(signals)
    assert d["risk"]["high_risk"]["legal_threat"]["cases"] == signals["legal_threat"] >= 1  # Dana threatens a lawyer
    assert d["campaigns"]["campaigns"][0]["joined"] == READERS
    assert sum(d["campaigns"]["by_day"][d["campaigns"]["campaigns"][0]["id"]]) == READERS
    sla = d["sla"]["policies"]
    assert sla and all(p["first_response_met"] + p["first_response_late"] <= p["cases"] for p in sla)
    assert len(d["sentiment"]["mean"]) == len(d["window"]["days"]) == 30
    assert all(x is None or -1 <= x <= 1 for x in d["sentiment"]["mean"])


def test_the_page_carries_each_chart_and_its_numbers(flood: Desk) -> None:
    page = flood.client("executive").get("/dashboard?days=7")
    assert page.status_code == 200
    specs = [json.loads(html.unescape(s)) for s in re.findall(r'data-chart="([^"]+)"', page.text)]
    assert len(specs) == 6
    volume = specs[0]
    assert len(volume["labels"]) == 7 and sum(sum(s["data"]) for s in volume["series"]) >= READERS
    assert '<script src="/static/vendor/chart-4.6.1.umd.min.js" defer></script>' in page.text
    assert "<script>" not in page.text  # the CSP forbids inline script: data only
    assert 'href="/queue?signal=legal_threat"' in page.text
    assert flood.client("admin").get("/dashboard").status_code == 403  # the admin does not read mail figures
    static = flood.client().get("/static/vendor/chart-4.6.1.umd.min.js")
    assert static.status_code == 200 and b"Chart.js v4.6.1" in static.content


def test_the_api_serves_the_same_figures(flood: Desk) -> None:
    with flood.store.transaction() as conn:
        token = accounts.create_token(conn, name="agent", actor="test")["token"]
    r = flood.client().get("/api/v1/dashboard?days=7", headers={"authorization": f"Bearer {token}"})
    assert r.status_code == 200
    assert r.json()["campaigns"]["campaigns"][0]["joined"] == READERS
    assert flood.client().get("/api/v1/dashboard").status_code == 401
