"""The sentences a summary may choose from: the sender's own words, without the frame of a letter.

Mail wraps lines at ~72 characters, so a sentence runs across lines; paragraphs end at blank
lines. Left out before scoring: greetings ("Dear Mr. Hale,"), the sign-off and everything after
it ("Regards," + name, phone, "Sent from my iPhone"), quoted lines (``>``) and anything after a
forwarded/original-message marker. Each sentence keeps its offsets in the given text so that
signal evidence (offsets into the analysed text) can be matched to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
_FORWARD_MARK = re.compile(
    r"^[ \t]*(?:-{2,}\s*(?:Original Message|Forwarded (?:message|by))"
    r"|On .{5,120}\bwrote:\s*$|From:\s.+\n(?:Sent|Date):\s)",
    re.M | re.I,
)
_GREETING = re.compile(
    r"^\s*(?:(?:dear|hi|hello|hey|good (?:morning|afternoon|evening|day)|greetings|to whom it may concern"
    r"|attn|attention|hola|estimado|estimada|sehr geehrte[rs]?|hallo|bonjour|madame|monsieur|sir|madam)\b"
    r"|(?:mr|mrs|ms|dr)\.?(?=\s))[^.!?\n]{0,50}?(?:[,:!\-–—]\s*$|$)",
    re.I,
)
_SIGN_OFF = re.compile(
    r"^\s*(?:(?:best|kind|warm|warmest)?\s*regards|best(?: wishes)?|sincerely(?: yours)?"
    r"|yours(?: truly| sincerely| faithfully)?|respectfully(?: yours)?|cheers"
    r"|thanks(?: again| in advance| so much)?|thank you(?: again| in advance)?|many thanks"
    r"|with thanks|cordially|take care|all the best|saludos|atentamente|mit freundlichen grüßen|viele grüße"
    r"|cordialement|bien à vous|sent from my \w+|get outlook for \w+|--\s*)[,.!]?\s*$",
    re.I,
)
_SENTENCE_END = re.compile(
    r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9¿¡À-Ý])"
    r"|(?<=[:;])[ \t]*\n(?=[ \t]*(?:\d{1,2}[.)]|[-*•]|[A-Z]))"
    r"|\n(?=[ \t]*(?:\d{1,2}[.)]|[-*•])\s)"
)
_INLINE_GREETING = re.compile(
    r"^(?:dear|hi|hello|hey|good (?:morning|afternoon|evening)|to whom it may concern)\b[^,!?:\n]{0,40}[,:]\s+(?=\S)"
    r"|^(?:mr|mrs|ms|dr)\.?\s[^,\n]{1,30},\s+(?=[A-Z])",
    re.I,
)
_LIST_MARKER = re.compile(r"^(?:\d{1,2}[.)]|[-*•])\s+")
_ABBREV = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Inc|Co|Corp|Ltd|vs|etc|No|Nos|Rep|Sen|Gov|Sept?|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Oct"
    r"|Nov|Dec|Ave|Blvd|approx|e\.g|i\.e|U\.S|[ap]\.m|[A-Z])\.$|(?:^|\n)[ \t]*\d{1,2}\.$"
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.U)


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of the sender's own text: its words on one line, and where it stands."""

    text: str  # whitespace collapsed
    start: int  # offsets in the text given to :func:`split_sentences`
    end: int
    paragraph: int  # 0-based index among the kept paragraphs
    index: int  # 0-based index among the kept sentences

    @property
    def words(self) -> list[str]:
        return _WORD.findall(self.text)


def _own_text(text: str) -> str:
    """The text up to a forwarded/original-message marker, with quoted lines blanked (offsets kept)."""
    mark = _FORWARD_MARK.search(text)
    if mark:
        text = text[: mark.start()]
    return re.sub(r"^[ \t]*>.*$", lambda m: " " * len(m.group(0)), text, flags=re.M)


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for brk in _PARAGRAPH_BREAK.finditer(text):
        spans.append((pos, brk.start()))
        pos = brk.end()
    spans.append((pos, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _is_frame(line: str) -> bool:
    """A greeting line: it ends like a salutation ("Dear Mr. Hale,") or is only a few words ("Hi Richard")."""
    if not _GREETING.match(line):
        return False
    return bool(re.search(r"[,:!\-–—]\s*$", line)) or len(line.split()) <= 4


def _looks_like_contact_block(lines: list[str]) -> bool:
    """Name, phone, account number, town: short lines without sentence punctuation."""
    return all(len(ln.split()) <= 6 and not re.search(r"[.!?]\s*$", ln.strip()) for ln in lines if ln.strip())


def split_sentences(text: str, *, max_sentences: int = 80) -> list[Sentence]:
    """The sender's sentences in order (at most ``max_sentences``), without greeting, sign-off or quotes."""
    own = _own_text(text)
    paragraphs = _paragraphs(own)
    kept: list[tuple[int, int]] = []
    for start, end in paragraphs:
        lines = own[start:end].split("\n")
        first = lines[0]
        if _SIGN_OFF.match(first) or first.strip() == "--":
            break  # the sign-off: the rest is name, title, phone, disclaimer
        # a greeting line opens the paragraph: skip it, keep what follows in the same paragraph
        offset = start
        while lines and _is_frame(lines[0]):
            offset += len(lines[0]) + 1
            lines = lines[1:]
        # a sign-off inside the paragraph ends the letter there
        cut = next((i for i, ln in enumerate(lines) if _SIGN_OFF.match(ln)), None)
        if cut is not None:
            lines = lines[:cut]
        if not lines or not "".join(lines).strip():
            if cut is not None:
                break
            continue
        kept.append((offset, offset + len("\n".join(lines))))
        if cut is not None:
            break
    # a trailing block of short unpunctuated lines is the writer's name and contact details
    while kept and len(kept) > 1 and _looks_like_contact_block(own[kept[-1][0] : kept[-1][1]].split("\n")):
        kept.pop()
    out: list[Sentence] = []
    for p_index, (start, end) in enumerate(kept):
        para = own[start:end]
        pos = 0
        for brk in _SENTENCE_END.finditer(para):
            if para[brk.start() - 1 : brk.start()] in ".!?" and _ABBREV.search(para[: brk.start()].rstrip("\"'”’)]")):
                continue
            _add(out, para, pos, brk.start(), start, p_index)
            pos = brk.end()
        _add(out, para, pos, len(para), start, p_index)
        if len(out) >= max_sentences:
            return out[:max_sentences]
    return out


def _add(out: list[Sentence], para: str, s: int, e: int, base: int, p_index: int) -> None:
    chunk = para[s:e]
    lead = len(chunk) - len(chunk.lstrip())
    chunk = chunk.strip()
    greeting = _INLINE_GREETING.match(chunk) if not out else None  # "Dear Mr. Lay, You should..." on one line
    if greeting:
        lead += greeting.end()
        chunk = chunk[greeting.end() :]
    marker = _LIST_MARKER.match(chunk)
    if marker:
        lead += marker.end()
        chunk = chunk[marker.end() :]
    if not chunk or not _WORD.search(chunk):
        return
    out.append(Sentence(" ".join(chunk.split()), base + s + lead, base + s + lead + len(chunk), p_index, len(out)))
