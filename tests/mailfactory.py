"""Build real RFC 5322 messages for tests with the stdlib (no hand-typed MIME)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

BASE = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def make_mail(
    *,
    sender: str = "Dana Whitfield <dana.whitfield@example.net>",
    to: str = "ceo@northwind-mobile.example",
    subject: str = "My bill is wrong again",
    body: str = "Hello,\n\nI was charged twice for October. Please fix it.\n\nDana\n",
    when: datetime | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    headers: dict[str, str] | None = None,
    days: float = 0,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when or (BASE + timedelta(days=days)))
    msg["Message-ID"] = message_id or make_msgid(domain="example.net")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content(body)
    return msg.as_bytes()


def msgid_of(raw: bytes) -> str:
    for line in raw.splitlines():
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().strip(b"<>").decode()
    raise ValueError("no Message-ID")


def to_mbox(messages: list[bytes]) -> bytes:
    """mboxrd: envelope line, '>From ' escaping, blank line between messages."""
    out = []
    for raw in messages:
        lines = raw.replace(b"\r\n", b"\n").split(b"\n")
        escaped = [b">" + ln if ln.lstrip(b">").startswith(b"From ") else ln for ln in lines]
        out.append(b"From MAILER-DAEMON Thu Oct  1 09:00:00 2026\n" + b"\n".join(escaped).rstrip(b"\n") + b"\n\n")
    return b"".join(out)
