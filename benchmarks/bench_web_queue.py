"""Queue page server time with 100,000 cases, on SQLite (and PostgreSQL when available).

    .venv/bin/python benchmarks/bench_web_queue.py [--cases 100000] [--requests 60] [--no-postgres]

Fills a fresh home with synthetic cases (realistic mix: 80% open or pending, priorities 0-100,
intents/topics/signals from the default taxonomy, 10% campaign members, 5% machine mail, a
quarter assigned), then requests the queue page as a signed-in agent through the ASGI app and
reads the server's own time from the ``Server-Timing`` header (the security middleware sets it
around the whole request: auth, query, template). Measured in the same run, as baselines:
  healthz   the framework floor (middleware, routing, no database)
  query     ``web.queries.queue_page`` alone on the same filters (the SQL and row mapping)
Reports p50/p95 in ms per scenario and the ratio of the page's p95 to the query's p95.
Target (issue #6): queue page p95 <= 150 ms.
PostgreSQL: EXECDESK_TEST_POSTGRES_URL, or a throwaway cluster via tests/services.py.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from execdesk.settings import load_settings  # noqa: E402
from execdesk.store import Store  # noqa: E402
from execdesk.store.models import Case, Contact, Message, table_of  # noqa: E402
from execdesk.web import accounts, queries  # noqa: E402
from execdesk.web.app import create_app  # noqa: E402

INTENTS = ["complaint", "request", "praise", "suggestion", "media_inquiry", "legal_notice", "other", "spam"]
TOPICS = ["billing", "service", "product", "pricing", "support", "account", "privacy", "other"]
SIGNALS = ["legal_threat", "going_public", "churn", "escalation", "repeat_contact", "vulnerable", "media_sender"]
SCENARIOS = {
    "default": "",
    "signal=legal_threat": "signal=legal_threat",
    "intent=complaint&topic=billing": "intent=complaint&topic=billing",
    "assignee=unassigned": "assignee=-",
    "page 20": "page=20",
}


def fill(
    store: Store, n: int, seed: int = 7, message_extra: Callable[[int, random.Random], dict[str, Any]] | None = None
) -> None:
    """``message_extra(i, rnd)`` adds columns to case i's message (benchmarks/bench_web_pages.py: real bodies)."""
    rnd = random.Random(seed)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    n_contacts = max(1, n * 6 // 10)
    contacts = [
        {"id": i + 1, "address": f"c{i}@example.net", "display_name": f"Customer {i}", "message_count": 1, "vip": False}
        for i in range(n_contacts)
    ]
    rows: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []  # one inbound message per case: the dashboard's volume and sentiment
    for i in range(n):
        at = now - timedelta(minutes=rnd.randrange(60 * 24 * 90))
        member = rnd.random() < 0.10
        rows.append(
            {
                "id": i + 1,
                "subject": f"Case {i} about my bill",
                "contact_id": rnd.randrange(n_contacts) + 1,
                "status": rnd.choices(["open", "pending", "resolved", "closed"], [70, 10, 10, 10])[0],
                "machine": rnd.random() < 0.05,
                "priority": round(rnd.random() * 100, 2),
                "priority_reasons": [{"source": "intent:complaint", "points": 12.0, "detail": "intent complaint"}],
                "intent": rnd.choice(INTENTS),
                "topic": rnd.choice(TOPICS),
                "signals": rnd.sample(SIGNALS, k=rnd.choice([0, 0, 0, 1, 1, 2])),
                "assignee": rnd.choice(["agent", "sam", "pat", None]) if rnd.random() < 0.25 else None,
                "opened_at": at,
                "updated_at": at,
                "last_inbound_at": at,
                "message_count": 1,
                "campaign_id": "cmp_00000000000000aa" if member else None,
                "campaign_role": "member" if member else None,
                "sla_policy": rnd.choice(["normal", "high-risk", "low"]),
                "sla_first_response_due": at + timedelta(hours=8),
                "sla_first_response_at": at + timedelta(hours=rnd.choice([1, 4, 12])) if rnd.random() < 0.8 else None,
            }
        )
        messages.append(
            {
                "id": i + 1,
                "raw_sha256": f"{i:064x}",
                "content_hash": f"{i:064x}",
                "size": 1000,
                "direction": "in",
                "subject": rows[-1]["subject"],
                "date": at,
                "received_at": at,
                "case_id": i + 1,
                "intent": rows[-1]["intent"],
                "topic": rows[-1]["topic"],
                "sentiment": round(rnd.uniform(-1, 1), 3),
            }
        )
        if message_extra is not None:
            messages[-1].update(message_extra(i, rnd))
    with store.transaction() as conn:
        conn.execute(insert(table_of(Contact)), contacts)
        for start in range(0, n, 10_000):
            conn.execute(insert(table_of(Case)), rows[start : start + 10_000])
            conn.execute(insert(table_of(Message)), messages[start : start + 10_000])
        accounts.add_user(conn, name="agent", role="agent", password="benchmark-password", actor="bench")
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def signed_in(app: Any) -> TestClient:
    c = TestClient(app, follow_redirects=False)
    page = c.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    r = c.post("/login", data={"username": "agent", "password": "benchmark-password", "csrf_token": token.group(1)})
    assert r.status_code == 303, r.text
    return c


def server_ms(c: TestClient, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        r = c.get(url)
        assert r.status_code == 200, (url, r.status_code)
        out.append(float(r.headers["server-timing"].split("dur=")[1]))
    return out


def query_ms(store: Store, qs: str, n: int) -> list[float]:
    params = dict(p.split("=") for p in qs.split("&") if p)
    page = int(params.pop("page", 1))
    flt = queries.QueueFilter(**{k: v for k, v in params.items()})
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        with store.engine.connect() as conn:
            queries.queue_page(conn, flt, limit=50, offset=(page - 1) * 50)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def run(label: str, database_url: str | None, n_cases: int, n_requests: int) -> None:
    with tempfile.TemporaryDirectory(prefix="execdesk-bench-web-") as tmp:
        settings = load_settings(Path(tmp), database_url=database_url)
        store = Store.open(settings)
        t0 = time.perf_counter()
        fill(store, n_cases)
        print(f"\n[{label}] {n_cases:,} cases inserted in {time.perf_counter() - t0:.1f} s")
        app = create_app(settings, store=store)
        c = signed_in(app)
        floor = server_ms(c, "/healthz", n_requests)
        print(f"  {'healthz (floor)':<32} p50 {p(floor, 50):7.2f} ms  p95 {p(floor, 95):7.2f} ms")
        for name, qs in SCENARIOS.items():
            server_ms(c, f"/queue?{qs}", 3)  # warm the caches
            page = server_ms(c, f"/queue?{qs}", n_requests)
            sql = query_ms(store, qs, n_requests)
            print(
                f"  queue {name:<26} p50 {p(page, 50):7.2f} ms  p95 {p(page, 95):7.2f} ms   "
                f"query alone p95 {p(sql, 95):7.2f} ms   page/query {p(page, 95) / p(sql, 95):4.1f}x"
                f"   {'OK' if p(page, 95) <= 150 else 'OVER 150 ms'}"
            )
        for days in (30, 90):
            server_ms(c, f"/dashboard?days={days}", 2)
            page = server_ms(c, f"/dashboard?days={days}", max(5, n_requests // 6))
            print(f"  {f'dashboard {days} days':<32} p50 {p(page, 50):7.2f} ms  p95 {p(page, 95):7.2f} ms")
        store.close()


def on_throwaway_postgres(bench: Callable[[str], Any]) -> None:
    """Run ``bench(url)`` on a fresh database of a throwaway PostgreSQL (skipped, with a line, when
    PostgreSQL cannot be started here)."""
    with ExitStack() as stack:
        try:
            from tests.services import ServiceUnavailable, postgres_server

            server = stack.enter_context(postgres_server())
        except (ImportError, ServiceUnavailable) as exc:
            print(f"\n[PostgreSQL] skipped: {exc}")
            return
        url = server.create_database("bench")
        try:
            bench(url)
        finally:
            server.drop_database(url)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=60)
    ap.add_argument("--no-postgres", action="store_true", help="SQLite only.")
    args = ap.parse_args()
    run("SQLite", None, args.cases, args.requests)
    if args.no_postgres:
        return 0
    on_throwaway_postgres(lambda url: run("PostgreSQL", url, args.cases, args.requests))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
