"""A short passage of a message around the words a search matched, as plain-text segments.

The result is a list of ``(text, matched)`` pairs: a page renders matched segments in ``<mark>``
with the template's autoescaping (the mail text is never marked safe), the API sends the
passage with the matched spans. Matching is on words, ignoring case and accents, the way the
indexes tokenise (SQLite ``unicode61 remove_diacritics``; PostgreSQL ``simple``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

Segments = list[tuple[str, bool]]
_SPACE = re.compile(r"\s+")


def _fold(text: str) -> tuple[str, list[int]]:
    """The text lower-cased without accents, and for each folded character its index in ``text``."""
    if text.isascii():
        return text.lower(), list(range(len(text)))
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).casefold()
        out.append(folded)
        where.extend([i] * len(folded))
    return "".join(out), where


def spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """Where the words occur in ``text`` as whole words: sorted, non-overlapping (start, end) pairs."""
    if not words or not text:
        return []
    folded, where = _fold(text)
    keys = sorted({_fold(w)[0] for w in words if w}, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in keys) + r")(?!\w)")
    found = []
    for m in pattern.finditer(folded):
        start, end = where[m.start()], where[m.end() - 1] + 1
        found.append((start, end))
    return found


def snippet(text: str, words: Sequence[str], *, width: int = 240, before: int = 60) -> Segments:
    """About ``width`` characters of ``text`` (whitespace collapsed) from a little before the first
    match, split into matched and unmatched segments; the start of the text when nothing matches."""
    flat = _SPACE.sub(" ", text).strip()
    found = spans(flat[: max(width * 50, 20_000)], words)
    start = 0
    if found and found[0][0] > before:
        start = flat.rfind(" ", 0, found[0][0] - before) + 1
    end = min(len(flat), start + width)
    if end < len(flat):
        cut = flat.rfind(" ", start + width // 2, end)
        end = cut if cut > 0 else end
    out: Segments = [("…", False)] if start > 0 else []
    pos = start
    for s, e in found:
        if s < start or e > end:
            continue
        if s > pos:
            out.append((flat[pos:s], False))
        out.append((flat[s:e], True))
        pos = e
    if end > pos:
        out.append((flat[pos:end], False))
    if end < len(flat):
        out.append(("…", False))
    return out


def as_text(segments: Segments) -> tuple[str, list[tuple[int, int]]]:
    """The passage as one string with the matched spans (for JSON)."""
    text, marks, pos = [], [], 0
    for part, matched in segments:
        if matched:
            marks.append((pos, pos + len(part)))
        text.append(part)
        pos += len(part)
    return "".join(text), marks
