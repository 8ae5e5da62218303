"""Politeness of a text from the strategies of Danescu-Niculescu-Mizil et al. (ACL 2013).

About twenty countable strategies (gratitude, apology, hedges, "could you", direct
questions, second-person starts, sentiment words...) and one logistic-regression weight
each: small, explainable (each reason is a strategy and its weight) and trained on the
Stanford politeness corpus with cross-validation (``python -m execdesk.reply.tone.train``).
The weights ship in ``politeness.json``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_WORD = re.compile(r"[a-z][a-z']*")
_SENT_START = re.compile(r"(?:^|[.!?]\s+|\n\s*)([a-z']+)")
_LOWER_START = re.compile(r"(?:^|[.!?]\s+)[a-z]")


def _rx(p: str) -> re.Pattern[str]:
    return re.compile(p)


# (feature name, pattern counted over the lower-cased text, human label for reasons)
_COUNTED: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("gratitude", _rx(r"\b(?:thank\w*|appreciat\w+|grateful|cheers)\b"), "thanks"),
    ("apology", _rx(r"\b(?:sorry|apolog\w+|excuse me|pardon|forgive)\b"), "apology"),
    ("please", _rx(r"\bplease\b|\bpls\b|\bplz\b"), "please"),
    (
        "deference",
        _rx(
            r"\b(?:good|great|nice|excellent|interesting|helpful|awesome) (?:job|"
            r"work|point|question|idea|catch|edit|article|answer|suggestion)|"
            r"\b(?:well done|kudos|i like|i love|you're right)\b|"
            r"^\s*(?:@\S+\s*)?(?:great|good|nice|interesting|excellent|cool|awesome|wow|neat)\b"
        ),
        "praise of the other person",
    ),
    (
        "greeting",
        _rx(r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings)\b|\bwelcome (?:to|aboard)\b"),
        "greeting",
    ),
    (
        "counterfactual",
        _rx(
            r"\b(?:could|would) (?:you|it be|anyone|somebody|someone)\b|"
            r"\bwould you mind\b|\bi (?:was|am) wondering\b|\bi wonder\b"
        ),
        "could/would you",
    ),
    ("indicative", _rx(r"\b(?:can|will) you\b"), "can/will you"),
    (
        "hedge",
        _rx(
            r"\b(?:i think|i believe|i guess|i suppose|perhaps|maybe|might|possibly|"
            r"probably|seems?|appears?|somewhat|kind of|sort of|i feel|suggest\w*|"
            r"not sure|a bit|a little)\b"
        ),
        "hedging",
    ),
    ("first_plural", _rx(r"\b(?:we|our|us|let's)\b"), "we/our"),
    ("first_person", _rx(r"\b(?:i|me|my|mine|i'm|i've|i'd|i'll)\b"), "I/my"),
    ("second_person", _rx(r"\b(?:you|your|yours|u|ur|you're|you've)\b"), "you/your"),
    (
        "factuality",
        _rx(
            r"\b(?:in fact|actually|really|the point is|the reality|the truth is|"
            r"obviously|clearly|of course|seriously)\b"
        ),
        "insisting",
    ),
    ("btw", _rx(r"\b(?:by the way|btw|incidentally)\b"), "by the way"),
    (
        "must",
        _rx(
            r"\byou (?:should|must|need to|have to|ought to|better)\b|\bdon't you\b|"
            r"\bdo you (?:even|really|not)\b"
        ),
        "you should/must",
    ),
    ("why", _rx(r"\bwhy\b|\bwhat the\b|\bhow come\b"), "why"),
    ("negation", _rx(r"\b(?:not|no|never|nothing|nobody|none)\b|n't\b"), "negation"),
    ("question", _rx(r"\?"), "question mark"),
    ("exclaim", _rx(r"!"), "exclamation"),
    ("help", _rx(r"\b(?:help|assist\w*|support)\b"), "offer of help"),
    # Interrogating the other's reasons ("why did you...", "why would you...") rather than asking.
    ("why_you", _rx(r"\bwhy (?:do|did|does|are|were|would|have|is|on earth|the hell|you)\b"), "why did you..."),
    # Implying the other made no effort ("did you even read...", "homework").
    (
        "effort_challenge",
        _rx(
            r"\b(?:homework|what have you (?:tried|done)|have you (?:even |actually )?(?:tried|read|looked|searched|"
            r"checked|googled)|did you (?:even |actually )?(?:try|read|look|search|check|google)|google it|rtfm)\b"
        ),
        "did you even try...",
    ),
    # Minimisers make a demand sound trivial or impatient ("just use...", "simply read...").
    ("minimiser", _rx(r"\b(?:just|simply|merely|even|exactly|at all|anyway|already)\b"), "just/simply/even"),
    ("ellipsis", _rx(r"\.\.\.|…"), "trailing off..."),
    ("emoticon", _rx(r"(?:^|\s)[:;]-?[)dp](?=\s|$|[.,!?])|\^\^"), "smiley"),
    ("multi_punct", _rx(r"[?!]{2,}"), "?!/!!"),
)
_DIRECT_Q = frozenset({"what", "why", "who", "how", "where", "when", "which"})
_DIRECT_START = frozenset({"so", "then", "and", "but", "or", "also"})
_IMPERATIVE = frozenset(
    {
        "stop",
        "don't",
        "do",
        "look",
        "read",
        "check",
        "fix",
        "go",
        "explain",
        "tell",
        "give",
        "see",
        "answer",
        "add",
        "remove",
        "use",
        "get",
        "put",
        "make",
        "try",
        "leave",
        "quit",
        "show",
        "learn",
        "provide",
        "revert",
    }
)
FEATURES: tuple[str, ...] = (
    *(n for n, _, _ in _COUNTED),
    "direct_question",
    "direct_start",
    "you_start",
    "i_start",
    "imperative_start",
    "please_start",
    "lower_start",
    "positive",
    "negative",
    "log_words",
)
LABELS: dict[str, str] = {
    **{n: label for n, _, label in _COUNTED},
    "direct_question": "direct question (what/why/how...)",
    "direct_start": "starts with so/then/and/but",
    "you_start": "sentence starts with you/your",
    "i_start": "sentence starts with I/my",
    "imperative_start": "starts with an order",
    "please_start": "starts with please",
    "lower_start": "sentences not capitalised",
    "positive": "positive words",
    "negative": "negative words",
    "log_words": "length",
}


@lru_cache(maxsize=1)
def _vader() -> dict[str, float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return dict(SentimentIntensityAnalyzer().lexicon)


def features(text: str) -> list[float]:
    """The strategy counts of ``text`` (capped at 3, so one long rant does not dominate), in FEATURES order."""
    low = text.lower().replace("’", "'")
    vals = [float(min(3, len(p.findall(low)))) for _, p, _ in _COUNTED]
    starts = _SENT_START.findall(low)
    lex = _vader()
    pos = neg = 0
    words = _WORD.findall(low)
    for w in words:
        v = lex.get(w)
        if v is not None:
            if v > 0:
                pos += 1
            elif v < 0:
                neg += 1
    vals += [
        float(min(3, sum(1 for s in starts if s in _DIRECT_Q))),
        float(min(3, sum(1 for s in starts if s in _DIRECT_START))),
        float(min(3, sum(1 for s in starts if s in ("you", "your", "u", "ur")))),
        float(min(3, sum(1 for s in starts if s in ("i", "my", "i'm", "i've")))),
        float(min(3, sum(1 for s in starts if s in _IMPERATIVE))),
        float(min(3, sum(1 for s in starts if s == "please"))),
        float(min(3, len(_LOWER_START.findall(text)))),
        float(min(3, pos)),
        float(min(3, neg)),
        math.log1p(len(words)),
    ]
    return vals


@dataclass(frozen=True)
class PolitenessModel:
    """Standardised logistic regression: p(polite) = sigmoid(bias + sum w_i (x_i - mean_i) / scale_i)."""

    bias: float
    weights: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def contributions(self, x: list[float]) -> list[float]:
        return [w * (v - m) / s for w, v, m, s in zip(self.weights, x, self.mean, self.scale, strict=True)]

    def probability(self, x: list[float]) -> float:
        z = self.bias + sum(self.contributions(x))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_dict(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "bias": self.bias,
            "weights": list(self.weights),
            "mean": list(self.mean),
            "scale": list(self.scale),
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> PolitenessModel:
        feats = list(d["features"])  # type: ignore[call-overload]
        if feats != list(FEATURES):
            raise ValueError("politeness model was trained on other features; retrain it")
        return cls(
            bias=float(d["bias"]),  # type: ignore[arg-type]
            weights=tuple(float(v) for v in d["weights"]),  # type: ignore[attr-defined]
            mean=tuple(float(v) for v in d["mean"]),  # type: ignore[attr-defined]
            scale=tuple(float(v) for v in d["scale"]),  # type: ignore[attr-defined]
        )


@lru_cache(maxsize=1)
def default_model() -> PolitenessModel:
    text = resources.files("execdesk.reply.tone").joinpath("politeness.json").read_text(encoding="utf-8")
    return PolitenessModel.from_dict(json.loads(text))


def explain(model: PolitenessModel, x: list[float], top: int = 3) -> list[str]:
    """The strongest strategies behind a score, as reasons ("thanks (+0.62)")."""
    contrib = model.contributions(x)
    present = [i for i in range(len(contrib)) if x[i] > 0 and FEATURES[i] != "log_words" and abs(contrib[i]) >= 0.15]
    present.sort(key=lambda i: -abs(contrib[i]))
    return [f"{LABELS[FEATURES[i]]} ({contrib[i]:+.2f})" for i in present[:top]]
