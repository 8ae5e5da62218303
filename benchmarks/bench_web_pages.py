"""Dashboard, queue with a signal filter, search and the digest at 100,000 cases, with and without
the production indexes (migration 0009), on SQLite and PostgreSQL.

    nice -n 19 .venv/bin/python benchmarks/bench_web_pages.py [--cases 100000] [--requests 12]
        [--rounds 3] [--no-postgres] [--no-sqlite] [--before 0008] [--explain]

The home is filled as benchmarks/bench_web_queue.py fills it (same cases, one inbound message
each), with rows as wide as real ones: each message body is a real complaint narrative from
../shared/data/cfpb_complaints (cycled), with an analysis record of typical size; 80% of cases also
have an outbound reply, and the 10% campaign members are real ``campaign_members`` rows. The
server's own time per page comes from the ``Server-Timing`` header; the digest is timed as a call.

Load-robust: the same data is measured in alternating slices, schema at ``--before`` (the indexes
dropped by Alembic's downgrade) then at head, ``--rounds`` times, so a load spike hits both states.
Every figure is also given as a ratio to the plain queue page measured in the same slice
(``x queue``), and the table ends with after/before per scenario. Ratios are what count on a
shared machine; the absolute milliseconds depend on its load.
``--cpu`` (SQLite only) times the core calls instead of the pages, in process CPU time, which a busy
machine does not inflate: one home is filled and copied, one copy downgraded to ``--before``, and
the calls alternate between the two copies call by call (``--homes OLD NEW`` reuses two such homes).
``--explain`` prints instead the plan of every statement each scenario runs (SQLite's EXPLAIN QUERY
PLAN, PostgreSQL's EXPLAIN ANALYZE), at each schema state.
PostgreSQL: EXECDESK_TEST_POSTGRES_URL, or a throwaway cluster via tests/services.py.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from benchmarks.bench_web_queue import fill as fill_cases  # noqa: E402
from benchmarks.bench_web_queue import on_throwaway_postgres, signed_in  # noqa: E402
from benchmarks.corpus import SHARED  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from execdesk.digest.build import build_digest  # noqa: E402
from execdesk.digest.period import Period  # noqa: E402
from execdesk.settings import load_settings  # noqa: E402
from execdesk.store import Store  # noqa: E402
from execdesk.store.db import SCHEMA_HEAD, alembic_config  # noqa: E402
from execdesk.store.models import Campaign, CampaignMember, Case, Message, table_of  # noqa: E402
from execdesk.web.app import create_app  # noqa: E402

NOW = datetime(2026, 11, 1, tzinfo=UTC)  # bench_web_queue's fill spreads cases over the 90 days before


def narratives() -> list[str]:
    """The CFPB complaint narratives (real consumer complaints, public domain), in file order."""
    with gzip.open(SHARED / "cfpb_complaints" / "complaints_with_narratives.csv.gz", "rt", encoding="utf-8") as fh:
        return [row["Consumer complaint narrative"] for row in csv.DictReader(fh)]


def rare_word(texts: list[str]) -> str:
    """A word in exactly one narrative (so in about cases/4,762 messages): the search that finds few."""
    df: Counter[str] = Counter()
    for t in texts:
        df.update({w for w in re.findall(r"[a-z]{9,}", t.lower())})
    return sorted(w for w, n in df.items() if n == 1)[len(df) // 50]


def _analysis(rnd: random.Random, body: str) -> dict[str, Any]:
    """An analysis record of the size the analyze stage stores (labels, scores, evidence spans)."""
    quote = body[:80]
    return {
        "intent": {"label": "complaint", "confidence": round(rnd.random(), 3), "features": ["bill", "charged"]},
        "topic": {"label": "billing", "confidence": round(rnd.random(), 3)},
        "sentiment": {"score": round(rnd.uniform(-1, 1), 3), "anger": rnd.randrange(4)},
        "signals": [{"name": "churn", "strength": 0.6, "evidence": [{"start": 0, "end": 80, "text": quote}]}],
        "language": "en",
    }


def fill(store: Store, n: int, texts: list[str]) -> None:
    def extra(i: int, rnd: random.Random) -> dict[str, Any]:
        body = texts[i % len(texts)]
        return {"new_text": body, "size": 1200 + len(body), "analysis": _analysis(rnd, body)}

    fill_cases(store, n, message_extra=extra)
    rnd = random.Random(11)
    cases, messages = table_of(Case), table_of(Message)
    with store.transaction() as conn:
        rows = conn.execute(
            select(cases.c.id, cases.c.opened_at, cases.c.sla_first_response_at, cases.c.campaign_role)
        ).all()
        replies = [
            {
                "id": n + k + 1,
                "raw_sha256": f"r{r.id:063x}",
                "content_hash": f"r{r.id:063x}",
                "size": 900,
                "direction": "out",
                "subject": f"Re: Case {r.id - 1} about my bill",
                "new_text": "Thank you for writing. We have corrected the charge and will call you on Monday.",
                "date": r.sla_first_response_at,
                "received_at": r.sla_first_response_at,
                "case_id": r.id,
            }
            for k, r in enumerate(x for x in rows if x.sla_first_response_at is not None)
        ]
        for start in range(0, len(replies), 10_000):
            conn.execute(insert(messages), replies[start : start + 10_000])
        members = [r for r in rows if r.campaign_role == "member"]
        by_campaign: dict[str, list[Any]] = defaultdict(list)
        for r in members:  # four floods of different sizes
            by_campaign[f"cmp_{rnd.choice([1, 1, 1, 2, 2, 3, 4]):016x}"].append(r)
        for cid, rs in by_campaign.items():
            conn.execute(
                insert(table_of(Campaign)),
                {
                    "id": cid,
                    "title": f"Flood {cid[-1]}",
                    "size": len(rs),
                    "first_seen": min(r.opened_at for r in rs),
                    "last_seen": max(r.opened_at for r in rs),
                    "created_at": NOW,
                    "updated_at": NOW,
                },
            )
            conn.execute(
                insert(table_of(CampaignMember)),
                [
                    {
                        "campaign_id": cid,
                        "message_pk": r.id,
                        "case_id": r.id,
                        "joined_at": r.opened_at,
                        "similarity": 0.9,
                    }
                    for r in rs
                ],
            )
        conn.execute(cases.update().where(cases.c.campaign_role == "member").values(campaign_id=None))
        for cid, rs in by_campaign.items():
            ids = [r.id for r in rs]
            for start in range(0, len(ids), 5_000):
                conn.execute(cases.update().where(cases.c.id.in_(ids[start : start + 5_000])).values(campaign_id=cid))
    analyze(store)


def analyze(store: Store) -> None:
    """PostgreSQL's planner needs statistics (autovacuum gathers them in production); SQLite's app has none."""
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def set_schema(store: Store, revision: str) -> None:
    from alembic import command

    cfg = alembic_config(store.engine)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        if revision == SCHEMA_HEAD:
            command.upgrade(cfg, "head")
        else:
            command.downgrade(cfg, revision)
    analyze(store)


def server_ms(c: TestClient, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        r = c.get(url)
        assert r.status_code == 200, (url, r.status_code)
        out.append(float(r.headers["server-timing"].split("dur=")[1]))
    return out


def call_ms(fn: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def scenarios(store: Store, word: str) -> dict[str, Callable[[TestClient, int], list[float]]]:
    def page(url: str) -> Callable[[TestClient, int], list[float]]:
        return lambda c, n: server_ms(c, url, n)

    def digest(hours: int) -> Callable[[TestClient, int], list[float]]:
        period = Period(NOW - timedelta(hours=hours), NOW)

        def once() -> None:
            with store.engine.connect() as conn:
                build_digest(conn, store.settings, period, now=NOW)

        return lambda c, n: call_ms(once, max(1, n // 4))

    return {
        "queue (baseline)": page("/queue"),
        "queue signal=legal_threat": page("/queue?signal=legal_threat"),
        "queue signal=safety (rare)": page("/queue?signal=safety"),
        "dashboard 7 days": page("/dashboard?days=7"),
        "dashboard 30 days": page("/dashboard?days=30"),
        "dashboard 90 days": page("/dashboard?days=90"),
        "search 'account' (common)": page("/search?q=account"),
        f"search '{word}' (rare)": page(f"/search?q={word}"),
        "search 'account' page 50": page("/search?q=account&page=50"),
        "digest 24 h (call)": digest(24),
    }


def explain(store: Store, c: TestClient, runs: dict[str, Callable[[TestClient, int], list[float]]]) -> None:
    """Each scenario once, with the plan of every distinct statement it ran."""
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "alembic_version" not in statement:
            seen.append((statement, params))

    pg = store.engine.dialect.name == "postgresql"
    for name, fn in runs.items():
        seen.clear()
        event.listen(store.engine, "before_cursor_execute", capture)
        try:
            fn(c, 1)
        finally:
            event.remove(store.engine, "before_cursor_execute", capture)
        print(f"\n### {name}")
        done: set[str] = set()
        for statement, params in seen:
            if statement in done or "FROM users" in statement or "web_sessions" in statement:
                continue
            done.add(statement)
            prefix = "EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) " if pg else "EXPLAIN QUERY PLAN "
            with store.engine.connect() as conn:
                cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                cur.execute(prefix + statement, params)
                plan = [" | ".join(str(x) for x in row) for row in cur.fetchall()]
            print("  " + " ".join(statement.split())[:300])
            print("\n".join("      " + line for line in plan))


def cpu_calls(settings: Any, word: str) -> dict[str, Callable[[Any], Any]]:
    from execdesk.cases.dashboard import dashboard
    from execdesk.search.query import search
    from execdesk.web.queries import QueueFilter, queue_page

    day = Period(NOW - timedelta(hours=24), NOW)
    return {
        "queue (baseline)": lambda conn: queue_page(conn, QueueFilter()),
        "queue signal=safety (rare)": lambda conn: queue_page(conn, QueueFilter(signal="safety")),
        "dashboard 7 days": lambda conn: dashboard(conn, days=7, high_risk_signals=["legal_threat"]),
        "dashboard 30 days": lambda conn: dashboard(conn, days=30, high_risk_signals=["legal_threat"]),
        "dashboard 90 days": lambda conn: dashboard(conn, days=90, high_risk_signals=["legal_threat"]),
        "search 'account' (common)": lambda conn: search(conn, "account"),
        f"search '{word}' (rare)": lambda conn: search(conn, word),
        "search 'account' page 50": lambda conn: search(conn, "account", offset=980),
        "digest 24 h": lambda conn: build_digest(conn, settings, day, now=NOW),
    }


def run_cpu(args: argparse.Namespace, texts: list[str]) -> None:
    import shutil

    with tempfile.TemporaryDirectory(prefix="execdesk-bench-cpu-") as tmp:
        if args.homes:
            homes = [Path(h) for h in args.homes]
        else:
            homes = [Path(tmp) / "before", Path(tmp) / "after"]
            store = Store.open(load_settings(homes[1]))
            fill(store, args.cases, texts)
            store.close()
            shutil.copytree(homes[1], homes[0])
        stores = [Store.open(load_settings(h), migrate=False) for h in homes]
        set_schema(stores[0], args.before)
        set_schema(stores[1], SCHEMA_HEAD)
        calls = cpu_calls(stores[1].settings, rare_word(texts))
        cpu: dict[str, list[list[float]]] = {name: [[], []] for name in calls}
        conns = [s.engine.connect() for s in stores]
        for name, fn in calls.items():
            for k in (0, 1):
                fn(conns[k])  # warm the page cache of both copies
            for i in range(args.requests * 2):
                k = i % 2 if (i // 2) % 2 == 0 else 1 - i % 2  # ABBA: neither copy always goes first
                t0 = time.process_time()
                fn(conns[k])
                cpu[name][k].append((time.process_time() - t0) * 1000)
        base = [statistics.median(cpu["queue (baseline)"][k]) for k in (0, 1)]
        print(f"\n[SQLite, CPU ms per call] schema {args.before} vs {SCHEMA_HEAD}, same rows, calls alternating")
        print(f"  {'call':<30}| {args.before}: p50   x queue | {SCHEMA_HEAD}: p50   x queue | after/before")
        for name, (old, new) in cpu.items():
            a, b = statistics.median(old), statistics.median(new)
            print(f"  {name:<30}| {a:9.1f} {a / base[0]:7.1f}x | {b:9.1f} {b / base[1]:7.1f}x | {b / a:6.2f}")
        for conn in conns:
            conn.close()
        for s in stores:
            s.close()


def run(label: str, database_url: str | None, args: argparse.Namespace, texts: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="execdesk-bench-pages-") as tmp:
        # The dashboard's cache (web.dashboard_cache_seconds) off: what is measured is the computation.
        settings = load_settings(Path(tmp), database_url=database_url, web={"dashboard_cache_seconds": 0})
        store = Store.open(settings)
        t0 = time.perf_counter()
        fill(store, args.cases, texts)
        with store.transaction() as conn:  # a handful of rare-signal cases for the rare filter
            conn.execute(
                table_of(Case).update().where(table_of(Case).c.id % 997 == 0).values(signals=["safety", "vulnerable"])
            )
        analyze(store)
        word = rare_word(texts)
        print(f"\n[{label}] {args.cases:,} cases filled in {time.perf_counter() - t0:.1f} s")
        app = create_app(settings, store=store)
        c = signed_in(app)
        runs = scenarios(store, word)
        states = [args.before, SCHEMA_HEAD] if args.before != SCHEMA_HEAD else [SCHEMA_HEAD]
        if args.explain:
            for state in states:
                set_schema(store, state)
                print(f"\n## [{label}] schema {state}")
                explain(store, c, runs)
            store.close()
            return
        times: dict[str, dict[str, list[float]]] = {s: defaultdict(list) for s in states}
        ratios: dict[str, dict[str, list[float]]] = {s: defaultdict(list) for s in states}
        for rnd in range(args.rounds):
            for state in states if rnd % 2 == 0 else reversed(states):
                t1 = time.perf_counter()
                set_schema(store, state)
                switch = time.perf_counter() - t1
                base = None
                for name, fn in runs.items():
                    fn(c, 1)  # warm the caches
                    got = fn(c, args.requests)
                    times[state][name].extend(got)
                    base = base if base is not None else statistics.median(got)
                    ratios[state][name].append(statistics.median(got) / base)
                print(f"  round {rnd + 1} schema {state} done (switch {switch:.1f} s)", flush=True)
        head = (
            f"  {'scenario':<30}"
            + "".join(f"| {s}: p50 ms  p95 ms  x queue " for s in states)
            + ("| after/before p50" if len(states) == 2 else "")
        )
        print(head)
        for name in runs:
            line = f"  {name:<30}"
            for s in states:
                v = times[s][name]
                line += f"| {pct(v, 50):9.1f} {pct(v, 95):7.1f} {statistics.median(ratios[s][name]):7.2f}x "
            if len(states) == 2:
                line += f"| {pct(times[states[1]][name], 50) / pct(times[states[0]][name], 50):6.2f}"
            print(line)
        store.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=12, help="Requests per scenario per slice.")
    ap.add_argument("--rounds", type=int, default=3, help="Alternating slices per schema state.")
    ap.add_argument("--before", default="0008", help="The revision measured as 'before' (head alone if equal).")
    ap.add_argument("--cpu", action="store_true", help="SQLite core calls in CPU time, schemas alternating.")
    ap.add_argument("--homes", nargs=2, metavar=("OLD", "NEW"), help="With --cpu: two filled homes to reuse.")
    ap.add_argument("--explain", action="store_true", help="Print the query plans instead of timing.")
    ap.add_argument("--no-postgres", action="store_true", help="SQLite only.")
    ap.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only.")
    args = ap.parse_args()
    texts = narratives()
    if args.cpu:
        run_cpu(args, texts)
        return 0
    if not args.no_sqlite:
        run("SQLite", None, args, texts)
    if args.no_postgres:
        return 0
    on_throwaway_postgres(lambda url: run("PostgreSQL", url, args, texts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
