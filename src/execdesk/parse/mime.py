"""A small, bounded MIME structure parser working on bytes offsets.

Why not ``email.parser``: the stdlib feed parser walks every body line in Python, which
costs most of the parse time on ordinary mail and minutes on a 50 MB message, and it has
no limit on parts or depth. This parser finds header blocks and boundary lines with
compiled regular expressions over the whole buffer, builds the part tree iteratively
(no recursion, so 100 levels of nesting cannot raise RecursionError) and stops at
:class:`ParseLimits` with a defect. Header values are decoded with the stdlib helpers in
:mod:`execdesk.parse.headers`.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field

from execdesk.parse.headers import decode_b64, parse_params
from execdesk.parse.model import ParseLimits

# One header field with its continuation lines; a line that is neither starts the body.
_FIELDS = re.compile(rb"^([!-9;-~]+)[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)", re.M)
# Consecutive fields from a line start: where the header run ends.
_RUN = re.compile(rb"(?:[!-9;-~]+[ \t]*:[^\n]*(?:\n[ \t][^\n]*)*(?:\n|\Z))*")


@dataclass(slots=True)
class Part:
    """One MIME entity. ``body`` is still transfer-encoded; multipart bodies are emptied once split."""

    headers: list[tuple[str, bytes]]  # (lower-case name, raw value); decoded on demand
    body: bytes
    depth: int
    ctype: str = "text/plain"
    params: dict[str, str] = field(default_factory=dict)
    disposition: str = ""
    disp_params: dict[str, str] = field(default_factory=dict)
    cte: str = ""
    children: list[Part] = field(default_factory=list)

    def get(self, name: str, defects: list[str] | None = None) -> str | None:
        """First value of header ``name`` (lower case), unfolded, as text (RFC 2047 words not decoded)."""
        for key, value in self.headers:
            if key == name:
                return header_text(name, value, [] if defects is None else defects)
        return None

    @property
    def maintype(self) -> str:
        return self.ctype.partition("/")[0]

    @property
    def filename(self) -> str | None:
        return self.disp_params.get("filename") or self.params.get("name") or None


def header_text(name: str, value: bytes, defects: list[str]) -> str:
    """Unfold a raw header value and decode its bytes (ASCII, else UTF-8, else windows-1252)."""
    if b"\n" in value:
        value = value.replace(b"\r\n", b"").replace(b"\n", b"")
    value = value.strip()
    if value.isascii():
        return value.decode("ascii")
    try:
        return value.decode("utf-8")  # RFC 6532 allows UTF-8 in header fields
    except UnicodeDecodeError:
        defects.append(f"non-UTF-8 bytes in header {name}, decoded as windows-1252")
        return value.decode("cp1252", "replace")


def read_headers(
    data: bytes, start: int, end: int, limits: ParseLimits, defects: list[str]
) -> tuple[list[tuple[str, bytes]], int]:
    """Parse the header block at ``data[start:end]``; return (headers, body offset)."""
    if data.startswith(b"\n", start) or data.startswith(b"\r\n", start):
        return [], data.index(b"\n", start) + 1
    limit = min(end, start + limits.max_header_bytes)
    # The first blank line ("\n\r?\n"), found with two bytes.find calls (memchr-fast; a regex
    # search tries every "\n"); the second only looks before the first's hit.
    q = data.find(b"\n\n", start, limit)
    crlf = data.find(b"\n\r\n", start, limit if q < 0 else q + 2)
    if crlf >= 0:
        head_end, body_start = crlf + 1, crlf + 3
    elif q >= 0:
        head_end, body_start = q + 1, q + 2
    elif limit >= end:
        head_end = body_start = end
    else:
        cut = data.rfind(b"\n", start, limit)
        head_end = body_start = cut + 1 if cut > start else limit
        defects.append(f"header block longer than {limits.max_header_bytes} bytes; the rest is read as body")
    head = data[start:head_end]
    # The fields form one run of consecutive lines from the top (after an mbox "From " line,
    # from the first field found); _RUN finds where that run ends in one regex call, and
    # findall reads the fields inside it without a Match object per field.
    first = 0
    if head.startswith(b"From "):
        m = _FIELDS.search(head)
        first = m.start() if m is not None else 0
    run = _RUN.match(head, first)  # always matches (possibly empty)
    expected = run.end() if run is not None else first
    pairs = _FIELDS.findall(head, first, expected)
    # Names are ASCII by the regex: decode and lower-case them all in three calls.
    names = b"\n".join([p[0] for p in pairs]).decode("ascii").lower().split("\n") if pairs else []
    headers = list(zip(names, [p[1] for p in pairs], strict=True))
    if head[expected:].strip():
        defects.append("header block not ended by a blank line; the rest is read as body")
        body_start = start + expected
    return headers, min(body_start, end)


def _make_part(headers: list[tuple[str, bytes]], body: bytes, depth: int, default: str, defects: list[str]) -> Part:
    part = Part(headers=headers, body=body, depth=depth, ctype=default)
    ctype = part.get("content-type", defects)
    if ctype is not None:
        kind, params = parse_params(ctype, defects, "Content-Type")
        if "/" in kind and " " not in kind:
            part.ctype, part.params = kind, params
        else:
            defects.append(f"invalid Content-Type {ctype[:60]!r}, read as {default}")
            part.params = params
    disp = part.get("content-disposition", defects)
    if disp is not None:
        part.disposition, part.disp_params = parse_params(disp, defects, "Content-Disposition")
    cte = part.get("content-transfer-encoding", defects)
    if cte is not None:
        part.cte = cte.strip().lower()
    return part


_DELIM_TAIL = re.compile(rb"(--)?[ \t]*\r?$", re.M)


def _boundaries(body: bytes, boundary: str) -> list[tuple[int, int, bool]]:
    """(line start, line end, is_close) of every delimiter line of ``boundary``.

    The lines ``^--boundary(--)?[ \\t]*\\r?$``, found with ``bytes.find`` and one shared
    regex for the tail: a per-boundary pattern cost a regex compile per message, and
    ``^`` under re.M makes the engine try every position.
    """
    needle = b"--" + boundary.encode("utf-8", "ignore")
    out: list[tuple[int, int, bool]] = []
    pos = body.find(needle)
    while pos >= 0:
        nxt = pos + 1
        if pos == 0 or body[pos - 1] == 10:
            m = _DELIM_TAIL.match(body, pos + len(needle))
            if m is not None:
                out.append((pos, m.end(), m.group(1) is not None))
                nxt = m.end()
        pos = body.find(needle, nxt)
    return out


def parse_tree(raw: bytes, limits: ParseLimits, defects: list[str]) -> Part:
    """Build the MIME tree of ``raw`` within ``limits``; problems go to ``defects``."""
    headers, body_start = read_headers(raw, 0, len(raw), limits, defects)
    root = _make_part(headers, raw[body_start:], 0, "text/plain", defects)
    count = 1
    stack = [root]
    limit_hit = False
    while stack:
        part = stack.pop()
        if part.maintype != "multipart":
            continue
        if part.depth >= limits.max_depth:
            defects.append(f"MIME nesting deeper than {limits.max_depth} levels; inner parts not read")
            part.ctype, part.body = "application/octet-stream", b""
            continue
        boundary = part.params.get("boundary")
        if not boundary:
            defects.append(f"{part.ctype} without boundary parameter; read as text/plain")
            part.ctype = "text/plain"
            continue
        body = part.body
        delims = _boundaries(body, boundary)
        if not delims:
            defects.append(f"{part.ctype} boundary {boundary[:40]!r} never found; read as text/plain")
            part.ctype = "text/plain"
            continue
        if not delims[-1][2]:
            defects.append(f"{part.ctype} has no closing boundary")
        default = "message/rfc822" if part.ctype == "multipart/digest" else "text/plain"
        for (_, line_end, is_close), nxt in zip(delims, [*delims[1:], None], strict=True):
            if is_close:
                break
            if count >= limits.max_parts:
                if not limit_hit:
                    defects.append(f"more than {limits.max_parts} MIME parts; the rest are not read")
                    limit_hit = True
                break
            start = body.find(b"\n", line_end)
            start = len(body) if start < 0 else start + 1
            if nxt is None:
                end = len(body)
            else:
                end = max(start, nxt[0] - 1)
                if end > start and body[end - 1] == 13:
                    end -= 1
            child_headers, child_body = read_headers(body, start, end, limits, defects)
            part.children.append(_make_part(child_headers, body[child_body:end], part.depth + 1, default, defects))
            count += 1
        part.body = b""
        stack.extend(reversed(part.children))
    return root


def decode_payload(part: Part, defects: list[str], max_bytes: int | None = None) -> bytes:
    """Undo the transfer encoding; with ``max_bytes`` only that much encoded input is read."""
    data = part.body
    if max_bytes is not None and len(data) > max_bytes:
        cut = data.rfind(b"\n", 0, max_bytes)
        data = data[: cut if cut > 0 else max_bytes]
    cte = part.cte
    if not cte or cte in ("7bit", "8bit", "binary"):
        return data
    if cte == "base64":
        out, damaged = decode_b64(data)
        if damaged:
            defects.append(f"damaged base64 in {part.ctype} part, decoded leniently")
        return out
    if cte == "quoted-printable":
        return binascii.a2b_qp(data)
    defects.append(f"unknown Content-Transfer-Encoding {cte[:30]!r}; payload kept as is")
    return data
