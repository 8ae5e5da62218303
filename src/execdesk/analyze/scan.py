"""Run many word-anchored regular expressions over one text without scanning it once per pattern.

Python's ``re`` tries every alternative of a large ``\\b(?:a|b|...)`` alternation at every
position of the text, so each cue family or signal rule cost ~0.2 ms on a 1,000-character
message. But a match of such a pattern must begin at a word start with one of a few literal
prefixes, read off the pattern's own parse tree ("thank", "grate", "sue" + word end...). A
``Scan`` case-folds the text once, splits it into words once, and looks each word's key (its
first KEY_LEN characters) up in one index shared by every registered pattern; a pattern is
then *matched* (``pattern.match``) only at its candidate positions. That gives exactly the
matches ``finditer``/``search``/``findall`` give, because:

* prefixes are derived from the compiled pattern (no hand-kept trigger lists); a pattern whose
  matches can start without a literal prefix (``\\d+``) is marked "always scan";
* a prefix followed by ``\\b``, whitespace or punctuation becomes "this whole word" (END);
  prefixes not anchored by ``\\b`` to a word start are found with ``str.find``;
* case folding follows ``re.IGNORECASE`` for ASCII letters (``fold``), keeps offsets, and
  keeps which characters are word characters;
* ``pattern.match(text, pos, endpos)`` at a position is what ``search`` tries there, and
  matches are taken leftmost first and non-overlapping, as ``finditer`` takes them; when
  ``endpos`` cuts the text, its last LOOKAHEAD characters are searched with the plain pattern;
* a word start that fits a pattern's key is kept only where the folded text begins one of the
  pattern's literal prefixes up to EXT_LEN long ("the" + END stands for "the world", "the public",
  "the hell": a "the" followed by anything else is no candidate); in these longer prefixes a run of
  whitespace (``[^\\S\\n]+``, ``\\s+``) followed by a word character is one RUN mark ("the" + RUN +
  "staff"): the text must have a whole run of such characters there, then the rest of the prefix.
* a pattern whose *required words* (strings every match holds at a word start, read off its parse tree:
  "attorney", "lawyer"... of ``my ... lawyer``) begin no word of the text is not tried at all: the words
  are indexed as one more pattern (``required_words``, ``FastPattern.required``).

``tests/analyze/test_fast_paths.py`` checks this against the plain regexes on the labelled
corpora and on traps (Kelvin sign, dotted I, cut words, '$$', '%').
"""

from __future__ import annotations

import bisect
import importlib
import itertools
import operator
import re
import string
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import numpy as np

from execdesk.analyze import native
from execdesk.analyze.language import EN_STOP_WORDS
from execdesk.analyze.linear import codepoints, piece_starts

# the standard library's regex parser (private but stable since 3.11; typeshed does not describe it)
C: Any = importlib.import_module("re._constants")
P: Any = importlib.import_module("re._parser")

KEY_LEN = 6  # word-start keys: the first 6 folded characters
EXT_LEN = 12  # a candidate word start must also begin one of the pattern's literal prefixes up to 12 long
LOOKAHEAD = EXT_LEN + 1  # how far past a candidate the filters read (a prefix and its END)
END = "\x00"  # in a prefix: "the word ends here" (a \b after a word character)
RUN_H = "\x01"  # in an extended prefix: a run of [^\S\n] (whitespace but newline), as long as the text has it
RUN_S = "\x02"  # in an extended prefix: a run of \s, as long as the text has it
_RUN_MARKS = (RUN_H, RUN_S)
_MARKS = END + RUN_H + RUN_S  # no pattern literal is one of these (_prefixes stops at them)
# non-ASCII punctuation that re.IGNORECASE matches only with itself and that fold() keeps (tested over
# every code point): an extended prefix may go on through it ("i’ll"), where the KEY_LEN walk ends the word
_CASELESS = frozenset("\u2019\u2018")
_MAX_PATHS = 20000
_SPLIT = re.compile(r"(\w+)")
_HEAD = operator.itemgetter(slice(0, KEY_LEN))  # a word's key: its first KEY_LEN characters
_WORD_CHARS = frozenset(string.ascii_lowercase + string.digits + "_")


# Characters that re.IGNORECASE lets match an ASCII letter but str.lower() does not turn into it
# (U+212A KELVIN SIGN lowers to "k" by itself). U+0130 is also the only character whose
# lower() is longer than one character. tests/analyze/test_fast_paths.py checks both claims
# over every code point.
_SPECIAL = {"\u0130": "i", "\u0131": "i", "\u017f": "s"}


def fold(text: str) -> str:
    """``text`` case-folded as ``re.IGNORECASE`` compares ASCII letters, same length, same word characters."""
    if not text.isascii():
        for ch, a in _SPECIAL.items():
            if ch in text:
                text = text.replace(ch, a)
    return text.lower()


class _Unconstrained(Exception):
    """A match may start without a literal prefix: the pattern is scanned in full."""


def _lit(code: int) -> str | None:
    ch = chr(code)
    return ch.lower() if ch.isascii() else None


# lower-case code point -> the characters re.IGNORECASE also equates with it beyond lower() (ı, ſ, µ...)
_EXTRA_CASES: dict[int, tuple[int, ...]] = importlib.import_module("re._casefix")._EXTRA_CASES


def _wide_lit(code: int) -> str | None:
    """For a non-ASCII word character of a pattern (the "é" of ``r[eé]sum[eé]``): the one character
    fold() turns every character re.IGNORECASE equates with it into (its lower case), None when there is
    no such character. re compares a cased literal by lower case (plus the few pairs of ``_EXTRA_CASES``,
    refused here), and fold() lowers each character to the same one (``str.lower`` differs from re's
    simple lower case only for U+0130, which fold() maps to "i"); tests/analyze/test_scan_required.py checks
    every such character of the registered patterns over every code point."""
    ch = chr(code)
    low = ch.lower()
    if ch.isascii() or not _is_word_char(ch) or len(low) != 1 or ord(low) in _EXTRA_CASES or code in _EXTRA_CASES:
        return None
    return low


def _only_space(items: list[tuple[Any, Any]]) -> bool:
    """A character class that matches whitespace only: ``\\s`` or ``[^\\S\\n]``."""
    if items == [(C.CATEGORY, C.CATEGORY_SPACE)]:
        return True
    return bool(items) and items[0] == (C.NEGATE, None) and (C.CATEGORY, C.CATEGORY_NOT_SPACE) in items[1:]


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what re's Unicode \\w matches


def _non_word_literals(items: list[tuple[Any, Any]]) -> bool:
    """A character class of literal characters none of which is a word character (``['’]``)."""
    return bool(items) and all(op is C.LITERAL and not _is_word_char(chr(av)) for op, av in items)


def _run_mark(av: tuple[Any, Any, Any]) -> str | None:
    """RUN_H / RUN_S for a repeat ``[^\\S\\n]+`` / ``\\s+`` (greedy, lazy or possessive; at least once, no
    upper bound), None for any other repeat."""
    lo, hi, sub = av
    if lo < 1 or hi != C.MAXREPEAT or len(sub.data) != 1 or sub.data[0][0] is not C.IN:
        return None
    items = list(sub.data[0][1])
    if items == [(C.CATEGORY, C.CATEGORY_SPACE)]:
        return RUN_S
    if items == [(C.NEGATE, None), (C.CATEGORY, C.CATEGORY_NOT_SPACE), (C.LITERAL, 10)]:
        return RUN_H
    return None


def _ended(acc: str) -> str:
    """``acc`` + END; after a RUN mark without it (a run's length is not bounded, so its word end could
    lie past a cut ``endpos``: the literal characters alone stay a necessary condition there)."""
    return acc if any(m in acc for m in _RUN_MARKS) else acc + END


def _prefixes(
    pattern: re.Pattern[str], limit: int = KEY_LEN, runs: bool = False, items: list[tuple[Any, Any]] | None = None
) -> set[tuple[str, bool]]:
    """Every (literal prefix, preceded by ``\\b``) a match can start with, at most ``limit`` long (+ END);
    raises _Unconstrained. ``runs``: a whitespace run after a word character is a RUN mark (one
    character of the prefix), and the walk goes on past it. ``items``: walk this part of the pattern's
    parse tree instead (one of its ``_alternatives``)."""
    out: set[tuple[str, bool]] = set()
    budget = [_MAX_PATHS]
    stop: list[tuple[Any, Any]] = [(None, "STOP")]

    def walk(items: list[tuple[Any, Any]], i: int, acc: str, bounded: bool) -> None:
        budget[0] -= 1
        if budget[0] < 0:
            raise _Unconstrained
        while True:
            if len(acc) >= limit or i >= len(items) or items[i][1] == "STOP":
                if not acc:
                    raise _Unconstrained
                out.add((acc[:limit], bounded))
                return
            op, av = items[i]
            if op is C.LITERAL:
                ch = _lit(av) if av >= len(_MARKS) else None  # "\x00".."\x02" would read as marks
                if ch is None and runs and chr(av) in _CASELESS and acc and _is_word_char(acc[-1]):
                    acc += chr(av)  # the KEY_LEN walk ends the word here (_short)
                    i += 1
                    continue
                wide = _wide_lit(av) if ch is None and runs and acc else None
                if wide is not None:
                    acc += wide  # the KEY_LEN walk stops here (_short): keys are ASCII
                    i += 1
                    continue
                if ch is None:
                    if acc and _is_word_char(acc[-1]) and not _is_word_char(chr(av)):
                        out.add((_ended(acc), bounded))  # a non-ASCII non-word character ("’"): the word ends
                        return
                    items = stop
                    i = 0
                    continue
                acc += ch
                i += 1
            elif op is C.IN and acc and _is_word_char(acc[-1]) and (_only_space(av) or _non_word_literals(av)):
                out.add((_ended(acc), bounded))  # whitespace or punctuation next: the word ends here
                return
            elif op is C.IN:
                chars: set[str] = set()
                wide_chars: set[str] = set()  # non-ASCII letters (_wide_lit) of a class with ASCII ones too ("[eé]")
                ok = True
                for iop, iav in av:
                    if iop is C.LITERAL and _lit(iav) is not None:
                        chars.add(_lit(iav) or "")
                    elif iop is C.LITERAL and acc and _wide_lit(iav) is not None:
                        wide_chars.add(_wide_lit(iav) or "")
                    elif iop is C.RANGE and iav[1] - iav[0] < 12 and all(_lit(c) for c in range(iav[0], iav[1] + 1)):
                        chars.update(_lit(c) or "" for c in range(iav[0], iav[1] + 1))
                    else:
                        ok = False
                if not ok or not chars:
                    items, i = stop, 0
                    continue
                if wide_chars and runs:
                    chars |= wide_chars
                elif wide_chars:
                    out.add((acc[:limit], bounded))  # the non-ASCII ones: the walk stops here, as for a literal
                for ch in sorted(chars):
                    walk(items, i + 1, acc + ch, bounded)
                return
            elif op is C.BRANCH:
                for alt in av[1]:
                    walk(list(alt.data) + items[i + 1 :], 0, acc, bounded)
                return
            elif op is C.SUBPATTERN:
                items = list(av[3].data) + items[i + 1 :]
                i = 0
            elif op is C.ATOMIC_GROUP:
                items = list(av.data) + items[i + 1 :]
                i = 0
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
                mark = _run_mark(av) if runs and acc and _is_word_char(acc[-1]) else None
                if mark is not None:
                    acc += mark  # settled in _extended: kept only where a word character follows
                    i += 1
                    continue
                lo, hi, sub = av
                if lo == 0:
                    walk(items, i + 1, acc, bounded)  # the repeated part absent
                if hi == 1:
                    items, i = list(sub.data) + items[i + 1 :], 0  # present ("(?:my )?"): once, then the rest
                else:
                    items, i = list(sub.data) + stop, 0  # present: its first iteration, then unknown
            elif op is C.AT:
                if av in (C.AT_BOUNDARY, C.AT_UNI_BOUNDARY):
                    if not acc:
                        bounded = True
                    elif _is_word_char(acc[-1]):
                        # the word ends here: the next character is not a word character (or the text ends)
                        out.add((_ended(acc), bounded))
                        return
                i += 1
            elif op in (C.ASSERT, C.ASSERT_NOT):
                i += 1  # zero-width: does not change what the match starts with
            else:
                items, i = stop, 0

    walk(list(P.parse(pattern.pattern, pattern.flags).data) if items is None else items, 0, "", False)
    return out


_MAX_EXACT = 64  # at most this many strings in a set of exact strings (cross products grow fast)
_MIN_REQUIRED = 3  # shorter required words are not worth an index entry
_MAX_REQUIRED = 64  # a longer list of words would add more index entries than it saves
_Strings = frozenset[str]
_Keys = tuple[str, ...]  # a pattern's word keys without END (``_rank``)
_EMPTY: _Strings = frozenset({""})


def _rank(x: _Strings | None, own: _Keys | None) -> tuple[int, int, int, int]:
    """How selective a required set is: its shortest string's length, then fewer strings (-1: none).

    With ``own`` (an alternative's bare word keys, decision 0222), first whether its strings are long
    enough to be indexed, then whether some string begins with none of ``own`` (a set of them adds nothing
    to the alternative's candidates), and a string's trailing space does not count ("on " is "on")."""
    if not x or "" in x:
        return (-1, -1, -1, 0)
    if own is None:
        return (0, 0, min(map(len, x)), -len(x))
    shortest = min(len(w.rstrip()) for w in x)
    return (int(shortest >= _MIN_REQUIRED), int(not _covered(x, own)), shortest, -len(x))


def _covered(strings: _Strings, own: _Keys) -> bool:
    """Every string begins with one of the bare keys ``own``: a word holding one is a candidate already."""
    return all(any(w.startswith(k) for k in own) for w in strings)


def _better(a: _Strings | None, b: _Strings | None, own: _Keys | None) -> _Strings | None:
    """The more selective of two "every match holds one of these at a word start" sets (None: none)."""
    return a if _rank(a, own) >= _rank(b, own) else b


def _by_prefix(strings: _Strings) -> _Strings:
    """``strings`` without those that begin with another one (a word start beginning with the longer one
    begins with the shorter one)."""
    return frozenset(x for x in strings if not any(y != x and x.startswith(y) for y in strings))


def _class_chars(av: list[tuple[Any, Any]]) -> _Strings | None:
    """The folded characters a class of literals (and short ASCII ranges) matches, None for any other."""
    out: set[str] = set()
    for op, arg in av:
        if op is C.LITERAL and _lit(arg) is not None:
            out.add(_lit(arg) or "")
        elif op is C.LITERAL and (_wide_lit(arg) is not None or chr(arg) in _CASELESS):
            out.add(_wide_lit(arg) or chr(arg))
        elif op is C.RANGE and arg[1] - arg[0] < 12 and all(_lit(c) for c in range(arg[0], arg[1] + 1)):
            out.update(_lit(c) or "" for c in range(arg[0], arg[1] + 1))
        else:
            return None
    return frozenset(out) or None


def _ends_non_word(op: Any, av: Any) -> bool:
    """Every match of the item ends with a non-word character (so it is never empty)."""
    if op is C.LITERAL:
        return (chr(av).isascii() or chr(av) in _CASELESS) and not _is_word_char(chr(av))
    if op is C.IN:
        return _only_space(av) or _non_word_literals(av)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        return av[0] >= 1 and bool(av[2].data) and _ends_non_word(*av[2].data[-1])
    if op is C.SUBPATTERN:
        return bool(av[3].data) and _ends_non_word(*av[3].data[-1])
    if op is C.BRANCH:
        return all(alt.data and _ends_non_word(*alt.data[-1]) for alt in av[1])
    return False


def _strings(items: Any, boundary: bool, own: _Keys | None) -> tuple[_Strings | None, _Strings | None]:
    """(exact, required) of a parsed sequence that starts at a word start when ``boundary`` (the text
    before it ends with a non-word character, or a ``\\b`` is there; strings that begin with a word
    character then begin a word).

    ``exact``: every folded string the sequence can match (None: too many or unknown). ``required``:
    folded strings one of which every match holds *at a word start* (None: none found). Literals fold as
    ``fold()`` folds the text (see ``_prefixes``); zero-width items add nothing."""
    cur: _Strings | None = _EMPTY  # the exact strings of the run of items since ``run_start``
    run_start = boundary
    best: _Strings | None = None
    whole = True

    def settle(run: _Strings | None, anchored: bool) -> None:
        nonlocal best
        if run is not None and anchored and all(x and _is_word_char(x[0]) for x in run):
            best = _better(best, _by_prefix(run), own)

    for op, av in items:
        if cur == _EMPTY:
            run_start = boundary  # nothing matched since: the run starts here
        exact, required = _item_strings(op, av, boundary, own)
        best = _better(best, required, own)
        if exact is not None and cur is not None and len(cur) * len(exact) <= _MAX_EXACT:
            cur = frozenset(x + y for x in cur for y in exact)
        else:
            whole = False
            settle(cur, run_start)
            cur, run_start = (exact, boundary) if exact is not None and len(exact) <= _MAX_EXACT else (_EMPTY, False)
        if op is C.AT:
            boundary = av in (C.AT_BOUNDARY, C.AT_UNI_BOUNDARY) or boundary
        elif op in (C.ASSERT, C.ASSERT_NOT):
            pass  # zero-width
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] == 0:
            # absent: as before; present: as its last item ends
            boundary = boundary and bool(av[2].data) and _ends_non_word(*av[2].data[-1])
        else:
            boundary = _ends_non_word(op, av)
    settle(cur, run_start)
    return (cur if whole else None), best


def _item_strings(op: Any, av: Any, boundary: bool, own: _Keys | None) -> tuple[_Strings | None, _Strings | None]:
    """``_strings`` of one parsed item."""
    if op is C.LITERAL:
        ch = _lit(av) or _wide_lit(av) or (chr(av) if chr(av) in _CASELESS else None)
        return (frozenset({ch}) if ch is not None else None), None
    if op is C.IN:
        return _class_chars(av), None
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return _EMPTY, None
    if op is C.SUBPATTERN:
        return _strings(av[3].data, boundary, own)
    if op is C.ATOMIC_GROUP:
        return _strings(av.data, boundary, own)
    if op is C.BRANCH:
        alts = [_strings(alt.data, boundary, own) for alt in av[1]]
        exact: _Strings | None = None
        if all(e is not None for e, _r in alts):
            union = frozenset().union(*(e for e, _r in alts if e is not None))
            exact = union if len(union) <= _MAX_EXACT else None
        reqs = [r for _e, r in alts]
        if any(not r or "" in r for r in reqs):
            return exact, None
        return exact, _by_prefix(frozenset().union(*(r for r in reqs if r is not None)))
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        lo, hi, sub = av
        exact, required = _strings(sub.data, boundary, own)
        if lo == 0:
            return (exact | _EMPTY if exact is not None and hi == 1 else None), None
        return (exact if lo == hi == 1 else None), required  # the first time it starts here
    return None, None


def required_words(pattern: re.Pattern[str]) -> _Strings:
    """Folded strings one of which every match of ``pattern`` holds at a word start, read off its parse
    tree (empty: none worth indexing). Where none of them begins a word of ``fold(text)``, ``pattern``
    matches nowhere in ``text``."""
    if pattern.flags & re.ASCII:
        return frozenset()  # its \\b is not the index's (Unicode) word start
    return _required_of(list(P.parse(pattern.pattern, pattern.flags).data), None)


def _required_of(items: list[tuple[Any, Any]], own: _Keys | None) -> _Strings:
    """``required_words`` of a parsed sequence; ``own``: see ``_rank``."""
    _exact, found = _strings(items, False, own)
    if not found or "" in found or len(found) > _MAX_REQUIRED:
        return frozenset()
    if min(len(w) if own is None else len(w.rstrip()) for w in found) < _MIN_REQUIRED:
        return frozenset()
    return found


class FastPattern:
    """A compiled pattern plus the literal prefixes its matches can start with."""

    __slots__ = ("alt_required", "always", "ext", "find_keys", "pattern", "pid", "required", "word_keys", "words_only")

    def __init__(self, pattern: re.Pattern[str], pid: int) -> None:
        self.pattern = pattern
        self.pid = pid
        self.word_keys: frozenset[str] = frozenset()
        self.find_keys: tuple[str, ...] = ()
        self.ext: dict[str, tuple[str, ...]] | None = None
        self.always = False
        self.required: FastPattern | None = None  # words every match holds (``register``, ``_requirement``)
        self.words_only = False  # the candidates are the word index's alone (no ``find_keys``)
        # word key -> the pattern id of the words the alternatives holding that key require (decision 0222)
        self.alt_required: dict[str, int] = {}
        try:
            if P.parse(pattern.pattern, pattern.flags).getwidth()[0] == 0:
                raise _Unconstrained
            pre = _prefixes(pattern)
        except _Unconstrained:
            self.always = True
            return
        # a word-start key needs \b before a word character, with Unicode \w (what _SPLIT splits on)
        unicode_b = not pattern.flags & re.ASCII
        word = {p for p, bounded in pre if bounded and unicode_b and p[0] in _WORD_CHARS}
        self.word_keys = frozenset(_word_key(p) for p in word)
        self.find_keys = tuple(sorted({p.rstrip(END) for p, _b in pre if p not in word}))
        self.words_only = not self.find_keys
        self.ext = _extended(pattern, pre, word, self.word_keys)


def _short(prefix: str) -> str:
    """What the KEY_LEN walk records for a path the EXT_LEN walk recorded as ``prefix`` (a RUN mark or a
    _CASELESS character is where the KEY_LEN walk saw whitespace or "’" after a word character: END)."""
    for n, ch in enumerate(prefix[:KEY_LEN]):
        if ch in _RUN_MARKS or ch in _CASELESS:
            return prefix[:n] + END
        if not ch.isascii():
            return prefix[:n]  # a _wide_lit letter: the KEY_LEN walk stopped before it
    return prefix[:KEY_LEN] if len(prefix) > KEY_LEN else prefix


def _settle(prefix: str) -> str:
    """``prefix`` with each RUN mark kept only where a word character follows it (or nothing: the prefix
    ends with the run). A run is read to its end; that is what the pattern's repeat matched only when
    the character after it cannot be whitespace. Elsewhere the prefix stops there, as the KEY_LEN walk
    does (END after a word character; nothing after an earlier mark)."""
    for n, ch in enumerate(prefix):
        if ch in _RUN_MARKS and n + 1 < len(prefix) and prefix[n + 1] not in _WORD_CHARS:
            return _ended(prefix[:n])
    return prefix


def _extended(
    pattern: re.Pattern[str], short: set[tuple[str, bool]], word: set[str], word_keys: frozenset[str]
) -> dict[str, tuple[str, ...]] | None:
    """Word key -> the pattern's literal prefixes up to EXT_LEN (+ END, RUN marks) with that key ("every" +
    END -> "every time"): a candidate word start must begin one of them. None (no filter) when the longer
    walk does not refine the KEY_LEN walk exactly (budget, or a path this reasoning did not foresee).
    Paths of the ``find_keys`` (``word``: the prefixes that are not) are left out: their positions are
    found with ``str.find`` and are candidates whatever the word index says."""
    try:
        long = {(_settle(p), b) for p, b in _prefixes(pattern, EXT_LEN, runs=not pattern.flags & re.ASCII)}
    except _Unconstrained:
        return None
    if {(_short(p), b) for p, b in long} != short:
        return None
    out: dict[str, list[str]] = {}
    for p, _b in long:
        if _short(p) in word:
            out.setdefault(_word_key(_short(p)), []).append(p)
    if set(out) != set(word_keys):
        return None
    # a prefix that begins with another of the same key adds nothing (the text begins the shorter one)
    return {
        k: tuple(p for p in sorted(set(v)) if not any(q != p and p.startswith(q) for q in v)) for k, v in out.items()
    }


_H_SPACE = re.compile(r"[^\S\n]")  # RUN_H's characters
_SPACE = re.compile(r"\s")  # RUN_S's characters
_prefix_res: dict[tuple[str, ...], re.Pattern[str]] = {}


def _prefix_re(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    """One regex that matches at ``q`` of the folded text where it begins one of ``prefixes``: literal
    characters as they are, END a non-word character or the text's end next, a RUN mark the whole run
    of its characters (at least one; possessive: the run is read to its end)."""
    found = _prefix_res.get(prefixes)
    if found is None:
        marks = {END: r"(?!\w)", RUN_H: r"[^\S\n]++", RUN_S: r"\s++"}
        alts = ("".join(marks.get(ch) or re.escape(ch) for ch in p) for p in prefixes)
        found = _prefix_res[prefixes] = re.compile("|".join(alts))
    return found


_ASCII_LETTERS = string.ascii_letters.encode()
_ASCII_UPPER = string.ascii_uppercase.encode()
# ascii_letter_counts' one translate: non-letters deleted, each capital to b"A" and each small letter to b"a"
_NOT_LETTERS = bytes(c for c in range(256) if c not in _ASCII_LETTERS)
_LETTER_CASE = bytes(65 if c in _ASCII_UPPER else 97 if c in _ASCII_LETTERS else c for c in range(256))


def ascii_letter_counts(text: str) -> tuple[int, int]:
    """(ASCII letters, ASCII capitals) in ``text``: what counting ``[A-Za-z]`` / ``[A-Z]`` matches gives."""
    letters = text.encode("ascii", "ignore").translate(_LETTER_CASE, _NOT_LETTERS)  # b"A" per capital, b"a" else
    return len(letters), letters.count(65)


_WORD_RE = re.compile(r"\w")  # what _SPLIT calls a word character
_REGISTRY: list[FastPattern] = []
_BY_PATTERN: dict[re.Pattern[str], FastPattern] = {}
_KEY_INDEX: dict[str, list[int]] = {}
_HEADS: set[str] = set()  # every leading part of an indexed key (lets a look-up stop early)
# key -> pattern ids, kept across messages. Replaced (never cleared in place) when full, so a
# Scan running in another thread keeps a consistent dict.
_Entries = tuple[tuple[int, re.Pattern[str] | None, int], ...]
_memo: list[dict[str, _Entries]] = [{}]
_MEMO_MAX = 200_000


def register(pattern: re.Pattern[str], derive: bool = True) -> FastPattern:
    """Index ``pattern`` (once; module import time) so every ``Scan`` computes its candidates; with
    ``derive``, also the words its matches require (``_requirement``)."""
    found = _BY_PATTERN.get(pattern)
    if found is not None:
        return found
    fp = FastPattern(pattern, len(_REGISTRY))
    _REGISTRY.append(fp)
    _BY_PATTERN[pattern] = fp
    for k in fp.word_keys:
        _KEY_INDEX.setdefault(k, []).append(fp.pid)
        bare = k.rstrip(END)
        _HEADS.update(bare[:n] for n in range(1, len(bare) + 1))
    _memo[0] = {}
    if derive and not fp.always:
        fp.required = _requirement(fp)
        fp.alt_required = _alternative_requirements(fp)
    return fp


def _requirement(fp: FastPattern) -> FastPattern | None:
    """``\\b(?:w1|w2|...)`` of ``required_words(fp.pattern)``, indexed like any pattern, so that a
    ``Scan`` knows from its candidates alone whether ``fp`` can match at all ("attorney", "lawyer"... of
    ``my ... lawyer``). None when there are no such words or when each begins with one of ``fp``'s own
    word keys (every word holding one is a candidate of ``fp`` already)."""
    words = required_words(fp.pattern)
    own = tuple(k.rstrip(END) for k in fp.word_keys)
    if not words or _covered(words, own):
        return None
    req = _requirement_pattern(words)
    return req if req.words_only else None


def _alternatives(items: list[tuple[Any, Any]]) -> list[list[tuple[Any, Any]]] | None:
    """The sequences every match is one of, where a match starts with a choice (``\\b(?:a...|b...)\\b``,
    ``a...|b...``): the zero-width items before it, one alternative, then the rest. None otherwise."""
    for i, (op, av) in enumerate(items):
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue
        branch = None
        if op is C.BRANCH:
            branch = av
        elif op is C.SUBPATTERN and not av[1] and not av[2] and len(av[3].data) == 1:
            inner_op, inner_av = av[3].data[0]
            branch = inner_av if inner_op is C.BRANCH else None
        if branch is None:
            return None
        return [items[:i] + list(alt.data) + items[i + 1 :] for alt in branch[1]]
    return None


def _alternative_requirements(fp: FastPattern) -> dict[str, int]:
    """Word key -> the id of an indexed ``\\b(?:w1|w2|...)`` of the words that every match starting at a
    word with that key holds, where a match starts with a choice of alternatives whose keys differ
    (churn.cancel: "I"/"we" begin only its third alternative, which needs "cancel" or "disconnect"). A
    candidate of such a key is dropped when the text has none of those words (``_scan_kernels``,
    ``_python_cands``). Empty when the alternatives do not split the keys cleanly: a word that could fit
    keys of alternatives with different requirements keeps every candidate."""
    if not fp.words_only or fp.pattern.flags & re.ASCII:
        return {}
    alts = _alternatives(list(P.parse(fp.pattern.pattern, fp.pattern.flags).data))
    if alts is None:
        return {}
    keys_of: list[frozenset[str]] = []
    for alt in alts:
        try:
            pre = _prefixes(fp.pattern, items=alt)
        except _Unconstrained:
            return {}
        if any(not bounded or p[0] not in _WORD_CHARS for p, bounded in pre):
            return {}
        keys_of.append(frozenset(_word_key(p) for p, _b in pre))
    if frozenset().union(*keys_of) != fp.word_keys:
        return {}
    by_key: dict[str, _Strings | None] = {}
    for alt, keys in zip(alts, keys_of, strict=True):
        own = tuple(k.rstrip(END) for k in keys)
        words: _Strings | None = _required_of(alt, own)
        if not words or _covered(words, own) or any(w.rstrip() in EN_STOP_WORDS for w in words):
            words = None  # none, or met by nearly every text ("the", "you"): it would only add candidates
        for k in keys:
            by_key[k] = words if by_key.get(k, words) == words else None
    bare = {k: k.rstrip(END) for k in by_key}
    for a, b in itertools.permutations(by_key, 2):
        if by_key[a] != by_key[b] and bare[b].startswith(bare[a]):
            return {}  # a word beginning ``b`` fits ``a`` too
    out: dict[str, int] = {}
    for k, words in by_key.items():
        req = _requirement_pattern(words) if words is not None else None
        if req is not None and req.words_only and not req.alt_required:
            out[k] = req.pid
    return out


def _requirement_pattern(words: _Strings) -> FastPattern:
    """``\\b(?:w1|w2|...)``, indexed (without requirements of its own)."""
    alternatives = "|".join(re.escape(w) for w in sorted(words))
    return register(re.compile(rf"\b(?:{alternatives})", re.IGNORECASE), derive=False)


def _word_key(prefix: str) -> str:
    """The word part of a prefix; END appended when the word must end there ("i'm" -> "i" + END)."""
    for n, ch in enumerate(prefix):
        if ch not in _WORD_CHARS:
            return prefix[:n] + END
    return prefix


def _ids_for(key: str) -> tuple[int, ...]:
    """The patterns whose word key fits a text word's key (its first KEY_LEN folded word characters).

    A key shorter than KEY_LEN is a whole word, so keys with END must equal it.
    """
    ids: set[int] = set()
    for n in range(1, len(key) + 1):
        head = key[:n]
        if head not in _HEADS:
            break  # no indexed key starts like this: longer ones cannot either
        hit = _KEY_INDEX.get(head)
        if hit:
            ids.update(hit)
    if len(key) < KEY_LEN:
        hit = _KEY_INDEX.get(key + END)
        if hit:
            ids.update(hit)
    return tuple(sorted(ids))


def _entries_for(key: str) -> _Entries:
    """(pattern id, the extended prefixes a word with this key must begin as one regex (``_prefix_re``),
    None: no filter; the pattern id of the words such a candidate requires, -1: none) per id."""
    fitting = [key[:n] for n in range(1, len(key) + 1)]
    if len(key) < KEY_LEN:
        fitting.append(key + END)
    out = []
    for pid in _ids_for(key):
        fp = _REGISTRY[pid]
        ext = fp.ext
        # the keys of ``pid`` a word with this key fits all require the same (``_alternative_requirements``)
        req = next((fp.alt_required[k] for k in fitting if k in fp.alt_required), -1)
        out.append((pid, None if ext is None else _prefix_re(tuple(p for k in fitting for p in ext.get(k, ()))), req))
    return tuple(out)


# -- the compiled word index (native.load("scan")) -------------------------------------------
# per ASCII character: 1 = a word character (\\w), 2 = one of RUN_H's, 4 = one of RUN_S's (decided by re)
_ASCII_CLASS = np.array(
    [
        (_WORD_RE.match(chr(c)) is not None)
        | 2 * (_H_SPACE.match(chr(c)) is not None)
        | 4 * (_SPACE.match(chr(c)) is not None)
        for c in range(128)
    ],
    dtype=np.uint8,
)
_wide_memo: dict[int, int] = {}  # non-ASCII code point -> 1: a word character, 2: whitespace, 0: neither
# END and the RUN marks in the kernel's prefix characters (no code point is this large)
_PREFIX_MARKS = {END: 0xFFFFFFFF, RUN_H: 0xFFFFFFFE, RUN_S: 0xFFFFFFFD}
_Table = tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
# (registered patterns, slot codes, slot entries, entry starts, entry pattern ids, their required pattern ids
# (``FastPattern.alt_required``; -1: none), prefix starts per entry pattern id, character starts per prefix,
# prefix characters): rebuilt when a pattern is registered
_table: list[_Table] = []


def _code(key: str) -> int:
    """A key (ASCII word characters, END last or not at all) as the kernel codes it: byte n = character n."""
    return sum((1 if ch == END else ord(ch)) << (8 * n) for n, ch in enumerate(key))


_HASH_MULTIPLIER = 0x9E3779B97F4A7C15  # _scan_kernels.HASH_MULTIPLIER (the kernel module imports numba)


def _slots(codes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """An open-addressing table of ``codes`` (no code is 0, the empty slot): per slot the code and its
    index in ``codes``; a power of two at least twice as long, linear probing from the top bits of
    ``code * _HASH_MULTIPLIER`` (the kernel, ``_scan_kernels._candidates``, looks codes up the same way)."""
    bits = max(1, (2 * len(codes) - 1).bit_length())
    slot_codes = np.zeros(1 << bits, dtype=np.int64)
    slot_entries = np.full(1 << bits, -1, dtype=np.int32)
    mask = (1 << bits) - 1
    for e, c in enumerate(codes):
        h = ((c * _HASH_MULTIPLIER) & 0xFFFFFFFFFFFFFFFF) >> (64 - bits)
        while slot_codes[h]:
            h = (h + 1) & mask
        slot_codes[h] = c
        slot_entries[h] = e
    return slot_codes, slot_entries


def _native_table() -> _Table:
    """_HEADS and _KEY_INDEX as codes in a hash table (``_slots``), their pattern ids (what ``_ids_for``
    walks) and, per (key, pattern id), the extended prefixes a candidate must begin, each without the
    key's own characters (one empty prefix: no filter)."""
    if _table and _table[0][0] == len(_REGISTRY):
        return _table[0]
    entries = {_code(h): (h, sorted(_KEY_INDEX.get(h, ()))) for h in _HEADS}
    entries.update((_code(k), (k, sorted(ids))) for k, ids in _KEY_INDEX.items() if k.endswith(END))
    codes = sorted(entries)
    starts = [0]
    pids: list[int] = []
    reqs: list[int] = []
    ext_starts = [0]
    char_starts = [0]
    chars: list[int] = []
    for c in codes:
        key, ids = entries[c]
        pids.extend(ids)
        reqs.extend(_REGISTRY[pid].alt_required.get(key, -1) for pid in ids)
        starts.append(len(pids))
        bare = key.rstrip(END)  # what the word's code matched: the kernel reads each prefix after it
        for pid in ids:
            ext = _REGISTRY[pid].ext
            for p in ext[key] if ext is not None else (bare,):
                if not p.startswith(bare):
                    raise AssertionError(f"prefix {p!r} of key {key!r} does not begin with it")
                chars.extend(_PREFIX_MARKS.get(ch) or ord(ch) for ch in p[len(bare) :])
                char_starts.append(len(chars))
            ext_starts.append(len(char_starts) - 1)
    t = (
        len(_REGISTRY),
        *_slots(codes),
        np.array(starts, dtype=np.int64),
        np.array(pids, dtype=np.int32),
        np.array(reqs, dtype=np.int32),
        np.array(ext_starts, dtype=np.int64),
        np.array(char_starts, dtype=np.int64),
        np.array(chars, dtype=np.uint32),
    )
    _table[:] = [t]
    return t


def _wide_classes(cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct non-ASCII code points of ``cp`` that are word characters, and those that are
    whitespace (``\\s``; outside ASCII, ``[^\\S\\n]`` is the same set: tested)."""
    wide = np.unique(cp[cp >= 128]).tolist()
    memo = _wide_memo
    words = []
    spaces = []
    for c in wide:
        w = memo.get(c)
        if w is None:
            ch = chr(c)
            w = memo[c] = (_WORD_RE.match(ch) is not None) | 2 * (_SPACE.match(ch) is not None)
        if w & 1:
            words.append(c)
        elif w:
            spaces.append(c)
    return np.array(words, dtype=np.uint32), np.array(spaces, dtype=np.uint32)


_NO_WIDE = np.zeros(0, dtype=np.uint32)
_NONE: list[int] = []  # no candidate (shared, never changed)


def _code_points(text: str) -> np.ndarray | None:
    """The text as UTF-32 code points for the word index kernels; None when it holds lone surrogates that
    cannot be handed over (the Python path then scans it)."""
    cp = codepoints(text)
    return cp if len(cp) == len(text) else None


def _index_args(text: str, cp: np.ndarray) -> tuple[Any, ...]:
    """The arguments ``word_index`` and ``word_index_many`` take after the text: the character classes
    (the non-ASCII ones only where the text has any) and the registry's key table."""
    n_reg, slot_codes, slot_entries, starts, pids, reqs, ext_starts, char_starts, chars = _native_table()
    wide_word, wide_space = (_NO_WIDE, _NO_WIDE) if text.isascii() else _wide_classes(cp)
    return (
        _ASCII_CLASS,
        wide_word,
        wide_space,
        KEY_LEN,
        slot_codes,
        slot_entries,
        starts,
        pids,
        reqs,
        ext_starts,
        char_starts,
        chars,
        n_reg,
    )


def _native_cands(kernels: Any, folded: str) -> dict[int, list[int]] | None:
    """``Scan``'s candidates from the kernel; None when the text cannot be handed over (the Python path)."""
    cp = _code_points(folded)
    if cp is None:
        return None
    ids, bounds, pos = kernels.word_index(cp, *_index_args(folded, cp))
    bl = bounds.tolist()
    pl = pos.tolist()
    return {p: pl[a:b] for p, a, b in zip(ids.tolist(), bl, bl[1:], strict=False)}


def _native_cands_many(kernels: Any, folded: Sequence[str]) -> list[dict[int, list[int]]] | None:
    """``_native_cands`` of each text, from one kernel call (``word_index_many``); None when the texts
    cannot be handed over."""
    joined = "".join(folded)
    cp = _code_points(joined)
    if cp is None:
        return None
    text_start = piece_starts(folded)
    ids, bounds, pos, id_start = kernels.word_index_many(cp, text_start, *_index_args(joined, cp))
    il = ids.tolist()
    bl = bounds.tolist()
    pl = pos.tolist()
    sl = id_start.tolist()
    return [
        {p: pl[x:y] for p, x, y in zip(il[a:b], bl[a:b], bl[a + 1 : b + 1], strict=True)}
        for a, b in itertools.pairwise(sl)
    ]


def scans(texts: Sequence[str]) -> list[Scan]:
    """``[Scan(t) for t in texts]``, the kernel called once for all of them (a batch, decision 0222)."""
    kernels = native.load("scan")
    if kernels is None or len(texts) < 2:
        return [Scan(t) for t in texts]
    folded = [fold(t) for t in texts]
    found = _native_cands_many(kernels, folded)
    if found is None:
        return [Scan(t) for t in texts]
    return [Scan(t, f, c) for t, f, c in zip(texts, folded, found, strict=True)]


def _python_cands(folded: str) -> dict[int, list[int]]:
    """The candidate word starts per pattern id (the Python path; the kernel reproduces it)."""
    cands: dict[int, list[int]] = {}
    # word starts and their keys in C-level passes; Python only touches words some pattern wants
    parts = _SPLIT.split(folded)  # non-word, word, non-word, ... (no Match objects)
    keys = list(map(_HEAD, parts[1::2]))
    memo = _memo[0]
    if len(memo) >= _MEMO_MAX:
        memo = _memo[0] = {}  # bounded memory on endless streams of new words
    idsl = list(map(memo.get, keys))  # one probe per word; None for a key not seen before
    if None in idsl:
        for i in [i for i, ids in enumerate(idsl) if ids is None]:
            key = keys[i]
            ids = memo.get(key)
            if ids is None:
                ids = memo[key] = _entries_for(key)
            idsl[i] = ids
    # a word starts where the parts before it end
    starts = itertools.compress(itertools.islice(itertools.accumulate(map(len, parts)), 0, None, 2), idsl)
    held: list[tuple[int, int, int]] = []  # (pattern id, word start, required pattern id): _add_held
    for q, ids in zip(starts, filter(None, idsl), strict=False):  # only words some pattern may start at
        for pid, ext, req in ids:
            if ext is not None and ext.match(folded, q) is None:
                continue  # the word fits a key, but the text there begins none of the longer prefixes
            if req >= 0:
                held.append((pid, q, req))
                continue
            lst = cands.get(pid)
            if lst is None:
                cands[pid] = [q]
            else:
                lst.append(q)
    if held:
        _add_held(cands, held)
    return cands


def _add_held(cands: dict[int, list[int]], held: list[tuple[int, int, int]]) -> None:
    """The candidates found through a key whose alternatives require words (``FastPattern.alt_required``),
    kept where the text has those words (the requirement's own candidates; it has no requirement itself)."""
    kept: dict[int, list[int]] = {}
    for pid, q, req in held:
        if req in cands:
            kept.setdefault(pid, []).append(q)
    for pid, qs in kept.items():
        cands[pid] = sorted(cands.get(pid, []) + qs)


class Scan:
    """One text's folded form and, per registered pattern, the positions a match may start at."""

    __slots__ = ("_cands", "_merged", "_n_known", "folded", "text")

    def __init__(self, text: str, folded: str | None = None, cands: dict[int, list[int]] | None = None) -> None:
        """``folded`` and ``cands``: ``fold(text)`` and its candidates, found already (``scans``)."""
        self.text = text
        self._n_known = len(_REGISTRY)  # patterns registered later are scanned in full
        self._merged: dict[int, list[int]] = {}
        if folded is None:
            folded = fold(text)
        self.folded = folded
        if cands is not None:
            self._cands = cands
            return
        kernels = native.load("scan")
        if kernels is not None:
            found = _native_cands(kernels, folded)
            if found is not None:
                self._cands = found
                return
        self._cands = _python_cands(folded)

    def knows(self, pid: int) -> bool:
        """The pattern ``pid`` was registered before this index was built (its candidates are known)."""
        return pid < self._n_known

    def word_pids(self) -> Collection[int]:
        """The ids of the patterns with at least one word-start candidate (see ``may_match``)."""
        return self._cands.keys()

    def may_match(self, fp: FastPattern) -> bool:
        """False when ``fp`` cannot match anywhere in the whole text (a cheap test before ``search``)."""
        if self.lacks_required(fp):
            return False
        return fp.pid in self._cands or fp.always or bool(fp.find_keys) or fp.pid >= self._n_known

    def lacks_required(self, fp: FastPattern) -> bool:
        """No word of the text begins one of the words every match of ``fp`` holds (``FastPattern.required``):
        ``fp`` matches nowhere in the text."""
        req = fp.required
        return req is not None and req.pid not in self._cands and req.pid < self._n_known

    def candidates(self, fp: FastPattern) -> list[int]:
        """Sorted positions where ``fp`` may match (not used for ``always`` patterns)."""
        words = self._cands.get(fp.pid, _NONE)
        if not fp.find_keys:
            return words
        merged = self._merged.get(fp.pid)
        if merged is not None:
            return merged
        extra: set[int] = set()
        folded = self.folded
        for k in fp.find_keys:
            i = folded.find(k)
            while i >= 0:
                extra.add(i)
                i = folded.find(k, i + 1)
        merged = sorted(extra.union(words)) if extra else words
        self._merged[fp.pid] = merged
        return merged

    # search() and count() run ~25 times a message (rules, cues, intents), mostly for a pattern with no
    # candidate at all: they answer that case before any other work.

    def search(self, fp: FastPattern, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        """What ``fp.pattern.search(text, pos, endpos)`` returns."""
        text = self.text
        n = len(text)
        # Keys and prefixes look up to LOOKAHEAD characters ahead; when ``endpos`` cuts the text, a
        # word end ("\b") may fall at endpos although the full text goes on: the last LOOKAHEAD
        # characters before endpos (from ``limit``) are then searched with the plain pattern.
        if endpos is None or endpos >= n:
            end = limit = n
        else:
            end = endpos
            limit = end - LOOKAHEAD
        if fp.always or fp.pid >= self._n_known:
            return fp.pattern.search(text, pos, end)
        req = fp.required
        if req is not None and req.pid not in self._cands and req.pid < self._n_known:
            return None  # lacks_required(), written out: this runs ~25 times a message
        cands = self._cands.get(fp.pid) if fp.words_only else self.candidates(fp)
        if cands:
            match = fp.pattern.match
            for j in range(bisect.bisect_left(cands, pos) if pos else 0, len(cands)):
                q = cands[j]
                if q >= limit:
                    break
                m = match(text, q, end)
                if m is not None:
                    return m
        if limit < end:
            return fp.pattern.search(text, max(pos, limit), end)
        return None

    def finditer(self, fp: FastPattern, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
        """What ``fp.pattern.finditer(text, pos, endpos)`` yields (patterns never match empty)."""
        while (m := self.search(fp, pos, endpos)) is not None:
            yield m
            pos = m.end()

    def counts(self, fps: Sequence[FastPattern], endpos: int | None = None) -> list[int]:
        """``[self.count(fp, endpos) for fp in fps]`` in one call: the cue families of a message (cues.py)
        are ~16 counts, mostly of patterns with no candidate, and the per-call setup was half their cost."""
        text = self.text
        n = len(text)
        if endpos is None or endpos >= n:
            end = limit = n
        else:
            end = endpos
            limit = end - LOOKAHEAD  # see search()
        n_known = self._n_known
        cands_of = self._cands
        out: list[int] = []
        for fp in fps:
            if fp.always or fp.pid >= n_known:
                out.append(len(fp.pattern.findall(text, 0, end)))
                continue
            req = fp.required
            if req is not None and req.pid not in cands_of and req.pid < n_known:
                out.append(0)  # lacks_required()
                continue
            cands = cands_of.get(fp.pid) if fp.words_only else self.candidates(fp)
            found = 0
            pos = 0
            if cands:
                match = fp.pattern.match
                for q in cands:
                    if q >= limit:
                        break
                    if q < pos:
                        continue
                    m = match(text, q, end)
                    if m is not None:
                        found += 1
                        pos = m.end()
            if limit < end:
                found += len(fp.pattern.findall(text, max(pos, limit), end))
            out.append(found)
        return out

    def count(self, fp: FastPattern, endpos: int | None = None) -> int:
        """``len(fp.pattern.findall(text, 0, endpos))``."""
        return self.counts((fp,), endpos)[0]
