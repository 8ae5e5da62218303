"""The parse stage's typed output, shared by every later stage.

These records are plain dataclasses so that they cross process boundaries (workers)
and serialise to JSON without an ORM in sight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """Hard limits that protect the parser from hostile input (all are settings)."""

    max_message_bytes: int = 40 * 1024 * 1024
    max_parts: int = 1000
    max_depth: int = 30
    max_text_chars: int = 1_000_000
    max_header_bytes: int = 256 * 1024


@dataclass(eq=False)  # not frozen/slots: Python sets __traceback__ on exceptions as they travel
class ParseRefused(Exception):
    """The bytes cannot be treated as a message; they are kept and quarantined.

    ``code`` is a stable machine-readable reason (``empty``, ``too_large``,
    ``not_rfc5322``...), ``reason`` a sentence for the user.
    """

    code: str
    reason: str

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attachment. ``data`` is the decoded payload, to be stored as a blob."""

    filename: str | None
    content_type: str
    size: int
    sha256: str
    data: bytes = field(repr=False, default=b"")
    inline: bool = False


@dataclass(frozen=True, slots=True)
class MachineMail:
    """Why a message was judged to be sent by a machine (never to be auto-answered).

    ``kind`` is one of: ``auto_reply`` (out-of-office, vacation), ``bounce``
    (delivery status notification), ``bulk`` (Precedence bulk/junk, marketing),
    ``list`` (mailing list), ``auto_generated`` (other RFC 3834 auto-submitted mail).
    ``evidence`` quotes the header or text that decided it.
    """

    kind: str
    reason: str
    evidence: str


@dataclass(slots=True)
class ParsedMessage:
    """Everything later stages need from one message, decoded and normalised.

    Text fields are ``str`` (never bytes), NUL-free, with ``\\n`` line endings.
    ``new_text`` is what the sender wrote in this message; ``quoted_text`` the earlier
    messages it quotes; ``signature`` the sign-off block. ``text`` is the whole body
    as text (plain part, or HTML converted to text).
    """

    message_id: str | None  # without angle brackets
    subject: str
    from_addr: str | None  # lower-cased addr-spec
    from_name: str | None
    to_addrs: list[str]
    cc_addrs: list[str]
    reply_to: str | None
    date: datetime | None  # timezone-aware, UTC
    in_reply_to: str | None  # without angle brackets
    references: list[str]  # without angle brackets, oldest first
    text: str
    new_text: str
    quoted_text: str
    signature: str
    html: str | None  # original HTML body (unsanitised; sanitise at display time)
    attachments: list[Attachment]
    machine: MachineMail | None
    defects: list[str]  # human-readable parse problems ("unknown charset x-foo, decoded as latin-1")
    headers: dict[str, str]  # selected decoded headers, lower-case names (auto-submitted, list-id, ...)
    content_hash: str  # sha256 of the content independent of transport headers (see ingest dedup)
    size: int = 0
