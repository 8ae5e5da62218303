"""Streaming boilerplate: lines that many different threads repeat verbatim (list footers, disclaimers).

A mailing-list footer or a company disclaimer is machine-added: the same line, verbatim, under
posts about different things. A form letter is the opposite: people copy it *about one thing*,
usually under one prefilled subject. So a line (normalised, at least ``min_words`` words) becomes
boilerplate while it has been seen under ``min_threads`` different normalised subjects and the
distinct subjects are at least ``thread_share`` of its occurrences (a flood under one subject
stays content even when a few people edit the subject). Messages without a subject give no
thread evidence. Counts are updated *before* the message is matched, so the third post of a
list already has its footer removed and a footer alone never reaches ``min_size``.

Memory is bounded: at most ``max_lines`` tracked lines; when full, lines seen once are dropped.
Keys are CRC-32 of the normalised line, so snapshots are valid across processes.
"""

from __future__ import annotations

import re
import sys
import zlib
from typing import Any

import numpy as np

from execdesk.campaigns import native
from execdesk.campaigns.model import BoilerplateSettings
from execdesk.campaigns.normalise import ascii_line_table, ascii_token_table, tokens

_SUBJECT_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|wg)\s*(\[\d+\])?\s*:\s*|\[[^\]]{1,40}\]\s*)+", re.IGNORECASE)
_ALL_WORDS = sys.maxsize  # line and subject keys use all their words (the same tokens as the shingles)


def thread_key(subject: str) -> int:
    """CRC-32 of the subject without Re:/Fwd:/[list] prefixes, lower-cased, digit runs as ``0`` (a daily
    newsletter "Your Daily Dilbert 07/11/2002" is one thread); 0 for no subject."""
    s = _SUBJECT_PREFIX.sub("", subject or "")
    words = tokens(s, _ALL_WORDS)
    return zlib.crc32(" ".join(words).encode("utf-8", "surrogatepass")) if words else 0


def line_key(line: str, min_words: int) -> int:
    """CRC-32 of a line's lower-cased words, digit runs as ``0`` (like the shingles: "Date: 2002-10-08"
    is the same chrome every day); 0 when it has fewer than ``min_words`` words."""
    words = tokens(line, _ALL_WORDS)
    if len(words) < min_words:
        return 0
    return zlib.crc32(" ".join(words).encode("utf-8", "surrogatepass")) or 1


_STR_ONLY_BREAKS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e")  # str.splitlines splits here, bytes.splitlines not
_LINE_TABLE = ascii_line_table()
_TOKEN_TABLE = np.frombuffer(ascii_token_table(), dtype=np.uint8)


def line_keys(text: str, min_words: int, compiled: Any = None) -> list[int]:
    """:func:`line_key` of every line of ``text.splitlines()`` (0 for a blank line), in order.

    ASCII text is translated once (the token table, line breaks kept) and cut with
    ``bytes.splitlines``, which cuts where ``str.splitlines`` does when none of the
    separators only ``str`` knows is present; each line's words are then joined and hashed as
    bytes. Same keys as line by line, without a tokeniser call per line: a message has dozens of
    lines and this runs on every one (docs/decisions/0308). ``compiled``: the kernels of
    :mod:`execdesk.campaigns.native`, which cut and hash such text in one pass (the same keys, 0309)."""
    if not text.isascii() or any(c in text for c in _STR_ONLY_BREAKS):
        if compiled is not None:
            return _mixed_line_keys(text, min_words, compiled)
        return [line_key(line, min_words) if line.strip() else 0 for line in text.splitlines()]
    if compiled is not None:  # the same keys, one compiled pass (docs/decisions/0309)
        raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        keys: list[int] = compiled.line_keys(raw, _TOKEN_TABLE, min_words).tolist()
        return keys
    b = text.encode("ascii").translate(_LINE_TABLE)
    while b"00" in b:
        b = b.replace(b"00", b"0")  # digit runs never cross a line break: the same as per line
    keys = []
    crc = zlib.crc32
    for line in b.splitlines():
        words = line.split()
        keys.append(crc(b" ".join(words)) or 1 if len(words) >= min_words else 0)
    return keys


def _mixed_line_keys(text: str, min_words: int, compiled: Any) -> list[int]:
    """:func:`line_keys` of text that ``bytes.splitlines`` would cut differently: ``str.splitlines``
    cuts it, the non-ASCII lines are keyed one by one, the ASCII ones in one compiled call (joined by
    newlines, one more at the end so that a last empty line is a line)."""
    lines = text.splitlines()
    keys = [0] * len(lines)
    plain = []
    for i, line in enumerate(lines):
        if line.isascii():
            plain.append(i)
        elif line.strip():
            keys[i] = line_key(line, min_words)
    if plain:
        raw = np.frombuffer(("\n".join(lines[i] for i in plain) + "\n").encode("ascii"), dtype=np.uint8)
        for i, key in zip(plain, compiled.line_keys(raw, _TOKEN_TABLE, min_words).tolist(), strict=True):
            keys[i] = key
    return keys


def _without_lines(text: str, gone: set[int]) -> str:
    """``text``'s lines (``str.splitlines``) without those at the indexes in ``gone``, joined by ``\\n``:
    the deletions are list operations in C, not a test per line (a footer is a few lines of many)."""
    lines = text.splitlines()
    for i in sorted(gone, reverse=True):
        del lines[i]
    return "\n".join(lines)


_KMV = 16  # smallest thread hashes kept per line: exact below 16 distinct subjects, estimated above


def _distinct(kmv: list[int]) -> float:
    """Distinct subjects from the k smallest of their (uniform 32-bit) hashes."""
    if len(kmv) < _KMV:
        return float(len(kmv))
    return (_KMV - 1) / ((kmv[-1] + 1) / 4294967296.0)


class BoilerplateModel:
    """Line key -> [occurrences, smallest thread hashes]; boilerplate is re-judged on every occurrence."""

    def __init__(self, settings: BoilerplateSettings | None = None) -> None:
        self.s = settings or BoilerplateSettings()
        self.lines: dict[int, list[Any]] = {}  # the Python path's table
        self._k = native.load()
        # the compiled path's table (same content and order; docs/decisions/0309)
        self._table = native.LineTable(_KMV) if self._k is not None else None

    def _judge(self, rec: list[Any]) -> bool:
        threads = _distinct(rec[1])
        return threads >= self.s.min_threads and threads >= self.s.thread_share * rec[0]

    def strip(self, text: str, subject: str) -> tuple[str, int]:
        """Observe the message's lines, then return (text without boilerplate lines, lines dropped)."""
        if not self.s.enabled:
            return text, 0
        if "\n" not in text and "\r" not in text and text.isascii() and not any(c in text for c in _STR_ONLY_BREAKS):
            return text, 0  # one line (the common case of a short message): a footer needs a body above it
        if self._table is not None:
            return self._strip_compiled(text, subject)
        keys = line_keys(text, self.s.min_words, self._k)
        if len(keys) < 2:  # one-line text: a footer needs a body above it
            return text, 0
        thread = (thread_key(subject) * 2654435761) & 0xFFFFFFFF
        dropped: list[int] = []
        table = self.lines
        seen_here: set[int] = set()
        for i, k in enumerate(keys):
            if k == 0 or k in seen_here:
                continue
            seen_here.add(k)
            rec = table.get(k)
            if rec is None:
                table[k] = [1, [thread] if thread else []]
                continue
            rec[0] += 1
            kmv: list[int] = rec[1]
            if thread and thread not in kmv and (len(kmv) < _KMV or thread < kmv[-1]):
                kmv.append(thread)
                kmv.sort()
                del kmv[_KMV:]
            if self._judge(rec):
                dropped.append(i)
        if len(table) > self.s.max_lines:
            self.lines = {k: r for k, r in table.items() if r[0] > 1}
        if not dropped:
            return text, 0
        return _without_lines(text, set(dropped)), len(dropped)

    def _strip_compiled(self, text: str, subject: str) -> tuple[str, int]:
        """:meth:`strip` with the line table and the per-line loop compiled (the same counts, sketches,
        judgements and dropped lines)."""
        assert self._table is not None and self._k is not None
        if text.isascii() and not any(c in text for c in _STR_ONLY_BREAKS):
            raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
            lk = self._k.line_keys(raw, _TOKEN_TABLE, self.s.min_words)
        else:
            lk = np.array(line_keys(text, self.s.min_words, self._k), dtype=np.int64)
        if len(lk) < 2:  # one-line text: a footer needs a body above it
            return text, 0
        thread = (thread_key(subject) * 2654435761) & 0xFFFFFFFF
        dropped = self._table.count(lk, thread, float(self.s.min_threads), self.s.thread_share)
        if len(self._table) > self.s.max_lines:
            self._table.prune()
        if not len(dropped):
            return text, 0
        gone = set(dropped.tolist())
        return _without_lines(text, gone), len(gone)

    def _record(self, key: int) -> list[Any] | None:
        return self._table.get(key) if self._table is not None else self.lines.get(key)

    def is_boilerplate(self, line: str) -> bool:
        rec = self._record(line_key(line, self.s.min_words))
        return rec is not None and self._judge(rec)

    def to_json(self) -> dict[str, Any]:
        if self._table is not None:
            return {"lines": [[k, n, t] for k, n, t in self._table.entries()]}
        return {"lines": [[k, *r] for k, r in self.lines.items()]}

    @classmethod
    def from_json(cls, data: dict[str, Any], settings: BoilerplateSettings | None = None) -> BoilerplateModel:
        model = cls(settings)
        entries = [(int(k), int(n), [int(x) for x in t]) for k, n, t in data.get("lines", [])]
        if model._table is not None:
            model._table = native.LineTable.from_entries(_KMV, entries)
        else:
            model.lines = {k: [n, t] for k, n, t in entries}
        return model
