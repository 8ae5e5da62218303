"""Intent figures on a fixed DEV/BLIND split of the other executives' mailboxes and on Ken Lay's mail (decision 0228).

Usage::

    python benchmarks/intent_split.py [--sets dev,lay] [--seeds 0,1,2] [--errors]

The split is ``signal_split.py``'s (decision 0223): intent rules and cue families are tuned on DEV's errors
and Ken Lay's; BLIND is measured once at the start and once at the end, never read for errors. Each DEV or
BLIND mailbox is predicted by models trained without it (the other seven mailboxes, Ken Lay's mail and the
auxiliary sets), and Ken Lay's mail by the 5-fold grouped CV, one run per fold seed: the protocol of
docs/QUALITY.md, with the same functions (``crossval.mailbox_left_out``, ``crossval.model_cv_runs``).
``--errors`` prints each wrong prediction with the rule that decided it, if any (dev and lay only).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from execdesk.analyze.models import ModelSet
from execdesk.analyze.pipeline import analyze_text
from execdesk.analyze.training import crossval as cv
from execdesk.analyze.training.data import Example, default_data_dir, load_enron, load_enron_other, load_spamassassin
from execdesk.analyze.training.metrics import format_report, prf
from execdesk.analyze.training.train import (
    DEFAULT_SOURCES,
    aux_examples,
    spam_terms,
    train_request,
    train_spam,
    train_spam_nb,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from signal_split import BLIND, DEV, chosen_sets

SETS = ("dev", "blind", "lay")


def base_models(data_dir: Path) -> ModelSet:
    """The request and spam models every fold shares (as ``crossval.run`` builds them)."""
    sa = load_spamassassin(data_dir)
    counts = spam_terms(sa)
    return ModelSet(None, None, train_spam(sa, counts), train_request(data_dir), "cv", train_spam_nb(sa, counts))


def mailbox_predictions(data_dir: Path, base: ModelSet, boxes: Sequence[str]) -> tuple[list[Example], list[str]]:
    """The messages of ``boxes`` and their intents, each mailbox left out of training in turn."""
    enron = load_enron(data_dir)
    other = load_enron_other(data_dir)
    aux = aux_examples(data_dir, [s for s in DEFAULT_SOURCES if s != "enron_other"])
    pred = cv.mailbox_left_out(enron, other, aux, base, set(boxes))
    keep = [i for i, e in enumerate(other) if e.group in boxes]
    return [other[i] for i in keep], [pred[i] for i in keep]


def lay_predictions(data_dir: Path, base: ModelSet, seeds: Sequence[int]) -> tuple[list[Example], list[list[str]]]:
    """Ken Lay's messages and their out-of-fold intents, one list per fold seed."""
    enron = load_enron(data_dir)
    aux = aux_examples(data_dir, DEFAULT_SOURCES)
    runs = cv.model_cv_runs(enron, aux, base, [cv._folds(enron, seed=s) for s in seeds])
    return enron, [pi for pi, _ in runs]


def print_errors(exs: Sequence[Example], pred: Sequence[str]) -> None:
    """Each wrong intent with the shipped analysis' rule when a rule decided it (rules do not depend on the fold)."""
    for e, p in zip(exs, pred, strict=True):
        if p == e.intent:
            continue
        a = analyze_text(e.subject, e.body)
        why = a.intent.source if a.intent.label == p and a.intent.source.startswith("rule:") else "model"
        ev = " | ".join(x.text[:80] for x in a.intent.evidence) if why != "model" else ""
        body = " ".join(e.body.split())[:240]
        print(f"ERR {e.id} gold={e.intent} pred={p} by={why} {ev}\n    subj: {e.subject[:100]}\n    body: {body}")


def report(name: str, exs: Sequence[Example], pred: Sequence[str], errors: bool) -> float:
    """Print one set's per-label table (no confusion, no errors for BLIND); return its macro-F1."""
    res = prf([e.intent or "" for e in exs], list(pred))
    print(format_report(f"{name} ({len(exs)} messages)", res, confusion=name != "blind"))
    if errors and name != "blind":
        print_errors(exs, pred)
    return float(res["macro_f1"])


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--sets", default="dev,lay", help=f"comma-separated, from {', '.join(SETS)}")
    ap.add_argument("--seeds", default="0", help="Ken Lay's fold seeds, comma-separated (QUALITY.md: 0,1,2)")
    ap.add_argument("--errors", action="store_true", help="print the wrong intents (dev and lay only)")
    args = ap.parse_args(argv)
    data = args.data or default_data_dir()
    names = chosen_sets(ap, args.sets, SETS, errors=args.errors)
    base = base_models(data)
    summary = []
    gold: list[str] = []  # every set's messages (Ken Lay's: the first seed), for the all-mail figure
    got: list[str] = []
    for name in names:
        if name == "lay":
            seeds = [int(s) for s in args.seeds.split(",")]
            exs, runs = lay_predictions(data, base, seeds)
            f1s = [
                report(f"lay seed {s}", exs, pi, args.errors and s == seeds[0])
                for s, pi in zip(seeds, runs, strict=True)
            ]
            summary.append(f"lay: macro-F1 {sum(f1s) / len(f1s):.3f} ({', '.join(f'{f:.3f}' for f in f1s)})")
            pred = runs[0]
        else:
            exs, pred = mailbox_predictions(data, base, DEV if name == "dev" else BLIND)
            summary.append(f"{name}: macro-F1 {report(name, exs, pred, args.errors):.3f}")
        gold += [e.intent or "" for e in exs]
        got += pred
    if len(names) > 1:
        summary.append(f"{'+'.join(names)} ({len(gold)}): macro-F1 {prf(gold, got)['macro_f1']:.3f}")
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
