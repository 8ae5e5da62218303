"""Train the politeness weights (strategies and function words) on the Stanford politeness corpus, cross-validated.

Usage: ``python -m execdesk.reply.tone.train [DATA_DIR] [--write]``. Prints per-community
10-fold AUC of the polite-vs-impolite quartiles and the cross-community AUC (train on one
community, test on the other); ``--write`` stores the model trained on both communities in
``politeness.json`` (only the quartile rows are used: neutral requests carry no label).
"""

from __future__ import annotations

import csv
import html
import json
import math
import sys
from pathlib import Path

from execdesk.analyze.training.data import default_data_dir
from execdesk.reply.tone.politeness import FUNCTION_WORDS, Cues, PolitenessModel, cues

COMMUNITIES = {"wikipedia": "wikipedia.annotated.csv", "stack_exchange": "stack_exchange.annotated.csv"}


def load(data_dir: Path, community: str) -> tuple[list[str], list[int]]:
    """Texts and labels (1 polite, 0 impolite) of one community's quartile rows."""
    texts: list[str] = []
    labels: list[int] = []
    with (data_dir / COMMUNITIES[community]).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            q = row["label_quartile"]
            if q in ("polite", "impolite"):
                texts.append(html.unescape(row["Request"]))
                labels.append(1 if q == "polite" else 0)
    return texts, labels


# Regularisation of the strategy weights and, much stronger, of the word weights: a word gets a
# weight only where many texts agree (decision 0620 chose 0.03 among 0.01/0.03).
C_STRATEGIES = 0.3
C_WORDS = 0.03
# A word must occur in this many training texts to get a weight of its own.
MIN_TEXTS_PER_WORD = 5


def weighed_words(xs: list[Cues]) -> list[str]:
    """The function words used by at least MIN_TEXTS_PER_WORD texts (the others get no weight)."""
    df: dict[str, int] = {}
    for cue in xs:
        for w in cue.words & FUNCTION_WORDS:
            df[w] = df.get(w, 0) + 1
    return sorted(w for w, n in df.items() if n >= MIN_TEXTS_PER_WORD)


def fit(xs: list[Cues], ys: list[int], c: float = C_STRATEGIES, c_words: float = C_WORDS) -> PolitenessModel:
    """One L2 logistic regression over the standardised strategies and the function words' presence (0/1).

    The word columns are multiplied by sqrt(c_words / c), which with one C for the whole model is
    the same as regularising them at c_words; the stored word weights are in logit units.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.asarray([cue.counts for cue in xs], dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    words = weighed_words(xs) if c_words > 0 else []
    col = {w: j for j, w in enumerate(words)}
    present = np.zeros((len(xs), len(words)))
    for i, cue in enumerate(xs):
        for w in cue.words:
            j = col.get(w)
            if j is not None:
                present[i, j] = 1.0
    factor = math.sqrt(c_words / c) if words else 1.0
    clf = LogisticRegression(C=c, max_iter=5000)
    clf.fit(np.hstack([(x - mean) / scale, present * factor]), np.asarray(ys))
    coef = clf.coef_[0]
    n = x.shape[1]
    return PolitenessModel(
        bias=float(clf.intercept_[0]),
        weights=tuple(round(float(w), 5) for w in coef[:n]),
        mean=tuple(round(float(v), 5) for v in mean),
        scale=tuple(round(float(v), 5) for v in scale),
        words={w: round(float(coef[n + j]) * factor, 5) for j, w in enumerate(words)},
    )


def auc(scores: list[float], labels: list[int]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def cv_auc(xs: list[Cues], ys: list[int], folds: int = 10) -> float:
    """Out-of-fold AUC of the model probability (stratified folds, fixed seed)."""
    from sklearn.model_selection import StratifiedKFold

    oof = [0.0] * len(ys)
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=0).split(xs, ys):
        m = fit([xs[i] for i in tr], [ys[i] for i in tr])
        for i in te:
            oof[i] = m.probability(xs[i])
    return auc(oof, ys)


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    data = Path(args[0]) if args else default_data_dir() / "stanford_politeness"
    sets = {c: load(data, c) for c in COMMUNITIES}
    feats = {c: [cues(t) for t in sets[c][0]] for c in COMMUNITIES}
    for c in COMMUNITIES:
        print(f"{c}: n={len(sets[c][1])} 10-fold AUC={cv_auc(feats[c], sets[c][1]):.3f}")
    (a, b) = COMMUNITIES
    for tr, te in ((a, b), (b, a)):
        m = fit(feats[tr], sets[tr][1])
        print(f"train {tr} -> test {te}: AUC={auc([m.probability(x) for x in feats[te]], sets[te][1]):.3f}")
    if "--write" in argv:
        model = fit(feats[a] + feats[b], sets[a][1] + sets[b][1])
        out = Path(__file__).with_name("politeness.json")
        out.write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
