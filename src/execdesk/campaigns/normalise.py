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
_INTRO_PHRASES = (
    "my name is",
    "my name's",
    "i live in",
    "i reside in",
    "i am a resident of",
    "i'm a resident of",
    "as a resident of",
    "i am from",
    "i'm from",
    "i am writing from",
    "i was born in",
)
_INTRO_BODY = "(" + "|".join(re.escape(p) for p in _INTRO_PHRASES) + r")\b[^.!?;\n]*[.!?;]?"
_SELF_INTRO = re.compile(r"\b" + _INTRO_BODY, re.IGNORECASE)
_SELF_INTRO_LOWER = re.compile(r"\b" + _INTRO_BODY)  # on lower-cased ASCII text: same matches, no case folding
_ADDRESS_LINE = re.compile(
    r"^\s*(\d{1,6}\s+[\w .'-]{2,40}\b(st|street|ave|avenue|rd|road|blvd|boulevard|lane|ln|dr|drive|ct|court"
    r"|way|pl|place|terrace|hwy|highway)\b\.?.*|.*\b[A-Z]{2},?\s+\d{5}(-\d{4})?\s*)$",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_HAS_DIGIT = re.compile(r"\d")
# what every address line has (each alternative of _ADDRESS_LINE needs one of them): a digit first, after
# spacing, or a run of five digits; the full regex backtracks through ``.*`` and costs ~10x these two
_LEADING_DIGIT = re.compile(r"\s*\d")
_FIVE_DIGITS = re.compile(r"\d{5}")
_INTRO_TRIGGERS = ("my name", "live in", "reside", "resident of", "am from", "m from", "born in", "writing from")
# the same test with fewer scans of the text: triggers that hold no other trigger ("reside" is in
# "resident of", "m from" in "am from"); each phrase holds one of them, so only the phrases of the
# triggers a text has can occur in it
_INTRO_TESTS = tuple(t for t in _INTRO_TRIGGERS if not any(o != t and o in t for o in _INTRO_TRIGGERS))
_PHRASES_OF = {t: tuple(p for p in _INTRO_PHRASES if t in p) for t in _INTRO_TESTS}
if any(not any(t in p for t in _INTRO_TESTS) for p in _INTRO_PHRASES):
    raise RuntimeError("normalise: every self-introduction phrase must hold an intro trigger")
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
    seen = 0
    for i in range(len(lines) - 1, -1, -1):  # the last SIGNOFF_LINES non-empty lines, last first
        if not lines[i].strip():
            continue
        seen += 1
        if seen > SIGNOFF_LINES:
            break
        if len(lines[i]) <= 40 and i > 0 and _SIGNOFF.match(lines[i]):
            lines = lines[:i]
            break
    lines = [line for line in lines if not (len(line) <= 80 and _HAS_DIGIT.search(line) and _may_be_address(line))]
    text = "\n".join(lines)
    low = text.lower()
    found = list(filter(low.__contains__, _INTRO_TESTS))
    if found:
        text = _drop_intros(text, low, found) if _same_offsets(text, low) else _SELF_INTRO.sub(" ", text)
    if "@" in text:
        text = _drop_emails(text)
    return text


def _may_be_address(line: str) -> bool:
    """``_ADDRESS_LINE.match(line)``, tried only on lines that can match (a necessary condition first)."""
    if _FIVE_DIGITS.search(line) is None and _LEADING_DIGIT.match(line) is None:
        return False
    return _ADDRESS_LINE.match(line) is not None


# Non-ASCII characters that ``re.IGNORECASE`` matches to an ASCII letter: dotted and dotless I, long s,
# the Kelvin sign. Without them (and with ``str.lower`` keeping the length), an ASCII phrase matches
# case-insensitively at an offset of the text exactly where the lower-cased text spells it there.
_FOLDS_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")


def _same_offsets(text: str, low: str) -> bool:
    """Whether ``low`` (``text.lower()``) finds every case-insensitive match of an ASCII phrase at its
    offset in ``text``: always for ASCII text; for other text when no character changes length or folds
    to an ASCII letter (then the regex is tried there on ``text`` itself, see :func:`_drop_intros`)."""
    if text.isascii():
        return True
    return len(low) == len(text) and not any(c in text for c in _FOLDS_TO_ASCII)


def _drop_emails(text: str) -> str:
    """``_EMAIL.sub(" ", text)``, tried only where a match can start: a match is a run of ``[\\w.+-]``
    characters ending at an ``@`` (no class character is an ``@``) followed by the domain, and
    ``sub`` tries the leftmost start first, so the candidate start of each ``@`` is the beginning of the
    run before it (not before the end of the previous match). If the domain does not match there,
    no start inside the run matches either (the domain part is the same)."""
    out: list[str] = []
    last = 0
    at = text.find("@")
    while at >= 0:
        start = at
        while start > last and (text[start - 1].isalnum() or text[start - 1] in "_.+-"):
            start -= 1
        m = _EMAIL.match(text, start) if start < at else None
        if m is None:
            at = text.find("@", at + 1)
            continue
        out += (text[last:start], " ")
        last = m.end()
        at = text.find("@", last)
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _drop_intros(text: str, low: str, triggers: list[str] | None = None) -> str:
    """``_SELF_INTRO.sub(" ", text)`` for text where :func:`_same_offsets` holds, ~10x faster: a match
    can only start where one of its phrases occurs in the lower-cased text, so the regex is tried there
    only, left to right, skipping starts inside the previous match, exactly as ``sub`` scans. ASCII text
    is matched lower-cased (no case folding); other text with ``_SELF_INTRO`` itself (``match`` at an
    offset sees the character before it for ``\\b``).
    ``triggers``: the ``_INTRO_TESTS`` the text holds, when known (only their phrases are searched)."""
    phrases = _INTRO_PHRASES if triggers is None else [p for t in triggers for p in _PHRASES_OF[t]]
    starts = {i for phrase in phrases for i in _find_all(low, phrase)}
    pattern, subject = (_SELF_INTRO_LOWER, low) if text.isascii() else (_SELF_INTRO, text)
    out: list[str] = []
    last = 0
    for i in sorted(starts):
        if i < last:
            continue
        m = pattern.match(subject, i)
        if m is not None:
            out += (text[last:i], " ")
            last = m.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def tokens(text: str, max_words: int = 2000) -> list[str]:
    """Lower-cased word tokens of already cleaned text; digit runs become ``0``.

    A token is a run of ``str.isalnum`` characters (the regex ``[^\\W_]+`` after ``casefold``).
    ASCII text (and text whose only non-ASCII characters are punctuation that case folding leaves
    alone, such as curly quotes and dashes) takes a byte-table path that gives the same tokens
    about 3x faster: this runs on every arriving message and on every boilerplate line.
    """
    b = token_bytes(text)
    words = _TOKEN.findall(_DIGITS.sub("0", text.casefold())) if b is None else b.decode("ascii").split()
    return words[:max_words] if len(words) > max_words else words


def token_bytes(text: str) -> bytes | None:
    """The text as :func:`tokens` splits it on the byte-table path: ASCII, letters lower-cased, digit runs
    ``0``, everything else a space (so ``token_bytes(t).split()`` are the tokens); ``None`` when the
    text needs the regex path (non-ASCII letters or digits, or characters that case folding changes)."""
    if not text.isascii():
        odd = [c for c in set(text) if c > "\x7f"]
        if any(c.isalnum() or c.casefold() != c for c in odd):
            return None
        for c in odd:
            text = text.replace(c, " ")
    b = text.encode("ascii").translate(_ASCII_TOKEN_TABLE)  # letters lower-cased, digits "0", the rest " "
    while b"00" in b:
        b = b.replace(b"00", b"0")  # a digit run becomes one "0"
    return b


def _ascii_token_table() -> bytes:
    def out(c: int) -> int:
        ch = chr(c)
        if "A" <= ch <= "Z":
            return c + 32
        if "0" <= ch <= "9":
            return ord("0")
        return c if "a" <= ch <= "z" else ord(" ")

    return bytes(out(c) for c in range(256))


_ASCII_TOKEN_TABLE = _ascii_token_table()


def ascii_token_table() -> bytes:
    """The 256-byte table of :func:`token_bytes`: letters lower-cased, digits ``0``, the rest a space."""
    return _ASCII_TOKEN_TABLE


def ascii_line_table() -> bytes:
    """The token table with ``\\n`` and ``\\r`` kept, for cutting translated text into lines."""
    table = bytearray(_ASCII_TOKEN_TABLE)
    table[ord("\n")], table[ord("\r")] = ord("\n"), ord("\r")
    return bytes(table)


def normalise(text: str, max_words: int = 2000) -> str:
    """The comparison form of a text: cleaned, lower-cased, punctuation and spacing collapsed."""
    return " ".join(tokens(clean(text), max_words))


def shingles(words: list[str], k: int = 3) -> list[str]:
    """Word k-grams (k = 3: robust to single-word edits yet specific); short texts give one shingle."""
    if len(words) < k:
        return [" ".join(words)] if words else []
    if k == 3:
        return list(map(" ".join, zip(words, words[1:], words[2:], strict=False)))
    return [" ".join(words[i : i + k]) for i in range(len(words) - k + 1)]


def shingle_set(words: list[str], k: int = 3) -> set[str]:
    """The distinct shingles of :func:`shingles` (all that MinHash and containment need), built
    without the intermediate list."""
    if k == 3 and len(words) >= 3:
        return set(map(" ".join, zip(words, words[1:], words[2:], strict=False)))
    return set(shingles(words, k))


class Words:
    """A text's tokens, as given (a list, or joined by single spaces), the other form made on first use
    (most messages never need their words as a list once the compiled kernels have hashed them)."""

    __slots__ = ("_joined", "_list")

    def __init__(self, joined: str | None, words: list[str] | None = None) -> None:
        self._joined = joined
        self._list = words

    def head(self, n: int) -> list[str]:
        """The first ``n`` tokens (``list[:n]``), without splitting the rest of a joined text."""
        if self._list is not None:
            return self._list[:n]
        return self._joined.split(" ", n)[:n] if self._joined else []

    @property
    def list(self) -> list[str]:
        if self._list is None:
            self._list = self._joined.split(" ") if self._joined else []
        return self._list

    @property
    def joined(self) -> str:
        if self._joined is None:
            self._joined = " ".join(self._list or [])
        return self._joined


def sentences(text: str) -> list[str]:
    """Sentences and lines of cleaned text, for reporting a member's own (non-form) text."""
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s and s.strip()]


def urls(text: str) -> list[str]:
    """URLs written in a text (trailing punctuation stripped), in order of appearance.

    ``_URL.findall``, with the regex tried only where ``http`` or ``www.`` starts (in the lower-cased
    text, same offsets: see :func:`_same_offsets`), left to right, skipping starts inside the previous
    match, as ``findall`` scans (``match`` at an offset sees the character before it for ``\\b``)."""
    low = text.lower()
    if not _same_offsets(text, low):
        return [u.rstrip(".,;:!?") for u in _URL.findall(text)]
    starts = [i for phrase in ("http", "www.") for i in _find_all(low, phrase)]
    found: list[str] = []
    last = 0
    for i in sorted(starts):
        if i < last:
            continue
        m = _URL.match(text, i)
        if m is not None:
            found.append(m.group().rstrip(".,;:!?"))
            last = m.end()
    return found


def _find_all(text: str, phrase: str) -> list[int]:
    out = []
    i = text.find(phrase)
    while i >= 0:
        out.append(i)
        i = text.find(phrase, i + 1)
    return out
