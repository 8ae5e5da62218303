"""Train the politeness weights on the Stanford politeness corpus (development part), cross-validated.

Usage: ``python -m execdesk.reply.tone.train [DATA_DIR] [--write]``. Prints per-community
10-fold AUC of the polite-vs-impolite quartiles and the cross-community AUC (train on one
community, test on the other); ``--write`` stores the model trained on both communities in
``politeness.json`` (only the quartile rows are used: neutral requests carry no label).
"""

from __future__ import annotations

import csv
import html
import json
import sys
from pathlib import Path

from execdesk.reply.tone.politeness import PolitenessModel, features

COMMUNITIES = {"wikipedia": "wikipedia.annotated.csv", "stack_exchange": "stack_exchange.annotated.csv"}
DEFAULT_DATA = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "stanford_politeness"


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


def fit(xs: list[list[float]], ys: list[int], c: float = 0.3) -> PolitenessModel:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(xs, dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=c, max_iter=2000)
    clf.fit((x - mean) / scale, np.asarray(ys))
    return PolitenessModel(
        bias=float(clf.intercept_[0]),
        weights=tuple(round(float(w), 5) for w in clf.coef_[0]),
        mean=tuple(round(float(v), 5) for v in mean),
        scale=tuple(round(float(v), 5) for v in scale),
    )


def auc(scores: list[float], labels: list[int]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def cv_auc(xs: list[list[float]], ys: list[int], folds: int = 10) -> float:
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
    data = Path(args[0]) if args else DEFAULT_DATA
    sets = {c: load(data, c) for c in COMMUNITIES}
    feats = {c: [features(t) for t in sets[c][0]] for c in COMMUNITIES}
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
