"""Analyze-stage speed on real parsed mail, against a baseline measured in the same run.

    .venv/bin/python benchmarks/bench_analyze.py [--n 1500]

Input: SpamAssassin messages from ../shared/data (easy_ham, hard_ham, spam), parsed once with
execdesk.parse (not timed). Timed, one core, one message at a time:
  baseline  stdlib email.message_from_bytes(policy=default) + get_body() text of the same raw bytes
  analyze   execdesk.analyze.analyze_message (models loaded once, before timing)
Prints msgs/s for both, their ratio, and p50/p99 latency per message for analyze.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from execdesk.analyze import analyze_message, default_config  # noqa: E402
from execdesk.analyze.models import load_models  # noqa: E402
from execdesk.analyze.training.data import default_data_dir, spamassassin_members  # noqa: E402
from execdesk.parse import ParseRefused, parse_message  # noqa: E402


def _stdlib(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain", "html"))
    try:
        return body.get_content() if body is not None else ""
    except Exception:
        return ""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1500)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    raws = []
    for _g, _name, raw in spamassassin_members(default_data_dir()):
        raws.append(raw)
    raws = raws[:: max(1, len(raws) // args.n)][: args.n]
    parsed = []
    for r in raws:
        with contextlib.suppress(ParseRefused):
            parsed.append(parse_message(r))
    cfg = default_config()
    load_models(cfg.models_dir)
    for p in parsed[:50]:  # warm caches (lexicons, language model)
        analyze_message(p, None, cfg)
    base_best = ana_best = float("inf")
    lat: list[float] = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for r in raws:
            _stdlib(r)
        base_best = min(base_best, time.perf_counter() - t0)
        t0 = time.perf_counter()
        for p in parsed:
            s = time.perf_counter()
            analyze_message(p, None, cfg)
            lat.append(time.perf_counter() - s)
        ana_best = min(ana_best, time.perf_counter() - t0)
    lat.sort()
    base_rate = len(raws) / base_best
    ana_rate = len(parsed) / ana_best
    p50 = statistics.median(lat) * 1000
    p99 = lat[int(0.99 * (len(lat) - 1))] * 1000
    chars = statistics.median(len(p.subject) + len(p.new_text or p.text) for p in parsed)
    print(
        f"messages: {len(parsed)} real SpamAssassin messages (median {chars:.0f} chars of sender text); best of {args.rounds} rounds"  # noqa: E501
    )
    print(f"baseline stdlib parse (policy=default + get_body): {base_rate:8.0f} msgs/s")
    print(
        f"analyze_message (one core, one at a time):        {ana_rate:8.0f} msgs/s   ({ana_rate / base_rate:.2f}x the baseline)"  # noqa: E501
    )
    print(f"analyze latency per message: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {lat[-1] * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
