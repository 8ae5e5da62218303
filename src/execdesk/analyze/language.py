"""Language identification, offline and cheap.

Most mail to an English-speaking desk is English: a stop-word test settles that in a few
microseconds. Anything else goes to py3langid (restricted to common mail languages, on a
bounded prefix), which costs ~0.2 ms.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np

from execdesk.analyze import native

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


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    class _Identifier(LanguageIdentifier):
        """py3langid's identifier whose feature walk runs in the token kernels when they are loaded
        (``_token_kernels.visit_counts``: the same features and counts in the same order, decision 0211)."""

        def _raw_score(self, text: bytes) -> Any:
            kernels = native.load("token")
            if kernels is None or not isinstance(text, bytes):
                return super()._raw_score(text)
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
            idx, cnt = kernels.visit_counts(*tables, np.frombuffer(text, dtype=np.uint8))
            if not len(idx):  # no feature: py3langid's own fallback scores
                return super()._raw_score(text)
            # ``_sparse_score`` of the same {feature: count} without building it: the tally's features are
            # distinct, and its arrays are what ``_sparse_score`` rebuilds from the dict (decision 0219)
            return np.log1p(cnt.astype(np.float32)) @ self.__dict__["_ptc32"][idx] + self.nb_pc

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


def detect(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability); ``und`` for text too short to tell."""
    sample = text[:_PREFIX]
    ascii_text = sample.isascii()  # most mail: its words without a regex walk
    words: list[bytes] | list[str] = _ascii_words(sample) if ascii_text else _WORDS.findall(sample.lower())
    if len(words) < 3:
        return "und", 0.0
    if ascii_text or _mostly_ascii_letters(sample):
        # curly quotes, dashes or a "©" do not make English text foreign: only the letters count
        stop: frozenset[bytes] | frozenset[str] = _EN_STOP_BYTES if ascii_text else _EN_STOP
        share = sum(map(stop.__contains__, words)) / len(words)  # the stop words counted in C
        if share >= 0.18:
            return "en", 0.95
    lang, prob = _identifier().classify(sample)
    return str(lang), float(prob)
