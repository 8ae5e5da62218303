"""Background jobs of ``execdesk serve``: with the app's lifespan they run the SLA sweep, the digest
check and the outbox sender against a real SMTP server, survive a failing pass, and stop with it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from execdesk.store.models import Case, OutboxEntry, table_of
from execdesk.web import jobs
from execdesk.web.app import create_app
from tests.reply.helpers import SmtpServer, configure_sending, smtp_server
from tests.web.conftest import Desk, make_desk

WAIT = 60.0  # seconds a job may take to do its first pass on a loaded machine (not a timing assertion)


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as s:
        yield s


@pytest.fixture
def busy_desk(home: Path, server: SmtpServer) -> Iterator[Desk]:
    """A desk with mail whose SLA deadlines have passed, sending to a real SMTP server, a digest due."""
    d = make_desk(home)
    configure_sending(d.settings, server)
    d.settings.digest = type(d.settings.digest).model_validate(
        {**d.settings.digest.model_dump(), "recipients": ["alex.hale@northwind-mobile.example"]}
    )
    d.settings.sla.sweep_seconds = 0.05
    d.settings.web.digest_check_seconds = 0.05
    d.settings.web.outbox_send_seconds = 0.05
    yield d
    d.store.close()


def _breached(desk: Desk) -> int:
    cases = table_of(Case)
    with desk.store.engine.connect() as conn:
        return len(conn.execute(select(cases.c.id).where(cases.c.sla_breached_at.is_not(None))).all())


def _queue_reply(desk: Desk) -> int:
    """A reply queued the way the desk queues one (through the core), to be sent by the job."""
    from execdesk.reply.outbox import queue
    from execdesk.reply.service import draft_reply

    with desk.store.transaction() as conn:
        text = "Thank you for your message. We are looking into it and will reply within two days."
        entry = draft_reply(conn, desk.settings, desk.case_ids()[0], by="agent", text=text)
        queue(conn, entry["id"], actor="agent")
    return int(entry["id"])


def _wait(event: threading.Event, what: str) -> None:
    assert event.wait(WAIT), f"{what} did not run"


def test_the_lifespan_runs_sweep_digest_and_sender_then_stops(busy_desk: Desk, server: SmtpServer) -> None:
    assert _breached(busy_desk) == 0
    outbox_id = _queue_reply(busy_desk)
    app = create_app(busy_desk.settings, store=busy_desk.store)
    with TestClient(app) as client:
        running = app.state.jobs
        assert set(running.by_name()) == {"sla-sweep", "digest", "outbox"}
        for job in running.jobs:
            _wait(job.ran, job.name)
        assert client.get("/healthz").json()["ok"]  # the desk serves while they run
    # shut down: every loop has ended, nothing failed
    assert all(not t.is_alive() for t in running.threads)
    assert [j.name for j in running.jobs if j.failures] == []
    assert _breached(busy_desk) >= 1  # the sweep recorded the missed deadlines
    to_exec = [r for r in server.recorder.received if r.rcpt_tos == ["alex.hale@northwind-mobile.example"]]
    assert len(to_exec) == 1  # the digest, claimed once for its slot however many passes ran
    outbox = table_of(OutboxEntry)
    with busy_desk.store.engine.connect() as conn:
        assert conn.execute(select(outbox.c.status).where(outbox.c.id == outbox_id)).scalar_one() == "sent"


def test_a_failing_pass_is_logged_and_the_loop_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []
    twice = threading.Event()

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        twice.set()

    running = jobs.BackgroundJobs([jobs.Job("flaky", 0.01, flaky)]).start()
    with caplog.at_level(logging.ERROR, logger="execdesk.web.jobs"):
        _wait(twice, "the second pass")
        running.stop()
    assert running.jobs[0].failures == 1 and len(calls) >= 2
    assert "background job flaky failed" in caplog.text and "database went away" in caplog.text
    assert not running.threads[0].is_alive()


def test_jobs_follow_the_settings(home: Path) -> None:
    d = make_desk(home)
    try:
        assert [j.name for j in jobs.plan(d.store, d.settings)] == ["sla-sweep"]  # no SMTP, no recipients
        d.settings.web.background_jobs = False
        app = create_app(d.settings, store=d.store)
        with TestClient(app):
            assert app.state.jobs is None
        fixed = datetime(2026, 10, 2, 8, 0, tzinfo=UTC)
        d.settings.digest = type(d.settings.digest).model_validate(
            {**d.settings.digest.model_dump(), "recipients": ["alex@example.org"]}
        )
        assert [j.name for j in jobs.plan(d.store, d.settings, now=lambda: fixed)] == ["sla-sweep", "digest"]
    finally:
        d.store.close()
