"""SMTP source: an aiosmtpd listener whose ``250`` means "durably stored".

The edge does only cheap checks and answers real SMTP codes (the Zulip gateway's habit):

* RCPT TO outside ``smtp_listen.recipients`` (addresses or ``@domain``; empty = any) -> ``550 5.1.1``;
* more than ``limits.max_message_bytes`` (SIZE= or actual data) -> ``552 5.3.4``;
* DATA is stored with ``process_message`` + ``commit`` in a worker thread, one message per
  commit; ``250`` is sent only after ``commit`` returned. Any failure of ours -> ``451 4.3.0``,
  so the sending MTA keeps the message and retries: nothing is lost either way.

The raw bytes are stored exactly as received (no trace header is prepended), so a copy
that also arrives by IMAP has the same SHA-256; the envelope (MAIL FROM, RCPT TO, peer)
is recorded in the arrival's source reference instead.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from execdesk.ingest.core import IngestSession
from execdesk.ingest.work import IngestResult, SourceRef
from execdesk.settings import Settings
from execdesk.store import Store
from execdesk.workers.intake import enqueue_messages, queue_enabled
from execdesk.workers.message import QueuedMessage

log = logging.getLogger("execdesk.ingest.smtp")

#: aiosmtpd's default (1001, RFC 5321's limit) would refuse real mail with long lines with
#: a permanent 500; a desk that must not lose mail accepts them, like Postfix does.
LINE_LENGTH_LIMIT = 1024 * 1024

REJECT_RECIPIENT = "550 5.1.1 <{}>: recipient not accepted here"
TOO_BIG = "552 5.3.4 Message too big for system"
TRY_AGAIN = "451 4.3.0 Temporary local problem: please try again later"


def recipient_allowed(address: str, allowed: Iterable[str]) -> bool:
    """``allowed`` holds addresses (exact, case-insensitive) and ``@domain`` entries; empty allows all."""
    rules = [a.strip().lower() for a in allowed if a.strip()]
    if not rules:
        return True
    addr = address.strip().strip("<>").lower()
    domain = "@" + addr.rpartition("@")[2] if "@" in addr else None
    return any(addr == rule or (rule.startswith("@") and domain == rule) for rule in rules)


class _Smtp(SMTP):
    """aiosmtpd's server with enhanced status codes on its size refusals."""

    line_length_limit = LINE_LENGTH_LIMIT

    async def push(self, status: Any) -> None:
        text = status.decode("ascii", "replace") if isinstance(status, bytes) else str(status)
        if text.startswith("552 Error:"):  # SIZE= too large, or DATA beyond data_size_limit
            status = TOO_BIG
        await super().push(status)


@dataclass(slots=True)
class SmtpCounters:
    """What the listener did since it started (for logs, tests and shutdown messages)."""

    accepted: int = 0
    queued: int = 0  # handed to the task queue (queue.backend); a worker stores them
    duplicates: int = 0
    quarantined: int = 0
    rejected_recipients: int = 0
    deferred: int = 0
    results: list[IngestResult] = field(default_factory=list)


class StoreHandler:
    """aiosmtpd handler: recipient policy at RCPT, durable store at DATA."""

    def __init__(self, store: Store, settings: Settings, recipients: list[str] | None = None) -> None:
        self.store = store
        self.settings = settings
        self.recipients = list(settings.smtp_listen.recipients if recipients is None else recipients)
        self.counters = SmtpCounters()
        # One writer thread: one message per commit, in arrival order; the event loop never blocks.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="execdesk-smtp-store")

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if not recipient_allowed(address, self.recipients):
            self.counters.rejected_recipients += 1
            log.info("SMTP refused recipient %s from %s", address, session.peer)
            return REJECT_RECIPIENT.format(address)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if len(raw) > self.settings.limits.max_message_bytes:  # belt and braces: aiosmtpd checks first
            return TOO_BIG
        ref = self.source_ref(session, envelope)
        loop = asyncio.get_running_loop()
        if queue_enabled(self.settings):  # raw bytes fsynced and the task committed before the 250
            try:
                queued = await loop.run_in_executor(self._executor, self.enqueue_message, raw, ref)
            except Exception:
                self.counters.deferred += 1
                log.exception("SMTP could not queue a message (%d bytes); answered 451", len(raw))
                return TRY_AGAIN
            self.counters.queued += 1
            return f"250 2.0.0 OK queued as {queued.sha256[:16]}"
        try:
            result = await loop.run_in_executor(self._executor, self.store_message, raw, ref)
        except Exception:
            # Ours, not theirs: log without content or addresses; the sender keeps the message.
            self.counters.deferred += 1
            log.exception("SMTP could not store a message (%d bytes); answered 451", len(raw))
            return TRY_AGAIN
        self.counters.results.append(result)
        if result.status == "duplicate":
            self.counters.duplicates += 1
        elif result.status == "quarantined":
            self.counters.quarantined += 1
        else:
            self.counters.accepted += 1
        return f"250 2.0.0 OK stored as message {result.message_pk}"

    def store_message(self, raw: bytes, ref: SourceRef) -> IngestResult:
        """Runs in the writer thread: store, commit, and only then report success."""
        with IngestSession(self.store, self.settings) as session:
            result = session.process_message(raw, ref)
            session.commit()
        return result

    def enqueue_message(self, raw: bytes, ref: SourceRef) -> QueuedMessage:
        """Runs in the writer thread: raw bytes durable, then an ingest task for the workers."""
        return enqueue_messages(self.store, self.settings, [(raw, ref)])[0]

    def source_ref(self, session: Session, envelope: Envelope) -> SourceRef:
        """``smtp://listener/id?from=..&to=..&peer=..``: the envelope, which the headers may not show."""
        listen = self.settings.smtp_listen
        params = [("from", envelope.mail_from or "")] + [("to", r) for r in envelope.rcpt_tos]
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        params.append(("peer", str(peer)))
        query = "&".join(f"{k}={quote(v, safe='@')}" for k, v in params)
        return SourceRef("smtp", f"smtp://{listen.host}:{listen.port}/{secrets.token_hex(8)}?{query}")

    def close(self) -> None:
        self._executor.shutdown(wait=True)


class _Controller(Controller):
    """aiosmtpd's threaded controller, building our SMTP subclass."""

    def factory(self) -> SMTP:
        return _Smtp(self.handler, **self.SMTP_kwargs)


class SmtpListener:
    """The listener in a background thread (aiosmtpd's Controller): ``start()``, ``stop()``."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        host: str | None = None,
        port: int | None = None,
        recipients: list[str] | None = None,
    ) -> None:
        self.settings = settings
        self.host = host or settings.smtp_listen.host
        self.port = settings.smtp_listen.port if port is None else port
        self.handler = StoreHandler(store, settings, recipients)
        self.controller = _Controller(
            self.handler,
            hostname=self.host,
            port=self.port,
            ready_timeout=10.0,
            server_hostname="execdesk",
            ident="execdesk ESMTP",
            data_size_limit=settings.limits.max_message_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
        )

    @property
    def counters(self) -> SmtpCounters:
        return self.handler.counters

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        """Stop accepting, let the writer thread finish its message, then return."""
        try:
            self.controller.stop()
        finally:
            self.handler.close()

    def serve_until(self, stop: threading.Event) -> None:
        """Run until ``stop`` is set (the CLI sets it on SIGINT/SIGTERM)."""
        self.start()
        try:
            stop.wait()
        finally:
            self.stop()
