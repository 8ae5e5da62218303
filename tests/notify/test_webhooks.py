"""Webhooks out, to a real HTTP server on loopback (http.server in a thread): signed so the receiver
can verify, retried with backoff after a failure, never blocking ingest, logged per attempt.
SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from execdesk.notify import dispatcher
from execdesk.notify.signing import SIGNATURE_HEADER, sign, verify
from execdesk.notify.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    WebhookError,
    add_endpoint,
    deliver_due,
    dispatch,
    list_deliveries,
)
from execdesk.routing.breaches import check_breaches
from tests.mailfactory import make_mail
from tests.reply.helpers import ingest
from tests.services import free_port

SECRET = "whsec_test_3f9a1c"
LEGAL = "My lawyer will sue you over these charges and I will complain to the FCC.\n"
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


@dataclass
class Hook:
    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # status codes to answer, in order; then 200
    got_one: threading.Event = field(default_factory=threading.Event)


@contextmanager
def hook_server() -> Iterator[Hook]:
    """A real HTTP receiver on 127.0.0.1 that records each request and answers as told."""
    port = free_port()
    hook = Hook(f"http://127.0.0.1:{port}/hooks/execdesk")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            hook.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            code = hook.answers.pop(0) if hook.answers else 200
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            hook.got_one.set()

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("EXECDESK_TEST_WEBHOOK_SECRET", SECRET)
    return "EXECDESK_TEST_WEBHOOK_SECRET"


def test_signatures_verify_and_refuse_tampering_replays_and_wrong_secrets() -> None:
    body = b'{"event":"high_risk"}'
    header = sign([b"s3cret"], body, 1_800_000_000)
    assert verify(b"s3cret", header, body, now=1_800_000_010)
    assert not verify(b"s3cret", header, body + b" ", now=1_800_000_010)  # body changed
    assert not verify(b"other", header, body, now=1_800_000_010)  # wrong secret
    assert not verify(b"s3cret", header, body, now=1_800_000_000 + 301)  # too old: a replay
    assert not verify(b"s3cret", "v1=deadbeef", body, now=1_800_000_000)  # no timestamp
    rotating = sign([b"new", b"s3cret"], body, 1_800_000_000)  # during a rotation both verify
    assert verify(b"new", rotating, body, now=1_800_000_000) and verify(b"s3cret", rotating, body, now=1_800_000_000)


def test_high_risk_alert_is_delivered_signed_after_a_failed_first_attempt(store, settings, secret_env) -> None:  # type: ignore[no-untyped-def]
    with hook_server() as hook:
        hook.answers = [503]
        with store.transaction() as conn:
            add_endpoint(
                conn, settings, name="chat", url=hook.url, events=["high_risk"], secret_env=secret_env, actor="t"
            )
        settings.webhooks = settings.webhooks.model_copy(update={"background": False, "desk_url": "https://desk.test"})
        (case_id,) = ingest(store, make_mail(body=LEGAL, subject="Overcharged", when=T0))  # delivers after commit
        assert len(hook.received) == 1
        with store.engine.connect() as conn:
            (d,) = list_deliveries(conn)
        assert (d["status"], d["attempts"], d["last_status"]) == ("pending", 1, 503)
        first_retry = datetime.fromisoformat(d["next_attempt_at"])

        assert dispatch(store, settings, now=first_retry - timedelta(seconds=1)) == []  # not due yet
        (result,) = deliver_due(store, settings, now=first_retry)
        assert (result.status, result.attempts, result.http_status) == ("delivered", 2, 200)
        assert dispatch(store, settings, now=first_retry + timedelta(days=1)) == []  # delivered once
    assert len(hook.received) == 2
    headers, body = hook.received[1]
    assert verify(SECRET.encode(), headers[SIGNATURE_HEADER.lower()], body, now=first_retry.timestamp())
    assert not verify(b"not the secret", headers[SIGNATURE_HEADER.lower()], body, now=first_retry.timestamp())
    assert headers[EVENT_HEADER.lower()] == "high_risk" and headers["content-type"] == "application/json"
    assert headers[DELIVERY_HEADER.lower()] == hook.received[0][0][DELIVERY_HEADER.lower()]  # same delivery: dedupe
    payload = json.loads(body)
    assert payload["event"] == "high_risk" and payload["alert"]["case_id"] == case_id
    assert payload["url"] == f"https://desk.test/cases/ED-{case_id:06d}"
    assert "legal_threat" in payload["alert"]["details"]["signals"]
    assert "lawyer" not in body.decode()  # no message text leaves the desk


def test_ingest_delivers_in_the_background_and_a_dead_endpoint_never_blocks_it(store, settings, secret_env) -> None:  # type: ignore[no-untyped-def]
    dead = f"http://127.0.0.1:{free_port()}/nobody-listens"
    with hook_server() as hook:
        with store.transaction() as conn:
            add_endpoint(conn, settings, name="dead", url=dead, events=["high_risk"], secret_env=secret_env, actor="t")
            add_endpoint(
                conn, settings, name="live", url=hook.url, events=["high_risk"], secret_env=secret_env, actor="t"
            )
        ids = ingest(store, make_mail(body=LEGAL, subject="A"), make_mail(body="Thanks!\n", sender="x@example.com"))
        assert len(ids) == 2  # ingest finished; delivery happens in the background
        assert hook.got_one.wait(30)
        assert dispatcher.wait(30)
    (_headers, body) = hook.received[0]
    assert json.loads(body)["alert"]["case_id"] == ids[0]
    with store.engine.connect() as conn:
        by_endpoint = {d["endpoint"]: d for d in list_deliveries(conn)}
    assert by_endpoint["live"]["status"] == "delivered"
    assert by_endpoint["dead"]["status"] == "pending" and "ConnectError" in by_endpoint["dead"]["last_error"]


def test_a_delivery_is_given_up_after_the_last_attempt(store, settings, secret_env) -> None:  # type: ignore[no-untyped-def]
    settings.webhooks = settings.webhooks.model_copy(update={"max_attempts": 2, "background": False})
    with hook_server() as hook:
        hook.answers = [500, 500, 500]
        with store.transaction() as conn:
            add_endpoint(
                conn, settings, name="h", url=hook.url, events=["sla_breach"], secret_env=secret_env, actor="t"
            )
        ingest(store, make_mail(body=LEGAL, when=T0))  # a high_risk alert: not subscribed
        assert hook.received == []
        check_breaches(store, T0 + timedelta(hours=2))  # the first response is missed: one sla_breach alert
        (first,) = deliver_due(store, settings, now=T0 + timedelta(days=1))
        assert first.status == "failed" and first.attempts == 2
    assert [json.loads(b)["event"] for _h, b in hook.received] == ["sla_breach", "sla_breach"]


def test_endpoints_are_validated(store, settings, secret_env) -> None:  # type: ignore[no-untyped-def]
    with store.transaction() as conn:
        with pytest.raises(WebhookError, match="http"):
            add_endpoint(conn, settings, name="a", url="ftp://x", events=["spike"], secret_env=secret_env, actor="t")
        with pytest.raises(WebhookError, match="unknown event"):
            add_endpoint(conn, settings, name="a", url="https://x.test", events=["nope"], secret_env="X", actor="t")
        with pytest.raises(WebhookError, match="exactly one"):
            add_endpoint(conn, settings, name="a", url="https://x.test", events=["spike"], actor="t")
    prod = settings.model_copy(update={"environment": "production"})
    with store.transaction() as conn, pytest.raises(WebhookError, match="https"):
        add_endpoint(conn, prod, name="a", url="http://chat.example.com/x", events=["spike"], secret_env="X", actor="t")
