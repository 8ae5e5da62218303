"""Text normalisation and shingling for near-duplicate (form-letter) detection.

Form letters are copied by many people who edit the parts that identify them: the greeting,
"My name is X, and I live in Y", the sign-off name, a postal address. Those edits must not
separate copies of one form, so :func:`clean` removes them before shingling. Everything
here is pure and deterministic (no per-process hash seeds), so two workers or a restarted
process produce the same shingles for the same text.
"""

from __future__ import annotations

import re
import unicodedata

# Only the first lines may be a greeting, only the last lines a sign-off; short lines only.
_GREETING = re.compile(
    r"^\s*(dear|hi|hello|hey|greetings|to whom it may concern|good (morning|afternoon|evening)"
    r"|attn|attention|re|subject)\b[^\n]{0,80}$",
    re.IGNORECASE,
)
_SIGNOFF = re.compile(
    r"^\s*(sincerely( yours)?|regards|best|best regards|best wishes|kind regards|warm regards|warmly"
    r"|thank you|thanks|many thanks|respectfully( yours| submitted)?|yours( truly| sincerely)?|cheers"
    r"|cordially|with gratitude|signed)\b[\s,.!:-]*$",
    re.IGNORECASE,
)
# Self-introductions and places: removed up to the end of their sentence or clause.
_SELF_INTRO = re.compile(
    r"\b(my name is|my name's|i live in|i reside in|i am a resident of|i'm a resident of|as a resident of"
    r"|i am from|i'm from|i am writing from|i was born in)\b[^.!?;\n]*[.!?;]?",
    re.IGNORECASE,
)
_ADDRESS_LINE = re.compile(
    r"^\s*(\d{1,6}\s+[\w .'-]{2,40}\b(st|street|ave|avenue|rd|road|blvd|boulevard|lane|ln|dr|drive|ct|court"
    r"|way|pl|place|terrace|hwy|highway)\b\.?.*|.*\b[A-Z]{2},?\s+\d{5}(-\d{4})?\s*)$",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_HAS_DIGIT = re.compile(r"\d")
_INTRO_TRIGGERS = ("my name", "live in", "reside", "resident of", "am from", "m from", "born in", "writing from")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W_]+")
_DIGITS = re.compile(r"\d+")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")

GREETING_LINES = 2
SIGNOFF_LINES = 8


def clean(text: str) -> str:
    """Remove the personal edits of a form letter; keep case and punctuation for display.

    Greetings (first two non-empty lines), the sign-off and everything after it (last eight
    lines), self-introductions, short postal-address lines and e-mail addresses go. Cheap
    substring checks guard each regex: this runs on every arriving message.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    lines = text.splitlines()
    seen = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        seen += 1
        if seen > GREETING_LINES:
            break
        if len(line) <= 100 and _GREETING.match(line):
            lines[i] = ""
    nonempty = [i for i, line in enumerate(lines) if line.strip()]
    for i in reversed(nonempty[-SIGNOFF_LINES:]):
        if len(lines[i]) <= 40 and i > 0 and _SIGNOFF.match(lines[i]):
            lines = lines[:i]
            break
    lines = [line for line in lines if not (len(line) <= 80 and _HAS_DIGIT.search(line) and _ADDRESS_LINE.match(line))]
    text = "\n".join(lines)
    low = text.lower()
    if any(trigger in low for trigger in _INTRO_TRIGGERS):
        text = _SELF_INTRO.sub(" ", text)
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    return text


def tokens(text: str, max_words: int = 2000) -> list[str]:
    """Lower-cased word tokens of already cleaned text; digit runs become ``0``."""
    words = _TOKEN.findall(_DIGITS.sub("0", text.casefold()))
    return words[:max_words] if len(words) > max_words else words


def normalise(text: str, max_words: int = 2000) -> str:
    """The comparison form of a text: cleaned, lower-cased, punctuation and spacing collapsed."""
    return " ".join(tokens(clean(text), max_words))


def shingles(words: list[str], k: int = 3) -> list[str]:
    """Word k-grams (k = 3: robust to single-word edits yet specific); short texts give one shingle."""
    if len(words) < k:
        return [" ".join(words)] if words else []
    if k == 3:
        return [f"{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:], strict=False)]
    return [" ".join(words[i : i + k]) for i in range(len(words) - k + 1)]


def sentences(text: str) -> list[str]:
    """Sentences and lines of cleaned text, for reporting a member's own (non-form) text."""
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s and s.strip()]


def urls(text: str) -> list[str]:
    """URLs written in a text (trailing punctuation stripped), in order of appearance."""
    return [u.rstrip(".,;:!?") for u in _URL.findall(text)]
