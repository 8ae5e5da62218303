"""A two-stage intent decision against the flat intent model, pre-registered (decision 0235).

Usage::

    python benchmarks/intent_hierarchy_cv.py [--sets dev,lay] [--seeds 0,1,2] [--verify]

Stage 1 is a binary logistic regression "other" / "not_other", stage 2 a multiclass one trained on the
not-``other`` rows only; both over the flat intent model's features, rows, source weights, C and class-weight
balance (``fit_label_model``'s). A message the rules do not decide (spam model P >= 0.9, a speech-act rule) gets
the stage-2 argmax when P1(not_other) >= t, else ``other``. Two variants, fixed in the decision before any
figure: ``H-cv``, t chosen per outer training set by an inner grouped 3-fold CV on that training set's executive
messages (11-class macro-F1, grid 0.10..0.90), and ``H-0.5``, t = 0.5. The flat model (``A``, today's decision)
is computed in the same run on the same features and folds.

Sets are ``intent_split.py``'s (decision 0228): ``dev`` and ``blind`` (the mailboxes of ``signal_split.py``,
each predicted by models trained without it: the other seven mailboxes, Ken Lay's mail and the auxiliary sets)
and ``lay`` (the grouped 5-fold CV, one run per fold seed). BLIND gets no confusion table: it is measured once.
The runner follows decision 0227's (``sentence_embedding_cv.py``): crossval's base models and
``featurise_examples`` for training, ``featurize`` + the rules as ``analyze_text`` sees each held-out message,
the same one-message ``batchmath`` arithmetic. ``--verify`` first checks, per message, that the flat arm equals
``crossval._fit_predict`` on Ken Lay's fold 0 of seed 0 and on the first mailbox, and stops if not.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from execdesk.analyze import batchmath as bm
from execdesk.analyze.config import default_config
from execdesk.analyze.cues import DENSE_NAMES
from execdesk.analyze.linear import LinearModel
from execdesk.analyze.pipeline import _intent_rule, featurize
from execdesk.analyze.training import crossval as cv
from execdesk.analyze.training.data import Example, default_data_dir, load_enron, load_enron_other
from execdesk.analyze.training.metrics import format_report, prf
from execdesk.analyze.training.train import (
    DEFAULT_SOURCES,
    LABEL_BALANCE,
    SOURCE_WEIGHT,
    aux_examples,
    featurise_examples,
    fit_label_model,
    fit_linear,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intent_split import base_models
from signal_split import BLIND, DEV, chosen_sets

SETS = ("dev", "blind", "lay")
GRID = tuple(round(0.10 + 0.05 * k, 2) for k in range(17))  # 0.10 .. 0.90
OTHER = "other"
ARMS = ("A", "H-cv", "H-0.5")


@dataclass(slots=True)
class AtTest:
    """What ``analyze_text`` computes for a held-out message before the intent model."""

    counts: Counter[str]
    dense: list[float]
    spam_prob: float
    rule: tuple[str, float] | None  # a strong intent rule's (label, strength)


@dataclass(slots=True)
class Corpus:
    """Every labelled example featurised once, in crossval's order: Ken Lay's mail, the other executives',
    then twcs / CFPB / SpamAssassin."""

    examples: list[Example]
    feats: tuple[list[Counter[str]], list[list[float]]]
    at_test: list[AtTest]  # Ken Lay's and the other executives' messages, as analyze_text sees them
    n_lay: int
    n_other: int
    base: Any

    @property
    def lay(self) -> list[int]:
        return list(range(self.n_lay))

    @property
    def other(self) -> list[int]:
        return list(range(self.n_lay, self.n_lay + self.n_other))

    @property
    def rest(self) -> list[int]:
        return list(range(self.n_lay + self.n_other, len(self.examples)))

    def gold(self, idx: Sequence[int]) -> list[str]:
        return [str(self.examples[i].intent or "") for i in idx]

    def is_exec(self, i: int) -> bool:
        return i < self.n_lay + self.n_other


def load_corpus() -> Corpus:
    t0 = time.time()
    data = default_data_dir()
    base = base_models(data)
    enron, other = load_enron(data), load_enron_other(data)
    rest = aux_examples(data, [s for s in DEFAULT_SOURCES if s != "enron_other"])
    examples = [*enron, *other, *rest]
    feats = featurise_examples(examples, base)
    cfg = default_config()
    override_min = float(cfg.raw["intent"]["rule_override_min"])
    at_test = []
    for e in [*enron, *other]:
        f = featurize(e.subject, e.body, base, enabled=cfg.enabled_signals)
        rule = _intent_rule(f, cfg.intents, override_min)
        at_test.append(AtTest(f.counts, f.dense, f.spam_prob, (rule.label, rule.confidence) if rule else None))
    print(f"features ready in {time.time() - t0:.0f}s", file=sys.stderr, flush=True)
    return Corpus(examples, feats, at_test, len(enron), len(other), base)


# ---- models ----------------------------------------------------------------------------------------------


def fit_flat(c: Corpus, idx: Sequence[int]) -> LinearModel:
    """Today's intent model on the rows at ``idx`` (crossval's ``_fit_predict``)."""
    sub = [c.examples[i] for i in idx]
    return fit_label_model("intent", sub, ([c.feats[0][i] for i in idx], [c.feats[1][i] for i in idx]), {})


def _fit(c: Corpus, rows: Sequence[int], y: Sequence[str]) -> LinearModel:
    """``fit_label_model``'s fit (C=2, min_df=2, source weights, class weights ** LABEL_BALANCE) on ``rows``."""
    return fit_linear(
        [c.feats[0][i] for i in rows],
        y,
        [c.feats[1][i] for i in rows],
        [SOURCE_WEIGHT.get(c.examples[i].source, 1.0) for i in rows],
        C=2.0,
        min_df=2,
        meta={},
        dense_names=DENSE_NAMES,
        balance=LABEL_BALANCE,
    )


def fit_stages(c: Corpus, idx: Sequence[int]) -> tuple[LinearModel, LinearModel]:
    """Stage 1 (other / not_other) on the rows with an intent; stage 2 on the rows whose intent is not other."""
    rows = [i for i in idx if c.examples[i].intent]
    s1 = _fit(c, rows, [OTHER if c.examples[i].intent == OTHER else "not_other" for i in rows])
    rows2 = [i for i in rows if c.examples[i].intent != OTHER]
    s2 = _fit(c, rows2, [str(c.examples[i].intent) for i in rows2])
    return s1, s2


def _proba(model: LinearModel, t: AtTest) -> np.ndarray:
    """The one-message arithmetic of ``analyze_text`` (``batchmath.multiclass`` on one message)."""
    sp = bm.model_entries(model, [t.counts])
    return bm.multiclass(model, sp, [model.dense_in_order(t.dense, DENSE_NAMES)]).proba[0]


class Decider:
    """The rules and the allowed intents of the default configuration, as ``_analyze_many`` applies them."""

    def __init__(self) -> None:
        cfg = default_config()
        ic = cfg.raw["intent"]
        self.allowed = set(cfg.intents)
        self.default = str(cfg.raw["taxonomy"]["default_intent"])
        self.spam_threshold = float(ic["spam_threshold"])
        self.rules = bool(ic.get("rules", True))
        self.min_conf = float(ic.get("min_confidence", 0.0))

    def finish(self, t: AtTest, label: str, conf: float) -> str:
        """The spam override, the rule override and the minimum confidence after the model's label."""
        if "spam" in self.allowed and t.spam_prob >= self.spam_threshold and label != "spam":
            label, conf = "spam", t.spam_prob
        if self.rules and t.rule is not None and t.rule[0] != label:
            label, conf = t.rule
        return self.default if conf < self.min_conf else label

    def argmax(self, model: LinearModel, row: np.ndarray) -> tuple[str, float]:
        """The allowed class with the highest probability, the first in class order on a tie."""
        cols = [j for j, name in enumerate(model.classes) if name in self.allowed]
        if not cols:
            return self.default, 0.0
        j = cols[int(np.argmax(row[cols]))]
        return str(model.classes[j]), float(row[j])

    def flat(self, c: Corpus, model: LinearModel, idx: Sequence[int]) -> list[str]:
        out = []
        for i in idx:
            t = c.at_test[i]
            out.append(self.finish(t, *self.argmax(model, _proba(model, t))))
        return out

    def stage_scores(self, c: Corpus, s1: LinearModel, s2: LinearModel, idx: Sequence[int]) -> list[Staged]:
        j_not = s1.classes.index("not_other")
        out = []
        for i in idx:
            t = c.at_test[i]
            p1 = float(_proba(s1, t)[j_not])
            label, p2 = self.argmax(s2, _proba(s2, t))
            out.append(Staged(i, p1, label, p2))
        return out

    def hier(self, c: Corpus, staged: Sequence[Staged], t: float) -> list[str]:
        out = []
        for s in staged:
            if s.p1 >= t:
                label, conf = s.label2, s.p1 * s.p2
            else:
                label, conf = OTHER, 1.0 - s.p1
            out.append(self.finish(c.at_test[s.i], label, conf))
        return out


@dataclass(slots=True)
class Staged:
    i: int
    p1: float  # stage 1's P(not_other)
    label2: str  # stage 2's allowed argmax
    p2: float


def inner_threshold(c: Corpus, dec: Decider, idx: Sequence[int]) -> tuple[float, float]:
    """H-cv's t: inner grouped 3-fold CV on the training rows ``idx`` (seed 0), both stages refitted per inner
    fold, the executive rows' pooled out-of-fold decisions scored by macro-F1; (t, its inner macro-F1)."""
    sub = [c.examples[i] for i in idx]
    staged: list[Staged] = []
    for tr, te in cv._folds(sub, k=3, seed=0):
        s1, s2 = fit_stages(c, [idx[k] for k in tr])
        staged += dec.stage_scores(c, s1, s2, [idx[k] for k in te if c.is_exec(idx[k])])
    gold = c.gold([s.i for s in staged])
    f1 = {t: float(prf(gold, dec.hier(c, staged, t))["macro_f1"]) for t in GRID}
    best = max(GRID, key=lambda t: (round(f1[t], 12), -abs(t - 0.5), -t))
    return best, f1[best]


def predict_arms(c: Corpus, dec: Decider, idx: Sequence[int], test: Sequence[int], log: str) -> dict[str, list[str]]:
    """The three arms' intents for ``test``, every model fitted on ``idx`` alone."""
    t0 = time.time()
    flat = dec.flat(c, fit_flat(c, idx), test)
    s1, s2 = fit_stages(c, idx)
    staged = dec.stage_scores(c, s1, s2, test)
    t_cv, f_in = inner_threshold(c, dec, idx)
    print(
        f"{log}: H-cv t={t_cv:.2f} (inner macro-F1 {f_in:.3f}) [{time.time() - t0:.0f}s]", file=sys.stderr, flush=True
    )
    return {"A": flat, "H-cv": dec.hier(c, staged, t_cv), "H-0.5": dec.hier(c, staged, 0.5)}


def lay_runs(c: Corpus, dec: Decider, seed: int) -> dict[str, list[str]]:
    """Ken Lay's mail, grouped 5-fold CV with this fold seed (crossval.model_cv_runs' folds and rows)."""
    pred = {a: [""] * c.n_lay for a in ARMS}
    rest = c.other + c.rest
    for k, (tr, te) in enumerate(cv._folds([c.examples[i] for i in c.lay], seed=seed)):
        test = [int(i) for i in te]
        got = predict_arms(c, dec, [int(i) for i in tr] + rest, test, f"lay seed {seed} fold {k}")
        for a in ARMS:
            for i, p in zip(test, got[a], strict=True):
                pred[a][i] = p
    return pred


def mailbox_runs(c: Corpus, dec: Decider, boxes: Sequence[str]) -> tuple[list[int], dict[str, list[str]]]:
    """The messages of ``boxes``, each mailbox predicted by models trained without it (crossval._left_out)."""
    members_all: list[int] = []
    pred: dict[str, list[str]] = {a: [] for a in ARMS}
    for box in sorted(boxes):
        members = [i for i in c.other if c.examples[i].group == box]
        idx = [i for i in c.other if c.examples[i].group != box] + c.lay + c.rest
        got = predict_arms(c, dec, idx, members, f"mailbox {box}")
        members_all += members
        for a in ARMS:
            pred[a] += got[a]
    return members_all, pred


def verify(c: Corpus, dec: Decider) -> None:
    """The flat arm equals crossval's own ``_fit_predict`` per message (Ken Lay fold 0 of seed 0, first mailbox)."""
    tr, te = cv._folds([c.examples[i] for i in c.lay], seed=0)[0]
    test = [int(i) for i in te]
    idx = [int(i) for i in tr] + c.other + c.rest
    theirs = [p for p, _ in cv._fit_predict(c.examples, c.feats, idx, c.base, [c.examples[i] for i in test])]
    ours = dec.flat(c, fit_flat(c, idx), test)
    box = sorted({c.examples[i].group for i in c.other})[0]
    members = [i for i in c.other if c.examples[i].group == box]
    idx = [i for i in c.other if c.examples[i].group != box] + c.lay + c.rest
    theirs += [p for p, _ in cv._fit_predict(c.examples, c.feats, idx, c.base, [c.examples[i] for i in members])]
    ours += dec.flat(c, fit_flat(c, idx), members)
    same = sum(a == b for a, b in zip(ours, theirs, strict=True))
    print(f"verify: {same} of {len(ours)} flat predictions equal crossval._fit_predict's", flush=True)
    if same != len(ours):
        raise SystemExit("the runner does not follow crossval.py: fix it before reading any figure")


def _per_label(name: str, res: dict[str, dict[str, Any]]) -> list[str]:
    rows = [f"{name}: per-intent F1 (support)", "", "| intent | support | " + " | ".join(ARMS) + " |"]
    rows.append("|---|---:|" + "---:|" * len(ARMS))
    labels = sorted(set().union(*(r["per_label"].keys() for r in res.values())))
    for lab in labels:
        sup = res["A"]["per_label"].get(lab, {"support": 0})["support"]
        if not sup:
            continue
        f1s = " | ".join(f"{res[a]['per_label'].get(lab, {'f1': 0.0})['f1']:.2f}" for a in ARMS)
        rows.append(f"| {lab} | {sup} | {f1s} |")
    return [*rows, ""]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="dev,lay", help=f"comma-separated, from {', '.join(SETS)}")
    ap.add_argument("--seeds", default="0,1,2", help="Ken Lay's fold seeds, comma-separated")
    ap.add_argument("--verify", action="store_true", help="check the flat arm against crossval first")
    args = ap.parse_args(argv)
    names = chosen_sets(ap, args.sets, SETS, errors=False)
    c = load_corpus()
    dec = Decider()
    if args.verify:
        verify(c, dec)
    summary = []
    for name in names:
        if name == "lay":
            seeds = [int(s) for s in args.seeds.split(",")]
            gold = c.gold(c.lay)
            per_seed: dict[str, list[float]] = {a: [] for a in ARMS}
            for seed in seeds:
                pred = lay_runs(c, dec, seed)
                res = {a: prf(gold, pred[a]) for a in ARMS}
                for a in ARMS:
                    per_seed[a].append(float(res[a]["macro_f1"]))
                print(f"lay seed {seed}: " + ", ".join(f"{a} {res[a]['macro_f1']:.3f}" for a in ARMS), flush=True)
                if seed == seeds[0]:
                    for a in ARMS:
                        print(format_report(f"lay seed {seed}, {a} ({len(gold)} messages)", res[a]), flush=True)
                    print("\n".join(_per_label(f"lay seed {seed}", res)), flush=True)
            means = {a: sum(v) / len(v) for a, v in per_seed.items()}
            summary.append(
                "lay (mean over seeds "
                + ",".join(map(str, seeds))
                + "): "
                + ", ".join(f"{a} {means[a]:.3f} ({' / '.join(f'{x:.3f}' for x in per_seed[a])})" for a in ARMS)
                + " | delta vs A: "
                + ", ".join(f"{a} {means[a] - means['A']:+.3f}" for a in ARMS[1:])
            )
        else:
            members, pred = mailbox_runs(c, dec, DEV if name == "dev" else BLIND)
            gold = c.gold(members)
            res = {a: prf(gold, pred[a]) for a in ARMS}
            for a in ARMS:
                print(format_report(f"{name}, {a} ({len(gold)} messages)", res[a], confusion=name != "blind"))
            print("\n".join(_per_label(name, res)), flush=True)
            f = {a: float(res[a]["macro_f1"]) for a in ARMS}
            summary.append(
                f"{name}: "
                + ", ".join(f"{a} {f[a]:.3f} (acc {res[a]['accuracy']:.3f})" for a in ARMS)
                + " | delta vs A: "
                + ", ".join(f"{a} {f[a] - f['A']:+.3f}" for a in ARMS[1:])
            )
    print("\n".join(summary), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
