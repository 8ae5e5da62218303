"""Several ``execdesk worker`` processes on one real PostgreSQL store: every message stored exactly
once, one campaign for a flood, one acknowledgment per sender, and a worker killed with SIGKILL
mid-run loses nothing and duplicates nothing. A worker taken for dead while it was only late leaves
no job held for good and keeps working (custody).

Mail: SpamAssassin easy_ham (../shared/data/spamassassin, real list and personal mail of 2002) and
a flood built from real public comments of docket EPA-R05-OAR-2020-0055 (../shared/data/floods).
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import signal
import subprocess
import tarfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from execdesk.ingest.work import SourceRef
from execdesk.settings import Settings, load_settings
from execdesk.store import Store
from execdesk.store.models import Arrival, CampaignMember, Message, OutboxEntry, QuarantineEntry, table_of
from execdesk.workers import tasks
from execdesk.workers.app import INGEST_TASK, SLA_TASK, ensure_schema, make_app
from execdesk.workers.custody import WorkerRef, put_back, reclaim_unheld
from execdesk.workers.intake import close_producers, enqueue_messages
from execdesk.workers.runner import recover_stalled
from execdesk.workers.runner import run as run_worker
from execdesk.workers.tasks import close_stores
from tests.mailfactory import make_mail
from tests.workers.processes import EXECDESK, start_worker, stop_workers

DOCKET = "EPA-R05-OAR-2020-0055"
T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


def _env(home: Path, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXECDESK_")}
    env.update(
        {
            "EXECDESK_HOME": str(home),
            "EXECDESK_DATABASE_URL": db_url,
            "EXECDESK_QUEUE__BACKEND": "procrastinate",
            "EXECDESK_QUEUE__HEARTBEAT_S": "1",
            "EXECDESK_QUEUE__STALLED_AFTER_S": "4",
            "EXECDESK_INGEST__FSYNC": "false",
            "EXECDESK_INGEST__BATCH_SIZE": "40",
            "EXECDESK_REPLY__AUTO_ACK": "true",
            "EXECDESK_REPLY__FROM_ADDRESS": "ceo-office@northwind-mobile.example",
            "EXECDESK_REPLY__FROM_NAME": "Office of the CEO",
            "EXECDESK_REPLY__EXECUTIVE_NAME": "Alex Hale",
            "EXECDESK_REPLY__COMPANY_NAME": "Northwind Mobile",
            "EXECDESK_REPLY__ACK_MAX_AGE_HOURS": str(24 * 365 * 40),
            "EXECDESK_REPLY__ACK_MAX_PER_HOUR": "100000",
            "EXECDESK_LOG_LEVEL": "INFO",
        }
    )
    return env


class Desk:
    """A home on PostgreSQL with the queue on, and the worker processes started for it."""

    def __init__(self, home: Path, db_url: str) -> None:
        self.home, self.db_url, self.env = home, db_url, _env(home, db_url)
        self.dsn = db_url.replace("postgresql+psycopg://", "postgresql://", 1)  # libpq's form, for psycopg
        self.settings: Settings = load_settings(home)  # the fixture put self.env's settings in os.environ
        self.store = Store.open(self.settings)
        self.workers: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = self.home / f"worker-{len(self.workers)}.log"
        proc = start_worker(self.env, log)
        self.workers.append(proc)
        self.logs.append(log)
        return proc

    def jobs(self) -> dict[str, int]:
        with psycopg.connect(self.dsn) as conn:
            rows = conn.execute("select status::text, count(*) from procrastinate_jobs group by 1").fetchall()
        return {str(s): int(n) for s, n in rows}

    def count(self, model: type) -> int:
        with self.store.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table_of(model))).scalar_one())

    def wait_until_drained(self, timeout: float = 240.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = self.jobs()
            if not jobs.get("todo") and not jobs.get("doing"):
                return
            for proc, log in zip(self.workers, self.logs, strict=True):
                if proc.poll() not in (None, -signal.SIGKILL):
                    pytest.fail(f"worker exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        tails = "\n".join(log.read_text()[-2000:] for log in self.logs)
        pytest.fail(f"queue not drained in {timeout} s: {self.jobs()}\n{tails}")

    def stop(self) -> None:
        stop_workers(self.workers)
        close_producers()
        self.store.close()


@pytest.fixture
def desk(tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    for key in [k for k in os.environ if k.startswith("EXECDESK_")]:
        monkeypatch.delenv(key)
    home = tmp_path / "home"
    env = _env(home, postgres_url)
    for key, value in env.items():
        if key.startswith("EXECDESK_"):
            monkeypatch.setenv(key, value)
    d = Desk(home, postgres_url)
    yield d
    d.stop()


def _ham(shared_data: Path, n: int, skip: int = 0) -> list[bytes]:
    out: list[bytes] = []
    with tarfile.open(shared_data / "spamassassin" / "easy_ham.tar.gz") as tar:
        for member in tar:
            if not member.isfile() or "cmds" in member.name:
                continue
            if skip:
                skip -= 1
                continue
            fh = tar.extractfile(member)
            assert fh is not None
            out.append(fh.read())
            if len(out) >= n:
                break
    return out


def _flood(shared_data: Path, n: int, prefix: str) -> list[bytes]:
    csv.field_size_limit(10_000_000)
    with open(shared_data / "floods" / "regulations_gov_clustered_comments.csv", encoding="utf-8") as fh:
        texts = [r["text"] for r in csv.DictReader(fh) if r["docket_id"] == DOCKET and len(r["text"].split()) > 40]
    return [
        make_mail(
            sender=f"Reader {i} <{prefix}{i}@example.org>",
            subject="Ohio nuisance provision",
            body=text.strip() + "\n",
            when=T0 + timedelta(minutes=i),
        )
        for i, text in enumerate(texts[:n])
    ]


def _twice(prefix: str, n: int) -> list[bytes]:
    """People who write twice: two messages each, which different workers may store at once."""
    return [
        make_mail(
            sender=f"Person {i} <{prefix}{i}@example.net>",
            subject=f"My account, note {k}",
            body=f"Hello, this is note {k} about my account number {1000 + i}. Please call me back.\n",
            when=T0 + timedelta(hours=k),
        )
        for i in range(n)
        for k in (1, 2)
    ]


def _enqueue_one_per_task(desk: Desk, mails: list[bytes], kind: str) -> list[SourceRef]:
    refs = [SourceRef(kind, f"{kind}://test/{i}") for i in range(len(mails))]
    for raw, ref in zip(mails, refs, strict=True):
        enqueue_messages(desk.store, desk.settings, [(raw, ref)])
    return refs


def _arrivals_by_ref(desk: Desk) -> dict[str, int]:
    a = table_of(Arrival)
    with desk.store.engine.connect() as conn:
        return {r[0]: int(r[1]) for r in conn.execute(select(a.c.source_ref, func.count()).group_by(a.c.source_ref))}


def _assert_exactly_once(desk: Desk, refs: list[str]) -> None:
    by_ref = _arrivals_by_ref(desk)
    missing = [r for r in refs if r not in by_ref]
    twice = {r: n for r, n in by_ref.items() if n > 1}
    assert not missing, f"{len(missing)} queued message(s) never stored, e.g. {missing[:3]}"
    assert not twice, f"arrivals recorded twice: {list(twice.items())[:3]}"
    a, m = table_of(Arrival), table_of(Message)
    with desk.store.engine.connect() as conn:
        first_arrivals = conn.execute(select(func.count()).where(a.c.duplicate.is_(False))).scalar_one()
        messages = conn.execute(select(func.count()).select_from(m)).scalar_one()
    assert messages == first_arrivals, "a message row without its first arrival, or the reverse"
    assert desk.count(QuarantineEntry) == 0
    assert desk.jobs().get("failed", 0) == 0


def _assert_one_ack_per_sender(desk: Desk) -> int:
    o = table_of(OutboxEntry)
    with desk.store.engine.connect() as conn:
        rows = conn.execute(select(o.c.to_addr, func.count()).where(o.c.kind == "ack").group_by(o.c.to_addr)).all()
    doubled = [(to, n) for to, n in rows if n > 1]
    assert not doubled, f"acknowledged twice: {doubled[:5]}"
    return len(rows)


def _flood_campaigns(desk: Desk, prefix: str) -> dict[str, int]:
    cm, m = table_of(CampaignMember), table_of(Message)
    with desk.store.engine.connect() as conn:
        rows = conn.execute(
            select(cm.c.campaign_id, func.count())
            .select_from(cm.join(m, cm.c.message_pk == m.c.id))
            .where(m.c.from_addr.like(f"{prefix}%"))
            .group_by(cm.c.campaign_id)
        ).all()
    return {str(c): int(n) for c, n in rows}


def test_two_workers_store_every_message_once_with_one_campaign_and_one_ack_each(desk: Desk, shared_data: Path) -> None:
    ham = _ham(shared_data, 150)
    flood = _flood(shared_data, 60, "reader")
    twice = _twice("writer", 15)
    ham_dir = desk.home / "ham"
    ham_dir.mkdir(parents=True)
    for i, raw in enumerate(ham):
        (ham_dir / f"{i:04d}.eml").write_bytes(raw)
    # the bulk path (one task per ingest.batch_size) through the CLI, and one task per message (SMTP-like)
    out = subprocess.run(
        [*EXECDESK, "import", "--enqueue", "--json", str(ham_dir)], env=desk.env, capture_output=True, check=False
    )
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    refs = _enqueue_one_per_task(desk, flood + twice, "smtp")
    desk.start_worker()
    desk.start_worker()
    desk.wait_until_drained()

    by_ref = _arrivals_by_ref(desk)
    ham_refs = [r for r in by_ref if r.startswith(str(ham_dir))]
    assert len(ham_refs) == len(ham)
    _assert_exactly_once(desk, [r.ref for r in refs] + ham_refs)
    campaigns = _flood_campaigns(desk, "reader")
    assert len(campaigns) == 1, f"the flood was split into campaigns {campaigns}"
    assert next(iter(campaigns.values())) >= 0.8 * len(flood)
    acked = _assert_one_ack_per_sender(desk)
    assert acked >= 15  # every "twice" writer was acknowledged, once
    # both workers did work: the test exercised concurrency, not one worker doing everything
    logs = [log.read_text() for log in desk.logs]
    assert all("ingest task:" in text for text in logs), [t[-500:] for t in logs]


def test_a_worker_killed_mid_run_loses_nothing_and_duplicates_nothing(desk: Desk, shared_data: Path) -> None:
    mails = _ham(shared_data, 150, skip=150) + _flood(shared_data, 60, "kill") + _twice("again", 10)
    refs = _enqueue_one_per_task(desk, mails, "smtp")
    victim = desk.start_worker()
    desk.start_worker()
    deadline = time.monotonic() + 120
    while desk.count(Message) < 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert desk.jobs().get("todo", 0) > 0, "the queue drained before the kill: the test proves nothing"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    desk.start_worker()
    desk.wait_until_drained()
    _assert_exactly_once(desk, [r.ref for r in refs])
    assert len(_flood_campaigns(desk, "kill")) == 1
    _assert_one_ack_per_sender(desk)


def _ingest_jobs_left(desk: Desk) -> dict[str, int]:
    """Ingest jobs left in the queue, by status (periodic jobs come and go on their own)."""
    with psycopg.connect(desk.dsn) as conn:
        rows = conn.execute(
            "select status::text, count(*) from procrastinate_jobs where task_name = %s group by 1", (INGEST_TASK,)
        ).fetchall()
    return {str(s): int(n) for s, n in rows}


def _worker_ids(desk: Desk) -> list[int]:
    with psycopg.connect(desk.dsn) as conn:
        return [int(r[0]) for r in conn.execute("select id from procrastinate_workers order by id")]


def _wait_for_workers(desk: Desk, n: int, timeout: float = 60.0) -> list[int]:
    ensure_schema(desk.settings)  # the worker creates it too; whichever comes first
    deadline = time.monotonic() + timeout
    while len(ids := _worker_ids(desk)) < n:
        assert time.monotonic() < deadline, f"{n} worker(s) never registered: {desk.logs[-1].read_text()[-2000:]}"
        time.sleep(0.2)
    return ids


def test_a_batch_whose_pulled_job_was_taken_meanwhile_still_settles_all_the_others(
    desk: Desk, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI, 2026-12-01: a worker late on a loaded host was taken for dead while it ran a batch; another
    worker ran some of its jobs, so marking the first of them done failed, and the rest of the batch's
    jobs stayed ``doing`` under a live worker for good. Here the other worker is the test: while the
    batch runs, it finishes (deletes) one of the jobs the batch pulled."""
    refs = _enqueue_one_per_task(desk, _ham(shared_data, 12, skip=400), "smtp")
    taken: list[int] = []
    real_ingest = tasks.ingest_queued

    def ingest_while_another_worker_takes_a_job(store: Store, batch: list[Any]) -> Any:
        if not taken:
            with psycopg.connect(desk.dsn) as conn:
                doing = [int(r[0]) for r in conn.execute("select id from procrastinate_jobs where status = 'doing'")]
                assert len(doing) == len(refs), "the batch did not pull the queued jobs: the test proves nothing"
                taken.append(sorted(doing)[1])
                conn.execute("delete from procrastinate_jobs where id = %s", (taken[0],))
        return real_ingest(store, batch)

    monkeypatch.setattr(tasks, "ingest_queued", ingest_while_another_worker_takes_a_job)
    try:
        ref = run_worker(desk.settings, wait=False)
    finally:
        close_stores()
    assert taken and ref.held == set()
    assert _ingest_jobs_left(desk) == {}, "jobs left in the queue after the batch"
    assert _worker_ids(desk) == [], "the worker's row outlived it"
    _assert_exactly_once(desk, [r.ref for r in refs])


def test_a_job_recorded_under_a_live_worker_that_is_not_running_it_is_run_again(desk: Desk, shared_data: Path) -> None:
    """A job can be recorded ``doing`` under a worker that is not running it (a status update that
    failed); other workers never take it back while that worker's heartbeat is fresh. Its worker does."""
    refs = _enqueue_one_per_task(desk, _ham(shared_data, 3, skip=420), "smtp")
    with psycopg.connect(desk.dsn) as conn:  # out of the worker's reach until they are recorded as its own
        conn.execute("update procrastinate_jobs set scheduled_at = now() + interval '1 hour'")
    # never taken for dead here, even on a loaded host: only its own audit may put the jobs back
    desk.env["EXECDESK_QUEUE__STALLED_AFTER_S"] = "600"
    desk.start_worker()
    (worker_id,) = _wait_for_workers(desk, 1)
    with psycopg.connect(desk.dsn) as conn:  # the ingest jobs only: the worker defers its periodic ticks meanwhile
        conn.execute(
            "update procrastinate_jobs set status = 'doing', worker_id = %s, scheduled_at = null where task_name = %s",
            (worker_id, INGEST_TASK),
        )
    desk.wait_until_drained(timeout=60)
    _assert_exactly_once(desk, [r.ref for r in refs])
    assert "put back 3 job(s) recorded under this worker" in desk.logs[0].read_text()


def test_a_live_worker_taken_for_dead_registers_again_and_keeps_working(desk: Desk, shared_data: Path) -> None:
    """A worker starting while another is late deletes the late one's row (procrastinate prunes silent
    workers); the late one's next fetch broke the foreign key of its jobs and stopped it."""
    proc = desk.start_worker()
    (worker_id,) = _wait_for_workers(desk, 1)
    with psycopg.connect(desk.dsn) as conn:
        conn.execute("delete from procrastinate_workers where id = %s", (worker_id,))
    refs = _enqueue_one_per_task(desk, _ham(shared_data, 5, skip=430), "smtp")
    desk.wait_until_drained(timeout=60)
    assert proc.poll() is None, desk.logs[0].read_text()[-3000:]
    assert _worker_ids(desk) == [worker_id]
    _assert_exactly_once(desk, [r.ref for r in refs])
    listed = subprocess.run([*EXECDESK, "jobs", "--json"], env=desk.env, capture_output=True, check=True)
    view = json.loads(listed.stdout)
    assert [w["id"] for w in view["workers"]] == [worker_id]  # (``running`` may count a periodic tick)
    assert view["workers"][0]["heartbeat_age_seconds"] < 30 and view["running_without_worker"] == 0
    log = desk.logs[0].read_text()
    # the kernels were loaded before the worker registered, not in its first batch with its heartbeat due
    assert -1 < log.find("worker ready in") < log.find("Starting worker on"), log[:2000]


_RECORD_DOING = "update procrastinate_jobs set status = 'doing', worker_id = %(w)s where id = any(%(ids)s)"


async def _record_doing(app: Any, worker_id: int | None, job_ids: list[int]) -> None:
    """Record jobs as running under ``worker_id`` (None: under a worker whose row was pruned)."""
    await app.connector.execute_query_async(_RECORD_DOING, w=worker_id, ids=job_ids)


async def _statuses(app: Any) -> dict[int, str]:
    rows = await app.connector.execute_query_all_async("select id, status::text from procrastinate_jobs")
    return {int(r["id"]): str(r["status"]) for r in rows}


def test_a_worker_puts_back_only_the_jobs_it_has_not_held_at_two_audits(desk: Desk) -> None:
    """The audit must not take a job from its own running task: a job is put back only when it was
    recorded under the worker and held by none of its tasks at two audits in a row."""
    app = make_app(desk.settings)

    async def audit() -> tuple[list[int], dict[int, str], int, int]:
        async with app.open_async():
            worker_id = await app.job_manager.register_worker()
            task = app.configure_task(name=INGEST_TASK, queue=desk.settings.queue.ingest_queue)
            running, orphan = [await task.defer_async(items=[]) for _ in range(2)]
            await _record_doing(app, worker_id, [running, orphan])
            ref = WorkerRef(worker=SimpleNamespace(worker_id=worker_id), held={running})
            put_back = [await reclaim_unheld(app, ref), await reclaim_unheld(app, ref), await reclaim_unheld(app, ref)]
            status = await _statuses(app)
            await app.job_manager.unregister_worker(worker_id)
        return put_back, status, running, orphan

    ensure_schema(desk.settings)
    put_back, status, running, orphan = asyncio.run(audit())
    assert put_back == [0, 1, 0]
    assert status == {running: "doing", orphan: "todo"}


def test_a_dead_workers_periodic_job_whose_next_tick_is_queued_ends_aborted_not_held(desk: Desk) -> None:
    """A periodic task keeps one job queued at most (its queueing lock). A worker killed while running one
    tick, with the next tick already queued: its job cannot be queued again, and used to stay ``doing`` for
    good (procrastinate issue 1446). It ends ``aborted``; the worker's other job is queued again as usual."""
    settings = desk.settings.model_copy(update={"queue": desk.settings.queue.model_copy(update={"stalled_after_s": 0})})
    app = make_app(settings)

    async def recover() -> tuple[int, dict[int, str], list[int]]:
        async with app.open_async():
            dead = await app.job_manager.register_worker()
            lock = f"periodic:{SLA_TASK}"
            sweep = app.configure_task(name=SLA_TASK, queue=settings.queue.tasks_queue, queueing_lock=lock)
            ingest = app.configure_task(name=INGEST_TASK, queue=settings.queue.ingest_queue)
            held = [await sweep.defer_async(timestamp=60), await ingest.defer_async(items=[])]
            await _record_doing(app, dead, held)
            next_tick = await sweep.defer_async(timestamp=120)
            n = await recover_stalled(app, settings)
            status = await _statuses(app)
        return n, status, [*held, next_tick]

    ensure_schema(settings)
    n, status, (tick, ingest_job, next_tick) = asyncio.run(recover())
    assert status == {tick: "aborted", ingest_job: "todo", next_tick: "todo"}
    assert n == 2


def test_a_job_is_put_back_only_while_the_worker_it_was_taken_from_still_holds_it(desk: Desk) -> None:
    """Between listing a stalled worker's jobs and re-queueing each, another worker may have re-queued one
    and fetched it; re-queueing it then would take it from under that worker while it runs (two workers on
    one message: duplicate arrivals in the kill test). A job goes back only if still held by its owner."""
    app = make_app(desk.settings)

    async def put_backs() -> tuple[list[bool], dict[int, str], int]:
        async with app.open_async():
            stalled, running = await app.job_manager.register_worker(), await app.job_manager.register_worker()
            task = app.configure_task(name=INGEST_TASK, queue=desk.settings.queue.ingest_queue)
            job = await task.defer_async(items=[])
            await _record_doing(app, running, [job])  # re-fetched by another worker
            done = [await put_back(app, job, stalled)]
            await _record_doing(app, None, [job])  # its worker's row pruned
            done += [await put_back(app, job, stalled), await put_back(app, job, None)]
            status = await _statuses(app)
        return done, status, job

    ensure_schema(desk.settings)
    done, status, job = asyncio.run(put_backs())
    assert done == [False, False, True]
    assert status == {job: "todo"}
