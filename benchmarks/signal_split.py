"""High-risk signal figures on a fixed DEV/BLIND split of the other executives' mailboxes (decision 0223).

Usage::

    python benchmarks/signal_split.py [--sets dev,lay,twcs-dev] [--against REV] [--errors SIGNAL,...]

The eight other mailboxes are split once, before any error was read, into DEV (rules are tuned on its
errors) and BLIND (measured once at the end, never read for errors). Ken Lay's labelled mail and the
customer tweets (twcs) guard recall. Each set's per-signal table is computed with the same code as
docs/QUALITY.md (``crossval.signal_figures``); ``--against REV`` adds the same table for the analyze
package as of ``REV``. ``--errors`` prints the false positives and misses with the rule's evidence,
and refuses to do so on BLIND: reading its errors would turn it into a second DEV set.

The labelled customer tweets are split the same way (decision 0232), before any of their errors was read:
``twcs-dev`` and ``twcs-blind`` by ``sha1("twcs-split:" + tweet id) % 2`` (0: DEV, 1: BLIND); ``twcs`` is
both halves.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from execdesk.analyze.pipeline import analyze_text
from execdesk.analyze.training.crossval import HIGH_RISK
from execdesk.analyze.training.data import Example, default_data_dir, load_enron, load_enron_other, load_twcs
from execdesk.analyze.training.metrics import format_signals, signal_scores

sys.path.insert(0, str(Path(__file__).resolve().parent))
from revision import package_at

DEV = ("buy-r", "delainey-d", "kean-s", "derrick-j")
BLIND = ("haedicke-m", "whalley-g", "lavorato-j", "kitchen-l")
SETS = ("dev", "blind", "lay", "twcs", "twcs-dev", "twcs-blind")
BLIND_SETS = ("blind", "twcs-blind", "twcs")  # measured, never read for errors (twcs holds twcs-blind)

Analyze = Callable[[str, str], set[str]]


def load_set(name: str, data_dir: Path) -> list[Example]:
    """One named evaluation set."""
    if name == "lay":
        return load_enron(data_dir)
    if name == "twcs":
        return load_twcs(data_dir)
    if name in ("twcs-dev", "twcs-blind"):
        half = 0 if name == "twcs-dev" else 1
        return [e for e in load_twcs(data_dir) if twcs_half(e.id) == half]
    boxes = DEV if name == "dev" else BLIND
    return [e for e in load_enron_other(data_dir) if e.group in boxes]


def twcs_half(tweet_id: str) -> int:
    """0 for twcs-dev, 1 for twcs-blind: a fixed hash of the tweet id, chosen before any error was read."""
    return int(hashlib.sha1(("twcs-split:" + tweet_id).encode()).hexdigest(), 16) % 2


def signals_of(package: ModuleType | None) -> Analyze:
    """The reported signal names for (subject, body), with the current analyze package or a revision's."""
    fn = analyze_text if package is None else package.analyze_text

    def run(subject: str, body: str) -> set[str]:
        return {s.name for s in fn(subject, body).signals}

    return run


def scores(exs: Sequence[Example], analyze: Analyze) -> dict[str, dict[str, float]]:
    """Per-signal tp/fp/fn and P/R/F1 over the high-risk signals."""
    gold = [set(e.signals) for e in exs]
    pred = [analyze(e.subject, e.body) for e in exs]
    return signal_scores(gold, pred, HIGH_RISK)


def print_errors(exs: Sequence[Example], wanted: set[str]) -> None:
    """False positives (with the firing rule's evidence) and misses (with the gold span)."""
    for e in exs:
        a = analyze_text(e.subject, e.body)
        pred = {s.name: s for s in a.signals}
        for name in sorted(wanted):
            hit = pred.get(name)
            if hit is not None and name not in e.signals:
                ev = " | ".join(x.text[:200] for x in hit.evidence)
                print(f"FP {name:13} {e.id:28} {hit.rule} {hit.strength:.2f} intent={a.intent.label}: {ev}")
            elif hit is None and name in e.signals:
                print(f"FN {name:13} {e.id:28} gold: {e.signals[name][:200]}")


def chosen_sets(ap: argparse.ArgumentParser, sets: str, valid: Sequence[str], *, errors: bool) -> list[str]:
    """The comma-separated set names, refusing unknown ones, and refusing error lists when a blind set is among them:
    reading BLIND's errors would turn it into a second DEV set."""
    names = [s for s in sets.split(",") if s]
    if unknown := set(names) - set(valid):
        ap.error(f"unknown sets {sorted(unknown)}; valid: {', '.join(valid)}")
    if errors and (blind := [n for n in names if n in BLIND_SETS]):
        ap.error(f"--errors is not allowed on the blind sets ({', '.join(blind)})")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--sets", default="dev,lay,twcs-dev", help=f"comma-separated, from {', '.join(SETS)}")
    ap.add_argument("--against", default=None, help="git revision to compare with (its analyze package)")
    ap.add_argument("--errors", default=None, help="print errors of these signals ('all': every high-risk one)")
    args = ap.parse_args(argv)
    data = args.data or default_data_dir()
    names = chosen_sets(ap, args.sets, SETS, errors=bool(args.errors))
    old = signals_of(package_at(args.against, "analyze")) if args.against else None
    new = signals_of(None)
    for name in names:
        exs = load_set(name, data)
        if old is not None:
            print(format_signals(f"{name} ({len(exs)} messages), {args.against}", scores(exs, old)))
        print(format_signals(f"{name} ({len(exs)} messages), this tree", scores(exs, new)))
        if args.errors:
            print_errors(exs, set(HIGH_RISK) if args.errors == "all" else set(args.errors.split(",")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
