"""Sending the outbox over SMTP, idempotently.

One attempt is three steps, each its own transaction:

1. **claim**: the entry becomes ``sending`` (attempts + 1, a lease in ``next_attempt_at``) and
   that is committed *before* any byte goes to the SMTP server;
2. the SMTP transaction, with the bytes built from the entry (fixed Message-ID and Date,
   so every attempt sends the same message);
3. **record**: ``sent`` plus the sent message stored on the case (raw bytes in the blob store,
   flushed before the commit), the case's last outbound time and the audit event; or, on a
   failure, back to ``queued`` with exponential backoff, or ``failed`` after
   ``reply.max_attempts`` (audited).

A crash between 1 and 3 leaves the entry ``sending``; once its lease runs out it is retried
with the *same* Message-ID. The worst case is therefore one duplicate delivery of the same
message (mail clients collapse it by Message-ID), never two different replies and never a
lost one. See docs/decisions/0604-outbox-at-least-once-same-message-id.md.

One entry never holds up the others: an entry whose message cannot be built fails at once, and an
unexpected error while delivering counts as a retryable attempt; either is logged and audited, and
the pass goes on (decision 0621). Addresses with an international domain go out in its ASCII form;
a non-ASCII mailbox name is sent with SMTPUTF8 (RFC 6531) where the server offers it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from typing import Any

import idna
from sqlalchemy import insert, or_, select, update

from execdesk.cases.refs import case_ref
from execdesk.cases.service import record_audit
from execdesk.parse.identity import identify
from execdesk.settings import Settings
from execdesk.store.db import Store, utcnow
from execdesk.store.models import Case, Message, OutboxEntry, table_of

_outbox = table_of(OutboxEntry)
_messages = table_of(Message)
_cases = table_of(Case)
log = logging.getLogger(__name__)

ACTOR = "execdesk:sender"
#: Headers of automatic mail (RFC 3834 §5; Microsoft's header keeps Exchange from answering back).
AUTO_HEADERS = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}

Deliver = Callable[[bytes, str, list[str]], None]
#: CRLF line ends; headers fold only past RFC 5322's hard limit, so a long Message-ID stays on its line.
_POLICY = SMTP.clone(max_line_length=998)
#: For a recipient whose mailbox name is not ASCII: UTF-8 headers, sent only with SMTPUTF8 (RFC 6532).
_POLICY_UTF8 = _POLICY.clone(utf8=True)


class SendConfigError(ValueError):
    """Sending is not configured (no SMTP host or From address): nothing was attempted."""


class TransientSendError(Exception):
    """Worth retrying: 4xx replies, refused or dropped connections, timeouts."""


class PermanentSendError(Exception):
    """Retrying will not help: a 5xx reply to the message or its recipient."""


@dataclass(frozen=True)
class SendResult:
    outbox_id: int
    case: str
    status: str  # sent | retry | failed | skipped
    attempts: int
    message_id: str
    error: str | None = None
    next_attempt_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_config(settings: Settings) -> None:
    r = settings.reply
    missing = [name for name, value in (("smtp_host", r.smtp_host), ("from_address", r.from_address)) if not value]
    if missing:
        raise SendConfigError(
            f"sending is not configured: set reply.{' and reply.'.join(missing)} "
            "(execdesk.toml [reply] or EXECDESK_REPLY__...)"
        )
    if settings.environment == "production":
        if not r.verify_tls:
            raise SendConfigError("reply.verify_tls = false is refused in production")
        if r.smtp_security == "none" and r.smtp_host not in ("127.0.0.1", "::1", "localhost"):
            raise SendConfigError("reply.smtp_security = none is refused in production except to a local relay")


def smtp_address(address: str) -> tuple[str, bool]:
    """The address as SMTP carries it, and whether it needs SMTPUTF8.

    An international domain becomes its IDNA (xn--) form, which every server takes; a mailbox name
    that is not ASCII cannot be written in ASCII at all (RFC 6531), so it is kept and flagged.
    """
    local, at, domain = address.rpartition("@")
    if not at:
        return address, not address.isascii()
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError:
            return address, True
    return f"{local}@{domain}", not local.isascii()


def build_message(row: Any, settings: Settings) -> bytes:
    """The bytes of an outbox entry. Deterministic: every attempt of one entry sends the same message."""
    r = settings.reply
    assert r.from_address
    to, utf8 = smtp_address(row.to_addr)
    msg = EmailMessage(policy=_POLICY_UTF8 if utf8 else _POLICY)
    display = r.executive_name if row.executive else r.from_name
    msg["From"] = formataddr((display, r.from_address)) if display else r.from_address
    msg["To"] = to
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(row.queued_at or row.created_at)
    msg["Message-ID"] = f"<{row.message_id}>"
    if row.in_reply_to:
        msg["In-Reply-To"] = f"<{row.in_reply_to}>"
    if row.references:
        msg["References"] = " ".join(f"<{ref}>" for ref in row.references)
    msg["X-Execdesk-Case"] = case_ref(row.case_id)
    if row.kind == "ack":
        for name, value in AUTO_HEADERS.items():
            msg[name] = value
    msg.set_content(row.body, charset="utf-8", cte="quoted-printable")
    return msg.as_bytes()


def _password(settings: Settings) -> str | None:
    r = settings.reply
    if r.smtp_password is not None:
        return r.smtp_password.get_secret_value()
    if r.smtp_password_file is not None:
        from execdesk.ops.secrets import SecretFileError, read_secret_file

        try:  # refuses a file readable by group or others
            return read_secret_file(r.smtp_password_file, "reply.smtp_password_file")
        except SecretFileError as exc:
            raise SendConfigError(str(exc)) from None
    return None


def smtp_deliver(settings: Settings) -> Deliver:
    """A deliver function over the configured SMTP server (TLS, STARTTLS or plain; AUTH when a user is set)."""
    r = settings.reply
    check_config(settings)
    assert r.smtp_host is not None
    port = r.smtp_port or {"ssl": 465, "starttls": 587, "none": 25}[r.smtp_security]
    context = ssl.create_default_context()
    if not r.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE

    def deliver(raw: bytes, sender: str, recipients: list[str]) -> None:
        utf8 = [a for a in (sender, *recipients) if not a.isascii()]
        options = ["SMTPUTF8", "BODY=8BITMIME"] if utf8 else []
        try:
            client: smtplib.SMTP
            if r.smtp_security == "ssl":
                client = smtplib.SMTP_SSL(r.smtp_host or "", port, timeout=r.smtp_timeout, context=context)
            else:
                client = smtplib.SMTP(r.smtp_host or "", port, timeout=r.smtp_timeout)
            with client:
                if r.smtp_security == "starttls":
                    client.starttls(context=context)
                if r.smtp_username:
                    client.login(r.smtp_username, _password(settings) or "")
                refused = client.sendmail(sender, recipients, raw, mail_options=options)
        except smtplib.SMTPNotSupportedError as exc:
            if not utf8:
                raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
            detail = f"the SMTP server does not offer SMTPUTF8, which {', '.join(utf8)} needs (RFC 6531)"
            raise PermanentSendError(detail) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            detail = "; ".join(f"{rcpt}: {code} {text!r}" for rcpt, (code, text) in exc.recipients.items())
            if all(400 <= code < 500 for code in codes):
                raise TransientSendError(detail) from exc
            raise PermanentSendError(detail) from exc
        except smtplib.SMTPResponseException as exc:
            err = exc.smtp_error
            detail = f"{exc.smtp_code} {err.decode(errors='replace') if isinstance(err, bytes) else err}"
            if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPAuthenticationError):
                raise PermanentSendError(detail) from exc
            raise TransientSendError(detail) from exc  # 4xx; a wrong password is ours to fix, not the reply's
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
        if refused:
            raise PermanentSendError(f"recipients refused: {refused}")

    return deliver


def _due_ids(store: Store, now: datetime, ids: list[int] | None) -> list[int]:
    q = (
        select(_outbox.c.id)
        .where(
            _outbox.c.status.in_(("queued", "sending")),
            or_(_outbox.c.next_attempt_at.is_(None), _outbox.c.next_attempt_at <= now),
        )
        .order_by(_outbox.c.next_attempt_at, _outbox.c.id)
    )
    if ids is not None:
        q = q.where(_outbox.c.id.in_(ids or [-1]))
    with store.engine.connect() as conn:
        return [int(i) for i in conn.execute(q).scalars()]


def claim(store: Store, settings: Settings, outbox_id: int, now: datetime) -> Any | None:
    """Step 1: mark the entry ``sending`` and commit, before the SMTP transaction. None if not due."""
    lease = timedelta(seconds=settings.reply.sending_lease_seconds)
    with store.transaction() as conn:
        row = conn.execute(select(_outbox).where(_outbox.c.id == outbox_id)).first()
        if row is None or row.status not in ("queued", "sending"):
            return None
        if row.next_attempt_at is not None and row.next_attempt_at > now:
            return None
        done = conn.execute(
            update(_outbox)
            .where(_outbox.c.id == outbox_id, _outbox.c.status == row.status, _outbox.c.attempts == row.attempts)
            .values(status="sending", attempts=row.attempts + 1, next_attempt_at=now + lease, updated_at=now)
        )
        if done.rowcount != 1:  # another sender claimed it first
            return None
        if row.status == "sending":
            record_audit(
                conn,
                actor=ACTOR,
                action="reply.resend_after_interruption",
                case_id=row.case_id,
                details={"outbox_id": outbox_id, "message_id": row.message_id, "attempt": row.attempts + 1},
                at=now,
            )
        return conn.execute(select(_outbox).where(_outbox.c.id == outbox_id)).one()


def record_sent(store: Store, row: Any, raw: bytes, now: datetime, settings: Settings | None = None) -> None:
    """Step 3 on success: the entry is sent and the message is part of the case's thread."""
    r = (settings or store.settings).reply
    ident = identify(raw)
    store.blobs.put(raw, ident.raw_sha256)
    store.blobs.flush()  # the bytes are durable before the row that points at them
    with store.transaction() as conn:
        existing = conn.execute(select(_messages.c.id).where(_messages.c.raw_sha256 == ident.raw_sha256)).scalar()
        if existing is None:
            existing = conn.execute(
                insert(_messages)
                .values(
                    raw_sha256=ident.raw_sha256,
                    content_hash=ident.content_hash,
                    message_id=row.message_id,
                    size=len(raw),
                    direction="out",
                    status="ok",
                    subject=row.subject,
                    from_addr=(r.from_address or "").lower() or None,
                    from_name=r.executive_name if row.executive else r.from_name,
                    to_addrs=[row.to_addr],
                    cc_addrs=[],
                    date=row.queued_at or row.created_at,
                    received_at=now,
                    in_reply_to=row.in_reply_to,
                    references=list(row.references or []),
                    new_text=row.body,
                    quoted_text="",
                    signature="",
                    has_html=False,
                    defects=[],
                    headers={"auto-submitted": "auto-replied"} if row.kind == "ack" else {},
                    case_id=row.case_id,
                )
                .returning(_messages.c.id)
            ).scalar_one()
            conn.execute(
                update(_cases)
                .where(_cases.c.id == row.case_id)
                .values(last_outbound_at=now, updated_at=now, message_count=_cases.c.message_count + 1)
            )
            from execdesk.routing.sla import on_reply_sent

            on_reply_sent(conn, row.case_id, now, kind=row.kind)  # SLA: first/next response met
        conn.execute(
            update(_outbox)
            .where(_outbox.c.id == row.id)
            .values(status="sent", sent_at=now, sent_message_pk=existing, last_error=None, updated_at=now)
        )
        record_audit(
            conn,
            actor=ACTOR,
            action="reply.sent",
            case_id=row.case_id,
            message_pk=existing,
            details={
                "outbox_id": row.id,
                "kind": row.kind,
                "to": row.to_addr,
                "message_id": row.message_id,
                "attempts": row.attempts,
                "approved_by": row.approved_by,
            },
            at=now,
        )


def record_failure(
    store: Store, settings: Settings, row: Any, error: str, *, permanent: bool, now: datetime
) -> SendResult:
    """Step 3 on failure: retry later (doubling delay) or give up after the last attempt; audited either way."""
    r = settings.reply
    give_up = permanent or row.attempts >= r.max_attempts
    delay = timedelta(seconds=r.retry_base_seconds * 2 ** max(row.attempts - 1, 0))
    next_at = None if give_up else now + delay
    with store.transaction() as conn:
        conn.execute(
            update(_outbox)
            .where(_outbox.c.id == row.id)
            .values(
                status="failed" if give_up else "queued",
                next_attempt_at=next_at,
                last_error=error[:2000],
                updated_at=now,
            )
        )
        record_audit(
            conn,
            actor=ACTOR,
            action="reply.failed" if give_up else "reply.retry",
            case_id=row.case_id,
            details={
                "outbox_id": row.id,
                "attempts": row.attempts,
                "error": error[:500],
                "permanent": permanent,
                "next_attempt_at": next_at.isoformat() if next_at else None,
            },
            at=now,
        )
    return SendResult(
        row.id,
        case_ref(row.case_id),
        "failed" if give_up else "retry",
        row.attempts,
        row.message_id,
        error=error,
        next_attempt_at=next_at.isoformat() if next_at else None,
    )


def send_one(
    store: Store, settings: Settings, outbox_id: int, *, deliver: Deliver, now: datetime | None = None
) -> SendResult | None:
    now = now or utcnow()
    row = claim(store, settings, outbox_id, now)
    if row is None:
        return None
    assert settings.reply.from_address
    try:
        raw = build_message(row, settings)
    except Exception as exc:  # the same entry would fail the same way on every attempt
        log.exception("outbox entry %s: the message could not be built", row.id)
        error = f"the message could not be built: {type(exc).__name__}: {exc}"
        return record_failure(store, settings, row, error, permanent=True, now=now)
    try:
        deliver(raw, settings.reply.from_address, [smtp_address(row.to_addr)[0]])
    except TransientSendError as exc:
        return record_failure(store, settings, row, str(exc), permanent=False, now=now)
    except PermanentSendError as exc:
        return record_failure(store, settings, row, str(exc), permanent=True, now=now)
    except Exception as exc:  # a defect, not the reply's: retried with backoff, then failed, never stuck
        log.exception("outbox entry %s: unexpected error while delivering", row.id)
        return record_failure(store, settings, row, f"{type(exc).__name__}: {exc}", permanent=False, now=now)
    record_sent(store, row, raw, now, settings)
    return SendResult(row.id, case_ref(row.case_id), "sent", row.attempts, row.message_id)


def send_due(
    store: Store,
    settings: Settings | None = None,
    *,
    ids: list[int] | None = None,
    deliver: Deliver | None = None,
    now: datetime | None = None,
) -> list[SendResult]:
    """Send every queued entry that is due (and any left ``sending`` past its lease); one result each."""
    settings = settings or store.settings
    check_config(settings)
    deliver = deliver or smtp_deliver(settings)
    now = now or utcnow()
    results = []
    for outbox_id in _due_ids(store, now, ids):
        result = send_one(store, settings, outbox_id, deliver=deliver, now=now)
        if result is not None:
            results.append(result)
    return results
