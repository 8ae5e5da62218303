"""Shared pieces of the reply tests: a real SMTP server on loopback, mail into a store, send settings."""

from __future__ import annotations

import ssl
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from execdesk.ingest.core import IngestSession
from execdesk.ingest.work import SourceRef
from execdesk.settings import Settings
from execdesk.store import Store
from tests.services import free_port

SRC = SourceRef("file", "test")


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    encrypted: bool = False

    @property
    def message(self) -> EmailMessage:
        msg = message_from_bytes(self.data, policy=default)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class Recorder:
    """aiosmtpd handler: records every accepted message; answers ``fail_with`` to the next ``fail_next`` DATA."""

    received: list[Received] = field(default_factory=list)
    fail_next: int = 0
    fail_with: str = "451 4.3.0 Temporary failure, try again later"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.fail_next > 0:
            self.fail_next -= 1
            return self.fail_with
        data = envelope.original_content or envelope.content
        encrypted = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(data), encrypted))
        return "250 2.0.0 OK"


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: Recorder
    logins: list[str]


@contextmanager
def smtp_server(
    *,
    username: str | None = None,
    password: str | None = None,
    tls: str | None = None,
    cert: Path | None = None,
    smtputf8: bool = False,
) -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd), stopped afterwards; with AUTH when a user is given,
    STARTTLS (required) or implicit TLS (``tls="ssl"``) with ``cert`` (key.pem beside it); ``smtputf8`` offers
    RFC 6531's extension for non-ASCII mailbox names."""
    recorder = Recorder()
    logins: list[str] = []
    kwargs: dict[str, Any] = {}
    tls_kwargs: dict[str, Any] = {}
    if tls is not None:
        assert cert is not None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, cert.with_name("key.pem"))
        # aiosmtpd counts only STARTTLS as TLS for AUTH; with implicit TLS the socket is encrypted anyway
        ssl_mode = {"ssl_context": context}
        tls_kwargs = ssl_mode if tls == "ssl" else {"tls_context": context, "require_starttls": True}
    if username is not None:

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
            ok = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) == (
                username,
                password,
            )
            if ok:
                logins.append(username)
            return AuthResult(success=ok)

        kwargs = {"authenticator": authenticator, "auth_require_tls": tls == "starttls", "auth_required": True}
    kwargs.update(tls_kwargs)
    kwargs["enable_SMTPUTF8"] = smtputf8
    port = free_port()
    with warnings.catch_warnings():  # AUTH without TLS is what we want on loopback in a test
        warnings.simplefilter("ignore", UserWarning)
        controller = Controller(recorder, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, recorder, logins)
    finally:
        controller.stop()


def configure_sending(settings: Settings, server: SmtpServer | None = None, **extra: Any) -> Settings:
    """Point the settings' reply section at the test server (plain SMTP on loopback)."""
    values: dict[str, Any] = {
        "from_address": "ceo-office@northwind-mobile.example",
        "from_name": "Office of the CEO",
        "executive_name": "Alex Hale",
        "company_name": "Northwind Mobile",
        "smtp_security": "none",
        "retry_base_seconds": 60.0,
        "max_attempts": 3,
    }
    if server is not None:
        values.update(smtp_host=server.host, smtp_port=server.port)
    values.update(extra)
    settings.reply = type(settings.reply).model_validate({**settings.reply.model_dump(), **values})
    return settings


def ingest(store: Store, *raws: bytes) -> list[int]:
    """Import messages; returns their case ids in order."""
    with IngestSession(store) as session:
        results = [session.process_message(raw, SRC) for raw in raws]
    return [int(r.case_id) for r in results if r.case_id is not None]


def ingest_pks(store: Store, *raws: bytes) -> list[int]:
    with IngestSession(store, after_commit=False) as session:  # the tests call the reply hooks themselves
        return [session.process_message(raw, SRC).message_pk for raw in raws]
