"""Analyze-stage speed on real parsed mail, against a baseline measured in the same run.

    .venv/bin/python benchmarks/bench_analyze.py [--n 1500]

Input: SpamAssassin messages from ../shared/data (easy_ham, hard_ham, spam), parsed once with
execdesk.parse (not timed). Timed, one core, one message at a time:
  baseline  stdlib email.message_from_bytes(policy=default) + get_body() text of the same raw bytes
  analyze   execdesk.analyze.analyze_message (models loaded once, before timing)
  batch     execdesk.analyze.analyze_batch on batches of --batch messages (what the ingest stage does)
Prints msgs/s for each (wall clock, and CPU time of this process: steadier on a loaded machine),
ratios to the baseline, and p50/p99 latency per message for analyze_message.

    .venv/bin/python benchmarks/bench_analyze.py --against REV

A/B instead: the analyze package of git revision REV (``git archive``, imported under another
name; parse and the models' files are shared) and the working tree's, on the same messages in
alternating slices (and alternating order per message for latency), CPU time: load on a shared
machine hits both alike. Prints each side's msgs per CPU-second in batch, p50/p99 one at a time,
and the speed-up: of the summed CPU times, and the median of the slices' own ratios (which one slice
slowed by another process cannot move). With ``--freeze``, the warmed-up heap (both packages' models) is
frozen first: the collector's passes over it, each charged to whichever side happens to run, then do not
move the ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from revision import package_at  # noqa: E402

from execdesk.analyze import analyze_batch, analyze_message, default_config  # noqa: E402
from execdesk.analyze.models import load_models  # noqa: E402
from execdesk.analyze.training.data import default_data_dir, spamassassin_members  # noqa: E402
from execdesk.parse import ParseRefused, parse_message  # noqa: E402
from execdesk.parse.model import ParsedMessage  # noqa: E402


def _stdlib(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain", "html"))
    try:
        return body.get_content() if body is not None else ""
    except Exception:
        return ""


def _against(rev: str, parsed: list[ParsedMessage], batch: int, rounds: int, freeze: bool = False) -> None:
    cpu = time.process_time
    with tempfile.TemporaryDirectory() as tmp:
        old = package_at(rev, "analyze", Path(tmp))
        sides = {"old": (old, old.default_config()), "new": (sys.modules["execdesk.analyze"], default_config())}
        for mod, cfg in sides.values():
            # one untimed pass over every slice and message: a kernel compiles for each argument type it first
            # meets, and REV's copy has no on-disk cache, so a first meeting in the timed part charged a compile
            # (~0.3 s) to REV alone (decision 0231)
            for i in range(0, len(parsed), batch):
                mod.analyze_batch(parsed[i : i + batch], None, cfg)
            for p in parsed:
                mod.analyze_message(p, None, cfg)
        if freeze:
            # the collector's passes over both packages' models (100-250 ms each, decision 0222) land on
            # whichever side runs when they fall due; frozen, neither side pays them
            gc.collect()
            gc.freeze()
        spent = {"old": 0.0, "new": 0.0}
        lat: dict[str, list[float]] = {"old": [], "new": []}
        pairs: list[float] = []  # old / new CPU time of each slice, the two runs back to back
        for r in range(rounds):
            for k, i in enumerate(range(0, len(parsed), batch)):
                took = {}
                for name in ("old", "new") if (k + r) % 2 else ("new", "old"):
                    mod, cfg = sides[name]
                    c0 = cpu()
                    mod.analyze_batch(parsed[i : i + batch], None, cfg)
                    took[name] = cpu() - c0
                    spent[name] += took[name]
                pairs.append(took["old"] / took["new"])
            for k, p in enumerate(parsed):
                for name in ("old", "new") if (k + r) % 2 else ("new", "old"):
                    mod, cfg = sides[name]
                    c0 = cpu()
                    mod.analyze_message(p, None, cfg)
                    lat[name].append(cpu() - c0)
    if freeze:
        gc.unfreeze()
    n = rounds * len(parsed)
    print(
        f"messages: {len(parsed)} real SpamAssassin messages, {rounds} rounds, CPU time, alternating slices of {batch}"
        + (", warmed-up heap frozen" if freeze else "")
    )
    for name, label in (("old", rev), ("new", "working tree")):
        ls = sorted(lat[name])
        print(
            f"{label:>14}: analyze_batch {n / spent[name]:6.0f} msgs/CPU-s; analyze_message p50 "
            f"{statistics.median(ls) * 1000:.2f} ms, p99 {ls[int(0.99 * (len(ls) - 1))] * 1000:.2f} ms"
        )
    print(f"speed-up in batch: {spent['old'] / spent['new']:.2f}x")
    # a slice slowed by another process (2-3x on a shared host) moves the ratio of the sums; the median of
    # the slices' own ratios does not (decision 0231)
    print(f"median of the {len(pairs)} slices' speed-ups: {statistics.median(pairs):.2f}x")


def benchmark_messages(n: int) -> tuple[list[bytes], list[ParsedMessage]]:
    """``n`` SpamAssassin messages spread over the corpus (raw bytes) and those of them that parse."""
    raws = [raw for _g, _name, raw in spamassassin_members(default_data_dir())]
    raws = raws[:: max(1, len(raws) // n)][:n]
    parsed = []
    for r in raws:
        with contextlib.suppress(ParseRefused):
            parsed.append(parse_message(r))
    return raws, parsed


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=500, help="messages per analyze_batch call")
    ap.add_argument(
        "--against", metavar="REV", help="A/B: the analyze package of this git revision vs the working tree"
    )
    ap.add_argument(
        "--freeze",
        action="store_true",
        help="with --against: gc.freeze() after the warm-up (the collector's passes over both models not charged)",
    )
    args = ap.parse_args()
    raws, parsed = benchmark_messages(args.n)
    cfg = default_config()
    load_models(cfg.models_dir)
    if args.against:
        _against(args.against, parsed, args.batch, args.rounds, args.freeze)
        return 0
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
