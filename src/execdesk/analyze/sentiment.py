"""Sentiment and anger from the VADER lexicon, scored in one pass over the tokens.

vaderSentiment's full analyser costs about a millisecond per message; the desk needs a
fraction of that. This scorer uses VADER's lexicon (MIT licence) with its two strongest
rules (negation flips and dampens within three tokens; all-caps and '!' intensify) and the
same normalisation (compound = s / sqrt(s^2 + 15)). Anger adds curses, insults and shouting.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from execdesk.analyze import native
from execdesk.analyze.linear import TermTable, codepoints, piece_starts
from execdesk.analyze.model import Evidence, Sentiment
from execdesk.analyze.scan import Scan, ascii_letter_counts, register

_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*|!+")
# the same tokens with the text between them: [gap, token, gap, token, ..., gap] (offsets without Match objects)
_WORD_SPLIT = re.compile(r"([A-Za-z][A-Za-z'’]*|!+)")
_NEG = {
    "not",
    "no",
    "never",
    "none",
    "nobody",
    "nothing",
    "neither",
    "nor",
    "without",
    "cannot",
    "isn't",
    "aren't",
    "wasn't",
    "weren't",
    "don't",
    "doesn't",
    "didn't",
    "won't",
    "wouldn't",
    "can't",
    "couldn't",
    "shouldn't",
    "hasn't",
    "haven't",
    "hadn't",
    "dont",
    "wont",
    "cant",
    "didnt",
    "doesnt",
    "isnt",
}
_ANGER = re.compile(
    r"\b(?:fuck\w*|shit\w*|damn\w*|hell|crap|bastards?|idiots?|morons?|liars?|crooks?|thie(?:f|ves)|greed\w*|shame\w*|disgrac\w*"
    r"|disgust\w*|outrag\w*|furious|angry|anger|sick of|fed up|pathetic|ridiculous|unacceptable|criminals?|jail|betray\w*|scum|sleaz\w*)\b",  # noqa: E501
    re.I,
)


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return dict(SentimentIntensityAnalyzer().lexicon)


_FAST_ANGER = register(_ANGER)
_MAX_BANGS = 64


@lru_cache(maxsize=1)
def _interesting() -> frozenset[str]:
    """Lower-cased tokens the scorer acts on: lexicon words, negators and runs of '!'."""
    return frozenset(_lexicon()) | frozenset(_NEG) | frozenset("!" * n for n in range(1, _MAX_BANGS + 1))


def _word_scores(text: str) -> tuple[float, list[tuple[float, int]], list[str]]:
    """(sum of word valences, [(valence, token index)] in text order, ``_WORD_SPLIT.split(text)``).

    VADER's rules, applied only to the tokens that matter: a negator negates a lexicon word
    when fewer than three other words (not counting '!' runs) stand between them; '!' runs
    push the running total away from zero. Token k is ``parts[2k + 1]``; it starts at
    ``sum(map(len, parts[: 2k + 1]))``.
    """
    lex = _lexicon()
    parts = _WORD_SPLIT.split(text)
    toks = parts[1::2]  # what _WORD.findall(text) gives
    # lower-cased, curly apostrophes straight: in one pass over the joined tokens (ASCII letters and
    # quotes, so no "\0" inside one and each is lower-cased alone)
    joined = "\0".join(toks).lower()
    if "’" in joined:
        joined = joined.replace("’", "'")
    lows = joined.split("\0") if toks else []
    if "!" * (_MAX_BANGS + 1) in text:
        picked: Iterable[int] = range(len(toks))  # a very long '!' run: every token is looked at
    else:
        picked = itertools.compress(range(len(toks)), map(_interesting().__contains__, lows))
    total = 0.0
    last_neg = -10  # token index of the last negator
    bangs = 0  # '!' runs since the last negator
    strongest: list[tuple[float, int]] = []
    for k in picked:
        lw = lows[k]
        if lw[0] == "!":
            total += 0.3 * math.copysign(min(len(lw), 4), total) if total else 0.0
            bangs += 1
            continue
        if lw in _NEG:
            last_neg, bangs = k, 0
            continue
        v = lex.get(lw)
        if v is None:
            continue
        w = toks[k]
        if w.isupper() and len(w) > 2:
            v += math.copysign(0.733, v)
        if k - last_neg - 1 - bangs < 3:
            v *= -0.74
        total += v
        strongest.append((v, k))
    return total, strongest, parts


_SCORED_WORD = re.compile(r"[a-z][a-z']*")


@lru_cache(maxsize=1)
def _kernel_lexicon(kernels: Any) -> tuple[Any, np.ndarray, np.ndarray]:
    """The lexicon words and negators a token can be (lower-case letters and "'"), in a table of the token
    kernels: (table, is a negator, valence; NaN for a negator outside the lexicon)."""
    lex = _lexicon()
    words = [w for w in dict.fromkeys([*lex, *_NEG]) if _SCORED_WORD.fullmatch(w)]
    is_neg = np.asarray([w in _NEG for w in words], dtype=np.bool_)
    valence = np.asarray([lex.get(w, math.nan) for w in words], dtype=np.float64)
    return TermTable(kernels, words), is_neg, valence


_CAPS_WINDOW = 1500  # shouting is judged on the text's first this many characters


def score(text: str, scan: Scan | None = None) -> Sentiment:
    """Sentiment of the analysed text, with the most negative/positive words as evidence.

    ``scan``: the text's shared word index (``TextView.scanner()``), when the caller has one.
    """
    kernels = native.load("token")
    if kernels is not None:
        return _scored(text, scan, *_kernel_tally(kernels, text))
    total, strongest, parts = _word_scores(text)
    strongest.sort(key=lambda x: -abs(x[0]))
    tops: list[tuple[float, int, int]] = []
    for v, k in strongest[:3]:
        s = sum(map(len, parts[: 2 * k + 1]))
        tops.append((v, s, s + len(parts[2 * k + 1])))
    return _scored(text, scan, total, ascii_letter_counts(text[:_CAPS_WINDOW]), tops)


_Tally = tuple[float, tuple[int, int], list[tuple[float, int, int]]]  # what ``_kernel_tally`` returns


def _kernel_tally(kernels: Any, text: str) -> _Tally:
    """(total, (ASCII letters, capitals) in the caps window, [(valence, start, end)] of the three strongest
    scored tokens, strongest first): what the Python path computes, by one ``_token_kernels.sentiment_words``
    call that also counts the letters, building no pair per scored token (evidence keeps three)."""
    tab, is_neg, valence = _kernel_lexicon(kernels)
    return _tally_of(
        kernels.sentiment_words(codepoints(text), tab.slots, tab.cps, is_neg, valence, _CAPS_WINDOW).tolist()
    )


def _tally_of(out: list[float]) -> _Tally:
    """``_kernel_tally`` from one text's ``sentiment_words`` output (total, letters, capitals, then the scored
    tokens' valences, starts and ends)."""
    n = len(out) // 3 - 1
    strength = list(map(abs, out[3 : 3 + n]))
    # strongest first; ties in text order (a stable sort stays stable with reverse=True)
    order = sorted(range(n), key=strength.__getitem__, reverse=True)[:3]
    tops = [(out[3 + k], int(out[3 + n + k]), int(out[3 + 2 * n + k])) for k in order]
    return out[0], (int(out[1]), int(out[2])), tops


def scores(texts: Sequence[str], scans: Sequence[Scan]) -> list[Sentiment]:
    """``[score(text, scan) ...]`` of a batch, the kernel called once for all the texts (decision 0224: its
    dispatch and output conversion cost ~5 µs a text). ``scans[k]``: the word index of ``texts[k]``."""
    kernels = native.load("token")
    if kernels is None or len(texts) < 2:
        return [score(text, scan) for text, scan in zip(texts, scans, strict=True)]
    tab, is_neg, valence = _kernel_lexicon(kernels)
    text_start = piece_starts(texts)
    codes = codepoints("".join(texts))
    out, out_start = kernels.sentiment_words_many(codes, text_start, tab.slots, tab.cps, is_neg, valence, _CAPS_WINDOW)
    every = out.tolist()
    bounds = itertools.pairwise(out_start.tolist())
    return [
        _scored(text, scan, *_tally_of(every[a:b])) for text, scan, (a, b) in zip(texts, scans, bounds, strict=True)
    ]


def _scored(
    text: str, scan: Scan | None, total: float, letter_counts: tuple[int, int], tops: list[tuple[float, int, int]]
) -> Sentiment:
    """The ``Sentiment`` of a text from its valence total, (ASCII letters, capitals) in its first
    ``_CAPS_WINDOW`` characters and its strongest scored tokens (at most three, strongest first)."""
    compound = total / math.sqrt(total * total + 15.0) if total else 0.0
    anger_hits = scan.count(_FAST_ANGER) if scan is not None and scan.text == text else len(_ANGER.findall(text))
    letters, upper = letter_counts
    caps = upper / letters if letters > 40 else 0.0
    anger = min(1.0, 0.25 * anger_hits + (0.4 if caps > 0.5 else 0.0) + max(0.0, -compound - 0.5))
    label = (
        2
        if compound >= 0.75
        else 1
        if compound >= 0.3
        else -2
        if (compound <= -0.6 and anger >= 0.5)
        else -1
        if compound <= -0.3
        else 0
    )
    ev = [Evidence(text[s:e], s, e) for v, s, e in tops if (v < 0) == (compound < 0)]
    return Sentiment(score=compound, label=label, anger=anger, evidence=ev)
