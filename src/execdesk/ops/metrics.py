"""Metrics in the Prometheus text format (version 0.0.4), read from the database on each scrape.

Why computed from the database and not counted in process: the desk runs as several processes
(import, IMAP watcher, SMTP listener, web workers); the database is the one place that knows
the totals, and a scrape every 15-60 s costs a few indexed counts. No label carries personal
data (sources are kinds, not addresses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, func, select

from execdesk.store.db import utcnow
from execdesk.store.models import Arrival, Case, Message, OutboxEntry, QuarantineEntry, table_of

_arrivals = table_of(Arrival)
_messages = table_of(Message)
_cases = table_of(Case)
_outbox = table_of(OutboxEntry)
_quarantine = table_of(QuarantineEntry)

OPEN_STATUSES = ("open", "pending")
QUEUED_OUTBOX = ("approved", "queued", "sending")


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    kind: str  # gauge | counter
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)


def collect(conn: Connection, now: datetime | None = None) -> list[Metric]:
    """Every metric the desk exports, read in one connection."""
    now = now or utcnow()
    per_source = conn.execute(
        select(_arrivals.c.source_kind, func.count())
        .where(_arrivals.c.duplicate.is_(False))
        .group_by(_arrivals.c.source_kind)
    ).all()
    last_arrival = conn.execute(select(func.max(_arrivals.c.arrived_at))).scalar()
    last_received = conn.execute(
        select(func.max(_messages.c.received_at)).where(_messages.c.direction == "in")
    ).scalar()
    lag = 0.0
    if last_arrival is not None:
        # received_at is the message's own time of arrival at the source; arrived_at is when we stored it
        lag = max(0.0, (now - _aware(last_arrival)).total_seconds())
    quarantine = conn.execute(select(func.count()).where(_quarantine.c.resolved_at.is_(None))).scalar_one()
    queue = conn.execute(
        select(func.count()).where(_cases.c.status.in_(OPEN_STATUSES), _cases.c.machine.is_(False))
    ).scalar_one()
    breached_open = conn.execute(
        select(func.count()).where(_cases.c.status.in_(OPEN_STATUSES), _cases.c.sla_breached_at.is_not(None))
    ).scalar_one()
    breached_total = conn.execute(select(func.count()).where(_cases.c.sla_breached_at.is_not(None))).scalar_one()
    outbox: dict[str, int] = dict(conn.execute(select(_outbox.c.status, func.count()).group_by(_outbox.c.status)).all())
    failed_attempts = conn.execute(
        select(func.count()).where(_outbox.c.last_error.is_not(None), _outbox.c.status != "sent")
    ).scalar_one()
    return [
        Metric(
            "execdesk_messages_total",
            "counter",
            "Distinct messages stored, by the kind of source that first brought them.",
            [({"source": str(k)}, float(n)) for k, n in sorted(per_source)],
        ),
        Metric(
            "execdesk_ingest_lag_seconds",
            "gauge",
            "Seconds since the last message was stored (a stalled source shows as a growing value).",
            [({}, lag)],
        ),
        Metric(
            "execdesk_last_message_received_timestamp_seconds",
            "gauge",
            "Unix time the newest inbound message was received.",
            [({}, _aware(last_received).timestamp() if last_received else 0.0)],
        ),
        Metric(
            "execdesk_quarantine_size", "gauge", "Quarantined messages not yet resolved.", [({}, float(quarantine))]
        ),
        Metric(
            "execdesk_queue_length", "gauge", "Open or pending cases (machine mail excluded).", [({}, float(queue))]
        ),
        Metric(
            "execdesk_sla_breaches_open",
            "gauge",
            "Open or pending cases whose SLA is breached.",
            [({}, float(breached_open))],
        ),
        Metric(
            "execdesk_sla_breaches_total",
            "counter",
            "Cases that ever breached their SLA.",
            [({}, float(breached_total))],
        ),
        Metric(
            "execdesk_outbox_entries",
            "gauge",
            "Outbox entries by status (queued, sending, failed, bounced...).",
            [({"status": str(k)}, float(v)) for k, v in sorted(outbox.items())],
        ),
        Metric(
            "execdesk_send_failures",
            "gauge",
            "Outbox entries not sent whose last attempt failed (retrying, failed or bounced).",
            [({}, float(failed_attempts))],
        ),
        Metric(
            "execdesk_send_queue_length",
            "gauge",
            "Replies approved or queued and not yet sent.",
            [({}, float(sum(int(outbox.get(s, 0)) for s in QUEUED_OUTBOX)))],
        ),
    ]


def _aware(dt: datetime) -> datetime:
    from datetime import UTC

    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(metrics: list[Metric]) -> str:
    """The Prometheus text exposition format."""
    lines: list[str] = []
    for m in metrics:
        lines.append(f"# HELP {m.name} {m.help}")
        lines.append(f"# TYPE {m.name} {m.kind}")
        for labels, value in m.samples:
            label = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
            lines.append(f"{m.name}{{{label}}} {value:g}" if label else f"{m.name} {value:g}")
    return "\n".join(lines) + "\n"


CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
