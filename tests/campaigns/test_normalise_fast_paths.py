"""The fast text paths (byte-table tokens, phrase-anchored self-introduction removal, shingle sets)
give exactly what the regular expressions they replace give (docs/decisions/0307): campaign
decisions and persisted indexes must not change with a speed-up."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import rensa

from execdesk.campaigns.normalise import _SELF_INTRO, _drop_intros, clean, shingle_set, shingles, tokens

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
        assert _drop_intros(text, text.lower()) == _SELF_INTRO.sub(" ", text)


def test_fast_paths_match_on_real_flood_comments(shared_data: Path) -> None:
    with open(shared_data / "floods" / "regulations_gov_clustered_comments.csv", encoding="utf-8", newline="") as fh:
        texts = [r["text"] for r in csv.DictReader(fh)]
    non_ascii = 0
    for text in texts:
        non_ascii += not text.isascii()
        assert tokens(text) == reference_tokens(text)
        if text.isascii():
            assert _drop_intros(text, text.lower()) == _SELF_INTRO.sub(" ", text)
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
