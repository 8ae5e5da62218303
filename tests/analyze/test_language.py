"""``language.detect``'s glue (decision 0220): the words of ASCII text without a regex walk are
``_WORDS.findall`` of the lower-cased text, and the float32 copy of py3langid's table scores what the table
itself scores, bit for bit."""

from __future__ import annotations

import random
import string
from pathlib import Path

import numpy as np
import pytest

from execdesk.analyze import native
from execdesk.analyze.language import (
    _EN_STOP,
    _PREFIX,
    _WORDS,
    _ascii_words,
    _identifier,
    _mostly_ascii_letters,
    detect,
)
from execdesk.analyze.training.data import load_enron, load_twcs

ASCII_TRAPS = [
    "",
    "'",
    "''' a'b 'c' d'",
    "I AM SHOUTING AT THE DESK, THE TEAM AND YOU",
    "don't won't can't it's the end",
    "tab\tnew\nline\rcarriage\x0bvertical\x0cfeed\x00nul\x7fdel",
    "digits 123 abc4def 5 under_score hy-phen dot.ted",
    string.printable,
    "".join(map(chr, range(128))),
]


def _words_reference(sample: str) -> list[bytes]:
    return [w.encode("ascii") for w in _WORDS.findall(sample.lower())]


def _detect_reference(text: str) -> tuple[str, float]:
    """``detect`` before decision 0220: the regex words for all text."""
    sample = text[:_PREFIX]
    words = _WORDS.findall(sample.lower())
    if len(words) < 3:
        return "und", 0.0
    latin = sample.isascii() or _mostly_ascii_letters(sample)
    if latin and sum(map(_EN_STOP.__contains__, words)) / len(words) >= 0.18:
        return "en", 0.95
    lang, prob = _identifier().classify(sample)
    return str(lang), float(prob)


def test_ascii_words_are_the_regex_words_on_traps() -> None:
    for sample in ASCII_TRAPS:
        assert _ascii_words(sample) == _words_reference(sample), repr(sample)


def test_ascii_words_are_the_regex_words_on_random_ascii() -> None:
    rng = random.Random(220)
    alphabet = [chr(c) for c in range(128)] + ["'", "a", "Z", " "] * 8
    for _ in range(5_000):
        sample = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert _ascii_words(sample) == _words_reference(sample), repr(sample)


def test_ascii_words_are_the_regex_words_on_real_mail(shared_data: Path) -> None:
    samples = [e.body[:_PREFIX] for e in load_enron(shared_data)] + [e.body[:_PREFIX] for e in load_twcs(shared_data)]
    ascii_samples = [s for s in samples if s.isascii()]
    assert len(ascii_samples) > 1000
    for sample in ascii_samples:
        assert _ascii_words(sample) == _words_reference(sample), sample[:80]
    for sample in samples[::4] + ASCII_TRAPS + ["Ceci n'est pas une pipe, mais un message en français."]:
        assert detect(sample) == _detect_reference(sample), sample[:80]


def test_float32_table_scores_what_pythons_table_scores() -> None:
    """Random feature sets, up to ten times the features of a 300-character sample: the products are equal
    bit for bit (the float16 rows are cast to float32 by the product either way)."""
    if native.load("token") is None:
        pytest.skip("the float32 table is built with the kernel tables (EXECDESK_ANALYZE_NATIVE=0)")
    ident = _identifier()
    ident.classify("Ceci n'est pas une pipe, mais un message en français.")  # builds the float32 table
    ptc, ptc32, pc = ident.nb_ptc, ident.__dict__["_ptc32"], ident.nb_pc
    assert ptc32.dtype == np.float32 and ptc32.flags.c_contiguous and np.array_equal(ptc32, ptc)
    rng = np.random.default_rng(220)
    for _ in range(300):
        k = int(rng.integers(1, 3000))
        idx = rng.choice(ptc.shape[0], k, replace=False)
        weights = np.log1p(rng.integers(1, 40, k).astype(np.float32))
        want = weights @ ptc[idx] + pc
        got = weights @ ptc32[idx] + pc
        assert np.array_equal(got.view(np.uint32), want.view(np.uint32))
