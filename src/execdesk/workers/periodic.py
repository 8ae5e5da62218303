"""Outbox send, scheduled digest and SLA breach sweep as worker tasks (docs/decisions/1001).

The same core functions as ``execdesk serve``'s background loops (:mod:`execdesk.web.jobs`) and
their CLI commands: :func:`~execdesk.reply.send.send_due`,
:func:`~execdesk.digest.schedule.send_due_digests`, :func:`~execdesk.routing.breaches.check_breaches`.
Each claims its work in the database, so running one twice, or on two workers at once, sends
nothing twice.

Scheduling is procrastinate's periodic tasks: every worker runs the periodic deferrer, and the
database mostly keeps one job per task and tick (``procrastinate_periodic_defers`` is unique on
task and timestamp). Mostly: procrastinate keeps only the newest tick's row, so a worker whose
deferrer lags (a busy machine) can defer a tick another worker already ran, after later ones (the
two-worker test caught it under load). So each tick is also *claimed* (:func:`claim_tick`): a
task runs only for a tick newer than the last one that ran. A ``queueing_lock`` keeps at most one
waiting job per task: a backlog of ingest work does not pile up sweeps behind it.

``execdesk.send_outbox`` is also deferred on demand (:func:`request_send`) right after
acknowledgments are queued, so a reply leaves within seconds rather than at the next tick.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import procrastinate

from execdesk.settings import Settings
from execdesk.store.db import Store
from execdesk.workers.app import DIGEST_TASK, SEND_TASK, SLA_TASK

log = logging.getLogger("execdesk.workers")

_MINUTE_STEPS = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)
_HOUR_STEPS = (1, 2, 3, 4, 6, 8, 12)


def cron_every(seconds: float) -> str:
    """A cron expression for "every ``seconds``", rounded down to a step cron can express evenly
    (a divisor of the minute, hour or day), so a schedule never runs less often than configured.
    Six fields (seconds last, croniter's form) below a minute."""
    s = max(1, int(seconds))
    if s < 60:
        step = max(d for d in (1, *_MINUTE_STEPS) if d <= s)
        return f"* * * * * */{step}"
    m = s // 60
    if m < 60:
        step = max(d for d in _MINUTE_STEPS if d <= m)
        return "* * * * *" if step == 1 else f"*/{step} * * * *"
    h = min(m // 60, 24)
    if h >= 24:
        return "0 0 * * *"
    step = max(d for d in _HOUR_STEPS if d <= h)
    return "0 * * * *" if step == 1 else f"0 */{step} * * *"


def _store(settings: Settings) -> Store:
    from execdesk.workers.tasks import store_for

    return store_for(settings)


def claim_tick(store: Store, task: str, timestamp: int) -> bool:
    """Whether this tick of a periodic task may run: False if it, or a later tick, already ran.

    The last tick that ran is a checkpoint (``periodic:<task>``), read and written under a
    transaction-scoped advisory lock, so two workers cannot both claim one tick."""
    from execdesk.store.checkpoints import read_checkpoint, write_checkpoint
    from execdesk.store.db import advisory_xact_lock, lock_key

    key = f"periodic:{task}"
    with store.transaction() as conn:
        advisory_xact_lock(conn, lock_key(key))
        last = (read_checkpoint(conn, key) or {}).get("timestamp")
        if last is not None and int(last) >= timestamp:
            return False
        write_checkpoint(conn, key, {"timestamp": timestamp})
    return True


def _runs(settings: Settings, task: str, timestamp: int | None) -> bool:
    """An on-demand job (no timestamp) always runs; a periodic one only for a tick not run before."""
    if timestamp is None or claim_tick(_store(settings), task, timestamp):
        return True
    log.info("%s: tick %d already ran (or a later one): skipped", task, timestamp)
    return False


def send_outbox(settings: Settings) -> int:
    """Send every queued reply that is due; how many were sent."""
    from execdesk.reply.send import send_due

    results = send_due(_store(settings), settings)
    sent = sum(1 for r in results if r.status == "sent")
    if results:
        log.info("send task: %d sent, %d other outcome(s)", sent, len(results) - sent)
    return sent


def send_digests(settings: Settings) -> int:
    """Send the scheduled digest if it is due and not sent yet (claimed once per slot)."""
    from execdesk.digest.schedule import send_due_digests

    return sum(1 for r in send_due_digests(_store(settings), settings) if r.status == "sent")


def sla_sweep(settings: Settings) -> int:
    """The SLA breach sweep (one alert per missed deadline) and webhook delivery; new alerts."""
    from execdesk.routing.breaches import check_breaches

    return check_breaches(_store(settings), settings=settings).alerts


def register(app: procrastinate.App, settings: Settings) -> None:
    """The three tasks, and their schedules where the settings call for them (as ``web.jobs.plan``)."""
    queue = settings.queue.tasks_queue

    @app.task(name=SEND_TASK, queue=queue)
    async def send_task(timestamp: int | None = None) -> int:
        return await asyncio.to_thread(lambda: send_outbox(settings) if _runs(settings, SEND_TASK, timestamp) else 0)

    @app.task(name=DIGEST_TASK, queue=queue)
    async def digest_task(timestamp: int | None = None) -> int:
        return await asyncio.to_thread(lambda: send_digests(settings) if _runs(settings, DIGEST_TASK, timestamp) else 0)

    @app.task(name=SLA_TASK, queue=queue)
    async def sla_task(timestamp: int | None = None) -> int:
        return await asyncio.to_thread(lambda: sla_sweep(settings) if _runs(settings, SLA_TASK, timestamp) else 0)

    schedules: list[tuple[Any, float, bool]] = [
        (sla_task, settings.sla.sweep_seconds, True),
        (digest_task, settings.web.digest_check_seconds, bool(settings.digest.recipients)),
        (send_task, settings.web.outbox_send_seconds, bool(settings.reply.smtp_host)),
    ]
    for task, seconds, wanted in schedules:
        if wanted:
            app.periodic(cron=cron_every(seconds), queueing_lock=f"periodic:{task.name}")(task)


def request_send(settings: Settings) -> bool:
    """Defer one ``execdesk.send_outbox`` now (after a commit that queued replies); True if deferred.

    Never raises: the periodic send is the backstop, so a failed request only delays the reply
    until the next tick.
    """
    if settings.queue.backend == "none" or not settings.reply.smtp_host:
        return False
    try:
        from execdesk.workers.intake import producer

        producer(settings).configure_task(name=SEND_TASK, queue=settings.queue.tasks_queue).defer()
    except Exception:
        log.exception("could not defer the send task; the periodic send will pick the reply up")
        return False
    return True
