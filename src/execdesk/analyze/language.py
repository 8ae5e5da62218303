"""Language identification, offline and cheap.

Most mail to an English-speaking desk is English: a stop-word test settles that in a few
microseconds. Anything else goes to py3langid (restricted to common mail languages, on a
bounded prefix), which costs ~0.2 ms.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import compress
from types import ModuleType
from typing import Any, cast

import numpy as np

from execdesk.analyze import native
from execdesk.analyze.linear import piece_starts

_PREFIX = 300
_LANGS = [
    "en",
    "es",
    "fr",
    "de",
    "it",
    "pt",
    "nl",
    "sv",
    "da",
    "no",
    "fi",
    "pl",
    "cs",
    "ru",
    "uk",
    "tr",
    "ar",
    "he",
    "zh",
    "ja",
    "ko",
    "hi",
    "id",
    "vi",
    "ro",
    "hu",
    "el",
]
_EN_STOP = frozenset(
    [
        "the",
        "and",
        "to",
        "of",
        "you",
        "i",
        "is",
        "a",
        "in",
        "that",
        "for",
        "it",
        "my",
        "we",
        "your",
        "this",
        "be",
        "have",
        "are",
        "not",
        "on",
        "with",
        "me",
        "our",
        "was",
    ]
)
EN_STOP_WORDS = _EN_STOP  # also what scan.py takes for words nearly every English text holds
_WORDS = re.compile(r"[a-z']+")
# ``_WORDS`` for ASCII text in two C passes (decision 0220): every byte but a-z and "'" becomes a space, and
# the runs left between spaces are the words; ``_EN_STOP`` as the bytes those words are
_NOT_WORD_TO_SPACE = bytes(b if chr(b) in "abcdefghijklmnopqrstuvwxyz'" else 0x20 for b in range(256))
_EN_STOP_BYTES = frozenset(w.encode("ascii") for w in _EN_STOP)
# ``_EN_STOP`` as ``_token_kernels.ascii_word_counts`` takes it: each word's bytes packed big-endian, sorted
_EN_STOP_CODES = np.array(sorted(int.from_bytes(w, "big") for w in _EN_STOP_BYTES), dtype=np.int64)
_EN_SHARE = 0.18  # the share of stop words from which a Latin-letter text is English
_ENGLISH = ("en", 0.95)
_UNDETERMINED = ("und", 0.0)


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    class _Identifier(LanguageIdentifier):
        """py3langid's identifier whose feature walk runs in the token kernels when they are loaded
        (``_token_kernels.visit_counts``: the same features and counts in the same order, decision 0211),
        and which classifies a batch of samples with one walk for all (``classify_many``, decision 0230)."""

        def _tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """The DFA tables as the kernels take them, built on first use with the float32 table."""
            tables = self.__dict__.get("_kernel_tables")
            if tables is None:
                tables = (
                    np.frombuffer(self.tk_nextmove, dtype=np.uint32),
                    np.asarray(self._rowbase, dtype=np.int64),
                    np.asarray(self.tk_output, dtype=np.int64),
                )
                self.__dict__["_kernel_tables"] = tables
                # the rows of ``nb_ptc`` (float16, strided after ``set_languages``) as the float32 the product
                # casts them to, one contiguous row per feature: the same products, without a strided
                # gather and a cast per call (decision 0220; 100,053 x 27 x 4 bytes, 10.8 MB)
                self.__dict__["_ptc32"] = np.ascontiguousarray(self.nb_ptc, dtype=np.float32)
            return tables

        def _product(self, idx: np.ndarray, cnt: np.ndarray) -> Any:
            """``_sparse_score`` of the same {feature: count} without building it: the tally's features are
            distinct, and its arrays are what ``_sparse_score`` rebuilds from the dict (decision 0219)."""
            return np.log1p(cnt.astype(np.float32)) @ self.__dict__["_ptc32"][idx] + self.nb_pc

        def _raw_score(self, text: bytes) -> Any:
            kernels = native.load("token")
            if kernels is None or not isinstance(text, bytes):
                return super()._raw_score(text)
            idx, cnt = kernels.visit_counts(*self._tables(), np.frombuffer(text, dtype=np.uint8))
            if not len(idx):  # no feature: py3langid's own fallback scores
                return super()._raw_score(text)
            return self._product(idx, cnt)

        def classify_many(self, samples: Sequence[str]) -> list[tuple[str, float]]:
            """``[self.classify(s) for s in samples]`` (decision 0230): the feature walks of all samples by one
            kernel call, each sample's product as ``_raw_score`` computes it, and ``_decide``'s normalisation
            of all the scores at once (row-wise, so each row's floats are the ones ``_decide`` computes for
            it: tests/analyze/test_language_batch.py checks them bit for bit)."""
            kernels = native.load("token")
            if kernels is None or len(samples) < 2 or self._alias_pairs or not self._norm_probs:
                return [self.classify(s) for s in samples]
            encoded = [self._encode(s) for s in samples]
            starts = piece_starts(encoded)
            text = np.frombuffer(b"".join(encoded), dtype=np.uint8)
            idx, cnt, seg = kernels.visit_counts_many(*self._tables(), text, starts)
            bounds = seg.tolist()
            fallback = LanguageIdentifier._raw_score  # no feature: py3langid's own scores (as ``_raw_score``)
            raw = [
                self._product(idx[a:b], cnt[a:b]) if a < b else fallback(self, sample)
                for a, b, sample in zip(bounds, bounds[1:], encoded, strict=False)
            ]
            scores = self._normalised_rows(np.stack(raw), [len(e) for e in encoded])
            best = scores.argmax(axis=1)
            confidences = scores[np.arange(len(best)), best].tolist()
            out: list[tuple[str, float]] = []
            for i, conf in zip(best.tolist(), confidences, strict=True):
                below = self.min_confidence is not None and conf < self.min_confidence
                out.append(("und", conf) if below else (str(self.nb_classes[i]), conf))
            return out

        @staticmethod
        def _normalised_rows(scores: np.ndarray, n_bytes: list[int]) -> np.ndarray:
            """``_decide``'s normalisation (``norm_probs``, no alias pairs) of each row of ``scores`` (float32),
            in place: ``row *= 1 / sqrt(n)`` (the Python float taken as float32), ``exp(row - row.max())``,
            ``row /= row.sum()``, each row reduced on its own."""
            scores *= np.array([1.0 / math.sqrt(n or 1) for n in n_bytes], dtype=np.float32)[:, None]
            np.exp(scores - scores.max(axis=1, keepdims=True), out=scores)
            scores /= scores.sum(axis=1, keepdims=True)
            return scores

    ident = _Identifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(_LANGS)
    return ident


def _mostly_ascii_letters(sample: str) -> bool:
    """At least 97% of the letters are ASCII (an English text with a few typographic characters)."""
    letters = sum(map(str.isalpha, sample))
    if not letters:
        return False
    ascii_letters = sum(map(str.isalpha, sample.encode("ascii", "ignore").decode("ascii")))
    return ascii_letters >= 0.97 * letters


def _ascii_words(sample: str) -> list[bytes]:
    """``_WORDS.findall(sample.lower())`` of an ASCII ``sample``, as bytes (decision 0220)."""
    return sample.lower().encode("ascii").translate(_NOT_WORD_TO_SPACE).split()


def _settled(sample: str) -> tuple[str, float] | None:
    """``detect``'s answer for a sample that the word test settles ("und" or "en"); None: ask py3langid."""
    ascii_text = sample.isascii()  # most mail: its words without a regex walk
    words: list[bytes] | list[str] = _ascii_words(sample) if ascii_text else _WORDS.findall(sample.lower())
    if len(words) < 3:
        return _UNDETERMINED
    if ascii_text or _mostly_ascii_letters(sample):
        # curly quotes, dashes or a "©" do not make English text foreign: only the letters count
        stop: frozenset[bytes] | frozenset[str] = _EN_STOP_BYTES if ascii_text else _EN_STOP
        share = sum(map(stop.__contains__, words)) / len(words)  # the stop words counted in C
        if share >= _EN_SHARE:
            return _ENGLISH
    return None


def _word_test(n_words: int, n_stops: int) -> tuple[str, float] | None:
    """``_settled``'s answer for an ASCII sample of ``n_words`` words, ``n_stops`` of them stop words."""
    if n_words < 3:
        return _UNDETERMINED
    return _ENGLISH if n_stops / n_words >= _EN_SHARE else None


def _settled_many(kernels: ModuleType, samples: Sequence[str]) -> list[tuple[str, float] | None]:
    """``[_settled(s) for s in samples]``, the ASCII samples' words counted by one kernel call
    (``ascii_word_counts``); the others, ~4 % of mail, one by one."""
    is_ascii = list(map(str.isascii, samples))
    ascii_samples = list(compress(samples, is_ascii))
    starts = piece_starts(ascii_samples)
    text = np.frombuffer("".join(ascii_samples).encode("ascii"), dtype=np.uint8)
    n_words, n_stops = kernels.ascii_word_counts(text, starts, _EN_STOP_CODES)
    counted = iter(zip(n_words.tolist(), n_stops.tolist(), strict=True))
    return [_word_test(*next(counted)) if a else _settled(s) for s, a in zip(samples, is_ascii, strict=True)]


def detect(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability); ``und`` for text too short to tell."""
    sample = text[:_PREFIX]
    settled = _settled(sample)
    if settled is not None:
        return settled
    lang, prob = _identifier().classify(sample)
    return str(lang), float(prob)


def detect_many(texts: Sequence[str]) -> list[tuple[str, float]]:
    """``[detect(t) for t in texts]``: with the kernels, the word test of the ASCII samples by one call and
    the samples left for py3langid classified together (decision 0230); a text alone, or without the
    kernels, one by one."""
    kernels = native.load("token")
    if kernels is None or len(texts) < 2:
        return [detect(t) for t in texts]
    samples = [t[:_PREFIX] for t in texts]
    found = _settled_many(kernels, samples)
    asked = [i for i, r in enumerate(found) if r is None]
    for i, r in zip(asked, _identifier().classify_many([samples[i] for i in asked]), strict=True):
        found[i] = r
    return cast(list[tuple[str, float]], found)
