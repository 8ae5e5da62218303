"""Text helpers of the tone guard: hide quoted customer text (offsets kept), sentences, readability.

Everything works on a *masked* copy of the reply of the same length: quoted lines, the
"On ... wrote:" tail, words quoted from a third party and allow-listed phrases are replaced by
spaces, so every span a rule reports is an offset into the text the user typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

_QUOTE_LINE = re.compile(r"^[ \t]*>.*$", re.M)
# The attribution line that starts a quoted tail; everything after it is the customer's message.
_QUOTE_TAIL = re.compile(
    r"^[ \t]*(?:On\b[^\n]{0,200}?\bwrote:|-{2,}\s*Original Message\s*-{2,}|From:\s[^\n]+\n\s*(?:Sent|Date):)",
    re.M | re.I,
)
_SENT_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n[ \t]*\n+|\n(?=[ \t]*[-*•]\s)")
# Titles and abbreviations whose full stop is not a sentence end (checked just before a break).
_ABBREV = re.compile(r"\b(?:mr|mrs|ms|dr|prof|sr|jr|vs|e\.g|i\.e|approx|dept)\.$")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_VOWELS = re.compile(r"[aeiouy]+")


def blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with the given spans replaced by spaces (newlines kept, so lines stay lines)."""
    chars = list(text)
    for s, e in spans:
        for i in range(max(0, s), min(len(chars), e)):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the customer's quoted text: '>' lines and everything after an attribution line."""
    spans = [(m.start(), m.end()) for m in _QUOTE_LINE.finditer(text)]
    tail = _QUOTE_TAIL.search(text)
    if tail is not None:
        spans.append((tail.start(), len(text)))
    return spans


# Someone else's words quoted in the reply: "the message saying 'your account will be suspended' came
# from a scammer", "he told you he would 'come back with the police'". Like the customer's own quoted
# text, they are not held against the reply. Our own letters ("our letter saying ...") are not covered.
_REPORTED = re.compile(
    r"(?<!\bour )(?<!\bmy )\b(?:(?:messages?|e-?mails?|texts?|sms|letters?|calls?|voicemails?|posts?|pop-?ups?|links?"
    r"|websites?|sites?|pages?|adverts?)\s+(?:saying|that (?:said|says|read|reads)|reading|claiming|stating)"
    r"|(?:he|she|they|someone|somebody|the (?:scammer|caller|fraudster|sender))"
    r"\s+(?:said|told you|claimed|wrote|threatened)"
    r"(?:\s+(?:that\s+)?(?:he|she|they|you)\s+(?:would|will|'d|were|was|are))?)"
    r"\s*[:,]?\s*([\"\u201c\u2018'])",
    re.I,
)
# The closing quote for each opening one; a straight apostrophe closes only where no letter follows ("you're").
_CLOSE = {
    '"': re.compile(r'"'),
    "\u201c": re.compile("\u201d"),
    "\u2018": re.compile("\u2019"),
    "'": re.compile(r"'(?![a-z])", re.I),
}


def reported_spans(text: str) -> list[tuple[int, int]]:
    """Spans of words quoted from someone else (a scam message, a third party), quotes included."""
    spans = []
    for m in _REPORTED.finditer(text):
        opener = m.group(1)
        close = _CLOSE[opener].search(text, m.end(), min(len(text), m.end() + 300))
        if close is not None and "\n\n" not in text[m.end() : close.start()]:
            spans.append((m.start(1), close.end()))
    return spans


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str  # lower-cased, apostrophes normalised; same length as the original span


def normalise(text: str) -> str:
    """Lower-case with typographic apostrophes and dashes made ASCII; the length never changes."""
    return text.lower().replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-")


def sentences(masked: str) -> Iterator[Sentence]:
    """Sentences of the masked text (blank stretches skipped), lower-cased, with their offsets.

    A full stop after a title or common abbreviation ("Mr. Hale", "e.g. this") does not end a
    sentence: "Please stop writing to Mr. Hale again" must stay one sentence for the rules.
    """
    low = normalise(masked)
    pos = 0
    for m in _SENT_END.finditer(low):
        if _ABBREV.search(low[max(0, m.start() - 8) : m.start()]):
            continue
        yield from _emit(low, pos, m.start())
        pos = m.end()
    yield from _emit(low, pos, len(low))


def _emit(low: str, s: int, e: int) -> Iterator[Sentence]:
    while s < e and low[s].isspace():
        s += 1
    while e > s and low[e - 1].isspace():
        e -= 1
    if e > s:
        yield Sentence(s, e, low[s:e])


def words(text: str) -> list[str]:
    return _WORD.findall(text)


@lru_cache(maxsize=8192)  # words repeat: the check runs on every keystroke pause
def syllables(word: str) -> int:
    """English syllable estimate (vowel groups, silent final e): good enough for Flesch at text level."""
    w = word.lower().strip("'’-")
    if len(w) <= 3:
        return 1
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")):
        w = w[:-1]
    return max(1, len(_VOWELS.findall(w)))


def flesch_reading_ease(n_words: int, n_sentences: int, n_syllables: int) -> float:
    """Flesch (1948): 206.835 - 1.015 words/sentence - 84.6 syllables/word; higher is easier."""
    if n_words == 0:
        return 100.0
    return 206.835 - 1.015 * (n_words / max(1, n_sentences)) - 84.6 * (n_syllables / n_words)
