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
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np

from execdesk.analyze import native
from execdesk.analyze.linear import TermTable, codepoints
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


def _kernel_word_scores(kernels: Any, text: str) -> tuple[float, list[tuple[float, int]], list[tuple[int, int]]]:
    """(total, [(valence, i)], [(start, end)] of the scored tokens, i indexing them): ``_word_scores`` by
    ``_token_kernels.sentiment_words``. ``i`` ranks ties in text order, as ``_word_scores``' token index does."""
    tab, is_neg, valence = _kernel_lexicon(kernels)
    out = kernels.sentiment_words(codepoints(text), tab.slots, tab.cps, is_neg, valence).tolist()
    n = (len(out) - 1) // 3
    scored = list(zip(out[1 : 1 + n], range(n), strict=True))
    return out[0], scored, list(zip(out[1 + n : 1 + 2 * n], out[1 + 2 * n :], strict=True))


def score(text: str, scan: Scan | None = None) -> Sentiment:
    """Sentiment of the analysed text, with the most negative/positive words as evidence.

    ``scan``: the text's shared word index (``TextView.scanner()``), when the caller has one.
    """
    kernels = native.load("token")
    spans: list[tuple[int, int]] | None = None  # the kernel's: offsets (floats) of the scored tokens
    parts: list[str] = []
    if kernels is not None:
        total, strongest, spans = _kernel_word_scores(kernels, text)
    else:
        total, strongest, parts = _word_scores(text)
    compound = total / math.sqrt(total * total + 15.0) if total else 0.0
    anger_hits = scan.count(_FAST_ANGER) if scan is not None and scan.text == text else len(_ANGER.findall(text))
    letters, upper = ascii_letter_counts(text[:1500])
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
    strongest.sort(key=lambda x: -abs(x[0]))
    top = [k for v, k in strongest[:3] if (v < 0) == (compound < 0)]
    ev: list[Evidence] = []
    for k in top:
        if spans is not None:
            s, e = int(spans[k][0]), int(spans[k][1])
        else:
            s = sum(map(len, parts[: 2 * k + 1]))
            e = s + len(parts[2 * k + 1])
        ev.append(Evidence(text[s:e], s, e))
    return Sentiment(score=compound, label=label, anger=anger, evidence=ev)
