"""Analyze-stage speed on real parsed mail, against a baseline measured in the same run.

    .venv/bin/python benchmarks/bench_analyze.py [--n 1500]

Input: SpamAssassin messages from ../shared/data (easy_ham, hard_ham, spam), parsed once with
execdesk.parse (not timed). Timed, one core, one message at a time:
  baseline  stdlib email.message_from_bytes(policy=default) + get_body() text of the same raw bytes
  analyze   execdesk.analyze.analyze_message (models loaded once, before timing)
  batch     execdesk.analyze.analyze_batch on batches of --batch messages (what the ingest stage does)
Prints msgs/s for each (wall clock, and CPU time of this process: steadier on a loaded machine),
ratios to the baseline, and p50/p99 latency per message for analyze_message.
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

from execdesk.analyze import analyze_batch, analyze_message, default_config  # noqa: E402
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
    ap.add_argument("--batch", type=int, default=500, help="messages per analyze_batch call")
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
    inf = float("inf")
    base_best, ana_best, bat_best, base_cpu, ana_cpu, bat_cpu = inf, inf, inf, inf, inf, inf
    lat: list[float] = []
    lat_cpu: list[float] = []
    clock, cpu = time.perf_counter, time.process_time
    for _ in range(args.rounds):
        t0, c0 = clock(), cpu()
        for r in raws:
            _stdlib(r)
        base_best, base_cpu = min(base_best, clock() - t0), min(base_cpu, cpu() - c0)
        t0, c0 = clock(), cpu()
        for p in parsed:
            s, sc = clock(), cpu()
            analyze_message(p, None, cfg)
            lat.append(clock() - s)
            lat_cpu.append(cpu() - sc)
        ana_best, ana_cpu = min(ana_best, clock() - t0), min(ana_cpu, cpu() - c0)
        t0, c0 = clock(), cpu()
        for i in range(0, len(parsed), args.batch):
            analyze_batch(parsed[i : i + args.batch], None, cfg)
        bat_best, bat_cpu = min(bat_best, clock() - t0), min(bat_cpu, cpu() - c0)
    lat.sort()
    lat_cpu.sort()
    base_rate = len(raws) / base_best
    ana_rate = len(parsed) / ana_best
    bat_rate = len(parsed) / bat_best
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
    print(
        f"analyze_batch (one core, batches of {args.batch}):        {bat_rate:8.0f} msgs/s   ({bat_rate / base_rate:.2f}x the baseline)"  # noqa: E501
    )
    print(f"analyze latency per message: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {lat[-1] * 1000:.2f} ms")
    c99 = lat_cpu[int(0.99 * (len(lat_cpu) - 1))] * 1000
    print(
        f"CPU time: baseline {len(raws) / base_cpu:.0f} msgs/s, analyze_message {len(parsed) / ana_cpu:.0f} msgs/s, "
        f"analyze_batch {len(parsed) / bat_cpu:.0f} msgs/s; latency p50 {statistics.median(lat_cpu) * 1000:.2f} ms, "
        f"p99 {c99:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
