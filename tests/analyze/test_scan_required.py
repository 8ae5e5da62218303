"""Decision 0216: the word index's new refinements change no match.

* non-ASCII letters in the longer prefixes (``r[eé]sum[eé]`` no longer makes every word starting with "r" a
  candidate) fold as re.IGNORECASE compares them (every code point);
* ``required_words``: the words every match of a pattern holds at a word start, read off its parse tree,
  are in every text where the pattern matches (registered patterns on real mail and traps, and hand-made
  patterns whose word starts are easy to get wrong);
* the kernel's output buffers grow when a text has more candidates than they hold.

``tests/analyze/test_fast_paths.py`` still compares every registered pattern's ``finditer``/``search``/
``count`` through the index with the plain regex, and ``test_scan_native.py`` the kernel with the Python path.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from execdesk.analyze import native
from execdesk.analyze.cues import CUES
from execdesk.analyze.scan import (
    _BY_PATTERN,
    _CASELESS,
    _REGISTRY,
    Scan,
    _native_cands,
    _python_cands,
    _wide_lit,
    fold,
    register,
    required_words,
)
from execdesk.analyze.signals import _INDEXED
from execdesk.analyze.text import build_view
from execdesk.analyze.training.data import load_enron, load_spamassassin, load_twcs
from tests.analyze.test_fast_paths import TRAPS
from tests.analyze.test_signals import HITS, NEGATED_OR_NOT_OWN


def _wide_prefix_letters() -> set[str]:
    """The non-ASCII letters the registered patterns' longer prefixes hold (``_wide_lit``)."""
    return {
        c
        for fp in _REGISTRY
        if fp.ext
        for prefixes in fp.ext.values()
        for p in prefixes
        for c in p
        if not c.isascii() and c not in _CASELESS
    }


def test_wide_letters_fold_as_ignorecase_compares_them() -> None:
    """Every character re.IGNORECASE equates with a prefix's non-ASCII letter folds to that letter, so the
    longer prefix stays a necessary condition of a match. Every code point."""
    letters = _wide_prefix_letters()
    assert "é" in letters  # r[eé]sum[eé] of the job cue: the check is not vacuous
    for c in letters:
        same = re.compile(re.escape(c), re.I).fullmatch
        equal = [x for x in range(sys.maxunicode + 1) if same(chr(x))]
        assert len(equal) >= 2, c  # é and É
        for x in equal:
            assert fold(chr(x)) == c, (c, hex(x))
            assert _wide_lit(x) == c, (c, hex(x))


def test_wide_lit_refuses_letters_re_equates_beyond_lower_case() -> None:
    """Letters with extra re.IGNORECASE partners (µ/μ, ſ/s, ı/i) or none of their own are left out."""
    for ch in ("\u00b5", "\u03bc", "\u017f", "\u0131", "\u0130", "\u2019", "a", "1"):
        assert _wide_lit(ord(ch)) is None, ch
    assert _wide_lit(ord("É")) == "é"


def test_accented_letters_filter_the_job_cues_candidates() -> None:
    """A word starting with "r" is no candidate of the job cue unless it begins résumé/resume."""
    fp = _BY_PATTERN[CUES["job"]]
    text = "ready really rather résumé RÉSUMÉ resume Resumes rèsume"
    sc = Scan(text)
    assert sc.candidates(fp) == [text.index("résumé"), text.index("RÉSUMÉ"), text.index("resume")]
    assert [m.span() for m in sc.finditer(fp)] == [m.span() for m in fp.pattern.finditer(text)]


# Patterns whose word starts are easy to get wrong, with texts they match; the expected required words.
_BOUNDARY_CASES: list[tuple[str, frozenset[str], list[str]]] = [
    (r"\bfoo\s+(?:\w+\s+)?barbaz\b", frozenset({"barbaz"}), ["foo barbaz", "foo x  barbaz", "a foo\tbarbaz."]),
    # the optional article and \s* may be empty: "abarbaz" does not begin a word, so only "foo" is required
    (r"\bfoo\s+(?:an?)?\s*barbaz", frozenset({"foo"}), ["foo abarbaz", "foo anbarbaz", "foo barbaz", "foo a barbaz"]),
    (r"\bab(?:cd)?efgh", frozenset({"abefgh", "abcdefgh"}), ["abefgh", "x abcdefghij"]),
    (
        r"\bsend\w*\s+(?:it\s+)?to\s+(?:the\s+)?(?:press|media)\b",
        frozenset({"press", "media"}),
        ["sending it to the press"],
    ),
    (r"(?:x|y)zzzz\b", frozenset(), ["xzzzz", "ayzzzz"]),  # not at a word start: nothing required
    (r"\bfoo\s+barbaz", frozenset(), ["foo barbaz"]),  # with re.ASCII below: \b is not the index's word start
    (r"\b(?:you|u)\s+(?:\w+,?\s+){0,3}?(?:idiots?|morons?)\b|#\w*sucks\b", frozenset(), ["you idiot", "#xsucks"]),
]


@pytest.mark.parametrize(("pattern", "expected", "texts"), _BOUNDARY_CASES)
def test_required_words_on_word_start_traps(pattern: str, expected: frozenset[str], texts: list[str]) -> None:
    flags = re.I | (re.A if pattern == r"\bfoo\s+barbaz" else 0)
    compiled = re.compile(pattern, flags)
    assert required_words(compiled) == expected
    fp = register(compiled)
    for text in texts + [t.upper() for t in texts] + ["é" + t for t in texts]:
        if compiled.search(text) is not None:
            assert not Scan(text).lacks_required(fp), (pattern, text)
        assert [m.span() for m in Scan(text).finditer(fp)] == [m.span() for m in compiled.finditer(text)]


def test_required_words_hold_wherever_the_pattern_matches(shared_data: Path) -> None:
    """Wherever a registered pattern matches, its required words are found (``lacks_required`` is False):
    skipping it where they are not changes nothing. Real mail (Enron, twcs, SpamAssassin) and traps."""
    required = [fp for fp in _REGISTRY if fp.required is not None]
    assert len(required) >= 20
    texts = [build_view(e.subject, e.body).text for e in load_enron(shared_data) + load_twcs(shared_data)]
    texts += [build_view(e.subject, e.body).text for e in load_spamassassin(shared_data)[::4]]
    texts += [body for _sig, body, *_ in HITS + NEGATED_OR_NOT_OWN] + TRAPS
    seen = dict.fromkeys((fp.pid for fp in required), 0)
    skipped = 0
    for text in texts:
        sc = Scan(text)
        for fp in required:
            if fp.pattern.search(text) is not None:
                seen[fp.pid] += 1
                assert not sc.lacks_required(fp), (fp.pattern.pattern[:80], text[:200])
            elif sc.candidates(fp) and sc.lacks_required(fp):
                skipped += 1
    assert sum(n > 0 for n in seen.values()) >= 15  # the check saw real matches of most of them
    assert skipped > 1000  # and the requirement does skip candidates


def test_word_index_regrows_its_buffers() -> None:
    """A text with more candidates than the kernel's first buffers (half its length) gives the Python
    path's candidates (the kernel scans it again with larger buffers)."""
    kernels = native.load("scan")
    if kernels is None:
        pytest.skip("numba not importable or EXECDESK_ANALYZE_NATIVE=0: only the Python path exists")
    # "cancel" makes the "I"/"we" candidates of churn.cancel's third alternative count (decision 0222)
    for text in ("I we cancel " * 300, "i cancel " * 500 + "we", "I’ll we’re i cancel " * 200):
        folded = fold(text)
        cands = _python_cands(folded)
        assert sum(map(len, cands.values())) > len(text) // 2 + 16
        assert _native_cands(kernels, folded) == cands
    # without it, more candidates are found than the buffers hold, and most are dropped after the scan
    for text in ("I we " * 500, "i " * 3000 + "we"):
        assert _native_cands(kernels, fold(text)) == _python_cands(fold(text))


# Decision 0222: where a match starts with a choice of alternatives, a candidate found through a key of
# alternatives that require words the text lacks is dropped (FastPattern.alt_required).
_CHOICE = r"\b(?:I|we)\b[^.\n]{0,25}?\bcancel\w*|\bclos(?:e|ed)\s+(?:my|our)\s+(?:account|card)\b"
_CHOICE_TEXTS = [
    "I will call you tomorrow, we said so.",  # "I"/"we" without "cancel": no candidate at all
    "I will cancel it. We did not. we CANCELLED",
    "Close my account. I closed our card, we close",
    "we  cancel",
    "cancel I we",  # "cancel" before "I": still a candidate (the requirement is the whole text's)
    "écancel I",  # "cancel" not at a word start: "I" is no candidate
]


def test_alternative_requirements_drop_only_candidates_that_cannot_match() -> None:
    compiled = re.compile(_CHOICE, re.I)
    fp = register(compiled)
    req = fp.alt_required
    assert set(req) == {"i\x00", "we\x00", "close\x00", "closed"}
    assert req["i\x00"] == req["we\x00"] != req["close\x00"] == req["closed"]  # "cancel"; "account"/"card"
    assert Scan(_CHOICE_TEXTS[0]).candidates(fp) == []
    text = _CHOICE_TEXTS[1]
    assert Scan(text).candidates(fp) == [0, text.index("We"), text.index("we")]
    assert Scan(_CHOICE_TEXTS[5]).candidates(fp) == []
    for text in _CHOICE_TEXTS + [t.upper() for t in _CHOICE_TEXTS]:
        sc = Scan(text)
        assert [m.span() for m in sc.finditer(fp)] == [m.span() for m in compiled.finditer(text)], text
        kernels = native.load("scan")
        if kernels is not None:
            assert _native_cands(kernels, fold(text)) == _python_cands(fold(text)), text


def test_alternative_requirements_refused_when_a_word_fits_keys_of_two_alternatives() -> None:
    """The word "calling" fits the key "call" (first alternative, which needs "lawyerx") and "callin" (second,
    which needs nothing): a word's candidate cannot be kept for one key and dropped for the other."""
    compiled = re.compile(r"\bcall\w*\s+(?:a|the)\s+lawyerx|\bcalling\s+now\b", re.I)
    fp = register(compiled)
    assert fp.alt_required == {}
    text = "calling now, call the lawyerx"
    assert [m.span() for m in Scan(text).finditer(fp)] == [m.span() for m in compiled.finditer(text)]


def test_alternative_requirements_of_the_rules_skip_candidates_on_real_mail(shared_data: Path) -> None:
    """The rules' alternative requirements are in place (the lawyer rule's "my"/"our") and drop candidates on
    real mail; ``test_fast_paths`` checks every registered pattern's matches. churn.will_cancel, whose "I"/"we"
    alternatives all need a cancel word (decision 0223 split it off churn.cancel), has that as its whole-pattern
    requirement instead."""
    by_name = {r.name: fp for r, fp in _INDEXED}
    assert {"i\x00", "we\x00"} <= by_name["churn.will_cancel"].word_keys
    assert by_name["churn.will_cancel"].required is not None
    assert {"my\x00", "our\x00"} <= set(by_name["legal_threat.lawyer"].alt_required)
    texts = [build_view(e.subject, e.body).text for e in load_spamassassin(shared_data)[::8]]
    with_alt = [fp for fp in _REGISTRY if fp.alt_required]
    skipped = 0  # (text, whole-word key) pairs whose candidates were dropped
    for text in texts:
        sc = Scan(text)
        words = set(re.findall(r"\w+", sc.folded))
        for fp in with_alt:
            if fp.pattern.search(text) is not None:
                assert sc.may_match(fp), (fp.pattern.pattern[:80], text[:200])
            for key, req in fp.alt_required.items():
                skipped += key.endswith("\x00") and key[:-1] in words and req not in sc.word_pids()
    assert skipped > 1000
