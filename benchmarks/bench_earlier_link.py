"""The campaign trigger's earlier-link lookup: the scan of every text vs the search index (decision 0316).

A store of N inbound messages with real text (CFPB complaint narratives and Enron executive mail from
../shared/data), one case each, over 90 days; one message in 40 carries a link, a quarter of those on
the host of the looked-up links (``blog.example.net/post-K``) so that the index's candidates are not
trivially empty. The lookups, each timed with the scan (``use_index=False``, the code before 0316)
and with the index, in the same run on the same store, results checked equal:

- ``absent``: a link on that host that no message holds (what most floods look up);
- ``early``: a link held by one message near the start of the store;
- ``late``: a link held by one message just before the flood, after everything else.

SQLite: CPU time of this process (``time.process_time``; the database runs in it). PostgreSQL: wall
clock, the work being in the server (median of the repeats).

    nice .venv/bin/python benchmarks/bench_earlier_link.py --n 20000 --n 100000
    nice .venv/bin/python benchmarks/bench_earlier_link.py --n 100000 --no-postgres
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from execdesk.campaigns.trigger import earliest_with_link  # noqa: E402
from execdesk.settings import load_settings  # noqa: E402
from execdesk.store import Store  # noqa: E402
from execdesk.store.models import Case, Message, table_of  # noqa: E402

DATA = Path(os.environ.get("EXECDESK_SHARED_DATA", ROOT.parent / "shared" / "data"))
START = datetime(2026, 8, 1, tzinfo=UTC)
FLOOD = START + timedelta(days=91)
LINKS = {
    "absent": "https://blog.example.net/outage-2026",
    "early": "https://blog.example.net/price-rise-letter",
    "late": "https://www.example.org/petition/keep-the-branch-open",
}
csv.field_size_limit(10_000_000)


def real_texts(limit: int = 60_000) -> list[str]:
    """Complaint narratives and executive mail bodies: the length and vocabulary of real inbound mail."""
    texts: list[str] = []
    with gzip.open(DATA / "cfpb_complaints" / "complaints_with_narratives.csv.gz", "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            texts.append(row["Consumer complaint narrative"])
            if len(texts) >= limit // 2:
                break
    with open(DATA / "enron_exec_mail" / "exec_mail.jsonl", encoding="utf-8") as fh:
        texts += [json.loads(line)["body"] for line in fh][: limit - len(texts)]
    return [t for t in texts if t.strip()]


def with_link(text: str, i: int, rnd: random.Random) -> str:
    """One message in 40 links something; a quarter of those links the looked-up host."""
    if rnd.random() >= 1 / 40:
        return text
    host = "blog.example.net" if rnd.random() < 0.25 else rnd.choice(["news.example.com", "www.example.org", "t.co"])
    return f"{text}\n\nSee https://{host}/post-{i} for what I mean."


def build(store: Store, n: int, texts: list[str]) -> None:
    rnd = random.Random(316)
    cases: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    for i in range(n):
        at = START + timedelta(days=90) * (i / n)
        body = with_link(texts[i % len(texts)], i, rnd)
        if i == n // 50:
            body += f"\nThe letter: {LINKS['early']}\n"
        if i == n - 1:
            body = f"Please sign ({LINKS['late']}).\n" + body
        cases.append({"id": i + 1, "subject": f"Case {i}", "opened_at": at, "updated_at": at})
        messages.append(
            {
                "id": i + 1,
                "raw_sha256": f"{i:064x}",
                "content_hash": f"{i:064x}",
                "size": len(body),
                "direction": "in",
                "subject": f"Case {i}",
                "from_addr": f"c{i}@example.net",
                "date": at,
                "received_at": at,
                "new_text": body,
                "case_id": i + 1,
            }
        )
    with store.transaction() as conn:
        for start in range(0, n, 5_000):
            conn.execute(insert(table_of(Case)), cases[start : start + 5_000])
            conn.execute(insert(table_of(Message)), messages[start : start + 5_000])
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def timed(clock: Callable[[], float], repeats: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Median seconds of ``repeats`` calls, and the last result."""
    spent = []
    result = None
    for _ in range(repeats):
        t0 = clock()
        result = fn()
        spent.append(clock() - t0)
    return statistics.median(spent), result


def bench(label: str, url: str, home: Path, n: int, texts: list[str]) -> None:
    store = Store.open(load_settings(home, database_url=url))
    t0 = time.perf_counter()
    build(store, n, texts)
    print(f"\n[{label}] {n:,} inbound messages (built in {time.perf_counter() - t0:.0f} s)")
    clock = time.process_time if store.engine.dialect.name == "sqlite" else time.perf_counter
    kind = "CPU" if clock is time.process_time else "wall"
    with store.engine.connect() as conn:
        for name, link in LINKS.items():
            scan_s, scan = timed(clock, 3, lambda link=link: earliest_with_link(conn, link, FLOOD, use_index=False))
            index_s, found = timed(clock, 7, lambda link=link: earliest_with_link(conn, link, FLOOD))
            same = scan == found
            where = f"message {found[0]}" if found else "none"
            print(
                f"  {name:<7} {kind} scan {scan_s * 1000:9.1f} ms  index {index_s * 1000:7.2f} ms  "
                f"x{scan_s / max(index_s, 1e-6):7.0f}  found {where:<14} same: {same}"
            )
            if not same:
                raise SystemExit(f"the index path found {found}, the scan {scan}")
    store.close()


def postgres_databases() -> Iterator[str]:
    """URLs of fresh databases on a throwaway PostgreSQL (nothing, with a line, where it cannot start)."""
    try:
        from tests.services import ServiceUnavailable, postgres_server

        with postgres_server() as server:
            while True:
                url = server.create_database("bench")
                try:
                    yield url
                finally:
                    server.drop_database(url)
    except (ImportError, ServiceUnavailable) as exc:
        print(f"\n[PostgreSQL] skipped: {exc}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, action="append", help="inbound messages in the store (repeatable)")
    ap.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = ap.parse_args()
    sizes = args.n or [20_000, 100_000]
    texts = real_texts()
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-link-") as tmp:
            bench("SQLite", f"sqlite:///{Path(tmp) / 'execdesk.sqlite3'}", Path(tmp), n, texts)
    if not args.no_postgres:
        databases = postgres_databases()
        for n, url in zip(sizes, databases, strict=False):
            with tempfile.TemporaryDirectory(prefix="bench-link-") as tmp:
                bench("PostgreSQL", url, Path(tmp), n, texts)
        databases.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
