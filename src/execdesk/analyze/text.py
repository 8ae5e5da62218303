"""The analysed text and the scopes rules need: sentences, quoted spans, negation.

The analysed text is ``subject + "\\n\\n" + body`` where body is what the sender wrote in
this message (``ParsedMessage.new_text``; the whole ``text`` only when the parser found no
new text). Quoted earlier messages (``quoted_text``) and signatures are left out: they are
not the sender's words. Inside the body, lines that still look quoted (``>``) or follow a
forwarded/original-message marker, and quotations in double quotes, are *masked*: rules do
not fire inside them, but offsets stay those of the analysed text.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from execdesk.analyze import native
from execdesk.analyze.linear import codepoints, piece_starts
from execdesk.analyze.scan import Scan
from execdesk.parse.model import ParsedMessage

MAX_ANALYSED_CHARS = 4000  # long bodies are cut here: speed, and the sender's point comes first

_QUOTE_LINE = re.compile(r"^[ \t]*>.*$", re.M)
_FORWARD_MARK = re.compile(
    r"^[ \t]*(?:-{2,}\s*(?:Original Message|Forwarded (?:message|by)[^\n]*)\s*-{0,}"
    r"|On .{5,120}\bwrote:\s*$|From:\s.+\n(?:Sent|Date):\s)",
    re.M | re.I,
)
# what a line that _FORWARD_MARK matches at begins with: its three alternatives' first characters after the
# indent, here after the line's "\n" (a literal first character: re skips to each one in C)
_FORWARD_LINE = re.compile(r"\n[ \t]*(?:--|(?i:on |from:))")
_INLINE_QUOTE = re.compile(r"[\"“”]([^\"“”\n]{12,400})[\"“”]")
_SENT_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")  # the definition; _breaks finds the same spans faster
_NL_RUN = re.compile(r"\n\n*")  # = \n+, but a leading literal lets re skip to each "\n" in C
_PUNCT_BREAK = re.compile(r"[.!?][\"')\]]*\s+")
_ABBREV = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Inc|Co|Corp|vs|etc|No|Rep|Sen|Gov|Sept?|[A-Z])\.$")
_NO_CODEPOINTS = np.zeros(0, dtype=np.uint32)
_CLAUSE_BREAK = re.compile(r"[,;:()]|\s(?:but|however|although|though|because|unless|if|and then)\s", re.I)

NEGATORS = re.compile(
    r"\b(?:not|no|never|nor|neither|without|cannot|hardly|n't|dont|wont|didnt|doesnt|isnt|wasnt|havent"
    r"|shouldnt|wouldnt|rather than|instead of)\b|n't\b",
    re.I,
)
# negations that keep the threat ("I will not hesitate to sue", "no choice but to")
UNNEGATE = re.compile(
    r"\b(?:not\s+(?:hesitate|be\s+afraid|afraid|going\s+to\s+hesitate|stop|rule\s+out)|no\s+(?:choice|option|alternative)\s+but"
    r"|n't\s+(?:hesitate|rule\s+out))\b",
    re.I,
)
FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'll|i'd|me|my|we|we're|we've|we'll|our|us|myself|ourselves)\b", re.I)
SECOND_PERSON = re.compile(r"\b(?:you|your|you're|yours|yourself|u|ur)\b", re.I)


@dataclass(slots=True)
class TextView:
    """The analysed text plus precomputed scopes (sentences, masked ranges)."""

    text: str
    body_start: int
    sentence_starts: list[int] = field(default_factory=list)
    sentence_ends: list[int] = field(default_factory=list)
    masked: list[tuple[int, int]] = field(default_factory=list)  # sorted, non-overlapping
    lower: str = ""
    _scan: Scan | None = None
    # the sentences as the token kernels gave them: starts, then ends (int64); None on the Python path
    sentence_spans: np.ndarray | None = None

    def scanner(self) -> Scan:
        """The text's shared word index (built on first use): every registered pattern reuses it."""
        if self._scan is None:
            self._scan = Scan(self.text)
        return self._scan

    def sentence_of(self, pos: int) -> tuple[int, int]:
        """(start, end) of the sentence holding ``pos``."""
        i = bisect.bisect_right(self.sentence_starts, pos) - 1
        if i < 0:
            return 0, len(self.text)
        return self.sentence_starts[i], self.sentence_ends[i]

    def is_masked(self, start: int, end: int) -> bool:
        """True when the span overlaps quoted material."""
        for a, b in self.masked:
            if a >= end:
                return False
            if b > start:
                return True
        return False

    def clause_prefix(self, pos: int, limit: int = 70) -> str:
        """The text from the start of the clause holding ``pos`` up to ``pos`` (at most ``limit`` chars)."""
        return self._clause(pos, limit)[0]

    def in_condition(self, pos: int, limit: int = 70) -> bool:
        """``pos`` lies in an if/unless clause ("If I have not heard back by Friday, ..."): a hypothesis,
        not a report of what happened."""
        clause, opened_by = self._clause(pos, limit)
        if opened_by is not None and opened_by.group(0).strip().lower() in ("if", "unless"):
            return True
        return _CONDITION_OPENING.match(clause) is not None

    def _clause(self, pos: int, limit: int) -> tuple[str, re.Match[str] | None]:
        """(the clause's text up to ``pos``, the clause break that opened it; None: the sentence did)."""
        s, _ = self.sentence_of(pos)
        prefix = self.text[max(s, pos - limit) : pos]
        last = _last_match(_CLAUSE_BREAK, prefix)
        return (prefix[last.end() :], last) if last is not None else (prefix, None)


def _last_match(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    last = None
    for last in pattern.finditer(text):  # noqa: B007 - we want the last one
        pass
    return last


_CONDITION_OPENING = re.compile(r"\s*(?:if|unless|in case|in the event that)\b", re.I)


def body_of(parsed: ParsedMessage) -> str:
    """What the sender wrote in this message."""
    body = parsed.new_text if parsed.new_text.strip() else parsed.text
    return body


# the words _ABBREV names (besides one capital letter), for the token kernels' sentence_spans
_ABBREVIATIONS = ("Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Inc", "Co", "Corp", "vs", "etc", "No", "Rep", "Sen",
                  "Gov", "Sep", "Sept")  # fmt: skip
# each as length << 32 | its letters packed 8 bits each, the last one lowest (as sentence_spans reads them)
_ABBREV_KEYS = np.asarray(
    [(len(w) << 32) | sum(ord(c) << (8 * i) for i, c in enumerate(reversed(w))) for w in _ABBREVIATIONS],
    dtype=np.int64,
)


def _sentences(text: str) -> tuple[list[int], list[int]]:
    """(starts, ends) of the non-empty sentences: text between sentence breaks, abbreviations not breaking.

    By ``_token_kernels.sentence_spans`` where the kernels are loaded (decision 0217), else
    ``_python_sentences``: the same spans (tests/analyze/test_token_kernels.py).
    """
    starts, ends, _spans = _sentence_spans(text)
    return starts, ends


def _sentence_spans(text: str) -> tuple[list[int], list[int], np.ndarray | None]:
    """``_sentences`` and, from the kernel, the same as one array (starts, then ends; None: Python path)."""
    kernels = native.load("token")
    if kernels is None:
        return (*_python_sentences(text), None)
    codes = codepoints(text)
    spaces, words = (_NO_CODEPOINTS, _NO_CODEPOINTS) if text.isascii() else _wide_classes(codes)
    spans = kernels.sentence_spans(codes, spaces, words, _ABBREV_KEYS)
    both = spans.tolist()
    k = len(both) // 2
    return both[:k], both[k:], spans


def _wide_classes(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """re's \\s and \\w beyond ASCII: those among ``codes``, sorted (spaces, word characters). A code point's
    class does not depend on its text, so one pair serves a whole batch."""
    odd = np.unique(codes[codes > 127]).tolist()
    spaces = np.asarray([c for c in odd if chr(c).isspace()], dtype=np.uint32)
    return spaces, np.asarray([c for c in odd if chr(c).isalnum()], dtype=np.uint32)


def _sentence_spans_many(kernels: Any, texts: Sequence[str]) -> list[tuple[list[int], list[int], np.ndarray]]:
    """``_sentence_spans`` of each text by one ``sentence_spans_many`` call; the arrays are views of one."""
    joined = "".join(texts)
    codes = codepoints(joined)
    text_start = piece_starts(texts)
    spaces, words = (_NO_CODEPOINTS, _NO_CODEPOINTS) if joined.isascii() else _wide_classes(codes)
    spans, span_start = kernels.sentence_spans_many(codes, text_start, spaces, words, _ABBREV_KEYS)
    every = spans.tolist()
    out: list[tuple[list[int], list[int], np.ndarray]] = []
    for a, b in itertools.pairwise(span_start.tolist()):
        k = (a + b) // 2
        out.append((every[a:k], every[k:b], spans[a:b]))
    return out


def _python_sentences(text: str) -> tuple[list[int], list[int]]:
    """(starts, ends) of the non-empty sentences, by ``re``.

    The breaks' spans are collected in C (no Python per break but the few after a "."); a
    sentence runs from the end of one kept break to the start of the next.
    """
    spans = _breaks(text)
    if "." in text:
        abbrev = _ABBREV.search
        spans = [
            (a, b) for a, b in spans if not (a and text[a - 1] == "." and abbrev(text, max(0, a - 6), a))
        ]  # fmt: skip
    starts = [0, *map(_END, spans)]
    ends = [*map(_START, spans), len(text)]
    keep = list(map(operator.lt, starts, ends))  # empty sentences (two breaks in a row) are dropped
    if all(keep):
        return starts, ends
    return list(itertools.compress(starts, keep)), list(itertools.compress(ends, keep))


def _breaks(text: str) -> list[tuple[int, int]]:
    """The spans ``_SENT_END.finditer(text)`` gives, from two scans that start with a literal (5x faster).

    A break after [.!?] covers the whole whitespace run that follows it, so a newline run is
    either inside such a break (dropped) or apart from all of them (kept); tested against
    ``_SENT_END`` in tests/analyze/test_fast_paths.py.
    """
    nl = list(map(_SPAN, _NL_RUN.finditer(text))) if "\n" in text else []
    if "." not in text and "!" not in text and "?" not in text:
        return nl
    pb = [(a + 1, b) for a, b in map(_SPAN, _PUNCT_BREAK.finditer(text))]
    if not nl or not pb:
        return nl or pb
    out: list[tuple[int, int]] = []
    j, n = 0, len(pb)
    for a, b in nl:
        while j < n and pb[j][1] <= a:
            out.append(pb[j])
            j += 1
        if j < n and pb[j][0] <= a:
            continue  # inside the punctuation break pb[j]
        out.append((a, b))
    out.extend(pb[j:])
    return out


_SPAN = re.Match.span
_START = operator.itemgetter(0)
_END = operator.itemgetter(1)


def build_view(subject: str, body: str) -> TextView:
    """Assemble the analysed text and its scopes."""
    text, body_start = _analysed_text(subject, body)
    return _scoped_view(text, body_start, _sentence_spans(text))


def build_views(pairs: Sequence[tuple[str, str]]) -> list[TextView]:
    """``[build_view(subject, body) for subject, body in pairs]``, the sentence kernel called once for all
    the texts (decision 0224: its dispatch and output conversion cost ~4 µs a text)."""
    kernels = native.load("token")
    if kernels is None or len(pairs) < 2:
        return [build_view(subject, body) for subject, body in pairs]
    heads = [_analysed_text(subject, body) for subject, body in pairs]
    spans = _sentence_spans_many(kernels, [text for text, _start in heads])
    return [_scoped_view(text, start, sp) for (text, start), sp in zip(heads, spans, strict=True)]


def _analysed_text(subject: str, body: str) -> tuple[str, int]:
    """(the analysed text, where its body starts): ``subject + "\\n\\n" + body``, cut at ``MAX_ANALYSED_CHARS``."""
    subject = (subject or "").replace("\n", " ").strip()
    body = (body or "").replace("\r\n", "\n")
    text = subject + "\n\n" + body
    if len(text) > MAX_ANALYSED_CHARS:
        text = text[:MAX_ANALYSED_CHARS]
    return text, len(subject) + 2


def _scoped_view(text: str, body_start: int, sentences: tuple[list[int], list[int], np.ndarray | None]) -> TextView:
    """The view of ``text`` with its sentences (``_sentence_spans``) and its masked (quoted) ranges."""
    view = TextView(text=text, body_start=body_start, lower=text.lower())
    view.sentence_starts, view.sentence_ends, view.sentence_spans = sentences
    # each scan only when the characters a match needs are there (exact: a match cannot do without them)
    masked: list[tuple[int, int]] = []
    if ">" in text:
        masked.extend(map(_SPAN, _QUOTE_LINE.finditer(text, body_start)))
    fwd = _forward_mark(text, body_start)
    if fwd:
        masked.append((fwd.start(), len(text)))
    if '"' in text or "“" in text or "”" in text:
        masked.extend(map(_SPAN, _INLINE_QUOTE.finditer(text)))
    masked.sort()
    merged: list[tuple[int, int]] = []
    for a, b in masked:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    view.masked = merged
    return view


def _forward_mark(text: str, body_start: int) -> re.Match[str] | None:
    """``_FORWARD_MARK.search(text, body_start)`` (decision 0231): the pattern only matches at a line start
    (``^``: the text's start, or after a "\n"), so it is tried only at the line starts that ``_FORWARD_LINE``
    finds, left to right, instead of at every character of the body."""
    if body_start <= 0:
        found = _FORWARD_MARK.match(text)
        if found is not None:
            return found
    for line in _FORWARD_LINE.finditer(text, max(body_start - 1, 0)):
        found = _FORWARD_MARK.match(text, line.start() + 1)
        if found is not None:
            return found
    return None


def is_negated(prefix: str) -> bool:
    """A negator in the clause before the trigger, unless it is one that keeps the threat.

    In "If this is not fixed I will post it on my blog" the negator belongs to the condition, not to
    what the sender will do: after a leading if/unless, only the main clause (from its subject on) counts.
    """
    if not NEGATORS.search(prefix):
        return False
    if _CONDITION_OPENING.match(prefix):
        subject = _last_match(_MAIN_CLAUSE_SUBJECT, prefix)
        prefix = prefix[subject.start() :] if subject is not None else prefix
        if not NEGATORS.search(prefix):
            return False
    return not UNNEGATE.search(prefix)


# where the main clause of "if X [then] I will ..." starts: its (first-person) subject or "then"
_MAIN_CLAUSE_SUBJECT = re.compile(r"\b(?:then|i|we|i'll|we'll|i'm|we're|i'd|we'd|i've|we've)\b", re.I)
