"""Politeness of a text from the strategies of Danescu-Niculescu-Mizil et al. (ACL 2013).

About forty countable strategies (gratitude, apology, hedges, "could you", direct
questions, second-person starts, sentiment...) and one logistic-regression weight each, plus
a small weight for each function word a text uses ("any", "who", "should"; never a topic
word, decision 0620): explainable (each reason is a strategy or a word and its weight) and trained
on the Stanford politeness corpus with cross-validation (``python -m execdesk.reply.tone.train``).
The weights ship in ``politeness.json``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import islice

from execdesk.reply.tone.gates import Gate, gate, open_gate

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
    # Decision 0620. Asking leave to act ("may I", "could I", "let me know") rather than telling.
    ("permission", _rx(r"\b(?:may|can|could|might) i\b|\blet me know\b|\bif i may\b"), "may I / let me know"),
    # An open request leaves the other free to say no ("any ideas?", "is there a way...").
    (
        "open_request",
        _rx(
            r"\bany (?:idea|suggestion|thought|advice|help|pointer|hint|tip|chance|way|insight|comment|"
            r"recommendation|reason)s?\b|\bis there (?:any|a) (?:way|chance|reason)\b"
        ),
        "any ideas? / is there a way",
    ),
    # Questions that are challenges, not requests ("how can you...", "who said...", "what's the point").
    (
        "rhetorical",
        _rx(
            r"\bhow (?:can|could|dare) you\b|\bwho (?:are you|said|cares|told you|do you think)\b|"
            r"\bwhat(?:'s| is) (?:the point|wrong with|your problem)\b|\bwhat (?:exactly|else)\b"
        ),
        "how can you... / who said...",
    ),
    # Impatience: the other is made to hear it again.
    (
        "again",
        _rx(r"\b(?:again|once more|still|for the (?:last|\w+th) time|how many times|already told)\b"),
        "again/still",
    ),
    # An intensifier aimed at the other person ("you really", "you even", "yourself").
    (
        "you_intensified",
        _rx(r"\byou(?:r|rself)? (?:really|even|clearly|obviously|actually|seriously|honestly)\b|\byourself\b"),
        "you really/even...",
    ),
    # A request put to anybody instead of the reader ("can anyone...", "someone should...").
    ("anyone", _rx(r"\b(?:anyone|anybody|someone|somebody)\b"), "anyone/someone"),
    # A question of one to three words ("Why?", "What for?", "Really?").
    ("terse_question", _rx(r"(?:^|[.!?]\s+)(?:[a-z']+\s+){0,2}[a-z']+\s*\?"), "terse question"),
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
    "sentiment",
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
    "sentiment": "overall sentiment",
    "log_words": "length",
}


# Closed-class words (pronouns, determiners, auxiliaries and modals, prepositions, conjunctions,
# wh-words, discourse adverbs, greetings): the grammar of a request, not its topic. They are the only
# words that may carry a weight of their own (decision 0620), so a topic of the training corpus
# ("article", "code", "error") never moves the score; sentiment words count through the strategies.
_FUNCTION_WORD_CLASSES: dict[str, str] = {
    "pronouns": "i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his "
    "himself she her hers herself it its itself they them their theirs themselves one someone somebody anyone "
    "anybody everyone everybody nobody something anything everything nothing",
    "determiners": "a an the this that these those some any all each every both either neither no none few "
    "many much more most less least several other another such own same enough",
    "auxiliaries and modals": "am is are was were be been being have has had having do does did doing can "
    "could may might must shall should will would ought need",
    "contractions": "i'm i've i'd i'll you're you've you'd you'll he's she's it's we're we've we'd we'll "
    "they're they've they'd that's there's what's who's let's don't doesn't didn't can't couldn't won't "
    "wouldn't shouldn't isn't aren't wasn't weren't haven't hasn't hadn't",
    "prepositions": "about above across after against along among around as at before behind below beside "
    "between beyond by despite down during except for from in inside into like near of off on onto out "
    "outside over past since through till to toward towards under until up upon with within without via per",
    "conjunctions": "and but or nor so yet because although though while whereas if unless whether than then once",
    "wh-words": "what which who whom whose when where why how whatever however",
    "adverbs": "not never also too very just only even still already again really actually maybe perhaps "
    "here there now ever always often sometimes usually rather quite almost anyway instead otherwise "
    "therefore thus indeed simply merely certainly surely probably possibly apparently obviously clearly "
    "seriously honestly basically exactly else away back",
    "discourse": "please thanks thank sorry well oh ok okay yes yeah hi hello hey",
}
FUNCTION_WORDS = frozenset(w for words in _FUNCTION_WORD_CLASSES.values() for w in words.split())


_COUNTED_GATES = tuple(gate(p) for _, p, _ in _COUNTED)


def _relaxed(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """The pattern without its word boundaries: it matches wherever the pattern does (an assertion removed
    only widens a pattern), and a pattern that starts with literals lets the engine skip ahead by its first
    characters, where a leading ``\\b`` makes it try every position: a third of the time on a long reply.
    None where removing them would not be sound: an escaped backslash, or a ``\\b`` inside a character class
    (a backspace there)."""
    if "\\\\" in pattern.pattern or re.search(r"\[[^\]]*\\b", pattern.pattern):
        return None
    loose = pattern.pattern.replace(r"\b", "")
    return re.compile(loose) if loose != pattern.pattern else None


_COUNTED_RELAXED = tuple(_relaxed(p) for _, p, _ in _COUNTED)


def _count(pattern: re.Pattern[str], g: Gate, loose: re.Pattern[str] | None, low: str, cap: int = 3) -> int:
    if not open_gate(g, low) or (loose is not None and loose.search(low) is None):
        return 0
    return sum(1 for _ in islice(pattern.finditer(low), cap))


@lru_cache(maxsize=1)
def _vader() -> dict[str, float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return dict(SentimentIntensityAnalyzer().lexicon)


@dataclass(frozen=True)
class Cues:
    """What the model reads in a text: the strategy values (FEATURES order) and its distinct words."""

    counts: tuple[float, ...]
    words: frozenset[str]


def cues(text: str) -> Cues:
    """Strategy counts of ``text`` (capped at 3, so one long rant does not dominate) and its words."""
    low = text.lower().replace("’", "'")
    # Counting stops at the cap, and a strategy none of whose literals is in the text is not searched
    # (gates.py): the same counts, in about half the time on a 300-word reply (decision 0632).
    vals = [
        float(_count(p, g, loose, low))
        for (_, p, _), g, loose in zip(_COUNTED, _COUNTED_GATES, _COUNTED_RELAXED, strict=True)
    ]
    starts = _SENT_START.findall(low)
    lex = _vader()
    pos = neg = 0
    valence = 0.0
    words = _WORD.findall(low)
    for w in words:
        v = lex.get(w)
        if v is not None:
            valence += v
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
        # The summed valence squashed into -1..1 as VADER's compound score does (without its
        # negation and booster rules, which cost milliseconds on a long reply).
        valence / math.sqrt(valence * valence + 15.0),
        math.log1p(len(words)),
    ]
    return Cues(tuple(vals), frozenset(words))


@dataclass(frozen=True)
class PolitenessModel:
    """Standardised logistic regression over the strategies plus one weight per cue word present.

    p(polite) = sigmoid(bias + sum w_i (x_i - mean_i) / scale_i + sum of the weights of the words present).
    """

    bias: float
    weights: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    words: Mapping[str, float] = field(default_factory=dict)

    def contributions(self, c: Cues) -> list[float]:
        """Each strategy's share of the logit, in FEATURES order."""
        return [w * (v - m) / s for w, v, m, s in zip(self.weights, c.counts, self.mean, self.scale, strict=True)]

    def word_contributions(self, c: Cues) -> dict[str, float]:
        """The weight of each weighed word that the text uses (once per word)."""
        return {w: self.words[w] for w in c.words if w in self.words}

    def probability(self, c: Cues) -> float:
        z = self.bias + sum(self.contributions(c)) + sum(self.word_contributions(c).values())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_dict(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "bias": self.bias,
            "weights": list(self.weights),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "words": dict(sorted(self.words.items())),
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
            words={str(k): float(v) for k, v in dict(d.get("words") or {}).items()},  # type: ignore[call-overload]
        )


@lru_cache(maxsize=1)
def default_model() -> PolitenessModel:
    text = resources.files("execdesk.reply.tone").joinpath("politeness.json").read_text(encoding="utf-8")
    return PolitenessModel.from_dict(json.loads(text))


def explain(model: PolitenessModel, c: Cues, top: int = 3) -> list[str]:
    """The strongest cues behind a score, strategies and function words alike.

    E.g. "thanks (+0.62)", "word 'any' (+0.21)": each is the cue's share of the logit.
    """
    contrib = model.contributions(c)
    shown = [
        (LABELS[FEATURES[i]], contrib[i])
        for i in range(len(contrib))
        if c.counts[i] != 0 and FEATURES[i] != "log_words" and abs(contrib[i]) >= 0.15
    ]
    shown += [(f"word '{w}'", v) for w, v in model.word_contributions(c).items() if abs(v) >= 0.15]
    shown.sort(key=lambda lv: (-abs(lv[1]), lv[0]))
    return [f"{label} ({v:+.2f})" for label, v in shown[:top]]
