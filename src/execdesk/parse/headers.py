"""Header field decoding: RFC 2047 encoded words, RFC 2231 parameters, addresses, dates.

The stdlib's ``email.header.decode_header`` gives up on a whole field when one encoded
word is broken, and splits multi-byte characters that a mailer cut across two encoded
words. This decoder is lenient instead: adjacent words in the same charset are joined
at the byte level before decoding, bad base64 is repaired, unknown charsets fall back
(see :mod:`execdesk.parse.charset`), and each problem is reported as a defect.
"""

from __future__ import annotations

import binascii
import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import getaddresses, parsedate_to_datetime
from urllib.parse import unquote_to_bytes

from execdesk.parse.charset import decode_bytes

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*?)\?=")
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")
_WS = re.compile(r"\s+")
_GROUP_ONLY = re.compile(r"[^:]*:\s*;?\s*")  # "undisclosed-recipients: ;"


def decode_b64(data: bytes) -> tuple[bytes, bool]:
    """Decode base64 leniently; returns (bytes, was_damaged)."""
    try:
        return binascii.a2b_base64(data), False
    except (binascii.Error, ValueError):
        pass
    clean = _B64_JUNK.sub(b"", data)
    if len(clean) % 4 == 1:
        clean = clean[:-1]
    clean += b"=" * (-len(clean) % 4)
    try:
        return binascii.a2b_base64(clean), True
    except (binascii.Error, ValueError):
        return b"", True


def _word_bytes(encoding: str, payload: str, defects: list[str]) -> bytes:
    raw = payload.encode("ascii", "replace")
    if encoding in "bB":
        data, damaged = decode_b64(raw)
        if damaged:
            defects.append("header: damaged base64 in encoded word")
        return data
    return binascii.a2b_qp(raw, header=True)


def decode_words(value: str, defects: list[str], where: str = "header") -> str:
    """Decode RFC 2047 encoded words in a header value (unfolded); plain text is kept."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset: str | None = None

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode_bytes(b"".join(pending), pending_charset, defects, where))
        pending, pending_charset = [], None

    pos = 0
    for m in _ENCODED_WORD.finditer(value):
        gap = value[pos : m.start()]
        if gap and (not gap.isspace() or not pending):
            flush()
            out.append(gap)
        charset = m.group(1).split("*", 1)[0]  # RFC 2231 language suffix: utf-8*en
        if pending and charset.lower() != (pending_charset or "").lower():
            flush()
        pending_charset = charset
        pending.append(_word_bytes(m.group(2), m.group(3), defects))
        pos = m.end()
    flush()
    out.append(value[pos:])
    return "".join(out)


def clean_text(value: str) -> str:
    """Collapse whitespace and drop control characters (NUL included) from a header value."""
    if value.isprintable() and "  " not in value:
        return value.strip()
    if not value.isprintable():
        value = "".join(ch if ch.isprintable() else " " for ch in value)
    return _WS.sub(" ", value).strip()


def decode_field(value: str, defects: list[str], where: str = "header") -> str:
    """A free-text field (Subject, display names): encoded words decoded, whitespace cleaned."""
    return clean_text(decode_words(value, defects, where))


_ADDR = r"[^\s<>(),;:\"@\\\[\]]+@[^\s<>(),;:\"@\\\[\]]+"
_SIMPLE_ADDRESS = (
    re.compile(rf"\s*()({_ADDR})\s*"),  # bare addr-spec
    re.compile(rf'\s*"([^"\\]*)"\s*<({_ADDR})>\s*'),  # "Name" <addr>
    re.compile(rf"\s*([^\"<>(),;:@\\]*?)\s*<({_ADDR})>\s*"),  # Name <addr>
    re.compile(rf"\s*({_ADDR})\s*\(([^()\\]*)\)\s*"),  # addr (Name), the old form
)


def _simple_address(item: str, defects: list[str], where: str) -> tuple[str, str] | None:
    """The common forms without a full RFC 5322 parse (the stdlib parser is slow)."""
    for i, pattern in enumerate(_SIMPLE_ADDRESS):
        m = pattern.fullmatch(item)
        if m:
            name, addr = (m.group(2), m.group(1)) if i == 3 else (m.group(1), m.group(2))
            return decode_field(name, defects, where), addr.lower()
    return None


def parse_addresses(value: str, defects: list[str], where: str) -> list[tuple[str, str]]:
    """``[(display name, lower-cased addr-spec)]``; entries without an address are dropped."""
    if '"' not in value or value.count(",") == 0:
        simple = [_simple_address(item, defects, where) for item in value.split(",")] if value.strip() else []
        if simple and all(simple):
            return [s for s in simple if s is not None]
    try:
        pairs = getaddresses([value])
    except Exception:
        defects.append(f"{where}: address list could not be parsed")
        return []
    out: list[tuple[str, str]] = []
    for name, addr in pairs:
        addr = clean_text(addr).lower()
        if not addr:
            continue
        out.append((decode_field(name, defects, where), addr))
    if not out and value.strip():
        # getaddresses gives up on some broken forms; salvage an obvious address.
        m = re.search(r"[\w.+\-=']+@[\w\-]+(?:\.[\w\-]+)+", value)
        if m:
            defects.append(f"{where}: malformed address field, address salvaged")
            out.append(("", m.group(0).lower()))
        elif not _GROUP_ONLY.fullmatch(value):
            defects.append(f"{where}: no address found in {clean_text(value)[:60]!r}")
    return out


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}
# RFC 5322's own form, as nearly all mail writes it; the stdlib's forgiving token juggling
# (_parsedate_tz) costs more than the rest of the header work together.
_RFC5322_DATE = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"([1-9]\d{3}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)(?: .*)?"
)


def _strict_date(value: str) -> datetime | None:
    """``parsedate_to_datetime(value)`` for a strict RFC 5322 date, None for any other form
    (and for an impossible date, so that the stdlib path raises and reports it)."""
    m = _RFC5322_DATE.fullmatch(value)
    if m is None:
        return None
    day, month, year, hh, mm, ss, sign, tzh, tzm = m.groups()
    offset = int(tzh) * 3600 + int(tzm) * 60
    try:
        if offset == 0 and sign == "-":  # "-0000": local time, zone unknown (naive, like the stdlib)
            return datetime(int(year), _MONTHS[month], int(day), int(hh), int(mm), int(ss))
        zone = timezone(timedelta(seconds=-offset if sign == "-" else offset))
        return datetime(int(year), _MONTHS[month], int(day), int(hh), int(mm), int(ss), tzinfo=zone)
    except (ValueError, OverflowError):
        return None


def parse_date(value: str | None, defects: list[str]) -> datetime | None:
    """RFC 5322 date to an aware UTC datetime; ``None`` with a defect if it does not parse."""
    if value is None:
        defects.append("no Date header")
        return None
    try:
        dt = _strict_date(value) or parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append(f"Date header does not parse: {clean_text(value)[:60]!r}")
        return None
    if dt.tzinfo is None:  # "-0000": time zone unknown, RFC 5322 says treat as UTC
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(UTC)
    except (OverflowError, ValueError):
        defects.append(f"Date header out of range: {clean_text(value)[:60]!r}")
        return None


def _split_params(value: str) -> list[str]:
    """Split on ``;`` outside double quotes."""
    if '"' not in value:
        return value.split(";")
    parts: list[str] = []
    buf: list[str] = []
    quoted = escaped = False
    for ch in value:
        if escaped:
            buf.append(ch)
            escaped = False
        elif ch == "\\" and quoted:
            buf.append(ch)
            escaped = True
        elif ch == '"':
            quoted = not quoted
            buf.append(ch)
        elif ch == ";" and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        if "\\" not in value:
            return value[1:-1]
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    if value.startswith('"'):
        return value[1:]
    return value


def parse_params(value: str, defects: list[str], where: str) -> tuple[str, dict[str, str]]:
    """Split ``type/sub; a=b; name*0*=...`` into (lower-cased first token, params).

    RFC 2231 continuations and charset'language'%XX values are joined and decoded;
    RFC 2047 words inside quoted values (Outlook's habit for filenames) are decoded too.
    """
    pieces = _split_params(value)
    head = pieces[0].strip().lower()
    params: dict[str, str] = {}
    sections: dict[str, list[tuple[int, bool, str]]] = {}
    for piece in pieces[1:]:
        if "=" not in piece:
            continue
        key, _, val = piece.partition("=")
        key = key.strip().lower()
        if not key:
            continue
        if "*" in key:
            name, _, rest = key.partition("*")
            extended = key.endswith("*")
            num = rest.rstrip("*")
            index = int(num) if num.isdigit() else 0
            sections.setdefault(name, []).append((index, extended, _unquote(val)))
            continue
        params.setdefault(key, _unquote(val))
    for name, secs in sections.items():
        secs.sort(key=lambda s: s[0])
        charset: str | None = None
        chunks: list[bytes] = []
        for i, (_, extended, val) in enumerate(secs):
            if extended:
                if i == 0 and val.count("'") >= 2:
                    charset, _, val = val.split("'", 2)
                chunks.append(unquote_to_bytes(val))
            else:
                chunks.append(val.encode("utf-8", "surrogateescape"))
        params[name] = decode_bytes(b"".join(chunks), charset or "utf-8", defects, f"{where} parameter {name}")
    for key in ("name", "filename"):
        if key in params and "=?" in params[key]:
            params[key] = decode_words(params[key], defects, where)
    return head, params
