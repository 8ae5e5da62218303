"""The fast text paths (byte-table tokens, phrase-anchored self-introduction removal, shingle sets,
boilerplate line keys of a whole text at once, the family TF-IDF vector, the address-line gate and the
non-ASCII self-introduction path) give exactly what the definitions they replace give (docs/decisions/0307,
0308, 0315): campaign decisions and persisted indexes must not change with a speed-up."""

from __future__ import annotations

import csv
import importlib
import json
import math
import random
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
import rensa

from execdesk.campaigns.boilerplate import _without_lines, line_key, line_keys
from execdesk.campaigns.normalise import (
    _INTRO_TESTS,
    _INTRO_TRIGGERS,
    _SELF_INTRO,
    _drop_intros,
    clean,
    shingle_set,
    shingles,
    tokens,
)
from execdesk.campaigns.topics import TriggerLinker

_TOKEN = re.compile(r"[^\W_]+")
_DIGITS = re.compile(r"\d+")


def reference_tokens(text: str, max_words: int = 2000) -> list[str]:
    """The definition the fast path must keep: alphanumeric runs of the case-folded text, digit runs as 0."""
    return _TOKEN.findall(_DIGITS.sub("0", text.casefold()))[:max_words]


TRAPS = [
    "My Name Is Bob. I LIVE IN Texas; I'm from Ohio and xmy name is not removed",
    "i am from\nnext line: my name's Al! As a resident of Maine, I oppose this.",
    "Kelvin \u212a, stra\u00dfe, \u03a3\u0391\u03a3, \u0130stanbul, \u01c5, \u00bd, \u00b2, \u0663, 12abc34, a_b__c",
    "caf\u00e9 \u2014 \u201cquoted\u201d \u2013 dash\u2026 it\u2019s 3\u00bd o'clock",
    "\ufb01ne ligature \u216b, tab\tsep\x0bvt\x1cfs 00 007 a0b 1,000,000.50",
    "combining \u0345 ypogegrammeni and a\u0301ccent",
    "",
]


@pytest.mark.parametrize("text", TRAPS)
def test_tokens_and_clean_match_the_regex_definitions_on_traps(text: str) -> None:
    assert tokens(text) == reference_tokens(text)
    assert tokens(text, 3) == reference_tokens(text, 3)
    if text.isascii():  # clean() removes self-introductions of ASCII text by the phrase-anchored path
        assert_intros_dropped_as_the_regex(text)


def assert_intros_dropped_as_the_regex(text: str) -> None:
    """``clean``'s intro step (triggers found, then the phrases of those triggers) is the regex's."""
    low = text.lower()
    found = [t for t in _INTRO_TESTS if t in low]
    assert bool(found) == any(t in low for t in _INTRO_TRIGGERS)
    expected = _SELF_INTRO.sub(" ", text)
    assert _drop_intros(text, low) == expected
    if found:
        assert _drop_intros(text, low, found) == expected
    else:
        assert expected == text  # no trigger: the regex finds nothing either


def test_fast_paths_match_on_real_flood_comments(shared_data: Path) -> None:
    with open(shared_data / "floods" / "regulations_gov_clustered_comments.csv", encoding="utf-8", newline="") as fh:
        texts = [r["text"] for r in csv.DictReader(fh)]
    non_ascii = 0
    for text in texts:
        non_ascii += not text.isascii()
        assert tokens(text) == reference_tokens(text)
        if text.isascii():
            assert_intros_dropped_as_the_regex(text)
            assert_intros_dropped_as_the_regex(text.replace("I am", "I'm").replace("live", "reside"))
        cleaned = clean(text)
        words = tokens(cleaned)
        assert tokens(cleaned) == reference_tokens(cleaned)
        assert shingle_set(words) == set(shingles(words))
        # MinHash of the distinct shingles is the MinHash of the list (a minimum per permutation)
        a, b = rensa.RMinHash(128, 1), rensa.RMinHash(128, 1)
        a.update(shingles(words))
        b.update(shingle_set(words))
        assert a.digest() == b.digest()
    assert non_ascii > 0  # the curly-quote path was exercised


LINE_TRAPS = [
    "Sent from my phone\r\n--\r\nTo unsubscribe: 2002-10-08\r\n\r\nlast",
    "one\rtwo words\n\nthree 12 34\n",
    "form feed\x0cvertical\x0btab\x1cfs\x1dgs\x1ers",  # separators only str.splitlines knows
    "caf\u00e9 \u2014 footer line\nnext\u2028line\x85sep",
    "   \n\t\nx y\n",
    "",
    "single line without a break",
]


def reference_line_keys(text: str, min_words: int) -> list[int]:
    """The per-line definition ``line_keys`` must keep (docs/decisions/0303, 0308)."""
    return [line_key(line, min_words) if line.strip() else 0 for line in text.splitlines()]


@pytest.mark.parametrize("text", LINE_TRAPS)
def test_line_keys_match_line_by_line_keys_on_traps(text: str) -> None:
    for min_words in (1, 2, 3):
        assert line_keys(text, min_words) == reference_line_keys(text, min_words)


def test_line_keys_match_on_real_mail(shared_data: Path) -> None:
    """Enron executive mail bodies: many lines, footers, disclaimers, CRLF and digit runs."""
    with open(shared_data / "enron_exec_mail" / "exec_mail.jsonl", encoding="utf-8") as fh:
        bodies = [json.loads(line)["body"] for line in fh]
    assert len(bodies) > 1000
    for body in bodies:
        assert line_keys(body, 2) == reference_line_keys(body, 2)


def reference_vector(linker: TriggerLinker, words: list[str]) -> dict[str, float]:
    """The TF-IDF vector as 0307 computed it (a None check per weight); the fast path must give the same floats."""
    counts = Counter(words[:100])
    ws = [linker._weight.get(t) for t in counts]
    ws = [linker._unseen(t) if w is None else w for t, w in zip(counts, ws, strict=True)]
    tf_w = zip(counts, counts.values(), ws, strict=True)
    vec = {t: (w if c == 1 else (1.0 + math.log(c)) * w) for t, c, w in tf_w if w}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    inv = 1.0 / norm
    return {t: w * inv for t, w in vec.items()}


def test_family_vector_is_bit_identical_to_the_reference(shared_data: Path) -> None:
    with open(shared_data / "floods" / "regulations_gov_clustered_comments.csv", encoding="utf-8", newline="") as fh:
        texts = [r["text"] for r in csv.DictReader(fh)][:600]
    linker = TriggerLinker()
    unseen = 0
    for text in [*texts, "zzyzxq qqxv unseenword 0 the the the a"]:
        words = tokens(clean(text))
        unseen += not set(words) <= linker._weight.keys()
        fast = linker.vector(words)
        assert list(fast.items()) == list(reference_vector(linker, words).items())  # order and floats
    assert unseen > 0  # words outside the background table took the slow branch


# -- decision 0315: the campaign stages on long real mail -------------------------------------------------

_NORM = importlib.import_module("execdesk.campaigns.normalise")

CLEAN_TRAPS = [
    "Dear Sir,\n\u0130 AM FROM Izmir and I am from Ankara. \u0131 live in Bursa; my name \u0131s Ay\u015fe.\nBye",
    "\u03a3\u039f\u03a3 my name is Bob; \u00e9t\u00e9 I LIVE IN Texas! caf\u00e9 \u2014 I\u2019m from Ohio",
    "Kelvin \u212a: as a resident of Maine \u2014 I oppose this.\nmy name's \u017fam. i reside in \u00c5re",
    "\u201cMy name is Al\u201d \u2013 I was born in M\u00fcnchen.\n123 Main Street\nSpringfield, IL 62704\nThanks,\nAl",
    "  42 Elm Avenue Apt 5\nCall 555-12345 now\nRoom 1234 is free\n\u0663\u0664 Nile Road\nNY 10001-1234  ",
    "x" * 79 + "5\n" + "IL 62704 " * 12 + "\n12 Baker St.",
]


def reference_clean(text: str) -> str:
    """``clean`` as decision 0314 defined it: every short line with a digit through ``_ADDRESS_LINE``, and
    the self-introductions of non-ASCII text through ``_SELF_INTRO.sub`` over the whole text."""
    saved = _NORM._may_be_address, _NORM._same_offsets
    try:
        _NORM._may_be_address = lambda line: _NORM._ADDRESS_LINE.match(line) is not None
        _NORM._same_offsets = lambda text, low: text.isascii()
        return str(_NORM.clean(text))
    finally:
        _NORM._may_be_address, _NORM._same_offsets = saved


def real_mail_texts(shared_data: Path) -> list[str]:
    """SpamAssassin bodies through the parser (long, non-ASCII, addresses, digits) and flood comments."""
    from execdesk.campaigns.evaluate import load_floods, load_ham

    return [d.text for d in load_ham(shared_data)] + [r["text"] for r in load_floods(shared_data)[:3000]]


@pytest.mark.parametrize("text", CLEAN_TRAPS + TRAPS)
def test_clean_matches_the_regex_definition_on_traps(text: str) -> None:
    assert clean(text) == reference_clean(text)
    for t in (text, text.upper(), text.lower()):
        low = t.lower()
        if _NORM._same_offsets(t, low):  # the phrase-anchored path must find what the regex finds
            assert _drop_intros(t, low) == _SELF_INTRO.sub(" ", t)


def test_letters_that_fold_to_ascii_take_the_regex() -> None:
    """``\u0130`` lower-cases to two characters, ``\u0131`` and ``\u017f`` match ``i``/``s`` only under
    the regex's case folding: phrases spelt with them are not where the lower-cased text spells them."""
    for text in ("\u0130 AM FROM Izmir.", "my name \u0131s Ay\u015fe.", "my name'\u017f Sam.", "caf\u00e9 \u212a"):
        assert not _NORM._same_offsets(text, text.lower())
    assert _SELF_INTRO.sub(" ", "\u0130 AM FROM Izmir. Hi") == "  Hi"  # what a lower-cased search would miss
    assert clean("caf\u00e9. \u0130 AM FROM Izmir. Hi") == "caf\u00e9.   Hi"


def test_the_characters_that_fold_to_ascii_letters_are_all_known() -> None:
    """The premise of ``_same_offsets``, checked on every code point of this Python: the non-ASCII
    characters that ``re.IGNORECASE`` matches to an ASCII letter, and those ``str.lower`` lengthens."""
    letter = re.compile(r"[a-z]", re.IGNORECASE)
    folding = {chr(c) for c in range(0x80, sys.maxunicode + 1) if letter.fullmatch(chr(c))}
    assert folding == set(_NORM._FOLDS_TO_ASCII)
    assert {chr(c) for c in range(0x80, sys.maxunicode + 1) if len(chr(c).lower()) != 1} <= folding


def test_clean_and_address_gate_match_on_real_mail(shared_data: Path) -> None:
    texts = real_mail_texts(shared_data)
    assert sum(not t.isascii() for t in texts) > 50
    dropped = 0
    for text in texts:
        assert clean(text) == reference_clean(text)
        for line in text.splitlines():
            if len(line) <= 80:
                is_address = _NORM._ADDRESS_LINE.match(line) is not None
                assert _NORM._may_be_address(line) == is_address
                dropped += is_address
    assert dropped > 10  # address lines were there to drop


def test_dropping_boilerplate_lines_keeps_the_rest_in_order(shared_data: Path) -> None:
    rng = random.Random(15)
    for text in [*LINE_TRAPS, *real_mail_texts(shared_data)[:2000]]:
        n = len(text.splitlines())
        gone = set(rng.sample(range(n), rng.randint(0, n))) if n else set()
        expected = "\n".join(line for i, line in enumerate(text.splitlines()) if i not in gone)
        assert _without_lines(text, gone) == expected
