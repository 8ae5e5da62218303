"""Sentiment and anger from the VADER lexicon, scored in one pass over the tokens.

vaderSentiment's full analyser costs about a millisecond per message; the desk needs a
fraction of that. This scorer uses VADER's lexicon (MIT licence) with its two strongest
rules (negation flips and dampens within three tokens; all-caps and '!' intensify) and the
same normalisation (compound = s / sqrt(s^2 + 15)). Anger adds curses, insults and shouting.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from execdesk.analyze.model import Evidence, Sentiment

_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*|!+")
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
_LETTER = re.compile(r"[A-Za-z]")
_UPPER = re.compile(r"[A-Z]")
_ANGER = re.compile(
    r"\b(?:fuck\w*|shit\w*|damn\w*|hell|crap|bastards?|idiots?|morons?|liars?|crooks?|thie(?:f|ves)|greed\w*|shame\w*|disgrac\w*"
    r"|disgust\w*|outrag\w*|furious|angry|anger|sick of|fed up|pathetic|ridiculous|unacceptable|criminals?|jail|betray\w*|scum|sleaz\w*)\b",  # noqa: E501
    re.I,
)


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return dict(SentimentIntensityAnalyzer().lexicon)


def score(text: str) -> Sentiment:
    """Sentiment of the analysed text, with the most negative/positive words as evidence."""
    lex = _lexicon()
    total = 0.0
    neg_window = 0
    strongest: list[tuple[float, int, int]] = []
    for m in _WORD.finditer(text):
        w = m.group(0)
        if w[0] == "!":
            total += 0.3 * math.copysign(min(len(w), 4), total) if total else 0.0
            continue
        lw = w.lower().replace("’", "'")
        if lw in _NEG:
            neg_window = 3
            continue
        v = lex.get(lw)
        if v is not None:
            if w.isupper() and len(w) > 2:
                v += math.copysign(0.733, v)
            if neg_window:
                v *= -0.74
            total += v
            strongest.append((v, m.start(), m.end()))
        if neg_window:
            neg_window -= 1
    compound = total / math.sqrt(total * total + 15.0) if total else 0.0
    anger_hits = len(_ANGER.findall(text))
    letters = len(_LETTER.findall(text, 0, 1500))
    caps = len(_UPPER.findall(text, 0, 1500)) / letters if letters > 40 else 0.0
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
    ev = [Evidence(text[s:e], s, e) for v, s, e in strongest[:3] if (v < 0) == (compound < 0)]
    return Sentiment(score=compound, label=label, anger=anger, evidence=ev)
