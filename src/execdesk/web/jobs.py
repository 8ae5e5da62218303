"""Background jobs of ``execdesk serve``: the SLA breach sweep, the scheduled digest check and the
outbox sender, each a loop in its own daemon thread, started and stopped by the app's lifespan.

Each loop calls the same core as its CLI command (``execdesk sla check``, ``execdesk digest
--due``, ``execdesk send``), every one of which is idempotent and claims its work in the database,
so several ``serve`` processes (``--workers``, several machines) may all run them. A failing pass
is logged with its traceback and the next pass runs: a job never takes the desk down. Stopping
sets one event and joins the threads, so the store is not closed under a running pass.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from execdesk.settings import Settings
from execdesk.store import Store

log = logging.getLogger("execdesk.web.jobs")
#: How long :meth:`BackgroundJobs.stop` waits for a pass in progress (a digest render, an SMTP send).
STOP_TIMEOUT_SECONDS = 30.0


@dataclass
class Job:
    """One loop: its name, how often it runs, the pass itself, and how many passes ran or failed."""

    name: str
    interval: float
    run: Callable[[], object]
    passes: int = 0
    failures: int = 0
    ran: threading.Event = field(default_factory=threading.Event)


@dataclass
class BackgroundJobs:
    jobs: list[Job]
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> BackgroundJobs:
        for job in self.jobs:
            thread = threading.Thread(target=self._loop, args=(job,), name=f"execdesk-{job.name}", daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def _loop(self, job: Job) -> None:
        while not self.stop_event.is_set():
            try:
                job.run()
            except Exception:
                job.failures += 1
                log.exception("background job %s failed; next pass in %.0f s", job.name, job.interval)
            job.passes += 1
            job.ran.set()
            self.stop_event.wait(job.interval)

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("background job thread %s did not stop within %.0f s", thread.name, timeout)

    def by_name(self) -> dict[str, Job]:
        return {job.name: job for job in self.jobs}


def plan(store: Store, settings: Settings, *, now: Callable[[], datetime] | None = None) -> list[Job]:
    """The jobs these settings call for. ``now`` replaces the clock of the digest check (tests)."""
    from execdesk.digest.schedule import send_due_digests
    from execdesk.reply.send import send_due
    from execdesk.routing.breaches import check_breaches

    jobs = [
        Job("sla-sweep", settings.sla.sweep_seconds, lambda: check_breaches(store, settings=settings)),
    ]
    if settings.digest.recipients:
        jobs.append(
            Job(
                "digest",
                settings.web.digest_check_seconds,
                lambda: send_due_digests(store, settings, now() if now is not None else None),
            )
        )
    if settings.reply.smtp_host:
        jobs.append(Job("outbox", settings.web.outbox_send_seconds, lambda: send_due(store, settings)))
    return jobs


def wanted(settings: Settings) -> bool:
    """Whether ``serve`` runs the loops: ``web.background_jobs``, or when unset, only without a task
    queue (with one, the workers run the same core as periodic tasks: docs/decisions/1001)."""
    if settings.web.background_jobs is not None:
        return settings.web.background_jobs
    return settings.queue.backend == "none"


def start(store: Store, settings: Settings, *, now: Callable[[], datetime] | None = None) -> BackgroundJobs:
    """Start the loops; :func:`wanted` is checked by the caller (the app's lifespan)."""
    jobs = BackgroundJobs(plan(store, settings, now=now)).start()
    log.info("background jobs started: %s", ", ".join(j.name for j in jobs.jobs))
    return jobs
