"""Load test: N messages through M ``execdesk worker`` processes on one PostgreSQL store.

    nice .venv/bin/python benchmarks/bench_workers.py --n 1000000 --workers 2
    .venv/bin/python benchmarks/bench_workers.py --n 5000 --steady 1000      # a quick look

What it does, all on this machine:

1. Starts a throwaway PostgreSQL (``track_commit_timestamp = on``, so the moment each message's
   transaction committed — the moment its case is in the queue — is read from the database, not
   guessed) or uses ``--pg-url``; makes a store home with ``queue.backend = procrastinate``.
2. **Burst**: a producer thread (standing in for the SMTP/IMAP listeners) writes N messages to the
   blob store and enqueues them, ``--per-task`` messages per task, as fast as it can, while M
   worker processes (``execdesk worker``, the real command) drain the queue. This is a flood
   arriving faster than the desk can read it: throughput is the figure; latency is queue wait.
3. **Kill**: when ``--kill-at`` of the burst is stored, worker 0 gets SIGKILL (mid-batch) and is
   started again ``--restart-after`` seconds later, as a service manager would.
4. **Steady**: ``--steady`` more messages at ``--steady-load`` x the burst throughput, one task
   each (as the SMTP listener enqueues). Latency from arrival to a queued case is the figure.
5. **Checks**: every message stored exactly once (one arrival per source reference, one message
   per Message-ID), no job left, no failed job; flood events are counted against the campaigns
   they became. Memory: the peak RSS of every worker process (psutil, sampled each second).

The baseline, measured in the same run on the same machine, is the **producer alone**: how fast
these messages are written and enqueued with no worker running (the cost of arrival that every
design pays); the worker throughput is printed as a ratio against it.

Messages: real texts from ../shared/data replayed with variation (floods: regulations.gov form
letters with word substitutions and "My name is" lines, arriving in bursts of one family at a
time; individual mail: CFPB narratives and Enron executive mail bodies with every eighth word
substituted; SpamAssassin messages re-sent with a new Message-ID — real MIME, HTML and
attachments; repeat contacts writing again).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import psutil
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from corpus import SHARED, spamassassin_messages  # noqa: E402
from tests.services import postgres_server, stop_pid  # noqa: E402

csv.field_size_limit(10_000_000)
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
FLOOD_EVENT = 40_000  # a new flood family starts every this many messages
FIRST = [
    "Dana",
    "Ali",
    "Sam",
    "Chris",
    "Priya",
    "Tomas",
    "Mei",
    "Olu",
    "Ines",
    "Ravi",
    "Jo",
    "Ana",
    "Lena",
    "Kofi",
    "Yuki",
    "Marta",
    "Omar",
    "Eva",
    "Liam",
    "Noor",
]
LAST = [
    "Whitfield",
    "Okafor",
    "Novak",
    "Berg",
    "Costa",
    "Haddad",
    "Silva",
    "Moreau",
    "Kim",
    "Tanaka",
    "Rossi",
    "Kowalski",
    "Ng",
    "Patel",
    "Dubois",
]
MSGID = re.compile(rb"^Message-ID:[^\r\n]*(\r?\n[ \t][^\r\n]*)*", re.IGNORECASE | re.MULTILINE)


# --------------------------------------------------------------------------- messages


def _words(path: Path, column: str, limit: int) -> list[list[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    out: list[list[str]] = []
    with opener(path, "rt", encoding="utf-8", newline="") as fh:  # type: ignore[operator]
        for row in csv.DictReader(fh):
            words = row[column].split()
            if len(words) >= 12:
                out.append(words[:400])
            if len(out) >= limit:
                break
    return out


@dataclass
class Corpus:
    families: list[list[list[str]]]
    individual: list[list[str]]
    raw: list[bytes]
    vocab: list[str] = field(default_factory=list)

    @classmethod
    def load(cls) -> Corpus:
        fams: dict[tuple[str, str], list[list[str]]] = {}
        with open(SHARED / "floods" / "regulations_gov_clustered_comments.csv", encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                words = r["text"].split()
                if len(words) >= 20:
                    fams.setdefault((r["docket_id"], r["upstream_comp"]), []).append(words[:400])
        families = sorted((f for f in fams.values() if len(f) >= 5), key=len, reverse=True)
        cfpb = SHARED / "cfpb_complaints" / "complaints_with_narratives.csv.gz"
        individual = _words(cfpb, "Consumer complaint narrative", 30_000)
        with open(SHARED / "enron_exec_mail" / "exec_mail.jsonl", encoding="utf-8") as fh:
            individual += [w[:400] for line in fh if len(w := json.loads(line)["body"].split()) >= 12]
        vocab = sorted({w for text in individual[:3000] for w in text if w.isalpha() and len(w) > 3})
        return cls(families, individual, spamassassin_messages(), vocab)


class MessageStream:
    """The i-th message of the load test, deterministic for a seed (so a rerun is the same load)."""

    def __init__(self, corpus: Corpus, seed: int = 7) -> None:
        self.c, self.rng = corpus, random.Random(seed)
        self.senders: list[tuple[str, str]] = []

    def _person(self, i: int) -> tuple[str, str]:
        r = self.rng
        first, last = r.choice(FIRST), r.choice(LAST)
        domain = r.choice(("example.net", "example.org", "mail.example.com"))
        return f"{first} {last}", f"{first.lower()}.{last.lower()}.{i}@{domain}"

    def _vary(self, words: list[str], every: int) -> str:
        out = list(words)
        for k in range(self.rng.randrange(every), len(out), every):
            out[k] = self.rng.choice(self.c.vocab)
        return " ".join(out)

    @staticmethod
    def _mail(name: str, addr: str, subject: str, body: str, when: datetime, mid: str) -> bytes:
        head = (
            f"From: {name} <{addr}>\r\nTo: ceo@northwind-mobile.example\r\nSubject: {subject}\r\n"
            f"Date: {format_datetime(when)}\r\nMessage-ID: <{mid}>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        )
        return head.encode() + body.replace("\n", "\r\n").encode("utf-8") + b"\r\n"

    def message(self, i: int, tag: str) -> bytes:
        r = self.rng
        when = T0 + timedelta(seconds=i * 0.5)
        mid = f"{tag}.{i}.{r.getrandbits(40):x}@loadtest.example"
        roll = r.random()
        if roll < 0.35:  # a flood: one family per event, copies with small personal edits
            family = self.c.families[(i // FLOOD_EVENT) % len(self.c.families)]
            name, addr = self._person(i)
            body = self._vary(r.choice(family), r.randrange(25, 60))
            if r.random() < 0.3:
                body = f"My name is {name} and I live in {r.choice(('Ohio', 'Leeds', 'Austin', 'Cork'))}.\n\n{body}"
            return self._mail(name, addr, "Please reconsider", body, when, mid)
        if roll < 0.80:  # individual mail
            name, addr = self._person(i)
            words = r.choice(self.c.individual)
            self.senders.append((name, addr))
            return self._mail(name, addr, " ".join(words[:6])[:80], self._vary(words, 8), when, mid)
        if roll < 0.92 or not self.senders:  # real MIME from 2002, re-sent
            raw = r.choice(self.c.raw)
            new = f"Message-ID: <{mid}>".encode()
            replaced, n = MSGID.subn(new, raw, count=1)
            return replaced if n else new + b"\r\n" + raw
        name, addr = r.choice(self.senders[-50_000:])  # someone writes again
        body = "I wrote to you last week and have not heard back. " + self._vary(r.choice(self.c.individual), 8)
        return self._mail(name, addr, "Still waiting for an answer", body, when, mid)


# --------------------------------------------------------------------------- the desk


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class Desk:
    def __init__(self, home: Path, db_url: str, batch: int) -> None:
        self.home, self.db_url = home, db_url
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("EXECDESK_")}
        self.env.update(
            {
                "EXECDESK_HOME": str(home),
                "EXECDESK_DATABASE_URL": db_url,
                "EXECDESK_QUEUE__BACKEND": "procrastinate",
                "EXECDESK_QUEUE__HEARTBEAT_S": "2",
                "EXECDESK_QUEUE__STALLED_AFTER_S": "10",
                "EXECDESK_INGEST__FSYNC": "false",
                "EXECDESK_INGEST__BATCH_SIZE": str(batch),
                "EXECDESK_LOG_LEVEL": "WARNING",
            }
        )
        for key in [k for k in os.environ if k.startswith("EXECDESK_")]:
            del os.environ[key]
        os.environ.update({k: v for k, v in self.env.items() if k.startswith("EXECDESK_")})
        from execdesk.settings import load_settings
        from execdesk.store import Store

        self.settings = load_settings(home)
        self.store = Store.open(self.settings)
        self.workers: list[subprocess.Popen[bytes]] = []
        self.peak_rss: dict[int, int] = {}

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = (self.home / f"worker-{len(self.workers)}.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "execdesk", "worker", "--concurrency", "1"],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        self.workers.append(proc)
        return proc

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(_conninfo(self.db_url)) as conn:
            return list(conn.execute(query).fetchall())

    def stored(self) -> int:
        return int(self.sql("select count(*) from arrivals")[0][0])

    def jobs(self) -> dict[str, int]:
        return {str(s): int(n) for s, n in self.sql("select status::text, count(*) from procrastinate_jobs group by 1")}

    def sample_rss(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                try:
                    rss = psutil.Process(proc.pid).memory_info().rss
                except psutil.Error:
                    continue
                self.peak_rss[proc.pid] = max(self.peak_rss.get(proc.pid, 0), rss)

    def stop(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                stop_pid(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
        from execdesk.workers.intake import close_producers

        close_producers()
        self.store.close()


def produce(desk: Desk, stream: MessageStream, start: int, n: int, per_task: int, tag: str, rate: float = 0.0) -> float:
    """Write and enqueue messages ``start..start+n``; paced to ``rate`` msgs/s when given. Returns seconds."""
    from execdesk.ingest.work import SourceRef
    from execdesk.workers.intake import enqueue_messages

    t0 = time.perf_counter()
    for lo in range(start, start + n, per_task):
        hi = min(start + n, lo + per_task)
        items = [(stream.message(i, tag), SourceRef("smtp", f"{tag}://{i}")) for i in range(lo, hi)]
        enqueue_messages(desk.store, desk.settings, items)
        if rate > 0:
            ahead = (hi - start) / rate - (time.perf_counter() - t0)
            if ahead > 0:
                time.sleep(ahead)
    return time.perf_counter() - t0


def wait_for(desk: Desk, target: int, on_progress: Any = None, poll: float = 5.0) -> None:
    while True:
        desk.sample_rss()
        stored = desk.stored()
        if on_progress is not None:
            on_progress(stored)
        if stored >= target:
            jobs = desk.jobs()
            if not jobs.get("todo") and not jobs.get("doing"):
                return
        for proc in desk.workers:
            if proc.poll() not in (None, -signal.SIGKILL, 0):
                raise SystemExit(f"a worker exited with {proc.returncode}; see {desk.home}/worker-*.log")
        time.sleep(poll)


def latency(desk: Desk, tag: str) -> dict[str, float]:
    """Seconds from arrival (the source received it) to the commit that put its case in the queue."""
    rows = desk.sql(
        f"""select percentile_cont(array[0.5, 0.99]) within group (order by s), max(s), count(*)
            from (select extract(epoch from pg_xact_commit_timestamp(m.xmin) - a.arrived_at) as s
                  from arrivals a join messages m on m.id = a.message_pk
                  where a.source_ref like '{tag}://%' and not a.duplicate) t"""
    )
    (p50, p99), worst, n = rows[0]
    return {"p50_s": round(float(p50), 3), "p99_s": round(float(p99), 3), "max_s": round(float(worst), 3), "n": int(n)}


def commit_span(desk: Desk, tag: str) -> tuple[float, float]:
    """Epoch seconds of the first and last commit that stored a message of this phase."""
    rows = desk.sql(
        f"""select extract(epoch from min(pg_xact_commit_timestamp(m.xmin))),
                   extract(epoch from max(pg_xact_commit_timestamp(m.xmin)))
            from arrivals a join messages m on m.id = a.message_pk where a.source_ref like '{tag}://%'"""
    )
    return float(rows[0][0]), float(rows[0][1])


def per_minute(desk: Desk, tag: str) -> list[int]:
    rows = desk.sql(
        f"""select date_trunc('minute', pg_xact_commit_timestamp(m.xmin)) as t, count(*)
            from arrivals a join messages m on m.id = a.message_pk where a.source_ref like '{tag}://%'
            group by 1 order by 1"""
    )
    return [int(n) for _, n in rows]


def checks(desk: Desk, expected: int) -> dict[str, Any]:
    arrivals, refs = desk.sql("select count(*), count(distinct source_ref) from arrivals")[0]
    messages, mids = desk.sql("select count(*), count(distinct message_id) from messages where direction = 'in'")[0]
    quarantined = desk.sql("select count(*) from messages where status = 'quarantined'")[0][0]
    cases = desk.sql("select count(*) from cases")[0][0]
    camps = desk.sql(
        "select c.id, count(*) from campaign_members cm join campaigns c on c.id = cm.campaign_id "
        "where c.status <> 'merged' group by 1 order by 2 desc"
    )
    # Each flood event (one family, FLOOD_EVENT messages wide) should be one campaign: of the
    # members the detector put in any campaign, the share in that event's largest campaign.
    events = desk.sql(
        f"""select (split_part(a.source_ref, '://', 2)::bigint / {FLOOD_EVENT}) as ev, cm.campaign_id, count(*)
            from arrivals a join messages m on m.id = a.message_pk
            join campaign_members cm on cm.message_pk = m.id
            where a.source_ref like 'burst://%' and m.subject = 'Please reconsider' group by 1, 2"""
    )
    by_event: dict[int, list[int]] = {}
    for ev, _cid, n in events:
        by_event.setdefault(int(ev), []).append(int(n))
    return {
        "expected": expected,
        "arrivals": int(arrivals),
        "distinct_source_refs": int(refs),
        "messages": int(messages),
        "distinct_message_ids": int(mids),
        "quarantined": int(quarantined),
        "cases": int(cases),
        "campaigns": len(camps),
        "largest_campaigns": [int(n) for _, n in camps[:5]],
        "flood_events": len(by_event),
        "flood_share_in_event_campaign": round(
            sum(max(v) for v in by_event.values()) / max(1, sum(sum(v) for v in by_event.values())), 3
        ),
        "campaigns_per_flood_event": round(sum(len(v) for v in by_event.values()) / max(1, len(by_event)), 2),
        "jobs": desk.jobs(),
        "nothing_lost": int(refs) == expected,
        "nothing_duplicated": int(arrivals) == int(refs) and int(messages) == int(mids),
    }


def baseline(stream_corpus: Corpus, db_url: str, home: Path, n: int, per_task: int, batch: int) -> float:
    """The producer alone on a separate store: msgs/s of writing and enqueuing, no worker."""
    desk = Desk(home, db_url, batch)
    try:
        from execdesk.workers.app import ensure_schema

        ensure_schema(desk.settings)
        secs = produce(desk, MessageStream(stream_corpus, seed=99), 0, n, per_task, "baseline")
    finally:
        desk.stop()
    return n / secs


@dataclass
class Run:
    args: argparse.Namespace
    started: float = 0.0
    killed_at: float | None = None
    restarted_at: float | None = None
    last_print: float = 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="messages in the burst")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--per-task", type=int, default=50, help="messages per enqueued task in the burst")
    ap.add_argument("--batch", type=int, default=500, help="ingest.batch_size: messages per worker transaction")
    ap.add_argument("--kill-at", type=float, default=0.4, help="SIGKILL worker 0 when this share is stored (0: never)")
    ap.add_argument("--restart-after", type=float, default=5.0)
    ap.add_argument("--steady", type=int, default=20_000, help="messages in the steady phase (one per task)")
    ap.add_argument("--steady-load", type=float, default=0.6, help="steady arrival rate, share of burst throughput")
    ap.add_argument("--baseline-n", type=int, default=20_000, help="messages for the producer-alone baseline")
    ap.add_argument("--pg-url", help="an existing PostgreSQL server (postgresql+psycopg://user@host:port/db)")
    ap.add_argument("--work", type=Path, help="directory for the store home (default: a temporary one)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument(
        "--pg-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the throwaway PostgreSQL server, e.g. shared_buffers=2GB (repeatable)",
    )
    args = ap.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="execdesk-load-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"loading real texts from {SHARED} ...", flush=True)
    corpus = Corpus.load()
    print(f"  {len(corpus.families)} flood families, {len(corpus.individual)} individual texts, {len(corpus.raw)} raw")

    pg_options = {"track_commit_timestamp": "on", "max_connections": "200"}
    pg_options.update(dict(o.split("=", 1) for o in args.pg_option))
    with postgres_server(pg_options) as pg:
        base_url = pg.create_database("baseline")
        base_rate = baseline(corpus, base_url, work / "baseline-home", args.baseline_n, args.per_task, args.batch)
        print(f"baseline (producer alone, no worker): {base_rate:,.0f} msgs/s", flush=True)
        shutil.rmtree(work / "baseline-home", ignore_errors=True)
        pg.drop_database(base_url)

        db_url = args.pg_url or pg.create_database("load")
        desk = Desk(work / "home", db_url, args.batch)
        run = Run(args)
        results: dict[str, Any] = {
            "n": args.n,
            "workers": args.workers,
            "per_task": args.per_task,
            "batch": args.batch,
            "pg_options": pg_options,
        }
        try:
            from execdesk.workers.app import ensure_schema

            ensure_schema(desk.settings)
            stream = MessageStream(corpus)
            for _ in range(args.workers):
                desk.start_worker()
            run.started = time.time()
            producer_s: list[float] = []
            producer = threading.Thread(
                target=lambda: producer_s.append(produce(desk, stream, 0, args.n, args.per_task, "burst")), daemon=True
            )
            producer.start()

            def progress(stored: int) -> None:
                now = time.time()
                if now - run.last_print >= 30:
                    run.last_print = now
                    rss = ", ".join(f"{v / 2**20:,.0f}" for v in desk.peak_rss.values())
                    print(f"  {now - run.started:7.0f} s  stored {stored:>9,}  peak RSS MiB [{rss}]", flush=True)
                if args.kill_at and run.killed_at is None and stored >= args.kill_at * args.n:
                    victim = desk.workers[0]
                    os.kill(victim.pid, signal.SIGKILL)
                    run.killed_at = now
                    print(f"  SIGKILL worker pid {victim.pid} at {stored:,} stored", flush=True)
                if run.killed_at is not None and run.restarted_at is None and now - run.killed_at >= args.restart_after:
                    desk.start_worker()
                    run.restarted_at = now

            wait_for(desk, args.n, progress, poll=3.0)
            producer.join()
            _first, last = commit_span(desk, "burst")
            burst_rate = args.n / (last - run.started)
            results["burst"] = {
                "seconds": round(last - run.started, 1),
                "msgs_per_s": round(burst_rate, 1),
                "producer_msgs_per_s": round(args.n / producer_s[0], 1) if producer_s else None,
                "ratio_to_baseline": round(burst_rate / base_rate, 3),
                "latency": latency(desk, "burst"),
                "per_minute": per_minute(desk, "burst"),
                "killed": run.killed_at is not None,
            }
            print(f"burst: {burst_rate:,.0f} msgs/s ({burst_rate / base_rate:.2f}x the producer alone)", flush=True)

            if args.steady:
                rate = max(1.0, args.steady_load * burst_rate)
                print(f"steady: {args.steady:,} messages at {rate:,.0f} msgs/s, one per task ...", flush=True)
                produce(desk, stream, args.n, args.steady, 1, "steady", rate=rate)
                wait_for(desk, args.n + args.steady, poll=1.0)
                results["steady"] = {"rate_msgs_per_s": round(rate, 1), "latency": latency(desk, "steady")}

            results["checks"] = checks(desk, args.n + args.steady)
            results["peak_rss_mib"] = {str(pid): round(v / 2**20, 1) for pid, v in desk.peak_rss.items()}
            results["baseline_producer_msgs_per_s"] = round(base_rate, 1)
        finally:
            desk.stop()
        print(json.dumps(results, indent=2))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")
        ok = results.get("checks", {})
        if not (ok.get("nothing_lost") and ok.get("nothing_duplicated")):
            print("FAILED: messages lost or duplicated", file=sys.stderr)
            sys.exit(1)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
