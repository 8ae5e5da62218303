"""Do the tone rules of a revision and of the working tree give the same findings?

Usage: ``python benchmarks/tone_same_findings.py [REV]`` (default HEAD). Checks every written
batch, all twcs brand replies and all Stanford politeness requests (when ../shared/data is
present) with both, and prints each text whose findings, verdict or score differ. Used to show
that a speed-up changes nothing (decision 0613).
"""

from __future__ import annotations

import csv
import sys

import yaml
from revision import ROOT, package_at

from execdesk.reply.tone import check_tone

DATA = ROOT.parent / "shared" / "data"


def texts() -> list[str]:
    out: list[str] = []
    for f in sorted((ROOT / "tests" / "reply" / "fixtures").glob("tone_*.yaml")):
        for v in (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).values():
            if isinstance(v, list):
                out += [c["text"] for c in v if isinstance(c, dict) and "text" in c]
    twcs = DATA / "twcs_customer_support" / "pairs.csv"
    if twcs.exists():
        with twcs.open(encoding="utf-8") as fh:
            out += [r["brand_text"] for r in csv.DictReader(fh)]
    for name in ("wikipedia", "stack_exchange"):
        p = DATA / "stanford_politeness" / f"{name}.annotated.csv"
        if p.exists():
            with p.open(encoding="utf-8") as fh:
                out += [r["Request"] for r in csv.DictReader(fh)]
    return out


def main(argv: list[str]) -> int:
    old = package_at(argv[0] if argv else "HEAD", "reply.tone")
    corpus = texts()
    differ = 0
    for t in corpus:
        a, b = check_tone(t), old.check_tone(t)
        fa = [(f.rule, f.start, f.end) for f in a.findings]
        fb = [(f.rule, f.start, f.end) for f in b.findings]
        if fa != fb or a.verdict != b.verdict or a.front_page_score != b.front_page_score:
            differ += 1
            print(f"{t[:100]!r}\n  now: {fa}\n  was: {fb}")
    print(f"{len(corpus)} texts, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
