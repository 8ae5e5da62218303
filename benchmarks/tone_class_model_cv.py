"""A threat model over the tone guard's own word classes, measured blind per batch (0630 ships one variant).

Usage: ``nice -n 19 .venv/bin/python benchmarks/tone_class_model_cv.py [--inbound] [--semantic-only] [--gate]
[--veto] [--warned] [--show] [--jobs N]``.

The answer, with batches 1-25 at e978c7b: blind block recall over batches 9-23 rises from 0.700
(rules) to 0.887 (rules OR model), praised false alarms from 0.095 to 0.108, twcs blocks 2/2441;
but a model trained on everything blocks 11 of the 92 benign probes ("We will not take any legal
action, of course.", a phishing site passed to the police). Its strongest features are the rules'
own patterns with their exceptions (``unless``, negation) left out, plus grammatical pairs ("you" +
"we", "will" + modal): it reads the topic and the register, not the direction. Not shipped.

The question: decision 0612 found that a logistic regression over word 1-2-grams raised blind
block recall but keyed on register ("will", "not", "our") and blocked benign probes. Would a
model whose features are the guard's own *semantic* classes generalise across batches and key on
meaning instead? Features of a reply (binary, the union over its sentences, i.e. the max):

- ``c:<class>``: a lexicon word class of ``default_rules.yaml`` matches the sentence (at word
  boundaries; the filler class ``w`` is left out);
- ``cc:<a>+<b>``: two classes match the same sentence;
- ``pc:<a>><b>``: class ``a`` matches the sentence before and ``b`` this one;
- ``pat:<rule>``: one of the rule's patterns matches the sentence (``requires``, ``unless`` and
  negation ignored); ``req:<rule>`` (rules with ``requires`` only): and its ``requires`` hold as
  well (in the sentence, or the one before for ``requires_in: sentence_or_previous``), still
  ignoring ``unless`` and negation; ``off:<rule>``: patterns and ``requires`` match but the guard
  would not report the rule there (every match negated, or an ``unless``/``unless_before`` matches);
- with ``--inbound``: the inbound intent and sentiment of the written items.

Leave-one-batch-out over batches 9-25: the features of every text in fold B are computed with the
lexicon and rules of B's *blind* revision (``BLIND_RULES``: the rules as they were when B was
measured blind), so the classes hold nothing fitted from B. Batches 24-25 (blind against the rules
fitted to batch 23, never fitted) are reported apart; the shipping criteria are over batches 9-23.

Training data: every other written batch (``expect: block`` positives; warn-level and praised items
negatives), the twcs brand replies less a held-out tenth (negatives), the Stanford politeness
requests less a held-out tenth (negatives of weight 0.1); positives weigh as much as the in-domain
negatives together. C is chosen by a grouped
inner cross-validation over the training data only (the written batches are the groups), and so is
the threshold: the lowest at which the model alone blocks at most ``MAX_PRAISED_FA`` of the training
praised replies out of fold. Printed per batch and pooled: the blind rules alone (their check_tone
verdicts), the model alone, rules OR model; the held-out twcs and politeness block rates. Last, a
model trained on everything with the current rules scores the hand-written probes of
tests/reply/test_tone.py (benign ones must not block; threats in new wording) and its strongest
features are printed.

``--gate`` (decision 0615's next step) also reports a *gated* model, in the same run: it may block
a reply only where its probability reaches its threshold and the reply has a **free hit** of a
block-severity rule: in some sentence, a pattern of the rule matches at a match that is not negated
(the guard's ``_negated``, for every rule, whether or not it has ``negation: skip``), and none of
the rule's ``unless`` patterns match that sentence nor its ``unless_before`` patterns the sentence
before; ``requires`` is ignored (that is what the model supplies). Free hits come from each fold's
blind revision, as the features do. The model is fitted as before; C and the threshold are chosen
again with the gate applied to the out-of-fold scores (at most ``MAX_PRAISED_FA`` of the training
praised replies blocked by the gated model). The free-hit sets are cached next to the features.
The answer: recall over batches 9-23 0.700 -> 0.818 (rules OR gated model), praised false alarms
0.095 -> 0.105, twcs blocks 1/2441, but 10/92 benign probes still blocked: ``threat.conditional.after``
(pattern ``{consequence}``, all the work in ``requires``) has a free hit in 31 % of praised replies and
in every blocked probe, and the gated threshold falls (0.29 on everything, against 0.63 ungated).

``--veto`` (decision 0624) reports two more variants in the same run, each fitted and thresholded like
the gated model (C and the threshold chosen with its gate applied to the out-of-fold scores):
``veto``, the model may block a reply only where no rule (any severity) has a **cancelled hit** in
any sentence: patterns and ``requires`` match, and the guard then drops the hit because every match
is negated (``negation: skip``), or an ``unless`` matches the sentence, ``unless_before`` the one before
or ``unless_after`` the one after (the guard's ``_first_hit``); ``vetofree``, the veto and a free hit.
The recall criterion of these two is +0.08 (pre-registered in 0624), the others keep 0615's +0.10.
The answer (batches 1-33 and 36 at 206db89): over batches 9-23, rules OR ``veto`` reaches 413/450 (0.918,
+0.218), praised false alarms 60/600 (+0.005), twcs 7/2441; ``vetofree`` 375/450 (+0.133). But trained on
everything, they still block 11 and 9 of the 154 benign probes (the ungated model 21). The veto spares 34
probes, but the threshold falls (0.49 ungated, 0.11 veto, 0.03 vetofree), and the probes left have no
cancelled hit at all ("Our fraud team will call you tomorrow ..."). Not shipped (decision 0624).

``--warned`` (decision 0630) reports three more, which keep the ungated model's C and threshold (a gate
cannot lower it): ``warned``, the model may only raise a reply the rules (the fold's blind revision, without
the shipped ``threat.overall``) warn about; ``warnveto``, the same where no rule has a cancelled hit;
``warnwords``, only a warning a sentence rule found in the reply's words (not no_apology or no_next_step).
The probes are also read as answers to a complaint (sentiment -2), reported apart from criterion 4. The
answer (batches 1-33, 36, 38, 40-43): over batches 9-23, +0.140, +0.136 and +0.009; praised blocked, twcs
blocked and probes blocked without an inbound message unchanged (0); answering a complaint, 35, 6 and 0
benign probes blocked. ``warnveto`` ships as ``threat.overall`` (its features and fitting are the
product's, ``execdesk.reply.tone.overall`` and ``train_overall``).

Batches 34, 35, 37, 39, 44 and 45 (``HELD_BLIND``) are the blind estimate of the current rules: they are left
out of every training set, and the model trained on everything else with the current rules scores them
once, printing counts only (never their texts).

Features are cached per revision under benchmarks/out/tone_class_features/ (ignored by git); the
first run extracts them for 17 rule sets (~10 minutes on two cores), later runs take about three.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import pickle
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from revision import ROOT, package_at
from tone_threat_model_cv import (
    Item,
    batch_order,
    brand_replies,
    politeness_requests,
    test_probes,
    written_batches,
)

from execdesk.reply.tone.overall import ClassFeatures
from execdesk.reply.tone.train_overall import (
    C_GRID,
    MAX_PRAISED_FA,
    MIN_DF,
    TrainSet,
    choose,
    fit,
    out_of_fold,
    to_matrix,
)
from execdesk.reply.tone.train_overall import train_set as shared_train_set

# The rules as they were when each batch was measured blind (the commit named in its header).
BLIND_RULES = {
    "batch9": "31414da",
    "batch10": "5e95b4d",
    "batch11": "316e07c",
    "batch12": "e5aceea",
    "batch13": "b4ce27b",
    "batch14": "aaef84c",
    "batch15": "0850ff4",
    "batch16": "0c0678a",
    "batch17": "d2079ca",
    "batch18": "48078cc",
    "batch19": "3b19f19",
    "batch20": "8b832aa",
    "batch21": "19bbcb5",
    "batch22": "b8e7692",
    "batch23": "9a0f50e",
    # Measured blind against the rules fitted to batch 23 and left unfitted (decision 0614): the
    # freshest blind test. Reported apart; the decision criteria are over batches 9-23.
    "batch24": "77ef7b4",
    "batch25": "77ef7b4",
}
CRITERION_BATCHES = frozenset(f"batch{n}" for n in range(9, 24))
WORKTREE = "worktree"
CACHE = ROOT / "benchmarks" / "out" / "tone_class_features"
FEATURE_VERSION = "2"  # bump when the features change (invalidates the cache)
FREE_VERSION = "1"  # bump when the free hits (``--gate``) change
VETO_VERSION = "1"  # bump when the cancelled hits (``--veto``) change
VERDICT_VERSION = "2"  # bump when the verdicts of every text (``--warned``) change
# The blind estimate of the current rules (decision 0623): never trained on, scored once, counts only.
HELD_BLIND = ("batch34", "batch35", "batch37", "batch39", "batch44", "batch45")
TOP = 20
# Grammatical classes (who, modality, negation, "you"): ``--semantic-only`` leaves out every class
# feature that mentions one, to see whether the model then keys on meaning.
GRAMMATICAL = frozenset({"we", "modal", "we_modal", "negated", "force", "target_you", "further"})


# ---------------------------------------------------------------------------------------------- features


class RevisionFeatures(ClassFeatures):
    """The shipped features (``execdesk.reply.tone.overall``) under one tone package (current or of a revision),
    with the free and cancelled hits of the gated variants."""

    def __init__(self, tone: ModuleType) -> None:
        self.negated = tone.guard._negated
        super().__init__(tone.config.default_config(), self._revision_cancelled)
        self.mask = tone.guard.mask
        self.sentences = tone.text.sentences
        self.block_rules = [r for r in self.rules if r.severity == "block"]

    def __call__(self, text: str) -> frozenset[str]:
        return self.of_sentences(s.text for s in self.sentences(self.mask(text, self.cfg)))

    def free_hits(self, text: str) -> frozenset[str]:
        """The block-severity rules with a free hit in ``text`` (see ``--gate``): a pattern match that
        is not negated, in a sentence that no ``unless`` (nor ``unless_before`` on the one before) cancels."""
        out: set[str] = set()
        prev = ""
        for sent in self.sentences(self.mask(text, self.cfg)):
            s = sent.text
            out.update(r.id for r in self.block_rules if r.id not in out and self._free(r, s, prev))
            prev = s
        return frozenset(out)

    def vetoes(self, text: str) -> frozenset[str]:
        """The rules (any severity) with a cancelled hit in ``text`` (see ``--veto``): in some sentence,
        patterns and ``requires`` match, and the guard drops the hit (every match negated under
        ``negation: skip``, or an ``unless`` / ``unless_before`` / ``unless_after`` matches)."""
        out: set[str] = set()
        sents = [s.text for s in self.sentences(self.mask(text, self.cfg))]
        for i, s in enumerate(sents):
            prev = sents[i - 1] if i else ""
            after = sents[i + 1] if i + 1 < len(sents) else ""
            for rule in self.rules:
                if rule.id in out or not any(p.search(s) for p in rule.patterns):
                    continue
                back = getattr(rule, "requires_previous", False)
                if not all(q.search(s) or (back and q.search(prev)) for q in rule.requires):
                    continue
                if self.cancelled(rule, s, prev) or (
                    after and any(u.search(after) for u in getattr(rule, "unless_after", ()))
                ):
                    out.add(rule.id)
        return frozenset(out)

    def _revision_cancelled(self, rule: Any, s: str, prev: str) -> bool:
        """``guard.cancelled_hit`` for the rules of any revision (the oldest lack ``unless_before``)."""
        live = any(
            not (rule.skip_negated and self.negated(s, m.start(), m.group(0)))
            for p in rule.patterns
            for m in p.finditer(s)
        )
        return (
            not live
            or any(u.search(s) for u in rule.unless)
            or any(u.search(prev) for u in getattr(rule, "unless_before", ()))
        )

    def _free(self, rule: Any, s: str, prev: str) -> bool:
        return (
            any(not self.negated(s, m.start(), m.group(0)) for p in rule.patterns for m in p.finditer(s))
            and not any(u.search(s) for u in rule.unless)
            and not any(u.search(prev) for u in getattr(rule, "unless_before", ()))
        )


@dataclass
class Corpus:
    items: list[Item]
    brands: list[str]
    requests: list[str]

    @property
    def texts(self) -> list[str]:
        return [t for _, _, t, _ in self.items] + self.brands + self.requests

    def digest(self) -> str:
        h = hashlib.sha256(FEATURE_VERSION.encode())
        for t in self.texts:
            h.update(t.encode() + b"\0")
        return h.hexdigest()[:16]


@dataclass
class RevisionData:
    """Features of every corpus text under one rule set, and that rule set's verdicts where needed."""

    features: list[frozenset[str]]
    verdicts: dict[int, str] = field(default_factory=dict)  # corpus text index -> check_tone verdict


def _worktree_digest() -> str:
    h = hashlib.sha256()
    for p in sorted((ROOT / "src" / "execdesk" / "reply" / "tone").glob("*")):
        if p.is_file() and p.suffix in (".py", ".yaml", ".json"):
            h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()[:12]


def free_path(features: Path) -> Path:
    """Where the free-hit sets (``--gate``) of a feature cache file are cached."""
    return features.with_name(f"{features.stem}-free{FREE_VERSION}.pkl")


def veto_path(features: Path) -> Path:
    """Where the cancelled-hit sets (``--veto``) of a feature cache file are cached."""
    return features.with_name(f"{features.stem}-veto{VETO_VERSION}.pkl")


def verdict_path(features: Path) -> Path:
    """Where the rules' verdicts on every corpus text (``--warned``) of a feature cache file are cached."""
    return features.with_name(f"{features.stem}-verdicts{VERDICT_VERSION}.pkl")


def _write(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(obj))
    tmp.replace(path)


def _extract(job: tuple[str, Corpus, list[int], str, bool, bool, bool]) -> Path:
    """Worker: features of the whole corpus under ``rev`` (and the verdicts of the texts in ``verdict_of``);
    with ``gate``, the free-hit sets as well (``free_path``); with ``veto``, the cancelled hits (``veto_path``);
    with ``warned``, the verdicts of every text (``verdict_path``)."""
    rev, corpus, verdict_of, unpack, gate, veto, warned = job
    out = CACHE / f"{rev}-{corpus.digest()}.pkl"
    wanted = [(gate, free_path(out)), (veto, veto_path(out)), (warned, verdict_path(out))]
    if out.exists() and all(p.exists() for want, p in wanted if want):
        return out
    if rev.startswith(WORKTREE):
        import execdesk.reply.tone as tone
    else:
        tone = package_at(rev, "reply.tone", into=Path(unpack))
    feats = RevisionFeatures(tone)
    texts = corpus.texts
    cfg = rules_only(tone)
    if not out.exists():
        data = RevisionData([feats(t) for t in texts])
        n_items = len(corpus.items)
        for i in verdict_of:
            inbound = corpus.items[i][3] if i < n_items else None
            ctx = tone.InboundContext(**inbound) if inbound else None
            data.verdicts[i] = str(tone.check_tone(texts[i], inbound=ctx, config=cfg).verdict)
        _write(out, data)
    if gate and not free_path(out).exists():
        _write(free_path(out), [feats.free_hits(t) for t in texts])
    if veto and not veto_path(out).exists():
        _write(veto_path(out), [feats.vetoes(t) for t in texts])
    if warned and not verdict_path(out).exists():
        n_items = len(corpus.items)
        inbounds = [corpus.items[i][3] if i < n_items else None for i in range(len(texts))]
        rule_ids = {r.id for r in cfg.rules}
        _write(verdict_path(out), [
            _verdict_words(tone.check_tone(t, inbound=tone.InboundContext(**ib) if ib else None, config=cfg), rule_ids)
            for t, ib in zip(texts, inbounds, strict=True)
        ])  # fmt: skip
    return out


def rules_only(tone: ModuleType) -> Any:
    """The tone package's shipped rules without the whole-reply model (decision 0630), which is what is
    measured here: the rules' verdicts are the gate and the baseline."""
    cfg = tone.config.default_config()
    return dataclasses.replace(cfg, disabled=cfg.disabled | {"threat.overall"})


def _verdict_words(report: Any, rule_ids: set[str]) -> str:
    """The verdict, with ``warnw`` for a warning that a sentence rule found in the reply's own words (not
    only a whole-reply rule such as no_apology or no_next_step, decision 0630)."""
    if report.verdict == "warn" and any(f.rule in rule_ids for f in report.findings):
        return "warnw"
    return str(report.verdict)


# ---------------------------------------------------------------------------------------------- folds


@dataclass
class Fold:
    """One outer fold: the test batch, and which brand replies and requests are held out of training."""

    n: int
    batch: str
    rev: str
    held_brands: list[int]  # indices into corpus.brands
    held_requests: list[int]


def outer_folds(corpus: Corpus) -> list[Fold]:
    folds = []
    for n, batch in enumerate(sorted(BLIND_RULES, key=batch_order)):
        folds.append(
            Fold(
                n,
                batch,
                BLIND_RULES[batch],
                list(range(n % 10, len(corpus.brands), 10)),
                list(range(n % 10, len(corpus.requests), 10)),
            )
        )
    return folds


def verdicts_needed(corpus: Corpus, fold: Fold) -> list[int]:
    """Corpus indices whose blind verdicts the fold reports: the test batch and the held-out tenths."""
    ni, nb = len(corpus.items), len(corpus.brands)
    out = [i for i, (b, *_) in enumerate(corpus.items) if b == fold.batch]
    out += [ni + i for i in fold.held_brands]
    out += [ni + nb + i for i in fold.held_requests]
    return out


# ---------------------------------------------------------------------------------------------- model


@dataclass
class Trained:
    vocab: dict[str, int]
    lr: Any
    c: float
    threshold: float
    inner_recall: float  # out-of-fold training recall at the threshold
    gate: str = ""  # the variant (``VARIANTS``) whose gate it blocks through; "" for none

    def matrix(self, feats: Sequence[frozenset[str]]) -> Any:
        return to_matrix(feats, self.vocab)

    def probabilities(self, feats: Sequence[frozenset[str]]) -> np.ndarray:
        if not feats:
            return np.zeros(0)
        return np.asarray(self.lr.predict_proba(self.matrix(feats))[:, 1])

    def strongest(self, k: int) -> list[tuple[str, float]]:
        names = sorted(self.vocab, key=self.vocab.__getitem__)
        coef = self.lr.coef_[0]
        order = np.argsort(-coef)
        return [(names[j], float(coef[j])) for j in order[:k]]

    def contributions(self, feats: frozenset[str], k: int) -> list[tuple[str, float]]:
        """The ``k`` features of a text that push it most towards block."""
        coef = self.lr.coef_[0]
        found = [(f, float(coef[self.vocab[f]])) for f in feats if f in self.vocab]
        return sorted(found, key=lambda x: -x[1])[:k]

    def weakest(self, k: int) -> list[tuple[str, float]]:
        names = sorted(self.vocab, key=self.vocab.__getitem__)
        coef = self.lr.coef_[0]
        order = np.argsort(coef)
        return [(names[j], float(coef[j])) for j in order[:k]]


def train(ts: TrainSet, gates: Sequence[tuple[str, np.ndarray | None]] = (("", None),)) -> list[Trained]:
    """C and the threshold by grouped inner CV (out-of-fold scores), then a fit on all of ``ts``; one
    model per named gate: ``None``, the model may block any text; else only the texts where the gate is
    true (the threshold and recall are then those of the gated out-of-fold scores, except for the
    ``UNGATED_THRESHOLD`` variants, which keep the ungated model's)."""
    oof = out_of_fold(ts)
    fits: dict[float, tuple[dict[str, int], Any]] = {}
    out: list[Trained] = []
    for name, gate in gates:
        if name in UNGATED_THRESHOLD:  # the ungated model's C and threshold (gates[0] is the ungated one)
            c, t = out[0].c, out[0].threshold
            s = np.where(gate, oof[c], -1.0) if gate is not None else oof[c]
            out.append(Trained(*fits[c], c, t, float((s[ts.label == 1] >= t).mean()), name))
            continue
        c, t, recall = choose(oof, ts, gate)
        if c not in fits:
            fits[c] = fit(ts, np.arange(len(ts.feats)), c)
        out.append(Trained(*fits[c], c, t, recall, name))
    return out


def train_set(corpus: Corpus, feats: list[frozenset[str]], batches: set[str], brands: list[int], requests: list[int],
              inbound: bool) -> TrainSet:  # fmt: skip
    """Training texts: the written items of ``batches``, the brand replies and requests at the given indices."""

    def extra(fs: frozenset[str], ib: dict[str, Any] | None) -> frozenset[str]:
        return fs | inbound_features(ib)

    add = extra if inbound else None
    return shared_train_set(corpus.items, feats, batches, brands, requests, len(corpus.brands), add)


def inbound_features(inbound: dict[str, Any] | None) -> frozenset[str]:
    if not inbound:
        return frozenset()
    out = {f"intent:{inbound.get('intent')}"}
    s = inbound.get("sentiment")
    if s is not None:
        out.add("sentiment:negative" if s < 0 else "sentiment:positive" if s > 0 else "sentiment:neutral")
    return frozenset(out)


# ---------------------------------------------------------------------------------------------- report


@dataclass
class Tally:
    """Counts over one or more batches (hits/total)."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, key: str, hit: bool) -> None:
        self.counts[key + "/n"] += 1
        self.counts[key] += int(hit)

    def frac(self, key: str) -> float:
        n = self.counts[key + "/n"]
        return self.counts[key] / n if n else float("nan")

    def fmt(self, key: str) -> str:
        n = self.counts[key + "/n"]
        return f"{self.counts[key]}/{n} ({self.counts[key] / n:.3f})" if n else "-"

    def __iadd__(self, other: Tally) -> Tally:
        self.counts.update(other.counts)
        return self


# A gated variant may block a reply only where ``VARIANTS[name](free hits, cancelled hits, rules' verdict)``
# holds.
VARIANTS: dict[str, Callable[[frozenset[str], frozenset[str], str], bool]] = {
    "gated": lambda free, veto, verdict: bool(free),  # decision 0615, ``--gate``
    "veto": lambda free, veto, verdict: not veto,  # decision 0624, ``--veto`` variant 1
    "vetofree": lambda free, veto, verdict: bool(free) and not veto,  # decision 0624, ``--veto`` variant 2
    "warned": lambda free, veto, verdict: verdict in ("warn", "warnw"),  # decision 0630, ``--warned`` variant 1
    "warnveto": lambda free, veto, verdict: verdict in ("warn", "warnw") and not veto,  # 0630, variant 2
    # 0630, after the pre-registered run: only a warning found in the reply's own words opens the gate.
    "warnwords": lambda free, veto, verdict: verdict == "warnw",
}
# Variants that keep the ungated model's C and threshold (decision 0630: the gate cannot lower it).
UNGATED_THRESHOLD = frozenset({"warned", "warnveto", "warnwords"})
# The pre-registered blind recall gain each model must reach over the rules (0615: +0.10; 0624, 0630: +0.08).
MIN_GAIN = {
    "": 0.10,
    "gated": 0.10,
    "veto": 0.08,
    "vetofree": 0.08,
    "warned": 0.08,
    "warnveto": 0.08,
    "warnwords": 0.08,
}


def keys(variant: str) -> tuple[str, str]:
    """Tally key stems of a model: alone, and OR'd with the rules."""
    return (variant, f"r+{variant}") if variant else ("model", "both")


def run_fold(corpus: Corpus, fold: Fold, data: RevisionData, inbound: bool, show: bool,
             allow: dict[str, list[bool]]) -> tuple[Tally, list[Trained]]:  # fmt: skip
    """Train on the other batches, tally the test batch and the held-out tenths: the ungated model
    (keys ``model_*``, ``both_*`` for rules OR model) and one model per gated variant in ``allow``
    (corpus index -> may block; keys ``<variant>_*`` and ``r+<variant>_*``)."""
    ni, nb = len(corpus.items), len(corpus.brands)
    batches = {b for b, *_ in corpus.items} - {fold.batch}
    held_b, held_r = set(fold.held_brands), set(fold.held_requests)
    ts = train_set(
        corpus,
        data.features,
        batches,
        [i for i in range(nb) if i not in held_b],
        [i for i in range(len(corpus.requests)) if i not in held_r],
        inbound,
    )
    gates: list[tuple[str, np.ndarray | None]] = [("", None)]
    gates += [(v, np.array([a[i] for i in ts.index])) for v, a in allow.items()]
    models = train(ts, gates)

    tally = Tally()
    test = [i for i, (b, *_) in enumerate(corpus.items) if b == fold.batch]
    feats = [data.features[i] | inbound_features(corpus.items[i][3]) if inbound else data.features[i] for i in test]
    for k, model in enumerate(models):
        alone, both = keys(model.gate)
        probs = model.probabilities(feats)
        for i, p in zip(test, probs, strict=True):
            _, expect, text, _ = corpus.items[i]
            rules = data.verdicts[i]
            hit = bool(p >= model.threshold) and (not model.gate or allow[model.gate][i])
            if expect == "block":
                if k == 0:
                    tally.add("rules_block", rules == "block")
                tally.add(f"{alone}_block", hit)
                tally.add(f"{both}_block", rules == "block" or hit)
                if show and hit and rules != "block":
                    print(f"    + {model.gate or 'model'} caught ({p:.2f}): {text[:140]!r}")
            elif expect == "ok":
                if k == 0:
                    tally.add("rules_fa", rules != "ok")
                    tally.add("rules_fa_block", rules == "block")
                tally.add(f"{alone}_fa", hit)
                tally.add(f"{both}_fa", rules != "ok" or hit)
                tally.add(f"{both}_fa_block", rules == "block" or hit)
                if show and hit:
                    print(f"    - praised blocked by {model.gate or 'model'} ({p:.2f}): {text[:140]!r}")
        for key, base, held in (("twcs", ni, fold.held_brands), ("polite", ni + nb, fold.held_requests)):
            idx = [base + i for i in held]
            hprobs = model.probabilities([data.features[i] for i in idx])
            for i, p in zip(idx, hprobs, strict=True):
                rules_block = data.verdicts[i] == "block"
                hit = bool(p >= model.threshold) and (not model.gate or allow[model.gate][i])
                if k == 0:
                    tally.add(f"{key}_rules", rules_block)
                tally.add(f"{key}_{alone}", hit)
                tally.add(f"{key}_{both}", rules_block or hit)
    return tally, models


def _load_list(path: Path) -> list[frozenset[str]]:
    out = pickle.loads(path.read_bytes())
    assert isinstance(out, list)
    return out


def allowances(path: Path, variants: Sequence[str]) -> dict[str, list[bool]]:
    """Per variant, whether the model may block each corpus text (from the free and cancelled hits
    cached next to the features at ``path``)."""
    if not variants:
        return {}
    n = len(load(path).features)
    free = _load_list(free_path(path)) if free_path(path).exists() else [frozenset()] * n
    veto = _load_list(veto_path(path)) if veto_path(path).exists() else [frozenset()] * n
    verdicts = pickle.loads(verdict_path(path).read_bytes()) if verdict_path(path).exists() else [""] * n
    return {v: [VARIANTS[v](f, c, r) for f, c, r in zip(free, veto, verdicts, strict=True)] for v in variants}


def load(path: Path, drop: frozenset[str] = frozenset()) -> RevisionData:
    data = pickle.loads(path.read_bytes())
    assert isinstance(data, RevisionData)
    if drop:
        data.features = [without_classes(fs, drop) for fs in data.features]
    return data


def without_classes(feats: frozenset[str], drop: frozenset[str]) -> frozenset[str]:
    """``feats`` less the class features (``c:``, ``cc:``, ``pc:``) that mention a class in ``drop``."""

    def keep(f: str) -> bool:
        kind, _, rest = f.partition(":")
        return kind not in ("c", "cc", "pc") or not drop.intersection(re.split(r"[+>]", rest))

    return frozenset(f for f in feats if keep(f))


def cols(variant: str) -> tuple[str, ...]:
    alone, both = keys(variant)
    return ("rules_block", "rules_fa", f"{alone}_block", f"{alone}_fa", f"{both}_block", f"{both}_fa")


def _row(label: str, t: Tally, extra: str, variant: str) -> str:
    return f"{label:<17}" + " ".join(f"{t.fmt(c):<16}" for c in cols(variant)) + extra


def _summary(name: str, t: Tally, variants: Sequence[str]) -> None:
    for v in ("", *variants):
        alone, both = keys(v)
        print(_row(name if not v else f"  {v}", t, "", v))
        print(f"    praised blocked (not only warned): rules {t.fmt('rules_fa_block')}, rules|{alone} "
              f"{t.fmt(both + '_fa_block')}")  # fmt: skip
        for key, what in (("twcs", "twcs brand replies"), ("polite", "politeness requests")):
            print(f"    {what} blocked on held-out tenths: rules {t.fmt(key + '_rules')}, "
                  f"{alone} {t.fmt(f'{key}_{alone}')}, rules|{alone} {t.fmt(f'{key}_{both}')}")  # fmt: skip


def _criteria(t: Tally, variant: str, benign_blocked: int, benign_complaint: int) -> bool:
    alone, both = keys(variant)
    gain = MIN_GAIN[variant]
    rb, mb = t.frac("rules_block"), t.frac(f"{both}_block")
    # 0630's variants cannot add a warning, so their criterion is on praised replies blocked.
    fa = "_fa_block" if variant in UNGATED_THRESHOLD else "_fa"
    rf, mf = t.frac("rules" + fa), t.frac(both + fa)
    twcs = t.frac(f"twcs_{both}")
    checks = {
        f"blind block recall +{gain:.2f}": mb - rb >= gain - 1e-9,
        f"praised {'blocked' if fa == '_fa_block' else 'false alarms'} +0.02 at most": mf - rf <= 0.02 + 1e-9,
        "twcs blocks <= 0.3 %": twcs <= 0.003,
        "no benign probe blocked": benign_blocked == 0,
    }
    print(f"\nrules OR {alone}, batches 9-23: block recall {rb:.3f} -> {mb:.3f} ({mb - rb:+.3f}); "
          f"praised {'blocked' if fa == '_fa_block' else 'false alarms'} {rf:.3f} -> {mf:.3f} ({mf - rf:+.3f}); "
          f"twcs blocked {twcs:.4f}; "
          f"benign probes blocked {benign_blocked}")  # fmt: skip
    for what, ok in checks.items():
        print(f"  {'pass' if ok else 'FAIL'}: {what}")
    print(f"  (reported, not a criterion: benign probes blocked answering a complaint, -2: {benign_complaint})")
    print("worth shipping" if all(checks.values()) else "not worth shipping")
    return all(checks.values())


def score_held_blind(items: list[Item], models: Sequence[Trained], scorer: Any, inbound: bool) -> None:
    """Batches ``HELD_BLIND`` scored by the models trained on everything else: counts only, no text."""
    import execdesk.reply.tone as tone

    extractor, features = scorer
    print(f"\nblind batches {', '.join(HELD_BLIND)} (never trained on; counts only): block recall | "
          "false alarms on praised (warned or blocked)")  # fmt: skip
    total: Counter[str] = Counter()
    for batch in HELD_BLIND:
        rows = [(e, t, ib) for b, e, t, ib in items if b == batch]
        if not rows:
            print(f"  {batch}: no items")
            continue
        feats = [extractor(t) | inbound_features(ib) if inbound else extractor(t) for _, t, ib in rows]
        cfg = rules_only(tone)
        rule_ids = {r.id for r in cfg.rules}
        verdicts = [_verdict_words(tone.check_tone(t, inbound=tone.InboundContext(**ib) if ib else None, config=cfg),
                                   rule_ids) for _, t, ib in rows]  # fmt: skip
        gates = [(features.free_hits(t), features.vetoes(t), v) for (_, t, _), v in zip(rows, verdicts, strict=True)]
        n_block = sum(e == "block" for e, *_ in rows)
        n_ok = sum(e == "ok" for e, *_ in rows)
        rb = sum(e == "block" and v == "block" for (e, *_), v in zip(rows, verdicts, strict=True))
        rf = sum(e == "ok" and v != "ok" for (e, *_), v in zip(rows, verdicts, strict=True))
        line = f"  {batch}: rules {rb}/{n_block} | {rf}/{n_ok}"
        total.update({"n_block": n_block, "n_ok": n_ok, "rules_block": rb, "rules_fa": rf})
        for model in models:
            probs = model.probabilities(feats)
            hits = [
                bool(p >= model.threshold) and (not model.gate or VARIANTS[model.gate](*g))
                for p, g in zip(probs, gates, strict=True)
            ]
            b = sum(e == "block" and (v == "block" or h) for (e, *_), v, h in zip(rows, verdicts, hits, strict=True))
            f = sum(e == "ok" and (v != "ok" or h) for (e, *_), v, h in zip(rows, verdicts, hits, strict=True))
            pb = sum(e == "ok" and (v == "block" or h) for (e, *_), v, h in zip(rows, verdicts, hits, strict=True))
            line += f"; rules|{keys(model.gate)[0]} {b}/{n_block} | {f}/{n_ok} ({pb} blocked)"
            total.update({f"{model.gate}_block": b, f"{model.gate}_fa": f, f"{model.gate}_pb": pb})
        print(line)
    line = f"  together: rules {total['rules_block']}/{total['n_block']} | {total['rules_fa']}/{total['n_ok']}"
    for model in models:
        line += (f"; rules|{keys(model.gate)[0]} {total[model.gate + '_block']}/{total['n_block']} | "
                 f"{total[model.gate + '_fa']}/{total['n_ok']} ({total[model.gate + '_pb']} blocked)")  # fmt: skip
    print(line)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inbound", action="store_true", help="add the inbound intent and sentiment as features")
    ap.add_argument("--show", action="store_true", help="print what each fold's model adds and its false alarms")
    ap.add_argument("--semantic-only", action="store_true", help="leave out the GRAMMATICAL class features")
    ap.add_argument("--gate", action="store_true", help="also a model that blocks only replies with a free hit")
    ap.add_argument("--veto", action="store_true", help="also models vetoed by any cancelled rule hit (0624)")
    ap.add_argument("--warned", action="store_true", help="also models that may only raise a warning (0630)")
    ap.add_argument("--jobs", type=int, default=2, help="processes extracting features (default 2)")
    args = ap.parse_args(argv)
    variants = (["gated"] if args.gate else []) + (["veto", "vetofree"] if args.veto else [])
    variants += ["warned", "warnveto", "warnwords"] if args.warned else []

    written = written_batches()
    held_blind = [it for it in written if it[0] in HELD_BLIND]
    corpus = Corpus([it for it in written if it[0] not in HELD_BLIND], brand_replies(), politeness_requests())
    folds = outer_folds(corpus)
    print(f"{len(corpus.items)} written items ({len(held_blind)} of {', '.join(HELD_BLIND)} left out), "
          f"{len(corpus.brands)} twcs brand replies, "
          f"{len(corpus.requests)} politeness requests; C grid {C_GRID}, min_df {MIN_DF}, "
          f"threshold: model alone blocks <= {MAX_PRAISED_FA} of training praised (out of fold)"
          + (", with inbound features" if args.inbound else "")
          + (f", without the class features of {sorted(GRAMMATICAL)}" if args.semantic_only else "")
          + (f"; gated variants: {', '.join(variants)}" if variants else ""))  # fmt: skip
    drop = GRAMMATICAL if args.semantic_only else frozenset()
    work = f"{WORKTREE}{_worktree_digest()}"
    with tempfile.TemporaryDirectory(prefix="execdesk_revs_") as unpack:
        needed: dict[str, set[int]] = {}
        for f in folds:
            needed.setdefault(f.rev, set()).update(verdicts_needed(corpus, f))
        gate, veto, warned = bool(variants), args.veto or args.warned, args.warned
        jobs = [(rev, corpus, sorted(idx), unpack, gate, veto, warned) for rev, idx in needed.items()]
        jobs.append((work, corpus, [], unpack, gate, veto, warned))
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            paths = dict(zip([rev for rev, *_ in jobs], pool.map(_extract, jobs), strict=True))

    total, fresh = Tally(), Tally()  # batches 9-23 (the criteria), and the unfitted 24-25
    print("\nFA = praised replies warned or blocked; thr = threshold chosen on the training folds"
          + ("; indented rows: a gated variant in the model columns" if variants else ""))  # fmt: skip
    print(f"{'batch   rev':<17}" + " ".join(f"{c:<16}" for c in ("rules block", "rules FA", "model block",
          "model FA", "rules|model block", "rules|model FA")) + "C     thr   inner recall")  # fmt: skip
    for fold in folds:
        if args.show:
            print(f"  {fold.batch}:")
        allow = allowances(paths[fold.rev], variants)
        tally, models = run_fold(corpus, fold, load(paths[fold.rev], drop), args.inbound, args.show, allow)
        if fold.batch in CRITERION_BATCHES:
            total += tally
        else:
            fresh += tally
        for model in models:
            label = f"{fold.batch:<8}{fold.rev}" if not model.gate else f"  {model.gate}"
            print(_row(label, tally, f"{model.c:<5} {model.threshold:.3f} {model.inner_recall:.3f}", model.gate))
    _summary("batches 9-23", total, variants)
    if fresh.counts:
        _summary("batches 24-25", fresh, variants)

    # A model trained on everything (but HELD_BLIND), with the current rules, on the hand-written probes.
    import execdesk.reply.tone as tone

    features = RevisionFeatures(tone)

    def extractor(text: str) -> frozenset[str]:
        return without_classes(features(text), drop)

    data = load(paths[work], drop)
    everything = {b for b, *_ in corpus.items}
    ts = train_set(corpus, data.features, everything, list(range(len(corpus.brands))),
                   list(range(len(corpus.requests))), args.inbound)  # fmt: skip
    allow_all = allowances(paths[work], variants)
    gates: list[tuple[str, np.ndarray | None]] = [("", None)]
    gates += [(v, np.array([a[i] for i in ts.index])) for v, a in allow_all.items()]
    models = train(ts, gates)
    probes = test_probes()
    benign_blocked: dict[str, int] = {}
    benign_complaint: dict[str, int] = {}
    cfg = rules_only(tone)
    rule_ids = {r.id for r in cfg.rules}
    # The probes alone, and as answers to a complaint (decision 0630: then a one-line probe also gets the
    # whole-reply warnings, no_apology and no_next_step, which open the ``warned`` gate).
    contexts = {"no inbound": None, "answering a complaint (-2)": tone.InboundContext(intent="complaint", sentiment=-2)}
    for model in models:
        print(f"\ntrained on everything (current rules){', ' + model.gate if model.gate else ''}: C={model.c}, "
              f"threshold {model.threshold:.3f}, {len(model.vocab)} features")  # fmt: skip
        for (where, ctx), kind in ((c, k) for c in contexts.items() for k in ("benign", "threat")):
            texts = probes[kind]
            feats = [extractor(t) for t in texts]
            probs = model.probabilities(feats)
            free = [features.free_hits(t) for t in texts]
            veto = [features.vetoes(t) for t in texts]
            verdicts = [_verdict_words(tone.check_tone(t, inbound=ctx, config=cfg), rule_ids) for t in texts]
            hits = [
                bool(p >= model.threshold) and (not model.gate or VARIANTS[model.gate](f, c, v))
                for p, f, c, v in zip(probs, free, veto, verdicts, strict=True)
            ]
            rules = [v == "block" for v in verdicts]
            both = [a or b for a, b in zip(hits, rules, strict=True)]
            verb = "blocked" if kind == "benign" else "caught"
            print(f"- {kind} probes {verb}, {where}: model {sum(hits)}/{len(texts)}, rules {sum(rules)}/{len(texts)}, "
                  f"rules|model {sum(both)}/{len(texts)}")  # fmt: skip
            if kind == "benign":
                # The criterion is on the probes alone (as pre-registered); answering a complaint is reported.
                (benign_blocked if ctx is None else benign_complaint)[model.gate] = sum(both)
                rows = sorted(zip(texts, feats, probs, free, veto, hits, strict=True), key=lambda x: -x[2])
                for t, f, p, fr, vt, hit in rows if ctx is None or model.gate in UNGATED_THRESHOLD else ():
                    if hit:
                        why = ", ".join(f"{n} {w:+.1f}" for n, w in model.contributions(f, 4))
                        print(f"    p={p:.2f} {t!r} (free hits: {', '.join(sorted(fr)) or 'none'}; "
                              f"cancelled: {', '.join(sorted(vt)) or 'none'})\n        {why}")  # fmt: skip
                if model.gate in ("veto", "vetofree") and ctx is None:
                    saved = sum(bool(p >= model.threshold) and bool(c) for p, c in zip(probs, veto, strict=True))
                    print(f"    benign probes over the threshold but vetoed: {saved}/{len(texts)}")
    model = models[0]
    print(f"\n{TOP} strongest features (towards block):")
    for name, w in model.strongest(TOP):
        print(f"  {w:+.2f}  {name}")
    print("10 strongest towards pass:")
    for name, w in model.weakest(10):
        print(f"  {w:+.2f}  {name}")
    coef = model.lr.coef_[0]
    off = sorted(((f, float(coef[j])) for f, j in model.vocab.items() if f.startswith("off:")), key=lambda x: x[1])
    print("rule hits the guard cancels (off:): " + ", ".join(f"{f} {w:+.2f}" for f, w in off))

    score_held_blind(held_blind, models, (extractor, features), args.inbound)

    for m in models:
        _criteria(total, m.gate, benign_blocked[m.gate], benign_complaint[m.gate])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
