"""The spam model's Naive Bayes half and ways to combine it with the logistic regression, on honest splits.

Reproduce (about 3 min on 2 busy cores)::

    nice -n 19 .venv/bin/python benchmarks/spam_model_experiment.py [--data ../shared/data]

Splits are those of ``execdesk.analyze.training.crossval.spam_figures`` (its own helpers): 5-fold
``StratifiedGroupKFold(shuffle=True, random_state=0)`` grouped by sender address (``e.sender or e.id``),
and the ordered split (per folder, lower-numbered half trains, upper half tests). Tokens, models and
the inner CV are the product's: ``train.spam_docs`` (the analysed text's tokens + ``spamtokens``'
header-field-prefixed tokens of the parsed message and URL tokens; no Received-chain or Message-ID
tokens, decision 0209),
``train.fit_presence_nb`` (multinomial NB over binary presence, exported as a linear model),
``train.train_spam`` (words of ``build_view`` + ``meta_tokens``, TF-IDF, LR C=10) and
``train.spam_inner_cv`` (3-fold CV grouped by sender on the training part).

Every choice (alpha, weights, caps) is made on the training part of each outer split; the test part
never chooses anything. Threshold 0.5 everywhere. Compared:

1. ``LR (before 0209)``: ``train_spam`` alone.
2. ``nb``: NB alone, alpha by the inner F1 of NB alone (grid ``SPAM_NB_ALPHAS``).
3. ``avg, alpha by nb``: mean of the two probabilities with the alpha of 2 (the first experiment's protocol).
4. ``shipped (0209)``: ``train.train_spam_nb``: the mean, alpha by the inner F1 of the mean.
5. ``weighted``: ``w * P_nb + (1 - w) * P_lr``, alpha and ``w`` (``WEIGHTS``) by the inner F1.
6. ``stacked``: a logistic regression over (logit P_lr, NB log-odds) fitted on the inner out-of-fold
   scores; the alpha of 2.
7. ``mean, top-K tokens``: NB summing only the K distinct tokens of largest |weight| (SpamBayes' "most
   discriminating clues"), K in ``TOPK`` chosen with alpha by the inner F1 of the mean.
8. ``mean, body cap K``: NB reading only the first K distinct words of the text (``CAPS``), chosen likewise.

The inner-CV F1 of each method's chosen setting is printed too (mean over the outer training parts;
optimistic for the methods with more settings to choose from). ``--drop PREFIX`` (repeatable) leaves
out the tokens with a prefix (ablations, e.g. ``url:path:``). The figures of the run behind decision 0209
and the token variants measured on the way are in that record.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from execdesk.analyze.linear import LinearModel  # noqa: E402
from execdesk.analyze.pipeline import combine_spam  # noqa: E402
from execdesk.analyze.training.crossval import spam_grouped_folds, spam_ordered_split  # noqa: E402
from execdesk.analyze.training.data import Example, default_data_dir, load_spamassassin  # noqa: E402
from execdesk.analyze.training.metrics import prf  # noqa: E402
from execdesk.analyze.training.train import (  # noqa: E402
    SPAM_NB_ALPHAS,
    SPAM_NB_WEIGHT,
    fit_presence_nb,
    spam_docs,
    spam_f1,
    spam_inner_cv,
    spam_terms,
    train_spam,
    train_spam_nb,
)

WEIGHTS = (0.2, 0.35, 0.5, 0.65, 0.8)
TOPK = (15, 50, 150, 0)  # 0: all tokens
CAPS = (100, 300, 0)  # 0: no cap

Docs = list[list[str]]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return combine_spam(np.zeros(len(z)), z, 1.0)


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


def _mean(p_lr: np.ndarray, z: np.ndarray) -> np.ndarray:
    return combine_spam(p_lr, z, SPAM_NB_WEIGHT)


def _topk_log_odds(model: LinearModel, docs: Docs, k: int) -> np.ndarray:
    """NB log-odds from the k distinct known tokens of largest |weight| of each doc (all when k == 0)."""
    if not k:
        return model.presence_log_odds(docs)
    b = float(model.intercept[0])
    out = np.empty(len(docs))
    for i, d in enumerate(docs):
        js = np.asarray([j for j in map(model.vocab.get, dict.fromkeys(d)) if j is not None], dtype=np.int64)
        w = model._col0[js]
        if len(w) > k:
            w = w[np.argsort(-np.abs(w), kind="stable")[:k]]
        out[i] = b + float(w.sum())
    return out


def _argmax(scores: dict[Any, float]) -> Any:
    best = max(scores.values())
    return next(k for k, v in scores.items() if v == best)  # first in grid order on ties


class Data:
    def __init__(self, sa: Sequence[Example], drop: tuple[str, ...]) -> None:
        self.sa = sa
        self.y = np.asarray([1 if e.intent == "spam" else 0 for e in sa])
        self.labels = ["spam" if v else "ham" for v in self.y]
        self.counts = spam_terms(sa)

        def keep(toks: list[str]) -> list[str]:
            return [t for t in toks if not t.startswith(drop)] if drop else toks

        # spam_docs: the product's tokens (the analysed text's distinct tokens, then the header tokens)
        docs = spam_docs(sa)
        body = [d[: len(d) - len(e.spam_header)] for d, e in zip(docs, sa, strict=True)]
        header = [keep(list(e.spam_header)) for e in sa]
        self.docs: dict[int, Docs] = {0: [keep(d) for d in docs] if drop else docs}
        for k in CAPS:
            if k:
                self.docs[k] = [b[:k] + h for b, h in zip(body, header, strict=True)]

    def nb(self, idx: np.ndarray, alpha: float, cap: int = 0) -> LinearModel:
        return fit_presence_nb([self.docs[cap][i] for i in idx], [self.labels[i] for i in idx], alpha)

    def z(self, model: LinearModel, idx: np.ndarray, cap: int = 0, k: int = 0) -> np.ndarray:
        return _topk_log_odds(model, [self.docs[cap][i] for i in idx], k)


def outer(data: Data, tr: np.ndarray, te: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, Any], dict[str, float]]:
    """Test-part probabilities of every method, the settings chosen on ``tr`` and their inner-CV F1."""
    sub = [data.sa[i] for i in tr]
    sub_counts = [data.counts[i] for i in tr]
    inner = spam_inner_cv(sub, sub_counts, [data.docs[0][i] for i in tr])
    y, p_in = inner.y, inner.p_lr
    # inner out-of-fold NB log-odds of the top-K and capped variants (positions in tr)
    z_in: dict[tuple[float, int, int], np.ndarray] = {(a, 0, 0): z for a, z in inner.z_nb.items()}
    for itr, ite in inner.folds:
        for a in SPAM_NB_ALPHAS:
            full = data.nb(tr[itr], a)
            for k in TOPK:
                if k:
                    z_in.setdefault((a, 0, k), np.zeros(len(tr)))[ite] = data.z(full, tr[ite], 0, k)
            for cap in CAPS:
                if cap:
                    z_in.setdefault((a, cap, 0), np.zeros(len(tr)))[ite] = data.z(
                        data.nb(tr[itr], a, cap), tr[ite], cap
                    )
    inner_f1: dict[str, dict[Any, float]] = {
        "nb": {a: spam_f1(y, _sigmoid(z_in[(a, 0, 0)])) for a in SPAM_NB_ALPHAS},
        "weighted": {
            (a, w): spam_f1(y, combine_spam(p_in, z_in[(a, 0, 0)], w)) for a in SPAM_NB_ALPHAS for w in WEIGHTS
        },
        "mean, top-K tokens": {(a, k): spam_f1(y, _mean(p_in, z_in[(a, 0, k)])) for a in SPAM_NB_ALPHAS for k in TOPK},
        "mean, body cap K": {(a, c): spam_f1(y, _mean(p_in, z_in[(a, c, 0)])) for a in SPAM_NB_ALPHAS for c in CAPS},
    }
    ch = {k: _argmax(v) for k, v in inner_f1.items()}
    a_nb = ch["nb"]
    stack = LogisticRegression(C=1.0, max_iter=1000).fit(np.column_stack([_logit(p_in), z_in[(a_nb, 0, 0)]]), y)
    c0, (c1, c2) = float(stack.intercept_[0]), map(float, stack.coef_[0])
    ch["stacked"] = (a_nb, c0, c1, c2)
    shipped = train_spam_nb(sub, sub_counts, [data.docs[0][i] for i in tr], inner)
    ch["shipped (0209)"] = shipped.meta["alpha"]
    scores = {k: v[ch[k]] for k, v in inner_f1.items()}
    scores["LR (before 0209)"] = spam_f1(y, p_in)
    scores["avg, alpha by nb"] = spam_f1(y, _mean(p_in, z_in[(a_nb, 0, 0)]))
    scores["shipped (0209)"] = shipped.meta["inner_cv_f1"][str(shipped.meta["alpha"])]
    scores["stacked"] = spam_f1(y, _sigmoid(c0 + c1 * _logit(p_in) + c2 * z_in[(a_nb, 0, 0)]))

    p_lr = np.asarray(train_spam(sub, sub_counts).positive_probabilities([data.counts[i] for i in te]))
    models: dict[tuple[float, int], LinearModel] = {}

    def z(alpha: float, cap: int = 0, k: int = 0) -> np.ndarray:
        if (alpha, cap) not in models:
            models[(alpha, cap)] = data.nb(tr, alpha, cap)
        return data.z(models[(alpha, cap)], te, cap, k)

    p: dict[str, np.ndarray] = {"LR (before 0209)": p_lr}
    p["nb"] = _sigmoid(z(a_nb))
    p["avg, alpha by nb"] = _mean(p_lr, z(a_nb))
    p["shipped (0209)"] = combine_spam(p_lr, shipped.presence_log_odds([data.docs[0][i] for i in te]), SPAM_NB_WEIGHT)
    a, w = ch["weighted"]
    p["weighted"] = combine_spam(p_lr, z(a), w)
    p["stacked"] = _sigmoid(c0 + c1 * _logit(p_lr) + c2 * z(a_nb))
    a, k = ch["mean, top-K tokens"]
    p["mean, top-K tokens"] = _mean(p_lr, z(a, 0, k))
    a, c = ch["mean, body cap K"]
    p["mean, body cap K"] = _mean(p_lr, z(a, c))
    return p, ch, scores


def run(data_dir: Path, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    t0 = time.perf_counter()
    data = Data(load_spamassassin(data_dir), drop)
    sa = data.sa
    print(f"loaded {len(sa)} messages in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    tr_idx, te_idx = spam_ordered_split(sa)
    splits = {
        "grouped": [(np.asarray(a), np.asarray(b)) for a, b in spam_grouped_folds(sa, data.labels)],
        "ordered": [(np.asarray(tr_idx), np.asarray(te_idx))],
    }
    results: dict[str, Any] = {}
    for name, folds in splits.items():
        probs: dict[str, np.ndarray] = {}
        chosen: dict[str, list[Any]] = {}
        inner: dict[str, list[float]] = {}
        for tr, te in folds:
            p, ch, sc = outer(data, tr, te)
            for k, v in p.items():
                probs.setdefault(k, np.full(len(sa), np.nan))[te] = v
            for k, v in ch.items():
                chosen.setdefault(k, []).append(v)
            for k, f in sc.items():
                inner.setdefault(k, []).append(f)
            print(f"{name}: fold done ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)
        test = np.concatenate([te for _, te in folds])
        gold = [data.labels[i] for i in test]
        scores, fps = {}, {}
        for k, pr in probs.items():
            pred = ["spam" if pr[i] >= 0.5 else "ham" for i in test]
            scores[k] = prf(gold, pred, ["spam", "ham"])["per_label"]["spam"]
            fp_folders = [sa[i].group.split("/")[0] for i, lab in zip(test, pred, strict=True) if lab == "spam"]
            fps[k] = {f: fp_folders.count(f) for f in ("easy_ham", "hard_ham")}
        results[name] = {
            "scores": scores,
            "chosen": chosen,
            "false_positives": fps,
            "inner": {k: float(np.mean(v)) for k, v in inner.items()},
        }
    results["seconds"] = time.perf_counter() - t0
    return results


def report(res: dict[str, Any]) -> str:
    rows = [
        "| model | grouped P | grouped R | grouped F1 | ordered P | ordered R | ordered F1 | inner-CV F1 "
        "(grouped / ordered) | FP grouped (easy/hard ham) | FP ordered |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for k in res["grouped"]["scores"]:
        g, o = res["grouped"]["scores"][k], res["ordered"]["scores"][k]
        fg, fo = res["grouped"]["false_positives"][k], res["ordered"]["false_positives"][k]
        rows.append(
            f"| {k} | {g['precision']:.3f} | {g['recall']:.3f} | {g['f1']:.3f} | "
            f"{o['precision']:.3f} | {o['recall']:.3f} | {o['f1']:.3f} | "
            f"{res['grouped']['inner'][k]:.3f} / {res['ordered']['inner'][k]:.3f} | "
            f"{fg['easy_ham']}/{fg['hard_ham']} | {fo['easy_ham']}/{fo['hard_ham']} |"
        )
    rows.append("")
    for split in ("grouped", "ordered"):
        for k, v in res[split]["chosen"].items():
            rows.append(f"settings chosen by inner CV, {split}, {k}: {_fmt(v)}")
    rows.append(f"total {res['seconds']:.0f}s")
    return "\n".join(rows)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--drop", action="append", default=[], help="leave out tokens with this prefix")
    args = ap.parse_args(argv)
    print(report(run(args.data or default_data_dir(), tuple(args.drop))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
