"""Decision 0211: the token kernels (``_token_kernels``) give what the Python path gives.

``_kernel_terms`` (tokens, counts and vocabulary look-ups of a batch in one compiled pass) is compared
with ``_python_terms`` (``request_sentence_tokens``, ``counts_of``, dict look-ups), the kernel's sentiment
with ``_word_scores``, on traps and on real mail (Enron, CFPB, twcs, SpamAssassin); and whole
analyses with the kernels against the Python path (``native.python_path``).
"""

from __future__ import annotations

import contextlib
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from execdesk.analyze import analyze_batch, default_config, native, parsed_from_text, sentiment
from execdesk.analyze import text as text_mod
from execdesk.analyze.language import _PREFIX, _identifier
from execdesk.analyze.linear import NativeTerms
from execdesk.analyze.models import load_models
from execdesk.analyze.pipeline import _kernel_terms, _python_terms, _Terms
from execdesk.analyze.scan import ascii_letter_counts
from execdesk.analyze.text import MAX_ANALYSED_CHARS, TextView, _breaks, build_view
from execdesk.analyze.training.data import load_cfpb, load_enron, load_twcs, spamassassin_members
from execdesk.parse import ParseRefused, parse_message
from execdesk.parse.model import ParsedMessage

TRAPS = [
    "",
    " ",
    "!",
    "!!!!! ?? $5 €3 £2",
    "I’m going to sue. I'm going to SUE!!! i'd like a refund. DON’T you dare; isn't it GREAT",
    "The \u212aelvin sign: \u212aILL and \u017fue (long s) and \u0130 am here",  # K lower-cases to k; İ to 2 chars
    "\u0130stanbul only: the dotted capital I",
    "écrivez-moi: I am a journaliste. Über-reporter; naïve résumé attached, cafe\u0301 combining",
    "digits 123abc abc123 ٣٤٥ abc١٢ x²y ⅷ １２３ fullwidth, 12.5% 1,000",
    "under_score _num_ __init__ a_b snake_case_words _url_",
    "urls: http://x.com/a?b=1 https://y.org www.z.net http:// www. xhttp://q.io/p "
    "https:/nope httpss://a wwww.b.c http://\u00a0x end",
    "lone surrogate \udc80 here and \ud800 there: fine words",
    "tabs\tand\x1cfile\x1dsep\x1erecord\x1funit separators and\u2028line\u2029para\u3000ideographic\u00a0nbsp\u0085nel",
    "no no no not good, never bad! not very happy at all!!!",
    "GREAT GREAT ok OK Ok wow!!!!!!! " + "!" * 70 + " terrible",
    "’tis ’twas rock’n’roll don’t’ ''quoted'' ’’",
    "ΣΑΣ ΟΔΟΣ final sigma Σ words",
    "Mr. Smith wrote. Dr. Who replied!\n\nShort.\nA much longer sentence here, with words.",
]


def _with_cap(texts: list[str]) -> list[str]:
    """Each text also near and at the analysed-text cap (a word cut at 4,000 characters)."""
    long = " ".join(texts) * 20
    return [*texts, long[: MAX_ANALYSED_CHARS - 1], long[:MAX_ANALYSED_CHARS], long[: MAX_ANALYSED_CHARS + 7]]


def _views(texts: list[tuple[str, str]]) -> list[TextView]:
    return [build_view(s, b) for s, b in texts]


def _real(shared_data: Path) -> list[tuple[str, str]]:
    pairs = [(e.subject, e.body) for e in load_enron(shared_data, labelled_only=False)]
    pairs += [(e.subject, e.body) for e in load_twcs(shared_data)]
    pairs += [(e.subject, e.body) for e in load_cfpb(shared_data, limit=1500)]
    return pairs


def _spamassassin(shared_data: Path, step: int = 4) -> list[ParsedMessage]:
    raws = [raw for _g, _n, raw in spamassassin_members(shared_data)]
    out: list[ParsedMessage] = []
    for raw in raws[::step]:
        with contextlib.suppress(ParseRefused):
            out.append(parse_message(raw))
    return out


@pytest.fixture(scope="module")
def table(kernels: ModuleType) -> NativeTerms:
    nt = load_models().native_terms(kernels)
    assert nt is not None
    return nt


def _same_terms(a: _Terms, b: _Terms) -> bool:
    fields = ("union_seg", "union_ids", "union_counts", "request_seg", "request_ids", "request_counts")
    return a.n_picked == b.n_picked and all(np.array_equal(getattr(a, f), getattr(b, f)) for f in fields)


def _check_views(kernels: ModuleType, table: NativeTerms, views: list[TextView]) -> int:
    """The kernel's terms of the batch equal the Python path's; the number of messages the kernel took (the
    others, whose lower-casing changes the length, go to the Python path inside the batch)."""
    got, left = _kernel_terms(kernels, table, views)
    want, counts = _python_terms(table, views)
    assert _same_terms(got, want), [v.text[:80] for v in views[:3]]
    for i, c in left.items():
        assert len(views[i].lower) != len(views[i].text)
        assert c == counts[i]
    return len(views) - len(left)


def _check_sentiment(text: str) -> None:
    got = sentiment.score(text)
    with native.python_path():
        want = sentiment.score(text)
    assert got == want, text[:200]


def test_re_classes_are_the_str_predicates_the_kernels_use() -> None:
    """The kernels take re's \\d as ``str.isdecimal`` and \\s as ``str.isspace`` (on every code point)."""
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert [m.start() for m in re.finditer(r"\d", every)] == [i for i, c in enumerate(every) if c.isdecimal()]
    assert [m.start() for m in re.finditer(r"\s", every)] == [i for i, c in enumerate(every) if c.isspace()]
    words = [i for i, c in enumerate(every) if c.isalnum() or c == "_"]
    assert [m.start() for m in re.finditer(r"\w", every)] == words  # sentence_spans' \b


def test_terms_equal_the_python_path_on_traps(kernels: ModuleType, table: NativeTerms) -> None:
    views = _views([("", t) for t in _with_cap(TRAPS)] + [(t, "body") for t in TRAPS])
    done = [_check_views(kernels, table, [v]) for v in views]
    assert not all(done)  # the "İ" texts went to the Python path
    assert sum(done) > len(TRAPS)
    assert _check_views(kernels, table, views) == sum(done)  # one batch, the "İ" texts merged in
    assert _check_views(kernels, table, views[::-1]) == sum(done)


_FRAGMENTS = ["h", "w", "http", "https", "://", "www.", "www", ".", "the ", "you ", "refund", " ", "\n", "1", "23", "’",
              "'", "x", "s", ":", "/", "!", "$", "url", "\u00a0", "٣", "a", "hw", "wh"]  # fmt: skip


def test_terms_equal_the_python_path_on_random_url_and_word_joins(kernels: ModuleType, table: NativeTerms) -> None:
    """URLs that start inside words, next to digits, at a sentence's end, after "h"/"w" that start none:
    random joins of such fragments and known words (whose terms, bigrams with "url" included, are compared)."""
    rng = np.random.default_rng(217)
    texts = ["".join(rng.choice(_FRAGMENTS, size=int(rng.integers(1, 40)))) for _ in range(3000)]
    views = _views([("", t) for t in texts])
    assert _check_views(kernels, table, views) == len(views)
    got, _left = _kernel_terms(kernels, table, views)
    assert len(got.union_ids) > 3 * len(views)  # known terms were there to compare


_SENTENCE_FRAGMENTS = [".", "!", "?", "Mr", "Mrs", "Sept", "Sep", "Corp", "etc", "vs", "A", "Z", "a", " ", "  ", "\n",
                       "\n\n", '"', "'", ")", "]", "x", "é", "É", "_", "1", "٣", "\u00a0", "\u2028", "\t", "No", "Inc",
                       "\u0130", "ß"]  # fmt: skip


def _check_sentences(text: str) -> None:
    got = text_mod._sentences(text)
    assert got == text_mod._python_sentences(text), text[:200]


def test_sentences_equal_the_python_path(kernels: ModuleType, shared_data: Path) -> None:
    """``sentence_spans`` gives ``_python_sentences``' spans: traps, abbreviations after every kind of
    character (\\b looks before the search window), Unicode spaces and letters, real mail."""
    rng = np.random.default_rng(2170)
    texts = [*_with_cap(TRAPS), "Mr. X", ".", "A.", " A. b", "éA. b", "_A. b", "1Mr. b", "xMrs. b", "Mrs.\nx"]
    texts += ["".join(rng.choice(_SENTENCE_FRAGMENTS, size=int(rng.integers(1, 60)))) for _ in range(5000)]
    texts += [build_view(s, b).text for s, b in _real(shared_data)]
    for text in texts:
        _check_sentences(text)
    assert text_mod._sentences("Mr. Smith came. He left.") == ([0, 16], [15, 24])

    def kept_an_abbreviation(t: str) -> bool:
        return any(a and t[a - 1] == "." and text_mod._ABBREV.search(t, max(0, a - 6), a) for a, _b in _breaks(t))

    assert sum(map(kept_an_abbreviation, texts)) > 500


def test_sentiment_equals_the_python_path_on_traps(kernels: ModuleType) -> None:
    for text in _with_cap(TRAPS):
        _check_sentiment(text)
        _check_sentiment(build_view("Subject", text).text)


def test_sentiment_kernel_counts_the_letters_ascii_letter_counts_does(kernels: ModuleType) -> None:
    """The kernel's letter and capital counts over the caps window (decision 0221) are
    ``scan.ascii_letter_counts`` of the text's first 1,500 characters: shouting below and above the
    0.5 threshold, non-ASCII capitals (not counted), and texts across the window's edge."""
    shouting = "THIS IS UNACCEPTABLE ÉÜ ΣΑΣ \u0130 " * 60
    texts = [*_with_cap(TRAPS), shouting, shouting.lower(), "A" * 1499 + "b" * 5, "é" * 1499 + "ABC"]
    for text in texts:
        assert sentiment._kernel_tally(kernels, text)[1] == ascii_letter_counts(text[: sentiment._CAPS_WINDOW])


def test_kernels_equal_the_python_path_on_real_mail(kernels: ModuleType, table: NativeTerms, shared_data: Path) -> None:
    views = _views(_real(shared_data))
    views += [build_view(p.subject, p.new_text if p.new_text.strip() else p.text) for p in _spamassassin(shared_data)]
    # Python only where lower-casing changes the length; batches of several sizes
    compiled = sum(_check_views(kernels, table, views[i : i + 500]) for i in range(0, len(views), 500))
    for v in views[::50]:
        _check_views(kernels, table, [v])  # a message alone (analyze_message)
    for v in views:
        _check_sentiment(v.text)
    assert len(views) > 4000
    assert compiled > 0.99 * len(views)
    assert sum(not v.text.isascii() for v in views) > 100  # typographic quotes, accents: the non-ASCII path


def test_language_features_equal_py3langids_walk(kernels: ModuleType, shared_data: Path) -> None:
    """py3langid's scores with the compiled feature walk equal its own (bit for bit), on the samples
    ``detect`` gives it (the first 300 characters) and on traps."""
    ident = _identifier()
    samples = [t[:_PREFIX] for t in _with_cap(TRAPS)]
    samples += [build_view(s, b).text[:_PREFIX] for s, b in _real(shared_data)[::3]]
    samples += ["Ceci n'est pas une pipe, mais un message en français.", "Привет, как дела? Это тест.", "这是一个测试"]
    for sample in samples:
        encoded = ident._encode(sample)
        got = ident._raw_score(encoded)
        with native.python_path():
            want = ident._raw_score(encoded)
        assert got.dtype == want.dtype and np.array_equal(got, want), sample[:80]
        got_label = ident.classify(sample)
        with native.python_path():
            assert ident.classify(sample) == got_label


def test_analyses_equal_the_python_path(kernels: ModuleType, shared_data: Path) -> None:
    """Whole analyses (batch, parsed mail with header tokens and meta pseudo-words) are the same."""
    cfg = default_config()
    msgs = [parsed_from_text(s, b) for s, b in _real(shared_data)[::6]] + _spamassassin(shared_data, step=8)
    msgs += [parsed_from_text("trap", t) for t in _with_cap(TRAPS)]
    got = analyze_batch(msgs, None, cfg)
    with native.python_path():
        want = analyze_batch(msgs, None, cfg)
    assert [a.to_dict() for a in got] == [a.to_dict() for a in want]
    assert [(a.spam_probability, a.sentiment.score) for a in got] == [
        (a.spam_probability, a.sentiment.score) for a in want
    ]
