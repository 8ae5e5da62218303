"""Split a body into what the sender wrote now, the earlier messages it quotes, and the signature.

A small line-based splitter (see docs/decisions/0102): it recognises the quote headers
that mail clients write (Gmail/Apple/Thunderbird "On ... wrote:", Outlook's
"-----Original Message-----" and "From:/Sent:/To:/Subject:" blocks, forwarded-message
markers) and ``>`` quoted lines, and it is conservative about signatures: a block is cut
only after a ``-- `` delimiter, a known mobile footer, or a short sign-off ("Regards,")
followed by at most a few short lines. Leaving a signature in ``new_text`` is better
than cutting real content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import filterfalse

# Checked with str.endswith on the lower-cased line, without its ":" (much faster than a regex).
_ATTRIBUTION_VERBS = (
    "wrote",
    "writes",
    "a écrit",
    "schrieb",
    "escribió",
    "ha scritto",
    "schreef",
    "escreveu",
    "napisał",
    "skrev",
    "kirjoitti",
    "пишет",
    "написал",
    "написала",
    "napsal",
    "írta",
    "yazdı",
    "写道",
    "が書きました",
)
_ATTRIBUTION_START = re.compile(r"^(?:On|Le|Am|El|Il|Op|Em|Den|På|W dniu|Dne|В|\d{1,4}[./-])\s", re.I)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|"
    r"Messaggio originale|Oorspronkelijk bericht|Mensagem original|Исходное сообщение)\s*-{2,}\s*$",
    re.I,
)
_FORWARD = re.compile(
    r"^\s*(?:-{2,}\s*(?:Forwarded message|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado)"
    r"\s*-*|Begin forwarded message:|-{2,}\s*Forwarded by .*-{2,})\s*$",
    re.I,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_HDR_FROM = re.compile(r"^\s*\*?(?:From|Von|De|Da|Van|От)\s*:\*?\s+\S", re.I)
_HDR_OTHER = re.compile(
    r"^\s*\*?(?:Sent|Date|To|Subject|Cc|Gesendet|Datum|An|Betreff|Envoyé|Objet|À|Enviado|Asunto|Para)\s*:",
    re.I,
)
# Lines that could start a quote header: rules and "From:" fields, and "... wrote:" endings.
# Written with a leading "\n" rather than "^" under re.M, and without re.I: both make the
# regex engine try every position and cost ten times more on ordinary text.
_CANDIDATE_START = re.compile(r"\n[ \t]*(?:[-_]{2}|\*?(?:From|FROM|Von|De|Da|Van|От)[ \t]*:|Begin forwarded)")
_CANDIDATE_END = re.compile(r":[ \t]*\n")
_QUOTED_LINE = re.compile(r"\n *>")
_SIG_DELIM = re.compile(r"^-- ?$")
_MOBILE = re.compile(
    r"^(?:Sent from my \w[\w ]{0,30}|Sent from (?:Mail|Outlook|Yahoo Mail|Samsung|my mobile)\b.{0,40}|"
    r"Get Outlook for (?:iOS|Android)|Sent via .{1,40}|Envoyé de mon \w+|Von meinem \w+ gesendet)\s*$",
    re.I,
)
_SIGN_OFF = re.compile(
    r"^(?:(?:best|kind|warm|warmest|many|with)?\s*(?:regards|wishes|thanks)|best|cheers|thanks|thank you|"
    r"thanks again|many thanks|sincerely|yours sincerely|yours truly|yours faithfully|respectfully|"
    r"cordially|br|rgds|thx|take care|all the best|mit freundlichen grüßen|cordialement|saludos)"
    r"\s*[,.!]?\s*$",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Split:
    new_text: str
    quoted_text: str
    signature: str


def _is_quoted(line: str) -> bool:
    return line[:1] == ">" or line.lstrip(" ")[:1] == ">"


# The same test as a C-level callable, for filter() over many lines (no Python frame per line).
_QUOTED_MATCH = re.compile(r" *>").match


def _quote_header(lines: list[str], candidates: list[int] | None = None) -> tuple[int, str] | None:
    """Index and kind (attribution/original/forward) of the first quote header.

    ``candidates`` (line numbers worth a closer look) saves testing every line.
    """
    for i in range(len(lines)) if candidates is None else candidates:
        line = lines[i]
        stripped = line.strip()
        if not stripped or len(stripped) > 400 or _is_quoted(line):
            continue
        if _ORIGINAL.match(stripped):
            return i, "original"
        if _FORWARD.match(stripped):
            return i, "forward"
        if _HDR_FROM.match(stripped):
            following = [s for s in lines[i + 1 : i + 6] if s.strip()]
            if sum(1 for s in following[:4] if _HDR_OTHER.match(s)) >= 2:
                start = i - 1 if i > 0 and _RULE.match(lines[i - 1]) else i
                return start, "original"
        if stripped.endswith((":", "：")) and stripped.rstrip(":： ").lower().endswith(_ATTRIBUTION_VERBS):
            # Gmail wraps a long attribution over two or three lines: find where it starts.
            for back in range(0, 3):
                j = i - back
                if j < 0 or (back and not lines[j].strip()):
                    break
                if _ATTRIBUTION_START.match(lines[j].strip()):
                    return j, "attribution"
            nxt = next((s for s in lines[i + 1 : i + 3] if s.strip()), "")
            if _is_quoted(nxt):
                return i, "attribution"
    return None


def _signature(lines: list[str]) -> int | None:
    """Index where the signature starts in ``lines`` (the new text), or None."""
    delims = [_index(lines, d) for d in ("-- ", "--")]  # list.index: a C loop over the lines
    if delims != [-1, -1]:
        return min(i for i in delims if i >= 0)
    content: list[int] = []  # the last few non-blank lines, in order
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].strip():
            content.insert(0, i)
            if len(content) == 6:
                break
    if not content:
        return None
    last = content[-1]
    if _MOBILE.match(lines[last].strip()):
        # "Sent from my iPhone" alone; a sign-off just above it goes with it.
        for i in content[:-1]:
            if _SIGN_OFF.match(lines[i].strip()) and _short_tail(lines, i, last):
                return i
        return last
    for i in content[1:]:
        if _SIGN_OFF.match(lines[i].strip()) and _short_tail(lines, i, last + 1):
            return i
    return None


def _short_tail(lines: list[str], start: int, end: int) -> bool:
    """After a sign-off: at most four short lines that look like a name or title."""
    tail = [s.strip() for s in lines[start + 1 : end] if s.strip()]
    return len(tail) <= 4 and all((len(s) <= 60 and not s.endswith(("?", "."))) or len(s) <= 25 for s in tail)


def _candidate_lines(text: str) -> list[int]:
    """Line numbers that might be a quote header, found with two regex passes over the text."""
    framed = "\n" + text + "\n"
    # (offset, adjust): a start match sits on the "\n" before its line, an end match on the line.
    spots = sorted(
        [(m.start(), 0) for m in _CANDIDATE_START.finditer(framed)]
        + [(m.start(), -1) for m in _CANDIDATE_END.finditer(framed)]
    )
    out: list[int] = []
    line, pos = 0, 0
    for offset, adjust in spots:
        line += framed.count("\n", pos, offset)
        pos = offset
        if not out or out[-1] != line + adjust:
            out.append(line + adjust)
    return sorted(set(out))


def split_text(text: str) -> Split:
    """Split ``text`` (``\\n`` line endings) into new text, quoted text and signature."""
    if not text:
        return Split("", "", "")
    lines = text.split("\n")
    header = _quote_header(lines, _candidate_lines(text))
    if header is None and _QUOTED_LINE.search("\n" + text) is None:
        sig_at = _signature(lines)
        if sig_at is None:
            return Split(text.strip("\n"), "", "")
        return Split(_join(lines[:sig_at]), "", _join(lines[sig_at:]))
    new: list[str]
    quoted: list[str]
    if header is not None:
        idx, kind = header
        head, tail = lines[:idx], lines[idx:]
        interleaved = kind == "attribution" and _interleaved(tail)
        if interleaved:
            rest = head + tail[1:]
            new = list(filterfalse(_QUOTED_MATCH, rest))
            quoted = [tail[0], *filter(_QUOTED_MATCH, rest)]
        else:
            new = list(filterfalse(_QUOTED_MATCH, head))
            quoted = [*filter(_QUOTED_MATCH, head), *tail]
        if kind == "forward" and not "\n".join(new).strip():
            # A bare forward: the forwarded message is what the sender brings to us.
            new, quoted = lines, []
    else:  # no quote header, but _QUOTED_LINE found a ">" line
        new = list(filterfalse(_QUOTED_MATCH, lines))
        quoted = list(filter(_QUOTED_MATCH, lines))
    sig_at = _signature(new)
    signature: list[str] = []
    if sig_at is not None:
        new, signature = new[:sig_at], new[sig_at:]
    return Split(_join(new), _join(quoted), _join(signature))


def _interleaved(tail: list[str]) -> bool:
    """True when the sender wrote below or between the ``>`` lines that follow an attribution.

    That is bottom-posting or an inline answer; a top-posted reply has nothing of its own
    after the quote (a Gmail HTML quote has no ``>`` at all and stays quoted as a whole).
    """
    seen_quote = False
    for i in range(1, len(tail)):
        line = tail[i]
        if _QUOTED_MATCH(line):
            seen_quote = True
        elif seen_quote and line.strip() and not _SIG_DELIM.match(line):
            return _quote_header(tail[i : i + 6], [0]) is None
    return False


def _index(lines: list[str], line: str) -> int:
    """First index >= 1 of ``line`` in ``lines``, or -1."""
    try:
        return lines.index(line, 1)
    except ValueError:
        return -1


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")
