"""``parse_message``: raw bytes to a :class:`ParsedMessage`, never raising on bad mail.

Only input that is not an e-mail message at all (empty, over the size limit, no RFC 5322
header block) is refused with :class:`ParseRefused`; every other problem is recorded in
``defects`` and parsing goes on with the best reading available.
"""

from __future__ import annotations

import hashlib
import re

from execdesk.parse.charset import decode_bytes
from execdesk.parse.headers import clean_text, decode_field, parse_addresses, parse_date
from execdesk.parse.html import html_to_text
from execdesk.parse.identity import identify, normalise_message_id
from execdesk.parse.machine import NEEDED_HEADERS, MailFacts, detect
from execdesk.parse.mime import Part, decode_payload, header_text, parse_tree
from execdesk.parse.model import Attachment, ParsedMessage, ParseLimits, ParseRefused
from execdesk.parse.quotes import split_text

#: Header fields copied (decoded) into ``ParsedMessage.headers`` for later stages.
KEPT_HEADERS = (
    "auto-submitted",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "list-post",
    "return-path",
    "sender",
    "x-mailer",
    "user-agent",
    "content-language",
    "x-auto-response-suppress",
    "x-autoreply",
    "x-autorespond",
    "importance",
    "x-priority",
    "priority",
    "organization",
    "delivered-to",
    "x-original-to",
)
_LEADING = re.compile(rb"(?:\xef\xbb\xbf)?[\r\n\t ]*")
_FIELD_LINE = re.compile(rb"[!-9;-~]{1,76}[ \t]*:")
_STANDARD_FIELDS = frozenset(
    {
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "received", "return-path",
        "content-type", "mime-version", "delivered-to", "sender", "reply-to", "in-reply-to", "references",
    }
)  # fmt: skip
_USED_FIELDS = ("subject", "from", "to", "cc", "reply-to", "message-id", "date", "references", "in-reply-to")
_WANTED_ORDER = (*_USED_FIELDS, *KEPT_HEADERS, *NEEDED_HEADERS)  # duplicates kept: see parse_message
_WANTED = frozenset(_WANTED_ORDER)
_MSGIDS = re.compile(r"<([^<>\s]+)>")
_TEXT_TYPES = ("text/plain", "text/html")


def _check_is_mail(raw: bytes, limits: ParseLimits, defects: list[str]) -> bytes:
    """Refuse what is not mail; return the bytes from the first header line on."""
    if not raw.strip():
        raise ParseRefused("empty", "the input is empty (no bytes, or only white space)")
    if len(raw) > limits.max_message_bytes:
        raise ParseRefused(
            "too_large", f"the message is {len(raw)} bytes, over the limit of {limits.max_message_bytes}"
        )
    skip = _LEADING.match(raw)
    start = skip.end() if skip else 0
    if start:
        defects.append("bytes before the first header line (byte-order mark or blank lines) ignored")
    first_end = raw.find(b"\n", start, start + 2000)
    first = raw[start : first_end if first_end >= 0 else start + 2000]
    probe_start = start
    if first.startswith(b"From ") and first_end >= 0:
        probe_start = first_end + 1  # mbox envelope line: judge the line after it
    if not _FIELD_LINE.match(raw, probe_start, probe_start + 200):
        raise ParseRefused("not_rfc5322", "the input does not start with an RFC 5322 header field")
    return raw[start:] if start else raw


def _is_body_candidate(part: Part) -> bool:
    return part.ctype in _TEXT_TYPES and part.disposition != "attachment" and not part.filename


def _collect(root: Part) -> tuple[list[Part], list[Part], list[Part], list[Part]]:
    """Walk the tree in order: (plain body parts, primary html parts, all html parts, attachments).

    In a multipart/alternative with a non-empty text/plain child, the other text
    renditions are "secondary": their HTML is kept for display, never counted twice as text.
    """
    plain: list[Part] = []
    html_primary: list[Part] = []
    html_all: list[Part] = []
    attachments: list[Part] = []
    stack: list[tuple[Part, bool]] = [(root, False)]
    while stack:
        part, secondary = stack.pop()
        if part.children:
            if part.ctype == "multipart/alternative":
                has_plain = any(
                    c.ctype == "text/plain" and _is_body_candidate(c) and c.body.strip() for c in part.children
                )
                flags = [secondary or (has_plain and c.ctype != "text/plain") for c in part.children]
            else:
                flags = [secondary] * len(part.children)
            stack.extend(reversed(list(zip(part.children, flags, strict=True))))
            continue
        if part.maintype == "multipart":
            continue  # empty multipart, or cut at the depth limit (recorded as a defect)
        if _is_body_candidate(part):
            if part.ctype == "text/html":
                html_all.append(part)
                if not secondary:
                    html_primary.append(part)
            elif not secondary:
                plain.append(part)
            continue
        attachments.append(part)
    return plain, html_primary, html_all, attachments


def _part_text(part: Part, limits: ParseLimits, defects: list[str]) -> str:
    data = decode_payload(part, defects, max_bytes=limits.max_text_chars * 6)
    text = decode_bytes(data, part.params.get("charset"), defects, part.ctype)
    if "\x00" in text:
        defects.append(f"NUL characters removed from {part.ctype} part")
        text = text.replace("\x00", "")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _join_texts(parts: list[Part], limits: ParseLimits, defects: list[str]) -> str:
    texts = [_part_text(p, limits, defects) for p in parts]
    return "\n\n".join(t.strip("\n") for t in texts if t.strip())


def _attachment(part: Part, defects: list[str]) -> Attachment:
    data = decode_payload(part, defects)
    filename = clean_text(part.filename) if part.filename else None
    inline = part.disposition == "inline" or (not part.disposition and part.get("content-id") is not None)
    return Attachment(
        filename=filename or None,
        content_type=part.ctype,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        inline=inline,
    )


def parse_message(raw: bytes, limits: ParseLimits = ParseLimits(), *, content_hash: str | None = None) -> ParsedMessage:
    """Parse one message. Raises only :class:`ParseRefused`; all else becomes ``defects``.

    ``content_hash`` may be passed when the caller already ran :func:`identify` on ``raw``.
    """
    defects: list[str] = []
    mail = _check_is_mail(raw, limits, defects)
    root = parse_tree(mail, limits, defects)

    names = [name for name, _ in root.headers]
    received = names.count("received")
    raw_first = dict(reversed(root.headers))  # the first value of each field wins
    if not received and not raw_first.keys() & _STANDARD_FIELDS:
        raise ParseRefused("not_rfc5322", "no standard header field (From, Subject, Date, Received...) found")
    # Decode only the wanted fields present, once each. Only a non-UTF-8 value adds a defect:
    # then decode again in the fixed order (duplicates included) so defects read the same.
    scratch: list[str] = []
    first = {name: header_text(name, raw_first[name], scratch) for name in raw_first.keys() & _WANTED}
    if scratch:
        first = {name: header_text(name, raw_first[name], defects) for name in _WANTED_ORDER if name in raw_first}

    subject = decode_field(first.get("subject", ""), defects, "Subject")
    if "subject" not in first:
        defects.append("no Subject header")
    from_pairs = parse_addresses(first["from"], defects, "From") if "from" in first else []
    if "from" not in first:
        defects.append("no From header")
    from_name, from_addr = from_pairs[0] if from_pairs else ("", None)
    to_addrs = [a for _, a in parse_addresses(_all(root, names, first, "to"), defects, "To")] if "to" in first else []
    cc_addrs = [a for _, a in parse_addresses(_all(root, names, first, "cc"), defects, "Cc")] if "cc" in first else []
    reply_pairs = parse_addresses(first["reply-to"], defects, "Reply-To") if "reply-to" in first else []
    message_id = normalise_message_id(first.get("message-id"))
    if message_id is None:
        defects.append("no Message-ID header")
    date = parse_date(first.get("date"), defects)
    refs_value = first.get("references", "")
    references = _MSGIDS.findall(refs_value) or refs_value.split()

    plain, html_primary, html_all, attachment_parts = _collect(root)
    html = _join_texts(html_all, limits, defects) if html_all else None
    if plain:
        text = _join_texts(plain, limits, defects)
    elif html_primary and html:
        text = html_to_text(html if len(html_all) == len(html_primary) else _join_texts(html_primary, limits, []))
    else:
        text = html_to_text(html) if html else ""
    if len(text) > limits.max_text_chars:
        defects.append(f"body text longer than {limits.max_text_chars} characters; truncated")
        text = text[: limits.max_text_chars]
    split = split_text(text)

    kept = {name: decode_field(first[name], defects, name) for name in KEPT_HEADERS if name in first}
    kept["received-count"] = str(received)
    kept["content-type"] = root.ctype
    needed = {name: first[name] for name in NEEDED_HEADERS if name in first}
    facts = MailFacts(headers=needed, subject=subject, from_addr=from_addr, root=root)

    return ParsedMessage(
        message_id=message_id,
        subject=subject,
        from_addr=from_addr,
        from_name=from_name or None,
        to_addrs=to_addrs,
        cc_addrs=cc_addrs,
        reply_to=reply_pairs[0][1] if reply_pairs else None,
        date=date,
        in_reply_to=normalise_message_id(first.get("in-reply-to")),
        references=references,
        text=text,
        new_text=split.new_text,
        quoted_text=split.quoted_text,
        signature=split.signature,
        html=html,
        attachments=[_attachment(p, defects) for p in attachment_parts],
        machine=detect(facts),
        defects=defects,
        headers=kept,
        content_hash=content_hash if content_hash is not None else identify(raw).content_hash,
        size=len(raw),
    )


def _all(root: Part, names: list[str], first: dict[str, str], name: str) -> str:
    """All values of field ``name`` joined with ", " (To and Cc may be repeated)."""
    if names.count(name) == 1:
        return first[name]
    values = [header_text(k, v, []) for k, v in root.headers if k == name]
    return values[0] if len(values) == 1 else ", ".join(values)
