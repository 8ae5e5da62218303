"""Cheap message identity, computed from raw bytes before any real parsing.

Ingest uses it to recognise a message it already has without parsing it again:

* ``raw_sha256`` — the exact bytes (content address of the raw blob);
* ``content_hash`` — the message as its author sent it: the header fields that travel
  unchanged (Message-ID, From, To, Cc, Date, Subject) plus the body, with line endings
  normalised. Transport headers (Received, Return-Path, Delivered-To, X-...) that differ
  between an IMAP copy and an SMTP copy of the same message are left out, so the same
  message arriving by two sources is recognised, while two different messages that
  happen to share a Message-ID are not merged.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_IDENTITY_FIELDS = (b"message-id", b"from", b"to", b"cc", b"date", b"subject")
_MSGID = re.compile(r"<([^<>\s]+)>")


@dataclass(frozen=True, slots=True)
class Identity:
    raw_sha256: str
    content_hash: str
    message_id: str | None


def _split(raw: bytes) -> tuple[bytes, bytes]:
    m = _HEADER_END.search(raw)
    if m is None:
        return raw, b""
    return raw[: m.start()], raw[m.end() :]


_FIELD = re.compile(
    rb"^(message-id|from|to|cc|date|subject)[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)", re.IGNORECASE | re.MULTILINE
)


def _header_fields(head: bytes) -> dict[bytes, bytes]:
    """First occurrence of each identity field, unfolded, whitespace collapsed."""
    fields: dict[bytes, bytes] = {}
    for m in _FIELD.finditer(head):
        name = m.group(1).lower()
        if name not in fields:
            fields[name] = b" ".join(m.group(2).split())
            if len(fields) == len(_IDENTITY_FIELDS):
                break
    return fields


def normalise_message_id(value: str | None) -> str | None:
    """``<abc@x>`` -> ``abc@x``; garbage without angle brackets is kept stripped."""
    if not value:
        return None
    m = _MSGID.search(value)
    if m:
        return m.group(1)
    cleaned = value.strip().strip("<>").strip()
    return cleaned or None


def identify(raw: bytes) -> Identity:
    """Hash the raw bytes and the transport-independent content of a message."""
    raw_sha256 = hashlib.sha256(raw).hexdigest()
    if raw.startswith(b"From ") and b"\n" in raw[:1000]:
        raw_for_content = raw[raw.index(b"\n") + 1 :]  # mbox envelope line is transport
    else:
        raw_for_content = raw
    head, body = _split(raw_for_content)
    fields = _header_fields(head)
    h = hashlib.sha256()
    for name in _IDENTITY_FIELDS:
        h.update(name + b"\x00" + fields.get(name, b"") + b"\x00")
    h.update(body.replace(b"\r\n", b"\n").rstrip(b"\n"))
    msgid = fields.get(b"message-id")
    return Identity(
        raw_sha256=raw_sha256,
        content_hash=h.hexdigest(),
        message_id=normalise_message_id(msgid.decode("ascii", "replace")) if msgid else None,
    )
