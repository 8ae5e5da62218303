"""What the ordered split says about spam F1 on a set with the held-out copy's mix of folders.

Reproduce (about 2 min)::

    nice -n 19 .venv/bin/python benchmarks/spam_heldout_mix.py [--data ../shared/data]

The development copy is 16 % spam (500 of 3,177); the held-out copy of SpamAssassin described in
``../shared/data/spamassassin/README.md`` is about half spam (spam_2 1,396, easy_ham_2 1,400, hard_ham 73),
and F1 depends on that mix: the same false-positive rate costs less precision when spam is common.
This script trains the shipped spam model (logistic regression + Naive Bayes,
``crossval.spam_split_probabilities``) on the ordered split's training half, scores its test half (the
later-numbered half of each folder, our closest stand-in for later-collected mail), and prints per folder
the rate it gets wrong, then the F1 those rates give at the held-out mix. It is an estimate under one
assumption, stated in the output: that each held-out folder is misclassified at the rate of the same
folder's later half here.
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from pathlib import Path

from execdesk.analyze.training.crossval import spam_ordered_split, spam_split_probabilities
from execdesk.analyze.training.data import default_data_dir, load_spamassassin
from execdesk.analyze.training.train import spam_docs, spam_terms

# Sizes of the held-out copy's folders (../shared/data/spamassassin/README.md).
HELD_OUT_MIX = {"spam": 1396, "easy_ham": 1400, "hard_ham": 73}


def folder_error_rates(data_dir: Path) -> dict[str, tuple[int, int]]:
    """Per folder of the ordered split's test half: (messages wrongly classified, messages)."""
    sa = load_spamassassin(data_dir)
    tr, te = spam_ordered_split(sa)
    p, _p_lr, _alpha = spam_split_probabilities(sa, spam_terms(sa), spam_docs(sa), tr, te)
    wrong: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for i, prob in zip(te, p, strict=True):
        folder = sa[i].group.split("/")[0]
        is_spam = sa[i].intent == "spam"
        total[folder] += 1
        wrong[folder] += int((prob >= 0.5) != is_spam)
    return {f: (wrong[f], total[f]) for f in total}


def wilson_upper(wrong: int, n: int, z: float = 1.96) -> float:
    """Upper end of the 95 % Wilson interval of an error rate (how bad a folder could be, given its sample)."""
    p = wrong / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre + spread) / (1 + z * z / n)


def f1_at_mix(
    rates: dict[str, tuple[int, int]], mix: dict[str, int], pessimistic: bool = False
) -> tuple[float, float, float]:
    """Precision, recall and F1 of spam when each folder of ``mix`` has its ``rates`` error rate
    (with ``pessimistic``, every folder's rate at the upper end of its 95 % interval)."""

    def rate(f: str) -> float:
        w, n = rates[f]
        return wilson_upper(w, n) if pessimistic else w / n

    tp = mix["spam"] * (1 - rate("spam"))
    fn = mix["spam"] * rate("spam")
    fp = sum(mix[f] * rate(f) for f in mix if f != "spam")
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    return precision, recall, 2 * precision * recall / (precision + recall)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=None, help="the shared data folder (default: ../shared/data)")
    args = ap.parse_args()
    rates = folder_error_rates(args.data or default_data_dir())
    print("| folder (ordered split, test half) | wrong | messages | rate |")
    print("|---|---:|---:|---:|")
    for f, (w, n) in sorted(rates.items()):
        print(f"| {f} | {w} | {n} | {w / n:.3f} |")
    dev_mix = {f: n for f, (_w, n) in rates.items()}
    for name, mix in (("the test half itself", dev_mix), ("the held-out copy's mix", HELD_OUT_MIX)):
        p, r, f1 = f1_at_mix(rates, mix)
        lo = f1_at_mix(rates, mix, pessimistic=True)
        print(
            f"- at {name} ({', '.join(f'{k} {v}' for k, v in mix.items())}): P {p:.3f} R {r:.3f} F1 {f1:.3f}"
            f" (every folder at the upper end of its 95 % interval: P {lo[0]:.3f} R {lo[1]:.3f} F1 {lo[2]:.3f})"
        )
    print("Assumption: each held-out folder is misclassified at the rate of the same folder's later half here.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
