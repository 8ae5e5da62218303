"""The fast text paths (byte-table tokens, phrase-anchored self-introduction removal, shingle sets,
boilerplate line keys of a whole text at once, the family TF-IDF vector) give exactly what the
definitions they replace give (docs/decisions/0307, 0308): campaign decisions and persisted indexes
must not change with a speed-up."""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter
from pathlib import Path

import pytest
import rensa

from execdesk.campaigns.boilerplate import line_key, line_keys
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
