"""``language.detect_many`` (decision 0230): a batch's languages equal ``detect`` one by one, floats bit for bit.
Its three parts are checked on their own: the kernel word test against ``_ascii_words``, the batched
py3langid walk against ``classify``, and the row-wise normalisation against py3langid's per-sample one."""

from __future__ import annotations

import contextlib
import math
import random
import string
from pathlib import Path
from types import ModuleType

import numpy as np

from execdesk.analyze import native
from execdesk.analyze.language import (
    _EN_STOP_BYTES,
    _EN_STOP_CODES,
    _PREFIX,
    _ascii_words,
    _identifier,
    _settled,
    detect,
    detect_many,
)
from execdesk.analyze.text import body_of, build_view
from execdesk.analyze.training.data import load_enron, load_twcs, spamassassin_members
from execdesk.parse import ParseRefused, parse_message

# traps: too few words, exactly three, stop words at the share's edge, capitals, apostrophes, words longer than
# a packed stop word ("theirs", "without"), a NUL and DEL, non-ASCII among ASCII, no py3langid feature at all
TRAPS = [
    "",
    "a",
    "to be",
    "to be or",
    "THE AND TO",
    "'the' 'and' the' 'to",
    "i'm you're it's we've they'd",
    "theirs without thereafter mythe andto",
    "one two three four five six seven eight nine ten eleven the",  # 1 of 12: below 0.18
    "one two three four five six seven eight the and",  # 2 of 10: above
    "tab\tthe\nand\rto\x0bof\x0cyou\x00i\x7fis",
    "Le chat est sur la table et il dort",
    "Der Hund ist im Garten und spielt",
    "Thank you for “everything” you did — it’s great and we are with you.",
    "Merci pour tout ce que vous avez fait pour nous, c’est très bien.",
    "Привет, как дела? Это тест, и это всё.",
    "这是一个测试，我们看看它是什么语言。",
    "\u0130stanbul İzmir Ankara the and to",
    "!!! ??? ... --- ***",
    "12345 67890 13579 24680",
]


def _samples(shared_data: Path) -> list[str]:
    """The texts ``_analyze_many`` gives ``detect`` (the body, else the whole view) of real mail, and traps."""
    pairs = [(e.subject, e.body) for e in load_enron(shared_data)][::3]
    pairs += [(e.subject, e.body) for e in load_twcs(shared_data)][::3]
    for _g, _n, raw in list(spamassassin_members(shared_data))[::4]:
        with contextlib.suppress(ParseRefused):
            parsed = parse_message(raw)
            pairs.append((parsed.subject, body_of(parsed)))
    views = [build_view(s, b) for s, b in pairs]
    return [v.text[v.body_start :] or v.text for v in views] + TRAPS + [t * 40 for t in TRAPS]


def _exact(results: list[tuple[str, float]]) -> list[tuple[str, str]]:
    return [(lang, repr(p)) for lang, p in results]


def test_detect_many_is_detect_one_by_one(shared_data: Path) -> None:
    """With or without the kernels, in batches of 500, 37, 2 and 1, and in reverse order."""
    texts = _samples(shared_data)
    want = _exact([detect(t) for t in texts])
    assert sum(_settled(t[:_PREFIX]) is None for t in texts) > 100  # py3langid's path is exercised
    for size in (500, 37, 2, 1):
        got = [r for i in range(0, len(texts), size) for r in detect_many(texts[i : i + size])]
        assert _exact(got) == want, size
    assert _exact(detect_many(texts[::-1])) == want[::-1]
    assert detect_many([]) == []
    only_wide = [t for t in TRAPS if not t.isascii()]  # no ASCII sample: the word kernel gets no text
    assert _exact(detect_many(only_wide)) == _exact([detect(t) for t in only_wide])
    only_settled = ["", "a", "the cat and the dog"]  # nothing left for py3langid
    assert _exact(detect_many(only_settled)) == _exact([detect(t) for t in only_settled])


def test_detect_many_equals_the_python_path(kernels: ModuleType, shared_data: Path) -> None:
    texts = _samples(shared_data)[::2]
    got = detect_many(texts)
    with native.python_path():
        want = detect_many(texts)
    assert _exact(got) == _exact(want)


def test_stop_words_fit_the_packed_codes() -> None:
    """``ascii_word_counts`` packs the first 7 letters of a word: every stop word must fit, and none may be
    empty (a packed 0 would be an empty word)."""
    assert all(1 <= len(w) <= 7 for w in _EN_STOP_BYTES)
    assert _EN_STOP_CODES.tolist() == sorted(int.from_bytes(w, "big") for w in _EN_STOP_BYTES)


def _word_counts(kernels: ModuleType, samples: list[str]) -> list[tuple[int, int]]:
    starts = np.zeros(len(samples) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in samples], out=starts[1:])
    text = np.frombuffer("".join(samples).encode("ascii"), dtype=np.uint8)
    words, stops = kernels.ascii_word_counts(text, starts, _EN_STOP_CODES)
    return list(zip(words.tolist(), stops.tolist(), strict=True))


def _counts_reference(sample: str) -> tuple[int, int]:
    words = _ascii_words(sample)
    return len(words), sum(map(_EN_STOP_BYTES.__contains__, words))


def test_word_counts_are_the_ascii_words(kernels: ModuleType) -> None:
    """Traps, every ASCII character, and seeded random strings over an alphabet rich in stop-word letters,
    one call for all (a word never runs from one text into the next)."""
    rng = random.Random(230)
    alphabet = [chr(c) for c in range(128)] + list("theandtoyouismywe'THE ") * 6
    samples = [t for t in TRAPS if t.isascii()] + [string.printable, "".join(map(chr, range(128)))]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(3_000)]
    samples += ["the", "the", "and", "x"]  # texts that end mid-word, then start with one
    assert _word_counts(kernels, samples) == [_counts_reference(s) for s in samples]


def test_classify_many_is_classify(kernels: ModuleType, shared_data: Path) -> None:
    """The samples ``detect`` leaves to py3langid, plus samples with no feature (py3langid's fallback
    scores) and ones that are all capitals (lower-cased by ``_encode``), bit for bit."""
    ident = _identifier()
    samples = [t[:_PREFIX] for t in _samples(shared_data) if _settled(t[:_PREFIX]) is None]
    samples += ["", "\x00", "DAS IST EIN TEST FÜR GROSSBUCHSTABEN", "Это тест", "这是一个测试"]
    assert len(samples) > 100
    want = _exact([ident.classify(s) for s in samples])
    assert _exact(ident.classify_many(samples)) == want
    assert _exact(ident.classify_many(samples[::-1])) == want[::-1]


def test_rows_normalised_as_one_sample_is(kernels: ModuleType) -> None:
    """``_normalised_rows`` against py3langid's per-sample normalisation (``_decide``) on seeded random
    float32 scores: the same floats for every row, whatever the batch size and row position."""
    ident = _identifier()
    rng = np.random.default_rng(230)
    for _ in range(300):
        m = int(rng.integers(1, 400))
        raw = (rng.standard_normal((m, len(ident.nb_classes))) * rng.uniform(1, 3000, (m, 1))).astype(np.float32)
        n_bytes = rng.integers(0, 1500, m).tolist()
        got = ident._normalised_rows(raw.copy(), n_bytes)
        for row, scores, n in zip(got, raw.copy(), n_bytes, strict=True):
            scores *= 1.0 / math.sqrt(n or 1)  # py3langid's _decide, norm_probs=True
            np.exp(scores - scores.max(), out=scores)
            scores /= scores.sum()
            assert np.array_equal(row.view(np.uint32), scores.view(np.uint32))
