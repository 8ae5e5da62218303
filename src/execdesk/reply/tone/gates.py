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
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, Protocol

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


def gate(pattern: re.Pattern[str] | Searchable) -> Gate:
    """Literals one of which every match of ``pattern`` contains; None if none can be derived."""
    return gate_of(pattern.pattern, pattern.flags)


@lru_cache(maxsize=16384)
def gate_of(pattern: str, flags: int) -> Gate:
    """``gate`` of a pattern's text, not yet compiled (remembered: the same branches recur across rules)."""
    if _P is None or _C is None or flags & re.IGNORECASE:
        return None
    try:
        found = _necessary(_P.parse(pattern, flags))
    except Exception:  # an unexpected parse shape: no gate, the pattern simply always runs
        return None
    return found if found and all(found) else None


class Searchable(Protocol):
    """What a yes/no search needs of a pattern: a compiled ``re.Pattern`` or an ``AnyBranch``."""

    @property
    def pattern(self) -> str: ...
    @property
    def flags(self) -> int: ...
    def search(self, text: str) -> re.Match[str] | None: ...


class AnyBranch:
    """A pattern searched for yes or no, branch by branch, each branch behind its own gate (decision 0632).

    Same answer as ``re.compile(pattern, flags).search(text)`` (tested on every written reply): a match
    exists iff one branch matches. The match returned is that branch's, so its text is a true match of the
    pattern, though not necessarily the leftmost one. A long alternation ("benign_frame", ~100 branches)
    otherwise tries every branch at every position of the sentence: 0.2-1.8 ms where this takes ~0.03."""

    __slots__ = ("_always", "_automaton", "_gated", "flags", "pattern")

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern, self.flags = pattern, flags
        self._gated: list[tuple[frozenset[str], LazyPattern]] | None = None  # split on first use: a one-off check
        self._always: list[LazyPattern] = []  # needs few of a configuration's ~700 searches
        self._automaton: Any = None

    def _split(self) -> list[tuple[frozenset[str], LazyPattern]]:
        units = [(gate_of(b, self.flags), LazyPattern(b, self.flags)) for b in alternatives(self.pattern)]
        self._always = [u for g, u in units if g is None]
        gated = [(g, u) for g, u in units if g is not None]
        # Which branches each literal opens, found in one Aho-Corasick pass where there are many branches.
        if len(gated) > 1:
            by_literal: dict[str, list[int]] = {}
            for k, (g, _) in enumerate(gated):
                for lit in g:
                    by_literal.setdefault(lit, []).append(k)
            self._automaton = ahocorasick.Automaton()
            for lit, ks in by_literal.items():
                self._automaton.add_word(lit, tuple(ks))
            self._automaton.make_automaton()
        self._gated = gated
        return gated

    def compile(self) -> None:
        """Split and compile every branch now (a server warms up with it; see ``guard.warm_up``)."""
        gated = self._gated if self._gated is not None else self._split()
        for unit in (*self._always, *(u for _, u in gated)):
            unit.compile()

    @classmethod
    def of(cls, compiled: re.Pattern[str]) -> AnyBranch:
        return cls(compiled.pattern, compiled.flags)

    def search(self, text: str) -> re.Match[str] | None:
        gated = self._gated if self._gated is not None else self._split()
        for unit in self._always:
            if m := unit.search(text):
                return m
        if self._automaton is None:
            candidates = [u for g, u in gated if any(lit in text for lit in g)]
        else:
            opened: set[int] = set()
            for _, ks in self._automaton.iter(text):
                opened.update(ks)
            candidates = [gated[k][1] for k in sorted(opened)]
        for unit in candidates:
            if m := unit.search(text):
                return m
        return None


class LazyPattern:
    """A pattern compiled the first time it is searched: most branches' gates never open in a session,
    and compiling them all up front cost a second (decision 0632)."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern, self.flags = pattern, flags
        self._compiled: re.Pattern[str] | None = None

    def compile(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def search(self, text: str) -> re.Match[str] | None:
        return (self._compiled or self.compile()).search(text)


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


def alternatives(pattern: str) -> list[str]:
    """The top-level branches of ``pattern`` (inside any wrapping non-capturing groups), as pattern texts.

    A pattern matches somewhere iff one of its branches does, so a yes/no search can try only the branches
    whose own gate is open: a long alternation otherwise tries every branch at every position (decision
    0632). Returns ``[pattern]`` when there is nothing to split (one branch, or a shape this simple scanner
    does not take apart: inline flags, a quantified or capturing group around the whole)."""
    if _FLAGS_OR_BACKREF.search(pattern):
        return [pattern]
    inner = pattern
    while True:
        body = _wrapped(inner)
        if body is None:
            break
        inner = body
    parts: list[str] = []
    start = 0
    for i, c, depth in _structure(inner):
        if c == "|" and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    if len(parts) < 2:
        return [pattern]
    # A branch that is itself a group of branches ("(?:{class_a}|{class_b})" after expansion) splits too.
    return [leaf for part in parts for leaf in alternatives(part)]


# Global inline flags or back-references: splitting would change what a branch means.
_FLAGS_OR_BACKREF = re.compile(r"^\(\?[aiLmsux-]+\)|\\[1-9]|\(\?P=")


def _wrapped(p: str) -> str | None:
    """The body of ``(?:body)`` when that group spans the whole of ``p``, else None."""
    if not (p.startswith("(?:") and p.endswith(")")):
        return None
    for i, c, depth in _structure(p):
        if c == ")" and depth == 0:
            return p[3:-1] if i == len(p) - 1 else None
    return None


def _structure(p: str) -> Iterator[tuple[int, str, int]]:
    """Index, character and the group depth after it, for each parenthesis or bar of ``p`` that is not
    escaped or inside a character class."""
    depth, i = 0, 0
    while i < len(p):
        c = p[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = _class_end(p, i)
            continue
        if c in "()|":
            depth += (c == "(") - (c == ")")
            yield i, c, depth
        i += 1


def _class_end(p: str, i: int) -> int:
    """The index just past the character class opening at ``p[i] == "["``."""
    j = i + 1
    if j < len(p) and p[j] == "^":
        j += 1
    if j < len(p) and p[j] == "]":
        j += 1
    while j < len(p) and p[j] != "]":
        j += 2 if p[j] == "\\" else 1
    return j + 1
