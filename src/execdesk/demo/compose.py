"""Turn a drafted text into real RFC 5322 bytes the way different mail clients would.

Plain text, HTML only, or multipart/alternative; optional attachments; the headers a real
message carries. Everything that the stdlib would otherwise randomise (MIME boundaries,
Message-IDs) is drawn from the seeded generator, so the same seed gives the same bytes.
"""

from __future__ import annotations

import html
import random
import re
import struct
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import Header
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, formataddr


class _CachedRegistry(HeaderRegistry):
    """The stdlib registry builds a new header class on every lookup; build each one once."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls


MBOX_POLICY = policy.default.clone(linesep="\n", header_factory=_CachedRegistry())


@dataclass
class MailSpec:
    """One message to build. ``fmt`` is ``plain``, ``html`` or ``alternative``."""

    from_name: str
    from_addr: str
    to: list[tuple[str, str]]
    subject: str
    body: str
    when: datetime
    message_id: str
    fmt: str = "plain"
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # (filename, mime type, data)
    headers: list[tuple[str, str]] = field(default_factory=list)
    client: str | None = None
    received_ip: str | None = None
    mx_host: str = "mx1.example"
    qp: bool = False


def _addr(name: str, addr: str) -> str:
    """``Name <addr>``, the name RFC 2047-encoded when it is not ASCII (as clients write it)."""
    return formataddr((name, addr), charset="utf-8") if name else addr


def _fold(name: str, value: str) -> str:
    """One header line, folded at 78 characters and encoded when it is not ASCII."""
    if value.isascii() and len(name) + len(value) < 77:
        return f"{name}: {value}\n"
    folded = Header(value, "utf-8" if not value.isascii() else "us-ascii", maxlinelen=78, header_name=name).encode(
        linesep="\n"
    )
    return f"{name}: {folded}\n"


def to_html(text: str, rng: random.Random) -> str:
    """The HTML a client would send for ``text``: paragraphs, line breaks, a client's wrapper."""
    paras = text.strip().split("\n\n")
    body = "".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in p.split("\n")) + "</p>\n" for p in paras if p.strip()
    )
    body = _URL.sub(r'<a href="\1">\1</a>', body)
    style = rng.randrange(3)
    if style == 0:
        return f'<div dir="ltr">\n{body}</div>\n'
    if style == 1:
        return (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>\n'
            '<body style="font-family: Calibri, sans-serif; font-size: 11pt">\n'
            f'<div class="WordSection1">\n{body}</div>\n</body></html>\n'
        )
    return (
        '<html><head></head><body style="overflow-wrap: break-word; -webkit-nbsp-mode: space;">\n'
        f"{body}</body></html>\n"
    )


def render(spec: MailSpec, rng: random.Random) -> bytes:
    """The message's bytes: headers written the way a client writes them, body parts by EmailMessage.

    The top-level headers are formatted here (formataddr, format_datetime, Header folding)
    because the modern header registry costs milliseconds per header and the demo must
    generate a month in well under two seconds; the tests parse every message back with
    ``policy.default`` and require no defects.
    """
    lines = [f"Return-Path: <{spec.from_addr}>\n"]
    if spec.received_ip:
        helo = "mail." + spec.from_addr.rsplit("@", 1)[1]
        lines.append(
            f"Received: from {helo} ({helo} [{spec.received_ip}])\n\tby {spec.mx_host} with ESMTPS id "
            f"{rng.getrandbits(40):010X};\n\t{format_datetime(spec.when)}\n"
        )
    lines.append(f"From: {_addr(spec.from_name, spec.from_addr)}\n")
    lines.append(_fold("To", ", ".join(_addr(n, a) for n, a in spec.to)))
    lines.append(_fold("Subject", spec.subject))
    lines.append(f"Date: {format_datetime(spec.when)}\n")
    lines.append(f"Message-ID: {spec.message_id}\n")
    if spec.in_reply_to:
        lines.append(f"In-Reply-To: {spec.in_reply_to}\n")
        lines.append("References: " + "\n ".join(spec.references or [spec.in_reply_to]) + "\n")
    if spec.client:
        lines.append(_fold("X-Mailer" if rng.random() < 0.5 else "User-Agent", spec.client))
    lines += [_fold(name, value) for name, value in spec.headers]
    return "".join(lines).encode("ascii") + body(spec, rng).as_bytes(policy=MBOX_POLICY)


def body(spec: MailSpec, rng: random.Random) -> EmailMessage:
    """The MIME structure (MIME-Version, Content-* and the parts), with seeded boundaries."""
    msg = EmailMessage(policy=MBOX_POLICY)
    cte = "quoted-printable" if spec.qp else None
    if spec.fmt == "html":
        msg.set_content(to_html(spec.body, rng), subtype="html", cte=cte)
    else:
        msg.set_content(spec.body, cte=cte)
        if spec.fmt == "alternative":
            msg.add_alternative(to_html(spec.body, rng), subtype="html", cte=cte)
    for filename, mime, data in spec.attachments:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    set_boundaries(msg, rng)
    return msg


def set_boundaries(msg: EmailMessage, rng: random.Random) -> None:
    """Give every multipart a seeded boundary (the stdlib would draw one from the global RNG)."""
    for part in msg.walk():
        if part is not msg:
            del part["MIME-Version"]  # the stdlib repeats it on every subpart; mail clients don't
        if part.is_multipart() and part.get_boundary() is None:
            part.set_boundary(f"000000000000{rng.getrandbits(64):016x}")


def pdf_bytes(lines: list[str]) -> bytes:
    """A small, valid one-page PDF showing ``lines`` (a bill, a CV, a letter)."""

    def esc(s: str) -> str:
        return (
            s.encode("latin-1", "replace")
            .decode("latin-1")
            .replace("\\", "\\\\")
            .replace("(", "\\(")
            .replace(")", "\\)")
        )

    text = "BT /F1 11 Tf 56 760 Td 14 TL " + " ".join(f"({esc(line)}) '" for line in lines) + " ET"
    stream = text.encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def png_bytes(rng: random.Random, width: int = 96, height: int = 160) -> bytes:
    """A small valid PNG that looks like a phone screenshot: a status bar and a few grey rows."""
    rows = []
    bars = {rng.randrange(20, height - 10) for _ in range(6)}
    for y in range(height):
        if y < 12:
            shade = 30
        elif any(b <= y < b + 6 for b in bars):
            shade = 180
        else:
            shade = 245
        rows.append(b"\x00" + bytes([shade, shade, shade]) * width)
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


_URL = re.compile(r"(https?://[^\s<>()\"']+[^\s<>()\"'.,;:!?])")
_TOKEN = re.compile(r"\S+")
_LINKISH = re.compile(r"://|@|www\.|\.(example|test)\b")
_WORD = re.compile(r"\b[a-z]{5,}\b")


def add_typos(text: str, rng: random.Random, rate: float = 0.035) -> str:
    """Swap, drop or double a letter in some longer words, as a hurried typist does."""

    def typo(m: re.Match[str]) -> str:
        w = m.group(0)
        if rng.random() > rate:
            return w
        i = rng.randrange(1, len(w) - 2)
        kind = rng.randrange(3)
        if kind == 0:
            return w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        if kind == 1:
            return w[:i] + w[i + 1 :]
        return w[:i] + w[i] + w[i:]

    # links and addresses stay intact: a typo there would break them, and people copy-paste them
    return _TOKEN.sub(lambda t: t.group(0) if _LINKISH.search(t.group(0)) else _WORD.sub(typo, t.group(0)), text)


def lower_voice(text: str, rng: random.Random) -> str:
    """The writer who never presses shift: lower case, lone 'i', fewer apostrophes and full stops."""
    out = text.lower()
    out = re.sub(r"\bi\b", "i", out)
    if rng.random() < 0.6:
        out = out.replace("'", "")
    if rng.random() < 0.5:
        out = re.sub(r"\.(\s)", r"\1", out)
    return out
