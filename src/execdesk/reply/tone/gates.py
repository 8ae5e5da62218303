"""Literal gates: the cheap pre-check that keeps the tone guard fast as rules grow.

For a compiled pattern we derive a set of literal strings of which *any match must contain
at least one* (from the parsed regex: a run of literal characters, a group, or an
alternation whose every branch has such a set). A pattern whose gate has no member in the
text cannot match, so it is not run there. All literals are found in one Aho-Corasick pass
(``LiteralIndex``), far cheaper than trying a long alternation at every position. The gate is exact (never
skips a pattern that could match); when no gate can be derived the pattern always runs.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from typing import Any

import ahocorasick

# Python 3.11+: the regex parser lives in re._parser (formerly sre_parse); typeshed does not
# describe it, hence Any. Without it there are simply no gates (same results, slower).
_P: Any = getattr(re, "_parser", None)
_C: Any = getattr(re, "_constants", None)

Gate = frozenset[str] | None


def _necessary(items: Iterable[tuple[Any, Any]]) -> Gate:
    """The most selective literal set that every match of this sequence contains, or None."""
    cands: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        if op is _C.LITERAL:
            run += chr(av)
            continue
        if run:
            cands.append(frozenset([run]))
            run = ""
        sub: Gate = None
        if op is _C.SUBPATTERN:
            sub = _necessary(av[-1])
        elif op is _C.BRANCH:
            alts = [_necessary(a) for a in av[1]]
            if alts and all(a is not None for a in alts):
                sub = frozenset().union(*[a for a in alts if a is not None])
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT) and av[0] >= 1:
            sub = _necessary(av[2])
        if sub:
            cands.append(sub)
    if run:
        cands.append(frozenset([run]))
    if not cands:
        return None
    # Prefer sets whose weakest literal is rarest (longest, and not a common word), then smaller sets.
    return max(cands, key=lambda s: (min(_selectivity(x) for x in s), -len(s)))


# Words in nearly every reply: a gate made of them opens everywhere, so prefer any other candidate.
_COMMON = frozenset(
    {
        "a",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "do",
        "for",
        "from",
        "has",
        "have",
        "i",
        "if",
        "in",
        "is",
        "it",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "this",
        "to",
        "us",
        "was",
        "we",
        "will",
        "with",
        "you",
        "your",
    }
)


def _selectivity(literal: str) -> int:
    return 0 if literal.strip(" ,.'") in _COMMON else len(literal)


def gate(pattern: re.Pattern[str]) -> Gate:
    """Literals one of which every match of ``pattern`` contains; None if none can be derived."""
    if _P is None or _C is None or pattern.flags & re.IGNORECASE:
        return None
    try:
        found = _necessary(_P.parse(pattern.pattern, pattern.flags))
    except Exception:  # an unexpected parse shape: no gate, the pattern simply always runs
        return None
    return found if found and all(found) else None


def open_gate(g: Gate, text: str) -> bool:
    """Whether a pattern with gate ``g`` can match somewhere in ``text``."""
    return g is None or any(lit in text for lit in g)


class LiteralIndex:
    """Every gate's literals in one Aho-Corasick automaton (pyahocorasick, decision 0613).

    One pass over the text finds every occurrence of every literal, overlapping ones included,
    where searching for each of ~1,500 literals in turn cost ~1,700 ``str.find`` calls a reply.
    ``sentence_sets`` answers, for each gate with a literal in the text, the sentences that hold
    one: exactly what searching for each literal would give."""

    def __init__(self, gates: Iterable[Gate]) -> None:
        by_literal: dict[str, set[Gate]] = {}
        for g in gates:
            for lit in g or ():
                by_literal.setdefault(lit, set()).add(g)
        self._automaton: Any = ahocorasick.Automaton()
        for lit, owners in by_literal.items():
            self._automaton.add_word(lit, (len(lit) - 1, tuple(owners)))
        if by_literal:
            self._automaton.make_automaton()
        self.size = len(by_literal)

    def sentence_sets(self, whole: str, starts: list[int]) -> dict[Gate, set[int]]:
        """Gate -> indices of the sentences containing one of its literals (``whole`` = sentences
        joined by newlines, ``starts`` = their offsets in it); gates absent from the text are absent."""
        out: dict[Gate, set[int]] = {}
        if not self.size:
            return out
        seen: set[tuple[int, int]] = set()
        for end, (back, owners) in self._automaton.iter(whole):
            i = bisect_right(starts, end - back) - 1
            key = (i, id(owners))
            if key in seen:
                continue
            seen.add(key)
            for g in owners:
                got = out.get(g)
                if got is None:
                    out[g] = {i}
                else:
                    got.add(i)
        return out
