"""Which task queue for workers: procrastinate (PostgreSQL) or Dramatiq (Redis)? Measured, not guessed.

    .venv/bin/python benchmarks/bench_queue_choice.py [--tasks 5000] [--kill-wait 60]

For each queue, in this process: enqueue N no-op tasks one call at a time (as a source enqueues
one message), then run one worker thread until all N ran. Reports enqueue rate, execution
rate and the latency from enqueue to the start of execution (p50/p99) while the worker drains
a backlog. Then the **kill test** per queue: a worker subprocess takes a task that sleeps,
is killed with SIGKILL, and a second worker is started: does the task run again, and after how
long? (procrastinate: the job stays ``doing`` until a worker sees the dead one's heartbeat is
stale and retries it; Dramatiq/Redis: the unacked message is requeued by the broker's
maintenance once the dead worker's heartbeat times out.)

Servers: a throwaway PostgreSQL and Redis via tests/services.py (or EXECDESK_TEST_POSTGRES_URL /
EXECDESK_TEST_REDIS_URL). Both on this machine, loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.services import postgres_server, redis_server  # noqa: E402


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] if xs else float("nan")


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


# --------------------------------------------------------------------------- procrastinate


def bench_procrastinate(pg_url: str, n: int) -> dict[str, Any]:
    import procrastinate

    app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=_conninfo(pg_url)))
    started: list[float] = []

    @app.task(name="noop", queue="bench")
    def noop(t: float) -> None:
        started.append(time.time() - t)

    with app.open():
        app.schema_manager.apply_schema()
        t0 = time.perf_counter()
        for _ in range(n):
            noop.defer(t=time.time())
        enqueue_s = time.perf_counter() - t0

    async def drain() -> None:
        worker_app = app.with_connector(procrastinate.PsycopgConnector(conninfo=_conninfo(pg_url)))
        async with worker_app.open_async():
            await worker_app.run_worker_async(
                queues=["bench"], wait=False, concurrency=1, install_signal_handlers=False
            )

    t0 = time.perf_counter()
    asyncio.run(drain())
    run_s = time.perf_counter() - t0
    return _report("procrastinate (PostgreSQL)", n, enqueue_s, run_s, started)


def _report(name: str, n: int, enqueue_s: float, run_s: float, started: list[float]) -> dict[str, Any]:
    return {
        "queue": name,
        "tasks": n,
        "ran": len(started),
        "enqueue_per_s": round(n / enqueue_s),
        "execute_per_s": round(len(started) / run_s),
        "latency_p50_s": round(_pct(started, 50), 2),
        "latency_p99_s": round(_pct(started, 99), 2),
    }


# --------------------------------------------------------------------------- Dramatiq


def bench_dramatiq(redis_url: str, n: int) -> dict[str, Any]:
    import dramatiq
    from dramatiq.brokers.redis import RedisBroker

    broker = RedisBroker(url=redis_url, namespace="bench")
    dramatiq.set_broker(broker)
    started: list[float] = []
    done = threading.Event()

    @dramatiq.actor(queue_name="bench", broker=broker, max_retries=0)
    def noop(t: float) -> None:
        started.append(time.time() - t)
        if len(started) >= n:
            done.set()

    t0 = time.perf_counter()
    for _ in range(n):
        noop.send(time.time())
    enqueue_s = time.perf_counter() - t0
    worker = dramatiq.Worker(broker, worker_threads=1, queues={"bench"})
    t0 = time.perf_counter()
    worker.start()
    done.wait(timeout=600)
    run_s = time.perf_counter() - t0
    worker.stop()
    broker.close()
    return _report("Dramatiq (Redis)", n, enqueue_s, run_s, started)


# --------------------------------------------------------------------------- kill test

_PROC_WORKER = """
import sys, time, procrastinate
app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=sys.argv[1]))
@app.task(name="slow", queue="kill")
def slow(marker: str) -> None:
    open(marker, "a").write(f"{time.time()}\\n")
    time.sleep(float(sys.argv[2]))
async def recover():
    # what procrastinate's docs prescribe: retry jobs of workers whose heartbeat is stale
    while True:
        for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=4):
            await app.job_manager.retry_job(job)
        await asyncio.sleep(1)
async def main():
    async with app.open_async():
        loop_task = asyncio.create_task(recover())
        await app.run_worker_async(queues=["kill"], update_heartbeat_interval=1, stalled_worker_timeout=4)
import asyncio
asyncio.run(main())
"""

_DRAMATIQ_WORKER = """
import sys, time, dramatiq
from dramatiq.brokers.redis import RedisBroker
broker = RedisBroker(url=sys.argv[1], namespace="kill", heartbeat_timeout=4000, maintenance_chance=1000)
dramatiq.set_broker(broker)
@dramatiq.actor(queue_name="kill", max_retries=0)
def slow(marker: str) -> None:
    open(marker, "a").write(f"{time.time()}\\n")
    time.sleep(float(sys.argv[2]))
worker = dramatiq.Worker(broker, worker_threads=1, queues={"kill"})
worker.start()
time.sleep(3600)
"""


def kill_test(kind: str, url: str, wait_s: float) -> dict[str, Any]:
    """Enqueue one slow task, SIGKILL the worker running it, start another: when does it run again?"""
    tmp = Path(tempfile.mkdtemp(prefix="queue-kill-"))
    marker = tmp / "runs"
    script = tmp / "worker.py"
    script.write_text(textwrap.dedent(_PROC_WORKER if kind == "procrastinate" else _DRAMATIQ_WORKER))
    if kind == "procrastinate":
        import procrastinate

        app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=_conninfo(url)))
        with app.open():
            app.schema_manager.apply_schema()
            app.configure_task(name="slow", queue="kill").defer(marker=str(marker))
        arg = _conninfo(url)
    else:
        import dramatiq
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url, namespace="kill")
        broker.enqueue(
            dramatiq.Message(queue_name="kill", actor_name="slow", args=(str(marker),), kwargs={}, options={})
        )
        arg = url

    def start(sleep: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, str(script), arg, sleep], stdin=subprocess.DEVNULL)

    first = start("600")
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    killed_at = time.time()
    second = start("0")
    rerun_after = None
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and rerun_after is None:
        time.sleep(0.2)
        runs = marker.read_text().split()
        if len(runs) >= 2:
            rerun_after = round(float(runs[1]) - killed_at, 1)
    os.kill(second.pid, signal.SIGTERM)
    try:
        second.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(second.pid, signal.SIGKILL)
        second.wait()
    runs = len(marker.read_text().split())
    return {"queue": kind, "runs": runs, "redelivered_after_s": rerun_after}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tasks", type=int, default=5000)
    ap.add_argument("--kill-wait", type=float, default=60.0, help="seconds to wait for a killed worker's task")
    ap.add_argument("--no-kill", action="store_true", help="skip the kill test")
    args = ap.parse_args()
    out: list[dict[str, Any]] = []
    with postgres_server() as pg, redis_server() as redis:
        db = pg.create_database("queue")
        out.append(bench_procrastinate(db, args.tasks))
        out.append(bench_dramatiq(redis.url, args.tasks))
        if not args.no_kill:
            out.append(kill_test("procrastinate", pg.create_database("kill"), args.kill_wait))
            out.append(kill_test("dramatiq", redis.url, args.kill_wait))
    for row in out:
        print(json.dumps(row))
    rates = {r["queue"]: r for r in out if "execute_per_s" in r}
    if len(rates) == 2:
        p, d = rates["procrastinate (PostgreSQL)"], rates["Dramatiq (Redis)"]
        print(
            f"ratio Dramatiq/procrastinate: enqueue {d['enqueue_per_s'] / p['enqueue_per_s']:.1f}x, "
            f"execute {d['execute_per_s'] / p['execute_per_s']:.1f}x"
        )


if __name__ == "__main__":
    main()
