"""A threat model over the tone guard's own word classes, measured blind per batch (NOT shipped code).

Usage: ``nice -n 19 .venv/bin/python benchmarks/tone_class_model_cv.py [--inbound] [--semantic-only] [--show]
[--jobs N]``.

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

Features are cached per revision under benchmarks/out/tone_class_features/ (ignored by git); the
first run extracts them for 17 rule sets (~10 minutes on two cores), later runs take about three.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from revision import ROOT, package_at
from tone_threat_model_cv import Item, brand_replies, politeness_requests, test_probes, written_batches

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
SKIP_CLASSES = frozenset({"w"})  # "one word and its space": matches everything
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
INNER_FOLDS = 5
MIN_DF = 3  # a feature must occur in this many in-domain training texts
POLITENESS_WEIGHT = 0.1
MAX_PRAISED_FA = 0.02  # the model alone may block this share of training praised replies (out of fold)
TOP = 20
# Grammatical classes (who, modality, negation, "you"): ``--semantic-only`` leaves out every class
# feature that mentions one, to see whether the model then keys on meaning.
GRAMMATICAL = frozenset({"we", "modal", "we_modal", "negated", "force", "target_you", "further"})


# ---------------------------------------------------------------------------------------------- features


class ClassFeatures:
    """The class and rule features of a reply under one tone package (current or of a revision)."""

    def __init__(self, tone: ModuleType) -> None:
        self.cfg = tone.config.default_config()
        self.mask = tone.guard.mask
        self.sentences = tone.text.sentences
        self.negated = tone.guard._negated
        self.classes = [
            (name, re.compile(r"(?<![a-z0-9])(?:" + pat.pattern + r")(?![a-z0-9])", re.S))
            for name, pat in self.cfg.lexicon.items()
            if name not in SKIP_CLASSES
        ]
        self.rules = list(self.cfg.rules)

    def __call__(self, text: str) -> frozenset[str]:
        out: set[str] = set()
        prev_classes: list[str] = []
        prev = ""
        for sent in self.sentences(self.mask(text, self.cfg)):
            s = sent.text
            cls = sorted(name for name, pat in self.classes if pat.search(s))
            out.update(f"c:{c}" for c in cls)
            out.update(f"cc:{a}+{b}" for a, b in combinations(cls, 2))
            out.update(f"pc:{a}>{b}" for a in prev_classes for b in cls)
            for rule in self.rules:
                if not any(p.search(s) for p in rule.patterns):
                    continue
                out.add(f"pat:{rule.id}")
                back = getattr(rule, "requires_previous", False)  # older revisions lack it
                if not all(q.search(s) or (back and q.search(prev)) for q in rule.requires):
                    continue
                if rule.requires:
                    out.add(f"req:{rule.id}")
                if self._cancelled(rule, s, prev):
                    out.add(f"off:{rule.id}")
            prev_classes, prev = cls, s
        return frozenset(out)

    def _cancelled(self, rule: Any, s: str, prev: str) -> bool:
        """The guard would not report the rule here: every match negated, or an ``unless`` matches."""
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


def _extract(job: tuple[str, Corpus, list[int], str]) -> Path:
    """Worker: features of the whole corpus under ``rev`` (and the verdicts of the texts in ``verdict_of``)."""
    rev, corpus, verdict_of, unpack = job
    out = CACHE / f"{rev}-{corpus.digest()}.pkl"
    if out.exists():
        return out
    if rev.startswith(WORKTREE):
        import execdesk.reply.tone as tone
    else:
        tone = package_at(rev, "reply.tone", into=Path(unpack))
    feats = ClassFeatures(tone)
    texts = corpus.texts
    data = RevisionData([feats(t) for t in texts])
    n_items = len(corpus.items)
    for i in verdict_of:
        inbound = corpus.items[i][3] if i < n_items else None
        ctx = tone.InboundContext(**inbound) if inbound else None
        data.verdicts[i] = str(tone.check_tone(texts[i], inbound=ctx).verdict)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(data))
    tmp.replace(out)
    return out


# ---------------------------------------------------------------------------------------------- folds


def batch_order(batch: str) -> int:
    return int(batch.removeprefix("batch"))


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


def to_matrix(feats: Sequence[frozenset[str]], vocab: dict[str, int]) -> Any:
    from scipy.sparse import csr_matrix

    rows, cols = [], []
    for r, fs in enumerate(feats):
        for f in fs:
            j = vocab.get(f)
            if j is not None:
                rows.append(r)
                cols.append(j)
    return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(feats), len(vocab)))


@dataclass
class TrainSet:
    feats: list[frozenset[str]]
    label: np.ndarray  # 1 = must block
    praised: np.ndarray  # bool: a praised written reply
    politeness: np.ndarray  # bool: a politeness request (out of domain, small weight)
    group: np.ndarray  # inner-CV fold of each text

    def weights(self, idx: np.ndarray) -> np.ndarray:
        lab, pol = self.label[idx], self.politeness[idx]
        n_pos = max(1, int(lab.sum()))
        n_neg = int(((lab == 0) & ~pol).sum())
        return np.where(lab == 1, n_neg / n_pos, np.where(pol, POLITENESS_WEIGHT, 1.0))


def _vocab(feats: Sequence[frozenset[str]], in_domain: np.ndarray) -> dict[str, int]:
    df: Counter[str] = Counter()
    for fs, keep in zip(feats, in_domain, strict=True):
        if keep:
            df.update(fs)
    return {f: j for j, f in enumerate(sorted(f for f, n in df.items() if n >= MIN_DF))}


def _fit(ts: TrainSet, idx: np.ndarray, c: float) -> tuple[dict[str, int], Any]:
    from sklearn.linear_model import LogisticRegression

    feats = [ts.feats[i] for i in idx]
    vocab = _vocab(feats, ~ts.politeness[idx])
    lr = LogisticRegression(C=c, solver="liblinear", max_iter=1000)
    lr.fit(to_matrix(feats, vocab), ts.label[idx], sample_weight=ts.weights(idx))
    return vocab, lr


def _threshold(scores: np.ndarray, praised: np.ndarray) -> float:
    """The lowest threshold at which at most MAX_PRAISED_FA of the praised scores reach it."""
    p = np.sort(scores[praised])[::-1]
    allowed = int(MAX_PRAISED_FA * len(p))
    return float(np.nextafter(p[allowed], 1.0)) if allowed < len(p) else 0.0


def train(ts: TrainSet) -> Trained:
    """C and the threshold by grouped inner CV (out-of-fold scores), then a fit on all of ``ts``."""
    best: tuple[float, float, float, float] | None = None  # recall, -C, C, threshold
    everything = np.arange(len(ts.feats))
    for c in C_GRID:
        oof = np.zeros(len(ts.feats))
        for g in range(INNER_FOLDS):
            tr, te = everything[ts.group != g], everything[ts.group == g]
            vocab, lr = _fit(ts, tr, c)
            oof[te] = lr.predict_proba(to_matrix([ts.feats[i] for i in te], vocab))[:, 1]
        t = _threshold(oof, ts.praised)
        recall = float((oof[ts.label == 1] >= t).mean())
        if best is None or (recall, -c) > best[:2]:
            best = (recall, -c, c, t)
    assert best is not None
    vocab, lr = _fit(ts, everything, best[2])
    return Trained(vocab, lr, best[2], best[3], best[0])


def train_set(corpus: Corpus, feats: list[frozenset[str]], batches: set[str], brands: list[int], requests: list[int],
              inbound: bool) -> TrainSet:  # fmt: skip
    """Training texts: the written items of ``batches``, the brand replies and requests at the given indices."""
    order = sorted(batches, key=batch_order)
    ni, nb = len(corpus.items), len(corpus.brands)
    fs: list[frozenset[str]] = []
    label, praised, pol, group = [], [], [], []
    for i, (b, e, _, ib) in enumerate(corpus.items):
        if b in batches:
            fs.append(feats[i] | inbound_features(ib) if inbound else feats[i])
            label.append(int(e == "block"))
            praised.append(e == "ok")
            pol.append(False)
            group.append(order.index(b) % INNER_FOLDS)
    for base, indices, is_request in ((ni, brands, False), (ni + nb, requests, True)):
        for i in indices:
            fs.append(feats[base + i])
            label.append(0)
            praised.append(False)
            pol.append(is_request)
            group.append(i % INNER_FOLDS)
    return TrainSet(fs, np.array(label), np.array(praised), np.array(pol), np.array(group))


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


def run_fold(corpus: Corpus, fold: Fold, data: RevisionData, inbound: bool, show: bool) -> tuple[Tally, Trained]:
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
    model = train(ts)
    tally = Tally()
    test = [i for i, (b, *_) in enumerate(corpus.items) if b == fold.batch]
    feats = [data.features[i] | inbound_features(corpus.items[i][3]) if inbound else data.features[i] for i in test]
    probs = model.probabilities(feats)
    for i, p in zip(test, probs, strict=True):
        _, expect, text, _ = corpus.items[i]
        rules = data.verdicts[i]
        hit = bool(p >= model.threshold)
        if expect == "block":
            tally.add("rules_block", rules == "block")
            tally.add("model_block", hit)
            tally.add("both_block", rules == "block" or hit)
            if show and hit and rules != "block":
                print(f"    + caught ({p:.2f}): {text[:140]!r}")
        elif expect == "ok":
            tally.add("rules_fa", rules != "ok")
            tally.add("rules_fa_block", rules == "block")
            tally.add("model_fa", hit)
            tally.add("both_fa", rules != "ok" or hit)
            tally.add("both_fa_block", rules == "block" or hit)
            if show and hit:
                print(f"    - praised blocked ({p:.2f}): {text[:140]!r}")
    for key, base, held in (("twcs", ni, fold.held_brands), ("polite", ni + nb, fold.held_requests)):
        idx = [base + i for i in held]
        probs = model.probabilities([data.features[i] for i in idx])
        for i, p in zip(idx, probs, strict=True):
            tally.add(f"{key}_rules", data.verdicts[i] == "block")
            tally.add(f"{key}_model", bool(p >= model.threshold))
            tally.add(f"{key}_both", data.verdicts[i] == "block" or bool(p >= model.threshold))
    return tally, model


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


def _row(label: str, t: Tally, extra: str = "") -> str:
    cols = ("rules_block", "rules_fa", "model_block", "model_fa", "both_block", "both_fa")
    return f"{label:<17}" + " ".join(f"{t.fmt(c):<16}" for c in cols) + extra


def _summary(name: str, t: Tally) -> None:
    print(_row(name, t))
    print(f"  praised blocked (not only warned): rules {t.fmt('rules_fa_block')}, rules|model {t.fmt('both_fa_block')}")
    for key, what in (("twcs", "twcs brand replies"), ("polite", "politeness requests")):
        print(f"  {what} blocked on held-out tenths: rules {t.fmt(key + '_rules')}, "
              f"model {t.fmt(key + '_model')}, rules|model {t.fmt(key + '_both')}")  # fmt: skip


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inbound", action="store_true", help="add the inbound intent and sentiment as features")
    ap.add_argument("--show", action="store_true", help="print what each fold's model adds and its false alarms")
    ap.add_argument("--semantic-only", action="store_true", help="leave out the GRAMMATICAL class features")
    ap.add_argument("--jobs", type=int, default=2, help="processes extracting features (default 2)")
    args = ap.parse_args(argv)

    corpus = Corpus(written_batches(), brand_replies(), politeness_requests())
    folds = outer_folds(corpus)
    print(f"{len(corpus.items)} written items, {len(corpus.brands)} twcs brand replies, "
          f"{len(corpus.requests)} politeness requests; C grid {C_GRID}, min_df {MIN_DF}, "
          f"threshold: model alone blocks <= {MAX_PRAISED_FA} of training praised (out of fold)"
          + (", with inbound features" if args.inbound else "")
          + (f", without the class features of {sorted(GRAMMATICAL)}" if args.semantic_only else ""))  # fmt: skip
    drop = GRAMMATICAL if args.semantic_only else frozenset()
    work = f"{WORKTREE}{_worktree_digest()}"
    with tempfile.TemporaryDirectory(prefix="execdesk_revs_") as unpack:
        needed: dict[str, set[int]] = {}
        for f in folds:
            needed.setdefault(f.rev, set()).update(verdicts_needed(corpus, f))
        jobs = [(rev, corpus, sorted(idx), unpack) for rev, idx in needed.items()]
        jobs.append((work, corpus, [], unpack))
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            paths = dict(zip([rev for rev, *_ in jobs], pool.map(_extract, jobs), strict=True))

    total, fresh = Tally(), Tally()  # batches 9-23 (the criteria), and the unfitted 24-25
    print("\nFA = praised replies warned or blocked; thr = threshold chosen on the training folds")
    print(f"{'batch   rev':<17}" + " ".join(f"{c:<16}" for c in ("rules block", "rules FA", "model block",
          "model FA", "rules|model block", "rules|model FA")) + "C     thr   inner recall")  # fmt: skip
    for fold in folds:
        if args.show:
            print(f"  {fold.batch}:")
        tally, model = run_fold(corpus, fold, load(paths[fold.rev], drop), args.inbound, args.show)
        if fold.batch in CRITERION_BATCHES:
            total += tally
        else:
            fresh += tally
        print(_row(f"{fold.batch:<8}{fold.rev}", tally, f"{model.c:<5} {model.threshold:.3f} {model.inner_recall:.3f}"))
    _summary("batches 9-23", total)
    if fresh.counts:
        _summary("batches 24-25", fresh)

    # A model trained on everything, with the current rules, on the hand-written probes.
    import execdesk.reply.tone as tone

    features = ClassFeatures(tone)

    def extractor(text: str) -> frozenset[str]:
        return without_classes(features(text), drop)

    data = load(paths[work], drop)
    everything = {b for b, *_ in corpus.items}
    ts = train_set(corpus, data.features, everything, list(range(len(corpus.brands))),
                   list(range(len(corpus.requests))), args.inbound)  # fmt: skip
    model = train(ts)
    probes = test_probes()
    print(f"\ntrained on everything (current rules): C={model.c}, threshold {model.threshold:.3f}, "
          f"{len(model.vocab)} features")  # fmt: skip
    benign_blocked = 0
    for kind in ("benign", "threat"):
        texts = probes[kind]
        feats = [extractor(t) for t in texts]
        probs = model.probabilities(feats)
        hits = [bool(p >= model.threshold) for p in probs]
        rules = [tone.check_tone(t).verdict == "block" for t in texts]
        both = [a or b for a, b in zip(hits, rules, strict=True)]
        verb = "blocked" if kind == "benign" else "caught"
        print(f"- {kind} probes {verb}: model {sum(hits)}/{len(texts)}, rules {sum(rules)}/{len(texts)}, "
              f"rules|model {sum(both)}/{len(texts)}")  # fmt: skip
        if kind == "benign":
            benign_blocked = sum(hits)
            for t, f, p in sorted(zip(texts, feats, probs, strict=True), key=lambda x: -x[2]):
                if p >= model.threshold:
                    why = ", ".join(f"{n} {w:+.1f}" for n, w in model.contributions(f, 4))
                    print(f"    p={p:.2f} {t!r}\n        {why}")
    print(f"\n{TOP} strongest features (towards block):")
    for name, w in model.strongest(TOP):
        print(f"  {w:+.2f}  {name}")
    print("10 strongest towards pass:")
    for name, w in model.weakest(10):
        print(f"  {w:+.2f}  {name}")
    coef = model.lr.coef_[0]
    off = sorted(((f, float(coef[j])) for f, j in model.vocab.items() if f.startswith("off:")), key=lambda x: x[1])
    print("rule hits the guard cancels (off:): " + ", ".join(f"{f} {w:+.2f}" for f, w in off))

    rb, mb = total.frac("rules_block"), total.frac("both_block")
    rf, mf = total.frac("rules_fa"), total.frac("both_fa")
    twcs = total.frac("twcs_both")
    checks = {
        "blind block recall +0.10": mb - rb >= 0.10,
        "praised false alarms +0.02 at most": mf - rf <= 0.02,
        "twcs blocks <= 0.3 %": twcs <= 0.003,
        "no benign probe blocked": benign_blocked == 0,
    }
    print(f"\nbatches 9-23: block recall {rb:.3f} -> {mb:.3f} ({mb - rb:+.3f}); "
          f"praised false alarms {rf:.3f} -> {mf:.3f} ({mf - rf:+.3f}); twcs blocked {twcs:.4f}")  # fmt: skip
    for name, ok in checks.items():
        print(f"  {'pass' if ok else 'FAIL'}: {name}")
    print("worth shipping" if all(checks.values()) else "not worth shipping")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
