"""The stages besides ingest as worker tasks, on a real PostgreSQL: the outbox send (periodic and
deferred right after acknowledgments are queued) delivers each reply once through a real SMTP server
(aiosmtpd) with two worker processes; a task that fails ends ``failed``, is listed with its error by
``execdesk jobs failed`` and runs again after ``execdesk jobs retry``; ``execdesk reanalyze --enqueue``
stores new analyses and priorities, keeping people's corrections and the history signals.

Mail: real consumer complaint narratives (CFPB, ../shared/data/cfpb_complaints) in generated envelopes.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from execdesk.cli.main import app as cli
from execdesk.ingest.core import IngestSession
from execdesk.ingest.work import SourceRef
from execdesk.reply.outbox import queue
from execdesk.reply.service import draft_reply
from execdesk.settings import Settings, load_settings
from execdesk.store import Store
from execdesk.store.models import Case, Message, OutboxEntry, table_of
from execdesk.web import jobs as web_jobs
from execdesk.workers.app import SEND_TASK, SLA_TASK, ensure_schema, make_app
from execdesk.workers.intake import close_producers, enqueue_messages
from execdesk.workers.periodic import claim_tick, cron_every
from execdesk.workers.runner import run
from execdesk.workers.tasks import close_stores
from tests.mailfactory import make_mail
from tests.reply.helpers import SmtpServer, smtp_server
from tests.workers.processes import start_worker, stop_workers

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
runner = CliRunner()
_outbox, _messages, _cases = table_of(OutboxEntry), table_of(Message), table_of(Case)


def _env(home: Path, db_url: str, smtp: SmtpServer | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXECDESK_")}
    env.update(
        {
            "EXECDESK_HOME": str(home),
            "EXECDESK_DATABASE_URL": db_url,
            "EXECDESK_QUEUE__BACKEND": "procrastinate",
            "EXECDESK_QUEUE__HEARTBEAT_S": "1",
            "EXECDESK_QUEUE__STALLED_AFTER_S": "4",
            "EXECDESK_QUEUE__KEEP_FINISHED_JOBS": "true",  # the tests count the jobs that ran
            "EXECDESK_INGEST__FSYNC": "false",
            "EXECDESK_REPLY__AUTO_ACK": "true",
            "EXECDESK_REPLY__FROM_ADDRESS": "ceo-office@northwind-mobile.example",
            "EXECDESK_REPLY__FROM_NAME": "Office of the CEO",
            "EXECDESK_REPLY__EXECUTIVE_NAME": "Alex Hale",
            "EXECDESK_REPLY__COMPANY_NAME": "Northwind Mobile",
            "EXECDESK_REPLY__SMTP_SECURITY": "none",
            "EXECDESK_REPLY__ACK_MAX_AGE_HOURS": str(24 * 365 * 40),
            "EXECDESK_REPLY__ACK_MAX_PER_HOUR": "100000",
            "EXECDESK_WEB__OUTBOX_SEND_SECONDS": "1",
            "EXECDESK_SLA__SWEEP_SECONDS": "1",
            "EXECDESK_LOG_LEVEL": "INFO",
        }
    )
    if smtp is not None:
        env.update({"EXECDESK_REPLY__SMTP_HOST": smtp.host, "EXECDESK_REPLY__SMTP_PORT": str(smtp.port)})
    return env


class Desk:
    """A home on PostgreSQL with the queue on; settings come from the environment, as for a worker."""

    def __init__(self, home: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.home, self.db_url, self.monkeypatch = home, db_url, monkeypatch
        self.workers: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []
        self.env: dict[str, str] = {}
        self.store: Store | None = None
        self.configure(None)

    def configure(self, smtp: SmtpServer | None) -> Settings:
        self.env = _env(self.home, self.db_url, smtp)
        for key in [k for k in os.environ if k.startswith("EXECDESK_")]:
            self.monkeypatch.delenv(key)
        for key, value in self.env.items():
            if key.startswith("EXECDESK_"):
                self.monkeypatch.setenv(key, value)
        self.settings = load_settings(self.home)
        if self.store is not None:
            self.store.close()
        self.store = Store.open(self.settings)
        ensure_schema(self.settings)
        return self.settings

    @property
    def db(self) -> Store:
        assert self.store is not None
        return self.store

    def start_worker(self) -> None:
        log = self.home / f"worker-{len(self.workers)}.log"
        self.workers.append(start_worker(self.env, log))
        self.logs.append(log)

    def drain(self) -> None:
        """Run an in-process worker until the queues are empty."""
        run(self.settings, wait=False)
        close_stores()

    def jobs(self, task: str | None = None) -> list[dict[str, Any]]:
        with psycopg.connect(self.db_url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
            rows = conn.execute(
                "select id, task_name, status::text, attempts, args from procrastinate_jobs order by id"
            ).fetchall()
        return [
            {"id": r[0], "task": r[1], "status": r[2], "attempts": r[3], "args": r[4]}
            for r in rows
            if task is None or r[1] == task
        ]

    def cli(self, *args: str) -> Any:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def wait_for(self, what: str, check: Any, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            for proc, log in zip(self.workers, self.logs, strict=True):
                if proc.poll() is not None:
                    pytest.fail(f"worker exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        tails = "\n".join(log.read_text()[-2000:] for log in self.logs)
        pytest.fail(f"{what}: not within {timeout} s; jobs {self.jobs()[-10:]}\n{tails}")

    def stop(self) -> None:
        stop_workers(self.workers)
        close_producers()
        close_stores()
        if self.store is not None:
            self.store.close()


@pytest.fixture
def desk(tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    d = Desk(tmp_path / "home", postgres_url, monkeypatch)
    yield d
    d.stop()


def _complaints(shared_data: Path, n: int) -> list[str]:
    with gzip.open(shared_data / "cfpb_complaints" / "complaints_with_narratives.csv.gz", "rt", encoding="utf-8") as fh:
        out = []
        for row in csv.DictReader(fh):
            text = row["Consumer complaint narrative"].strip()
            if 40 < len(text.split()) < 250:
                out.append(text)
            if len(out) >= n:
                return out
    return out


def _mails(shared_data: Path, n: int, prefix: str) -> list[bytes]:
    return [
        make_mail(
            sender=f"Customer {i} <{prefix}{i}@example.org>",
            subject=f"Complaint about my account ({i})",
            body=text + "\n",
            when=T0 + timedelta(minutes=i),
        )
        for i, text in enumerate(_complaints(shared_data, n))
    ]


def test_serve_leaves_the_loops_to_the_workers_when_the_queue_is_on(desk: Desk) -> None:
    assert web_jobs.wanted(desk.settings) is False  # queue.backend = procrastinate, background_jobs unset
    desk.settings.web.background_jobs = True
    assert web_jobs.wanted(desk.settings) is True  # an explicit choice wins
    desk.settings.web.background_jobs = None
    desk.settings.queue.backend = "none"
    assert web_jobs.wanted(desk.settings) is True  # the embedded desk runs them itself, as before


@pytest.mark.parametrize(
    ("seconds", "cron"),
    [(1, "* * * * * */1"), (30, "* * * * * */30"), (45, "* * * * * */30"), (60, "* * * * *"), (300, "*/5 * * * *"),
     (7 * 60, "*/6 * * * *"), (3600, "0 * * * *"), (5 * 3600, "0 */4 * * *"), (2 * 86400, "0 0 * * *")],
)  # fmt: skip
def test_schedules_are_never_less_often_than_configured(seconds: int, cron: str) -> None:
    assert cron_every(seconds) == cron


def test_two_workers_send_each_acknowledgment_once(desk: Desk, shared_data: Path) -> None:
    mails = _mails(shared_data, 8, "ack")
    with smtp_server() as smtp:
        desk.configure(smtp)
        for i, raw in enumerate(mails):  # one task per message, as SMTP intake makes them
            enqueue_messages(desk.db, desk.settings, [(raw, SourceRef("smtp", f"smtp://test/{i}"))])
        desk.start_worker()
        desk.start_worker()

        def entries() -> list[Any]:
            with desk.db.engine.connect() as conn:
                return list(conn.execute(select(_outbox.c.status, _outbox.c.message_id).where(_outbox.c.kind == "ack")))

        desk.wait_for("8 acknowledgments sent", lambda: [e.status for e in entries()] == ["sent"] * 8)
        passes = len([j for j in desk.jobs(SEND_TASK) if j["status"] == "succeeded"])
        # more send passes run on both workers after everything went out: none may send again
        desk.wait_for(
            "two more send passes",
            lambda: len([j for j in desk.jobs(SEND_TASK) if j["status"] == "succeeded"]) >= passes + 2,
        )
        received = [r.message["Message-ID"] for r in smtp.recorder.received]
    sent_ids = sorted(f"<{e.message_id}>" for e in entries())
    assert sorted(received) == sent_ids, "a reply was delivered twice, or one was lost"
    send_jobs = desk.jobs(SEND_TASK)
    assert any("timestamp" not in j["args"] for j in send_jobs), "no send was deferred right after the acks"
    assert any("timestamp" in j["args"] for j in send_jobs), "the periodic send never ran"
    assert not [j for j in desk.jobs() if j["status"] == "failed"]
    ran = [j["args"]["timestamp"] for j in desk.jobs(SLA_TASK) if j["status"] == "succeeded"]
    assert ran, "the periodic SLA sweep never ran"
    # procrastinate may defer an old tick again from a lagging worker (it keeps only the newest
    # tick's row); the run of the newest tick claimed it, so any late copy of it is a no-op.
    assert not claim_tick(desk.db, SLA_TASK, max(ran)), "the SLA sweep ran without claiming its tick"


def test_a_periodic_tick_runs_once_even_when_a_late_worker_defers_it_again(desk: Desk) -> None:
    """Seen under load: a worker whose deferrer lagged deferred an SLA tick that the other worker had
    already run, after two newer ones. The claim refuses a tick at or before the last one that ran."""
    assert claim_tick(desk.db, SLA_TASK, 1_000)
    assert not claim_tick(desk.db, SLA_TASK, 1_000)  # the same tick, deferred by the other worker
    assert claim_tick(desk.db, SLA_TASK, 1_060)
    assert not claim_tick(desk.db, SLA_TASK, 1_000)  # an old tick deferred late
    assert claim_tick(desk.db, SEND_TASK, 1_000)  # each task has its own ticks
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:  # eight claims of one new tick at once: one wins
        won = list(pool.map(lambda _: claim_tick(desk.db, SLA_TASK, 1_120), range(8)))
    assert won.count(True) == 1


def test_a_failed_task_is_listed_with_its_error_and_retried(desk: Desk, shared_data: Path) -> None:
    producer = make_app(desk.settings, sync=True)
    with producer.open():  # a producer that can send deferred this; the worker below cannot (no SMTP host)
        job_id = producer.configure_task(name=SEND_TASK, queue=desk.settings.queue.tasks_queue).defer()
    desk.drain()
    (job,) = desk.jobs(SEND_TASK)
    assert (job["id"], job["status"], job["attempts"]) == (job_id, "failed", 1)
    (listed,) = desk.cli("jobs", "failed", "--json")
    assert (listed["id"], listed["task"], listed["attempts"]) == (job_id, SEND_TASK, 1)
    assert "SendConfigError" in listed["error"] and "smtp_host" in listed["error"]
    summary = desk.cli("jobs", "--json")
    assert summary["totals"].get("failed") == 1
    assert {"task": SEND_TASK, "status": "failed", "jobs": 1} in summary["tasks"]

    with smtp_server() as smtp:
        settings = desk.configure(smtp)  # the operator fixes the worker's configuration
        with IngestSession(desk.db, after_commit=False) as session:
            result = session.process_message(_mails(shared_data, 1, "retry")[0], SourceRef("file", "retry"))
        with desk.db.transaction() as conn:
            entry = draft_reply(conn, settings, int(result.case_id), by="sam", template="apology_next_step")
            queue(conn, entry["id"], actor="sam")
        assert desk.cli("jobs", "retry", str(job_id), "--json") == {"retried": [job_id], "not_failed": []}
        desk.drain()
        received = [r.message["Message-ID"] for r in smtp.recorder.received]
    retried = next(j for j in desk.jobs(SEND_TASK) if j["id"] == job_id)
    assert retried["status"] == "succeeded"
    with desk.db.engine.connect() as conn:
        row = conn.execute(select(_outbox.c.status, _outbox.c.message_id).where(_outbox.c.id == entry["id"])).one()
    assert row.status == "sent" and received == [f"<{row.message_id}>"]
    assert desk.cli("jobs", "failed", "--json") == []
    refused = runner.invoke(cli, ["jobs", "retry", str(job_id)])
    assert refused.exit_code == 2 and "not failed" in refused.output


def test_reanalyze_tasks_store_new_priorities_and_keep_corrections(desk: Desk, shared_data: Path) -> None:
    mails = _mails(shared_data, 5, "re")
    again = make_mail(  # the first customer writes again: repeat_contact, from the history at the time
        sender="Customer 0 <re0@example.org>", subject="Still waiting", body="I wrote last week and nobody answered.\n",
        when=T0 + timedelta(days=2),
    )  # fmt: skip
    with IngestSession(desk.db, after_commit=False) as session:
        for i, raw in enumerate([*mails, again]):
            session.process_message(raw, SourceRef("file", f"re/{i}"))
    before = _stored(desk)
    assert any("repeat_contact" in m["signals"] for m in before.values())
    sizes = {m["case_id"]: sum(1 for x in before.values() if x["case_id"] == m["case_id"]) for m in before.values()}
    corrected = min(pk for pk, m in before.items() if sizes[m["case_id"]] == 1)
    fixed = "praise" if before[corrected]["intent"] != "praise" else "request"
    desk.cli("correct", f"ED-{before[corrected]['case_id']:06d}", "--by", "pat", "--intent", fixed, "--json")
    cases_before = _case_priorities(desk)
    # a new "model": the analysis configuration in the home raises every message's base priority by 20
    (desk.home / "analyze.yaml").write_text("priority:\n  base: 30\n")

    queued = desk.cli("reanalyze", "--enqueue", "--chunk", "2", "--json")
    assert queued["tasks"] == len(range(queued["first_id"], queued["last_id"] + 1, 2))
    desk.drain()
    after = _stored(desk)
    assert not [j for j in desk.jobs("execdesk.reanalyze") if j["status"] != "succeeded"]
    for pk, old in before.items():
        new = after[pk]
        assert new["priority"] == pytest.approx(min(100.0, old["priority"] + 20), abs=0.11), (pk, old, new)
        assert new["analysis_priority"] == pytest.approx(new["priority"], abs=0.05)
        assert new["signals"] == old["signals"]  # repeat_contact carried from the time the message came
    assert after[corrected]["intent"] == fixed  # a person's correction outranks the new model
    for case_id, priority in _case_priorities(desk).items():
        assert priority == pytest.approx(min(100.0, cases_before[case_id] + 20), abs=0.11)
    # idempotent: the same range again changes nothing
    again = desk.cli("reanalyze", "--json")
    assert (again["messages"], again["changed"], again["cases"]) == (len(before), 0, 0)


def _stored(desk: Desk) -> dict[int, dict[str, Any]]:
    with desk.db.engine.connect() as conn:
        rows = conn.execute(
            select(
                _messages.c.id, _messages.c.case_id, _messages.c.intent, _messages.c.priority, _messages.c.analysis
            ).where(_messages.c.direction == "in")
        ).all()
    return {
        int(r.id): {
            "case_id": int(r.case_id),
            "intent": r.intent,
            "priority": float(r.priority),
            "analysis_priority": float(r.analysis["priority"]["score"]),
            "signals": sorted(s["name"] for s in r.analysis["signals"]),
        }
        for r in rows
    }


def _case_priorities(desk: Desk) -> dict[int, float]:
    with desk.db.engine.connect() as conn:
        return {int(r.id): float(r.priority) for r in conn.execute(select(_cases.c.id, _cases.c.priority))}
