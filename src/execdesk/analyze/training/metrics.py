"""Per-label precision/recall/F1, confusion matrices and per-signal scores (``execdesk eval``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any


def prf(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Per-label P/R/F1 with support, macro-F1 over labels present in gold, accuracy, confusion matrix."""
    labs = list(labels) if labels is not None else sorted(set(gold) | set(pred))
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    conf: dict[str, Counter[str]] = {g: Counter() for g in labs}
    for g, q in zip(gold, pred, strict=True):
        conf.setdefault(g, Counter())[q] += 1
        if g == q:
            tp[g] += 1
        else:
            fp[q] += 1
            fn[g] += 1
    per: dict[str, dict[str, float]] = {}
    for lab in labs:
        p = tp[lab] / (tp[lab] + fp[lab]) if tp[lab] + fp[lab] else 0.0
        r = tp[lab] / (tp[lab] + fn[lab]) if tp[lab] + fn[lab] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per[lab] = {"precision": p, "recall": r, "f1": f, "support": tp[lab] + fn[lab]}
    present = [lab for lab in labs if per[lab]["support"] > 0]
    macro = sum(per[lab]["f1"] for lab in present) / len(present) if present else 0.0
    acc = sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / len(gold) if gold else 0.0
    return {
        "per_label": per,
        "macro_f1": macro,
        "accuracy": acc,
        "n": len(gold),
        "labels": labs,
        "confusion": {g: dict(conf[g]) for g in labs if g in conf},
    }


def signal_scores(
    gold: Sequence[set[str]], pred: Sequence[set[str]], names: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Message-level P/R/F1 per signal (a message carries it or not)."""
    out = {}
    for n in names:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if n in g and n in p)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if n not in g and n in p)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if n in g and n not in p)
        p_ = tp / (tp + fp) if tp + fp else 0.0
        r_ = tp / (tp + fn) if tp + fn else 0.0
        out[n] = {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": p_,
            "recall": r_,
            "f1": 2 * p_ * r_ / (p_ + r_) if p_ + r_ else 0.0,
            "support": tp + fn,
        }
    return out


def format_report(title: str, res: dict[str, Any], confusion: bool = True) -> str:
    """Markdown tables for one label set."""
    lines = [
        f"### {title}",
        "",
        f"n = {res['n']}, accuracy {res['accuracy']:.3f}, **macro-F1 {res['macro_f1']:.3f}**",
        "",
        "| label | precision | recall | F1 | support |",
        "|---|---:|---:|---:|---:|",
    ]
    for lab in res["labels"]:
        r = res["per_label"][lab]
        if r["support"] == 0 and r["precision"] == 0:
            continue
        lines.append(f"| {lab} | {r['precision']:.2f} | {r['recall']:.2f} | {r['f1']:.2f} | {r['support']} |")
    if confusion:
        labs = [
            lab
            for lab in res["labels"]
            if res["per_label"][lab]["support"] or any(lab in row for row in res["confusion"].values())
        ]
        lines += [
            "",
            "Confusion (rows gold, columns predicted):",
            "",
            "| gold \\ pred | " + " | ".join(labs) + " |",
            "|---|" + "---:|" * len(labs),
        ]
        for g in labs:
            row = res["confusion"].get(g, {})
            if not sum(row.values()):
                continue
            lines.append(f"| {g} | " + " | ".join(str(row.get(p, 0)) for p in labs) + " |")
    return "\n".join(lines) + "\n"


def format_signals(title: str, scores: dict[str, dict[str, float]]) -> str:
    lines = [
        f"### {title}",
        "",
        "| signal | precision | recall | F1 | tp | fp | fn |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for n, s in scores.items():
        lines.append(
            f"| {n} | {s['precision']:.2f} | {s['recall']:.2f} | {s['f1']:.2f} | {s['tp']} | {s['fp']} | {s['fn']} |"
        )
    return "\n".join(lines) + "\n"
