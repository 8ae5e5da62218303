"""The intent model averaged with a Naive Bayes half against the intent model alone, pre-registered (decision 0236).

Usage::

    python benchmarks/intent_nb_cv.py [--sets dev,lay] [--seeds 0,1,2] [--verify]

The NB half is a multinomial Naive Bayes over the binary presence of the logistic regression's own term
vocabulary (the terms ``vectorise_fit`` keeps on the same rows), on the same training rows and labels, sample
weights = source weight x the logistic regression's class weight (``** LABEL_BALANCE``). A message gets
``P = (1 - w) P_LR + w P_NB``, the allowed argmax, then the rules as ``analyze_text`` applies them. Two variants,
fixed in the decision before any figure: ``NB-cv``, alpha and w chosen jointly per outer training set by an inner
grouped 3-fold CV on that training set's executive messages (11-class macro-F1), and ``NB-0.5``, w = 0.5 with
alpha from the same inner CV. The intent model alone (``A``, today) is computed in the same run on the same
features and folds.

Sets, folds, the one-message arithmetic, the rules and ``--verify`` (the flat arm equals
``crossval._fit_predict`` per message, or the run stops) are ``intent_hierarchy_cv.py``'s (decision 0235), which
this script imports. BLIND gets no confusion table: it is measured once.
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
from scipy import sparse
from sklearn.naive_bayes import MultinomialNB

from execdesk.analyze.linear import LinearModel
from execdesk.analyze.training import crossval as cv
from execdesk.analyze.training.metrics import format_report, prf
from execdesk.analyze.training.train import LABEL_BALANCE, SOURCE_WEIGHT

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intent_hierarchy_cv import Corpus, Decider, _proba, fit_flat, load_corpus
from signal_split import BLIND, DEV, chosen_sets

SETS = ("dev", "blind", "lay")
ALPHAS = (0.1, 0.3, 1.0)
WEIGHTS = tuple(round(0.1 * k, 1) for k in range(1, 10))  # 0.1 .. 0.9
FIXED_W = 0.5
ARMS = ("A", "NB-cv", "NB-0.5")


def presence_matrix(counts: Sequence[Counter[str]], vocab: dict[str, int]) -> sparse.csr_matrix:
    """0/1 rows: which of the vocabulary's terms each message has."""
    rows: list[int] = []
    cols: list[int] = []
    for i, c in enumerate(counts):
        js = sorted({j for j in map(vocab.get, c) if j is not None})
        rows.extend([i] * len(js))
        cols.extend(js)
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(counts), len(vocab)), dtype=np.float64)


def fit_nbs(c: Corpus, idx: Sequence[int], lr: LinearModel) -> dict[float, MultinomialNB]:
    """NB per alpha on the rows of ``idx`` with an intent, over ``lr``'s term vocabulary."""
    rows = [i for i in idx if c.examples[i].intent]
    y = np.asarray([str(c.examples[i].intent) for i in rows])
    names, sizes = np.unique(y, return_counts=True)
    n, k = float(sizes.sum()), len(names)
    cw = {str(a): (n / (k * float(m))) ** LABEL_BALANCE for a, m in zip(names, sizes, strict=True)}
    sw = np.asarray([SOURCE_WEIGHT.get(c.examples[i].source, 1.0) * cw[str(c.examples[i].intent)] for i in rows])
    X = presence_matrix([c.feats[0][i] for i in rows], lr.vocab)
    out = {}
    for a in ALPHAS:
        nb = MultinomialNB(alpha=a).fit(X, y, sample_weight=sw)
        if [str(x) for x in nb.classes_] != list(lr.classes):
            raise SystemExit("NB and the logistic regression disagree on the classes")
        out[a] = nb
    return out


@dataclass(slots=True)
class Scored:
    """Both halves' probabilities for test messages (rows in ``idx`` order)."""

    idx: list[int]
    classes: list[str]
    p_lr: np.ndarray  # (n, k)
    p_nb: dict[float, np.ndarray]  # alpha -> (n, k)


def score(c: Corpus, idx: Sequence[int], test: Sequence[int]) -> Scored:
    """Fit both halves on ``idx`` and score ``test`` as ``analyze_text`` sees each message."""
    lr = fit_flat(c, idx)
    nbs = fit_nbs(c, idx, lr)
    p_lr = np.asarray([_proba(lr, c.at_test[i]) for i in test]).reshape(len(test), len(lr.classes))
    X = presence_matrix([c.at_test[i].counts for i in test], lr.vocab)
    p_nb = {a: nb.predict_proba(X) for a, nb in nbs.items()}
    return Scored(list(test), list(lr.classes), p_lr, p_nb)


def decide(c: Corpus, dec: Decider, s: Scored, alpha: float, w: float) -> list[str]:
    p = (1.0 - w) * s.p_lr + w * s.p_nb[alpha] if w else s.p_lr
    cols = [j for j, name in enumerate(s.classes) if name in dec.allowed]
    out = []
    for r, i in enumerate(s.idx):
        if not cols:
            out.append(dec.finish(c.at_test[i], dec.default, 0.0))
            continue
        j = cols[int(np.argmax(p[r, cols]))]
        out.append(dec.finish(c.at_test[i], s.classes[j], float(p[r, j])))
    return out


def inner_choice(c: Corpus, dec: Decider, idx: Sequence[int]) -> tuple[tuple[float, float], float, float]:
    """Inner grouped 3-fold CV on ``idx`` (seed 0), both halves refitted per inner fold, the executive rows'
    pooled out-of-fold decisions scored by macro-F1: ((alpha, w) of NB-cv, its F1, alpha of NB-0.5)."""
    sub = [c.examples[i] for i in idx]
    parts = []
    for tr, te in cv._folds(sub, k=3, seed=0):
        parts.append(score(c, [idx[k] for k in tr], [idx[k] for k in te if c.is_exec(idx[k])]))
    pooled = Scored(
        [i for s in parts for i in s.idx],
        parts[0].classes,
        np.vstack([s.p_lr for s in parts]),
        {a: np.vstack([s.p_nb[a] for s in parts]) for a in ALPHAS},
    )
    if any(s.classes != pooled.classes for s in parts):
        raise SystemExit("inner folds disagree on the classes")
    gold = c.gold(pooled.idx)
    f1 = {(a, w): float(prf(gold, decide(c, dec, pooled, a, w))["macro_f1"]) for a in ALPHAS for w in WEIGHTS}
    best = max(f1, key=lambda aw: (round(f1[aw], 12), -aw[1], aw[0]))
    fixed = max(ALPHAS, key=lambda a: (round(f1[(a, FIXED_W)], 12), a))
    return best, f1[best], fixed


def predict_arms(c: Corpus, dec: Decider, idx: Sequence[int], test: Sequence[int], log: str) -> dict[str, list[str]]:
    """The three arms' intents for ``test``, every model and choice made on ``idx`` alone."""
    t0 = time.time()
    s = score(c, idx, test)
    (a_cv, w_cv), f_in, a_fix = inner_choice(c, dec, idx)
    print(
        f"{log}: NB-cv alpha={a_cv} w={w_cv} (inner macro-F1 {f_in:.3f}), NB-0.5 alpha={a_fix}"
        f" [{time.time() - t0:.0f}s]",
        file=sys.stderr,
        flush=True,
    )
    return {
        "A": decide(c, dec, s, a_cv, 0.0),
        "NB-cv": decide(c, dec, s, a_cv, w_cv),
        "NB-0.5": decide(c, dec, s, a_fix, FIXED_W),
    }


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
    """Arm A (``decide`` with w = 0 on ``score``'s probabilities) equals crossval's own ``_fit_predict`` per message
    (Ken Lay fold 0 of seed 0, first mailbox)."""
    tr, te = cv._folds([c.examples[i] for i in c.lay], seed=0)[0]
    test = [int(i) for i in te]
    idx = [int(i) for i in tr] + c.other + c.rest
    theirs = [p for p, _ in cv._fit_predict(c.examples, c.feats, idx, c.base, [c.examples[i] for i in test])]
    ours = decide(c, dec, score(c, idx, test), ALPHAS[0], 0.0)
    box = sorted({c.examples[i].group for i in c.other})[0]
    members = [i for i in c.other if c.examples[i].group == box]
    idx = [i for i in c.other if c.examples[i].group != box] + c.lay + c.rest
    theirs += [p for p, _ in cv._fit_predict(c.examples, c.feats, idx, c.base, [c.examples[i] for i in members])]
    ours += decide(c, dec, score(c, idx, members), ALPHAS[0], 0.0)
    same = sum(a == b for a, b in zip(ours, theirs, strict=True))
    print(f"verify: {same} of {len(ours)} arm-A predictions equal crossval._fit_predict's", flush=True)
    if same != len(ours):
        raise SystemExit("the runner does not follow crossval.py: fix it before reading any figure")


def nb_alone(c: Corpus) -> None:
    """DEV only: each half alone (argmax over all classes, no rules), per alpha: macro-F1, how many messages each
    sends to ``other`` and NB's median top probability (how far from 0/1 its posteriors are)."""
    parts, members_all = [], []
    for box in sorted(DEV):
        members = [i for i in c.other if c.examples[i].group == box]
        parts.append(score(c, [i for i in c.other if c.examples[i].group != box] + c.lay + c.rest, members))
        members_all += members
    gold = c.gold(members_all)
    classes = parts[0].classes
    p_lr = np.vstack([s.p_lr for s in parts])
    lr = [classes[j] for j in p_lr.argmax(1)]
    print(f"dev, LR alone: macro-F1 {prf(gold, lr)['macro_f1']:.3f}, other {lr.count('other')} of {len(lr)}")
    for a in ALPHAS:
        p_nb = np.vstack([s.p_nb[a] for s in parts])
        nb = [classes[j] for j in p_nb.argmax(1)]
        print(
            f"dev, NB alone alpha={a}: macro-F1 {prf(gold, nb)['macro_f1']:.3f}, other {nb.count('other')} of"
            f" {len(nb)}, median top P {float(np.median(p_nb.max(1))):.4f} (LR {float(np.median(p_lr.max(1))):.3f})",
            flush=True,
        )


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
    ap.add_argument("--nb-alone", action="store_true", help="DEV only: each half alone, then stop")
    args = ap.parse_args(argv)
    if args.nb_alone:
        nb_alone(load_corpus())
        return 0
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
