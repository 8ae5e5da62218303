"""Do the tone rules of a revision and of the working tree give the same findings?

Usage: ``python benchmarks/tone_same_findings.py [REV]`` (default HEAD). Checks every written
batch, all twcs brand replies and all Stanford politeness requests (when ../shared/data is
present) with both, and prints each text whose findings, verdict or score differ. Used to show
that a speed-up changes nothing (decision 0613).
"""

from __future__ import annotations

import sys

from revision import package_at
from tone_threat_model_cv import POLITENESS, TWCS, brand_replies, politeness_requests, written_batches

from execdesk.reply.tone import check_tone


def texts() -> list[str]:
    out = [text for _, _, text, _ in written_batches(pattern="tone_*.yaml")]
    if TWCS.exists():
        out += brand_replies()
    if POLITENESS.exists():
        out += politeness_requests()
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
