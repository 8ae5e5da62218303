"""Webhooks out: alerts POSTed as signed JSON to configured endpoints, after the commit, with retries.

Flow: :func:`enqueue` adds one ``webhook_deliveries`` row per (endpoint, alert) the endpoint
subscribes to (``events``: high_risk, campaign, spike, sla_breach) — idempotent, by a unique
key; :func:`deliver_due` sends the due ones. Each attempt is claimed and committed before
the request (attempts + 1 and a lease), so a crash mid-request retries the same delivery; the
``Execdesk-Delivery`` header lets a receiver drop the duplicate. A 2xx answer is delivered;
anything else (or no answer) is retried with doubling delays up to ``webhooks.max_attempts``,
then marked failed; every attempt is logged on the row. One endpoint that does not answer
is skipped for the rest of a run, so it never holds up the others.

Ingest never waits for any of this: :func:`after_ingest` enqueues in its own short transaction
and delivers in a background thread (see :mod:`execdesk.notify.dispatcher`).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Connection, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from execdesk import __version__
from execdesk.cases.service import record_audit
from execdesk.notify.alerts import KINDS, alert_dict
from execdesk.notify.signing import SIGNATURE_HEADER, sign
from execdesk.ops.secrets import SecretFileError, read_secret_file
from execdesk.settings import Settings
from execdesk.store.db import Store, utcnow
from execdesk.store.models import Alert, WebhookDelivery, WebhookEndpoint, table_of

log = logging.getLogger("execdesk.webhooks")

_endpoints = table_of(WebhookEndpoint)
_deliveries = table_of(WebhookDelivery)
_alerts = table_of(Alert)

EVENT_HEADER = "Execdesk-Event"
DELIVERY_HEADER = "Execdesk-Delivery"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


class WebhookError(ValueError):
    """A webhook cannot be configured or sent as asked (bad URL, no secret...). Shown as is."""


@dataclass(frozen=True)
class DeliveryResult:
    delivery_id: int
    endpoint: str
    event: str
    alert_id: int
    status: str  # delivered | retry | failed | skipped
    attempts: int
    http_status: int | None = None
    error: str | None = None
    next_attempt_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- endpoints ------------------------------------------------------------------------------------


def _endpoint_dict(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "url": r.url,
        "events": r.events or [],
        "secret_env": r.secret_env,
        "secret_file": r.secret_file,
        "enabled": bool(r.enabled),
        "created_by": r.created_by,
        "created_at": r.created_at.isoformat(),
    }


def list_endpoints(conn: Connection) -> list[dict[str, Any]]:
    return [_endpoint_dict(r) for r in conn.execute(select(_endpoints).order_by(_endpoints.c.name))]


def check_url(url: str, settings: Settings) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(f"{url!r} is not an http(s) URL")
    if settings.environment == "production" and parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise WebhookError("plain http webhooks are refused in production except to a local relay; use https")


def add_endpoint(
    conn: Connection,
    settings: Settings,
    *,
    name: str,
    url: str,
    events: list[str],
    secret_env: str | None = None,
    secret_file: str | None = None,
    actor: str,
) -> dict[str, Any]:
    """Configure an endpoint. The secret is never stored: name an environment variable or a file.
    Alerts raised before it existed are not sent to it."""
    check_url(url, settings)
    bad = [e for e in events if e not in KINDS]
    if bad or not events:
        raise WebhookError(f"unknown event {', '.join(bad) or '(none)'}; choose from {', '.join(KINDS)}")
    if (secret_env is None) == (secret_file is None):
        raise WebhookError("give the signing secret as exactly one of an environment variable or a file")
    if conn.execute(select(_endpoints.c.id).where(_endpoints.c.name == name)).first() is not None:
        raise WebhookError(f"a webhook named {name!r} exists")
    now = utcnow()
    last_alert = int(conn.execute(select(func.coalesce(func.max(_alerts.c.id), 0))).scalar_one())
    conn.execute(
        insert(_endpoints).values(
            name=name,
            url=url,
            events=sorted(set(events)),
            secret_env=secret_env,
            secret_file=secret_file,
            enabled=True,
            start_after_alert_id=last_alert,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
    )
    record_audit(
        conn, actor=actor, action="webhook.added", details={"name": name, "url": _redact(url), "events": events}
    )
    return next(e for e in list_endpoints(conn) if e["name"] == name)


def remove_endpoint(conn: Connection, name: str, *, actor: str) -> None:
    row = conn.execute(select(_endpoints.c.id).where(_endpoints.c.name == name)).first()
    if row is None:
        raise WebhookError(f"no webhook {name!r}")
    conn.execute(delete(_deliveries).where(_deliveries.c.endpoint_id == row.id))
    conn.execute(delete(_endpoints).where(_endpoints.c.id == row.id))
    record_audit(conn, actor=actor, action="webhook.removed", details={"name": name})


def set_enabled(conn: Connection, name: str, enabled: bool, *, actor: str) -> dict[str, Any]:
    done = conn.execute(
        update(_endpoints).where(_endpoints.c.name == name).values(enabled=enabled, updated_at=utcnow())
    )
    if done.rowcount == 0:
        raise WebhookError(f"no webhook {name!r}")
    record_audit(conn, actor=actor, action="webhook.enabled" if enabled else "webhook.disabled", details={"name": name})
    return next(e for e in list_endpoints(conn) if e["name"] == name)


def read_secret(endpoint: Any) -> bytes:
    """The endpoint's signing secret from its environment variable or file (first line)."""
    if endpoint.secret_env:
        value = os.environ.get(endpoint.secret_env)
        if not value:
            raise WebhookError(f"webhook {endpoint.name}: environment variable {endpoint.secret_env} is not set")
        return value.encode()
    if endpoint.secret_file:
        try:
            value = read_secret_file(Path(endpoint.secret_file), "secret file").strip()
        except SecretFileError as exc:
            raise WebhookError(f"webhook {endpoint.name}: {exc}") from None
        if not value:
            raise WebhookError(f"webhook {endpoint.name}: secret file {endpoint.secret_file} is empty")
        return value.encode()
    raise WebhookError(f"webhook {endpoint.name} has no secret")


def _redact(url: str) -> str:
    """Chat-tool webhook URLs carry a token in the path: logs and audits keep only the host."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}/…"


# -- queueing -----------------------------------------------------------------------------------


def enqueue(conn: Connection, now: datetime | None = None) -> int:
    """One pending delivery per (enabled endpoint, subscribed alert) not yet queued. Idempotent."""
    now = now or utcnow()
    endpoints = conn.execute(select(_endpoints).where(_endpoints.c.enabled.is_(True))).all()
    added = 0
    for ep in endpoints:
        events = [e for e in (ep.events or []) if e in KINDS]
        if not events:
            continue
        queued = exists().where(_deliveries.c.endpoint_id == ep.id, _deliveries.c.alert_id == _alerts.c.id)
        rows = conn.execute(
            select(_alerts.c.id, _alerts.c.kind)
            .where(_alerts.c.id > ep.start_after_alert_id, _alerts.c.kind.in_(events), ~queued)
            .order_by(_alerts.c.id)
        ).all()
        if not rows:
            continue
        values = [
            {
                "endpoint_id": ep.id,
                "alert_id": r.id,
                "event": r.kind,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
            }
            for r in rows
        ]
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(
            dialect.insert(_deliveries).on_conflict_do_nothing(index_elements=["endpoint_id", "alert_id"]), values
        )
        added += len(values)
    return added


def list_deliveries(
    conn: Connection, *, status: str | None = None, endpoint: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The delivery log, newest first."""
    q = (
        select(_deliveries, _endpoints.c.name)
        .select_from(_deliveries.join(_endpoints, _deliveries.c.endpoint_id == _endpoints.c.id))
        .order_by(_deliveries.c.id.desc())
        .limit(limit)
    )
    if status:
        q = q.where(_deliveries.c.status == status)
    if endpoint:
        q = q.where(_endpoints.c.name == endpoint)
    return [
        {
            "id": r.id,
            "endpoint": r.name,
            "alert_id": r.alert_id,
            "event": r.event,
            "status": r.status,
            "attempts": r.attempts,
            "last_status": r.last_status,
            "last_error": r.last_error,
            "next_attempt_at": r.next_attempt_at.isoformat() if r.next_attempt_at else None,
            "created_at": r.created_at.isoformat(),
            "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None,
        }
        for r in conn.execute(q)
    ]


# -- sending ------------------------------------------------------------------------------------


def payload(alert: dict[str, Any], delivery_id: int, settings: Settings, now: datetime) -> bytes:
    """The JSON body: the alert (title, severity, case reference, details; never message text)."""
    body: dict[str, Any] = {
        "id": f"dlv_{delivery_id}",
        "event": alert["kind"],
        "created_at": now.isoformat(),
        "alert": {k: v for k, v in alert.items() if k not in ("acknowledged_by", "acknowledged_at")},
    }
    base = settings.webhooks.desk_url
    if base and alert.get("case"):
        body["url"] = f"{base.rstrip('/')}/cases/{alert['case']}"
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def post(
    client: httpx.Client, url: str, body: bytes, *, secret: bytes, event: str, delivery: str, timestamp: int
) -> httpx.Response:
    return client.post(
        url,
        content=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": f"execdesk/{__version__}",
            EVENT_HEADER: event,
            DELIVERY_HEADER: delivery,
            SIGNATURE_HEADER: sign([secret], body, timestamp),
        },
    )


def _claim(store: Store, settings: Settings, delivery_id: int, now: datetime) -> Any | None:
    """Attempts + 1 and a lease, committed before the request; None when another sender has it."""
    lease = timedelta(seconds=settings.webhooks.timeout_seconds * 3 + 30)
    with store.transaction() as conn:
        row = conn.execute(select(_deliveries).where(_deliveries.c.id == delivery_id)).first()
        if row is None or row.status != "pending" or (row.next_attempt_at is not None and row.next_attempt_at > now):
            return None
        done = conn.execute(
            update(_deliveries)
            .where(_deliveries.c.id == delivery_id, _deliveries.c.attempts == row.attempts)
            .values(attempts=row.attempts + 1, next_attempt_at=now + lease)
        )
        if done.rowcount != 1:
            return None
        ep = conn.execute(select(_endpoints).where(_endpoints.c.id == row.endpoint_id)).one()
        alert = conn.execute(select(_alerts).where(_alerts.c.id == row.alert_id)).one()
        claimed = conn.execute(select(_deliveries).where(_deliveries.c.id == delivery_id)).one()
        return claimed, ep, alert_dict(alert)


def _record(
    store: Store, settings: Settings, row: Any, ep: Any, now: datetime, *, code: int | None, error: str | None
) -> DeliveryResult:
    w = settings.webhooks
    ok = code is not None and 200 <= code < 300
    give_up = not ok and row.attempts >= w.max_attempts
    delay = min(w.retry_base_seconds * 2 ** max(row.attempts - 1, 0), w.retry_max_seconds)
    next_at = None if ok or give_up else now + timedelta(seconds=delay)
    status = "delivered" if ok else "failed" if give_up else "pending"
    with store.transaction() as conn:
        conn.execute(
            update(_deliveries)
            .where(_deliveries.c.id == row.id)
            .values(
                status=status,
                next_attempt_at=next_at,
                last_status=code,
                last_error=(error or "")[:2000] or None,
                delivered_at=now if ok else None,
            )
        )
    if not ok:
        log.warning("webhook %s delivery %d attempt %d failed: %s", ep.name, row.id, row.attempts, error)
    return DeliveryResult(
        row.id,
        ep.name,
        row.event,
        row.alert_id,
        "delivered" if ok else "failed" if give_up else "retry",
        row.attempts,
        code,
        error,
        next_at.isoformat() if next_at else None,
    )


def deliver_due(
    store: Store,
    settings: Settings | None = None,
    *,
    now: datetime | None = None,
    client: httpx.Client | None = None,
    limit: int = 500,
) -> list[DeliveryResult]:
    """Send every pending delivery that is due; one result each."""
    settings = settings or store.settings
    now = now or utcnow()
    with store.engine.connect() as conn:
        due = conn.execute(
            select(_deliveries.c.id, _deliveries.c.endpoint_id)
            .where(
                _deliveries.c.status == "pending",
                or_(_deliveries.c.next_attempt_at.is_(None), _deliveries.c.next_attempt_at <= now),
            )
            .order_by(_deliveries.c.id)
            .limit(limit)
        ).all()
    if not due:
        return []
    own = client is None
    client = client or httpx.Client(timeout=settings.webhooks.timeout_seconds, follow_redirects=False)
    down: set[int] = set()  # endpoints that did not answer in this run: their deliveries wait
    results = []
    try:
        for delivery_id, endpoint_id in due:
            if endpoint_id in down:
                continue
            claimed = _claim(store, settings, delivery_id, now)
            if claimed is None:
                continue
            row, ep, alert = claimed
            code: int | None = None
            error: str | None = None
            try:
                secret = read_secret(ep)
                body = payload(alert, row.id, settings, now)
                response = post(
                    client,
                    ep.url,
                    body,
                    secret=secret,
                    event=row.event,
                    delivery=f"dlv_{row.id}",
                    timestamp=int(now.timestamp()),
                )
                code = response.status_code
                if not 200 <= code < 300:
                    error = f"HTTP {code}: {response.text[:200]}"
            except WebhookError as exc:
                error = str(exc)
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
                down.add(ep.id)
            results.append(_record(store, settings, row, ep, now, code=code, error=error))
    finally:
        if own:
            client.close()
    return results


def dispatch(store: Store, settings: Settings | None = None, *, now: datetime | None = None) -> list[DeliveryResult]:
    """Queue what is new, then send what is due (the sweep, the CLI, workers)."""
    settings = settings or store.settings
    if not settings.webhooks.enabled:
        return []
    with store.transaction() as conn:
        enqueue(conn, now)
    return deliver_due(store, settings, now=now)


def ping(conn: Connection, settings: Settings, name: str, *, client: httpx.Client | None = None) -> dict[str, Any]:
    """Send a signed ``ping`` event to one endpoint now (``execdesk webhooks test``); nothing is stored."""
    ep = conn.execute(select(_endpoints).where(_endpoints.c.name == name)).first()
    if ep is None:
        raise WebhookError(f"no webhook {name!r}")
    now = utcnow()
    secret = read_secret(ep)
    body = json.dumps(
        {"id": "ping", "event": "ping", "created_at": now.isoformat(), "alert": None}, sort_keys=True
    ).encode()
    own = client is None
    client = client or httpx.Client(timeout=settings.webhooks.timeout_seconds, follow_redirects=False)
    try:
        response = post(
            client, ep.url, body, secret=secret, event="ping", delivery="ping", timestamp=int(now.timestamp())
        )
        return {"endpoint": name, "status": response.status_code, "ok": 200 <= response.status_code < 300}
    except httpx.HTTPError as exc:
        return {"endpoint": name, "status": None, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
    finally:
        if own:
            client.close()


def pending_count(conn: Connection) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(_deliveries).where(_deliveries.c.status == "pending")
        ).scalar_one()
    )
