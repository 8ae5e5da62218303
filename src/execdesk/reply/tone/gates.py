"""Literal gates: the cheap pre-check that keeps the tone guard fast as rules grow.

For a compiled pattern we derive a set of literal strings of which *any match must contain
at least one* (from the parsed regex: a run of literal characters, a group, or an
alternation whose every branch has such a set). A pattern whose gate has no member in the
text cannot match, so it is not run there. ``str.__contains__`` is a C substring search,
far cheaper than trying a long alternation at every position. The gate is exact (never
skips a pattern that could match); when no gate can be derived the pattern always runs.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from typing import Any

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


def _literal_hits(lit: str, whole: str, starts: list[int]) -> frozenset[int]:
    hits: set[int] = set()
    at = whole.find(lit)
    while at != -1:
        hits.add(bisect_right(starts, at) - 1)
        at = whole.find(lit, at + 1)
    return frozenset(hits)


def gate_hits(
    g: Gate,
    whole: str,
    starts: list[int],
    everywhere: frozenset[int],
    cache: dict[object, frozenset[int]] | None = None,
) -> frozenset[int]:
    """Indices of the sentences (``whole`` = sentences joined by newlines, ``starts`` = their
    offsets in it) that contain a literal of ``g``: the only sentences where the pattern can match.

    ``cache`` (one per checked text) keeps each literal's and each gate's hits: rules that share
    word classes share gates and literals, so each is searched for once per text (decision 0611)."""
    if g is None:
        return everywhere
    if cache is None:
        return frozenset().union(*(_literal_hits(lit, whole, starts) for lit in g))
    got = cache.get(g)
    if got is not None:
        return got
    hits: set[int] = set()
    for lit in g:
        h = cache.get(lit)
        if h is None:
            h = cache[lit] = _literal_hits(lit, whole, starts)
        hits |= h
    got = cache[g] = frozenset(hits)
    return got
