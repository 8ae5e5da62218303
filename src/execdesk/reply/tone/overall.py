"""The reply read as a whole: a warned reply that reads as a threat is raised to a block (decision 0630).

The rules judge one sentence at a time. A threat in words they have not seen often still trips a
warning (condescending, blame, no apology...) without a block. A logistic regression over the guard's own
word classes and rule hits reads the whole reply and judges severity. It raises a reply the rules warn about
above its threshold, and a reply the rules pass with no finding only above a stricter one, set above every benign
reply we hold (``threshold_unwarned``, decision 0637); never where a rule's exception fired (a negated threat
word, a helping frame): it does not overrule the rules'
exceptions. Its threshold is chosen before that gate is applied, so the gate cannot lower it (0624). Trained by
``python -m execdesk.reply.tone.train_overall --write``; measured blind in
``benchmarks/tone_class_model_cv.py --warned``.

Features of a reply (binary; the union over its sentences):
- ``c:<class>``: a word class of the rules file matches the sentence;
- ``cc:<a>+<b>``: two classes match the same sentence;
- ``pc:<a>><b>``: class ``a`` matches the sentence before and ``b`` this one;
- ``pat:<rule>``: one of the rule's patterns matches; ``req:<rule>``: its ``requires`` hold as well;
  ``off:<rule>``: and the guard then drops the hit (negated, or an ``unless`` applies).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import combinations
from typing import Any

from execdesk.reply.tone import text as T
from execdesk.reply.tone.config import Rule, ToneConfig
from execdesk.reply.tone.gates import Gate, LazyPattern, LiteralIndex, Searchable, alternatives, gate
from execdesk.reply.tone.model import Finding

OVERALL_RULE = "threat.overall"
MODEL_FILE = "overall_model.json"
MEMO_SIZE = 4096  # sentences remembered per configuration (a few replies being typed at once)
SKIP_CLASSES = frozenset({"w"})  # "one word and its space": matches everything
WHY = (
    "Read as a whole, the reply reads as a threat or a contact restriction aimed at the customer, although no "
    "single sentence matched a blocking rule (the class model, {p:.2f} against a threshold of {t:.2f}); "
    "strongest cues: {cues}."
)
SUGGESTION = (
    "Take out any consequence for the customer (legal, account, contact, public exposure) and say what you "
    "will do for them instead."
)

# (rule, sentence, sentence before) -> the guard drops the rule's hit there (guard.cancelled_hit).
Cancelled = Callable[[Rule, str, str], bool]


class ClassFeatures:
    """The class and rule features of a reply's sentences under one rules configuration.

    Literal gates (gates.py) skip the searches that cannot match, as in the guard's own pass: the
    features are the same with ``gated=False`` (tested), about five times slower."""

    def __init__(self, cfg: ToneConfig, cancelled: Cancelled, gated: bool = True) -> None:
        self.cfg = cfg
        self.cancelled = cancelled
        names = [name for name in cfg.lexicon if name not in SKIP_CLASSES]
        self.class_names = names
        # Classes and rule patterns are searched for yes or no here, so branch by branch (gates.alternatives),
        # each branch behind its own gate and compiled when first tried: a class matches where one of its
        # branches does, and most branches' words are absent from a sentence (decision 0632).
        split = alternatives if gated else (lambda p: [p])
        self.units = [  # (class index, one branch of the class)
            (k, LazyPattern(r"(?<![a-z0-9])(?:" + branch + r")(?![a-z0-9])", re.S))
            for k, name in enumerate(names)
            for branch in split(cfg.lexicon[name].pattern)
        ]
        self.rules = list(cfg.rules)
        self.pattern_units = [
            [LazyPattern(b, p.flags) for p in r.patterns for b in split(p.pattern)] for r in self.rules
        ]
        # One gate per class branch, per rule pattern branch and per rule requirement (None: always searched).
        derive: Callable[[Searchable], Gate] = gate if gated else (lambda _: None)
        self.class_gates = [derive(p) for _, p in self.units]
        pattern_gates = [[derive(p) for p in units] for units in self.pattern_units]
        # A compiled rule carries the gates of its requirements already; rules of an older revision
        # (benchmarks) may not.
        self.require_gates = [_gates_of(r.requires, getattr(r, "require_gates", None), derive) for r in self.rules]
        # What each literal gate opens, so that a sentence only tries what can match in it.
        self.class_always = [k for k, g in enumerate(self.class_gates) if g is None]
        self.pattern_always = [(r, j) for r, gs in enumerate(pattern_gates) for j, g in enumerate(gs) if g is None]
        self.opens: dict[Gate, list[tuple[int, int]]] = {}  # gate -> (-1, class branch) or (rule, branch)
        for k, g in enumerate(self.class_gates):
            if g is not None:
                self.opens.setdefault(g, []).append((-1, k))
        for r, gs in enumerate(pattern_gates):
            for j, g in enumerate(gs):
                if g is not None:
                    self.opens.setdefault(g, []).append((r, j))
        self.literals = LiteralIndex([*self.opens, *(g for gs in self.require_gates for g in gs)])
        self._memo: dict[tuple[str, str], tuple[frozenset[str], tuple[str, ...]]] = {}

    def per_sentence(self, sents: Iterable[str]) -> list[frozenset[str]]:
        """The features each sentence adds (``pc:`` features belong to the second sentence).

        A sentence's features depend only on it and the sentence before, so they are remembered: while an
        agent types, every sentence but the one being edited is looked up, not searched again."""
        texts = list(sents)
        keys = [(texts[i - 1] if i else "", t) for i, t in enumerate(texts)]
        memo = self._memo
        if len(memo) > MEMO_SIZE:
            memo.clear()
        missing = [i for i, k in enumerate(keys) if k not in memo]
        found = self._gates_open(texts, missing)
        classes: dict[int, set[int]] = {i: set(self.class_always) for i in missing}
        patterns: dict[int, dict[int, list[int]]] = {i: {} for i in missing}
        for i in missing:
            for r, j in self.pattern_always:
                patterns[i].setdefault(r, []).append(j)
        for g, where in found.items():
            for r, j in self.opens.get(g, ()):
                for i in where:
                    if i not in classes:
                        continue
                    if r < 0:
                        classes[i].add(j)
                    else:
                        patterns[i].setdefault(r, []).append(j)
        none: set[int] = set()

        def may(g: Gate, i: int) -> bool:
            return g is None or i in found.get(g, none)

        out: list[frozenset[str]] = []
        prev_classes: tuple[str, ...] = ()
        for i, s in enumerate(texts):
            known = memo.get(keys[i])
            if known is not None:
                out.append(known[0])
                prev_classes = known[1]
                continue
            prev = keys[i][0]
            own: set[str] = set()
            hit: set[int] = set()
            for u in sorted(classes[i]):
                k, unit = self.units[u]
                if k not in hit and unit.search(s):
                    hit.add(k)
            cls = tuple(sorted(self.class_names[k] for k in hit))
            own.update(f"c:{c}" for c in cls)
            own.update(f"cc:{a}+{b}" for a, b in combinations(cls, 2))
            own.update(f"pc:{a}>{b}" for a in prev_classes for b in cls)
            for r, js in patterns[i].items():
                rule = self.rules[r]
                if not any(self.pattern_units[r][j].search(s) for j in js):
                    continue
                own.add(f"pat:{rule.id}")
                back = getattr(rule, "requires_previous", False)  # older rule sets lack it
                if not all(
                    (may(g, i) and q.search(s)) or (back and (not i or may(g, i - 1)) and q.search(prev))
                    for q, g in zip(rule.requires, self.require_gates[r], strict=True)
                ):
                    continue
                if rule.requires:
                    own.add(f"req:{rule.id}")
                if self.cancelled(rule, s, prev):
                    own.add(f"off:{rule.id}")
            frozen = frozenset(own)
            memo[keys[i]] = (frozen, cls)
            out.append(frozen)
            prev_classes = cls
        return out

    def _gates_open(self, texts: list[str], missing: list[int]) -> dict[Gate, set[int]]:
        """Gate -> the sentences (indices into ``texts``) holding one of its literals, over the sentences
        to compute and the ones just before them (``requires_in: sentence_or_previous``)."""
        need = sorted({j for i in missing for j in (i - 1, i) if j >= 0})
        if not need:
            return {}
        starts, pos = [], 0
        for j in need:
            starts.append(pos)
            pos += len(texts[j]) + 1
        sub = self.literals.sentence_sets("\n".join(texts[j] for j in need), starts)
        return {g: {need[k] for k in where} for g, where in sub.items()}

    def compile(self) -> None:
        """Compile every branch now, not on the first sentence that opens its gate (``guard.warm_up``)."""
        for _, unit in self.units:
            unit.compile()
        for units in self.pattern_units:
            for unit in units:
                unit.compile()

    def forget(self) -> None:
        """Drop the remembered sentences (benchmarks time the cold path with it)."""
        self._memo.clear()

    def vetoed(self, per: list[frozenset[str]], sents: list[str]) -> bool:
        """Some rule's exception fired: a hit whose patterns and ``requires`` held was dropped by the guard
        (every match negated, or an ``unless`` / ``unless_before`` / ``unless_after`` matched). The model
        does not overrule the rules there: those are the helping frames ("we have passed it to the police")."""
        if any(f.startswith("off:") for own in per for f in own):
            return True
        for i, own in enumerate(per[:-1]):
            for rule in self.rules:
                held = f"req:{rule.id}" if rule.requires else f"pat:{rule.id}"
                after = getattr(rule, "unless_after", ())
                if after and held in own and any(u.search(sents[i + 1]) for u in after):
                    return True
        return False

    def of_sentences(self, sents: Iterable[str]) -> frozenset[str]:
        return frozenset[str]().union(*self.per_sentence(sents))


def _gates_of(patterns: tuple[Searchable, ...], known: tuple[Gate, ...] | None,
              derive: Callable[[Searchable], Gate]) -> list[Gate]:  # fmt: skip
    if known is not None and len(known) == len(patterns) and derive is gate:
        return list(known)
    return [derive(p) for p in patterns]


@dataclass(frozen=True)
class OverallModel:
    """Weights of the logistic regression (features absent from ``weights`` weigh nothing)."""

    weights: dict[str, float]
    intercept: float
    threshold: float
    about: dict[str, Any] = field(default_factory=dict)
    # The stricter threshold for a reply the rules pass (decisions 0633, 0637); None: such replies are not read.
    threshold_unwarned: float | None = None

    def probability(self, feats: Iterable[str]) -> float:
        z = self.intercept + sum(self.weights.get(f, 0.0) for f in feats)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def to_json(self) -> str:
        doc: dict[str, Any] = {"about": self.about, "threshold": self.threshold}
        if self.threshold_unwarned is not None:
            doc["threshold_unwarned"] = self.threshold_unwarned
        doc["intercept"] = self.intercept
        doc["weights"] = dict(sorted(self.weights.items()))
        return json.dumps(doc, indent=1, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> OverallModel:
        doc = json.loads(text)
        weights = {str(k): float(v) for k, v in doc["weights"].items()}
        unwarned = doc.get("threshold_unwarned")
        return cls(
            weights,
            float(doc["intercept"]),
            float(doc["threshold"]),
            dict(doc.get("about") or {}),
            float(unwarned) if unwarned is not None else None,
        )


@lru_cache(maxsize=1)
def default_model() -> OverallModel:
    return OverallModel.from_json(resources.files("execdesk.reply.tone").joinpath(MODEL_FILE).read_text("utf-8"))


_FEATURES: dict[int, tuple[ToneConfig, ClassFeatures]] = {}  # by id: a config (holding dicts) is unhashable


def features_for(cfg: ToneConfig) -> ClassFeatures:
    """The compiled features of a configuration, built once (a loaded configuration lives as long as its file)."""
    from execdesk.reply.tone.guard import cancelled_hit

    got = _FEATURES.get(id(cfg))
    if got is None or got[0] is not cfg:
        if len(_FEATURES) >= 8:
            _FEATURES.clear()
        got = _FEATURES[id(cfg)] = (cfg, ClassFeatures(cfg, cancelled_hit))
    return got[1]


def forget_sentences() -> None:
    """Drop every remembered sentence (benchmarks time the cold path with it)."""
    for _, features in _FEATURES.values():
        features.forget()


def overall_finding(
    text: str, sents: list[T.Sentence], cfg: ToneConfig, model: OverallModel, threshold: float
) -> Finding | None:
    """A block finding on the sentence that weighs most, if the whole reply scores at ``threshold`` (the
    model's own for a warned reply, the stricter one for a reply the rules pass)."""
    features = features_for(cfg)
    texts = [s.text for s in sents]
    per = features.per_sentence(texts)
    p = model.probability(frozenset[str]().union(*per))
    if p < threshold or features.vetoed(per, texts):
        return None
    w = model.weights
    best = max(range(len(sents)), key=lambda i: sum(w.get(f, 0.0) for f in per[i]))
    cues = sorted(((w[f], f) for f in per[best] if w.get(f, 0.0) > 0), reverse=True)[:3]
    s = sents[best]
    why = WHY.format(p=p, t=threshold, cues=", ".join(_describe(f, s.text, cfg) for _, f in cues) or "none")
    return Finding(OVERALL_RULE, "block", s.start, s.end, text[s.start : s.end], why, SUGGESTION)


def _describe(feature: str, sentence: str, cfg: ToneConfig) -> str:
    """A feature in words, with the words of the sentence that matched a class."""
    kind, _, name = feature.partition(":")
    if kind in ("pat", "req", "off"):
        what = {"pat": "the pattern of", "req": "the pattern and context of", "off": "an excepted hit of"}[kind]
        return f"{what} rule {name}"
    parts = re.split(r"[+>]", name)
    shown = []
    for part in parts:
        pat = cfg.lexicon.get(part)
        m = pat.search(sentence) if pat is not None else None
        shown.append(f"{part} ({m.group(0).strip()!r})" if m and kind != "pc" else part)
    return " + ".join(shown) if kind != "pc" else f"{parts[0]} (sentence before) > {parts[-1]}"
