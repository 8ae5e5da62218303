"""Tone guard latency on a 300-word reply (it runs live while the agent types).

Usage: ``python benchmarks/bench_tone.py [--n 2000]``. Prints p50/p99 of ``check_tone`` on
300-word replies built from real brand replies (twcs pairs.csv when present, else a fixed
text) with and without a threat sentence, and the ratio to a baseline measured in the same
run: one pass of ``re.findall(r"\\w+")`` plus ``str.lower`` over the same text (the least any
text check must do). It also times the same rules with their literal gates switched off
(decision 0609), to show what the gates save on this machine in this run. Every call is cold: the
whole-reply model's remembered sentences (decision 0630) are dropped before it; what the guard compiles on
first use is compiled before timing, as a server's start does (``tone.warm_up``, decision 0632). Last, the live case:
each reply re-checked with its last word edited, as while an agent types.
"""

from __future__ import annotations

import csv
import re
import statistics
import sys
import time

from execdesk.analyze.training.data import default_data_dir
from execdesk.reply.tone import InboundContext, ToneConfig, check_tone, default_config, warm_up
from execdesk.reply.tone.overall import forget_sentences

SHARED = default_data_dir() / "twcs_customer_support" / "pairs.csv"  # $EXECDESK_SHARED_DATA or ../shared/data
FALLBACK = (
    "Hi Sam, I'm sorry the engineer did not arrive on Tuesday. I have asked our field team to call you "
    "tomorrow morning with a firm date, and I will check in with you on Friday to make sure it is fixed. "
)
THREAT = "If you continue to send e-mails to the CEO, a cease-and-desist letter may be sent to you. "


def replies(n_words: int = 300, count: int = 50) -> list[str]:
    pool = [FALLBACK]
    if SHARED.exists():
        with SHARED.open(encoding="utf-8") as fh:
            pool = [r["brand_text"] for r in csv.DictReader(fh)]
    out: list[str] = []
    i = 0
    for k in range(count):
        words: list[str] = []
        while len(words) < n_words:
            words += pool[i % len(pool)].split()
            i += 1
        text = " ".join(words[:n_words])
        out.append(THREAT + text if k % 2 else text)
    return out


def timed(fn, texts: list[str], n: int, clock=time.perf_counter, cold: bool = True) -> list[float]:  # type: ignore[no-untyped-def]
    """Times of ``fn`` over ``texts`` in turn; ``cold``: the whole-reply model's remembered sentences are
    dropped before each call (outside the timing), so every call computes every sentence."""
    times = []
    for k in range(n):
        t = texts[k % len(texts)]
        if cold:
            forget_sentences()
        t0 = clock()
        fn(t)
        times.append(clock() - t0)
    return times


def typing(texts: list[str], n: int) -> list[str]:
    """The checks an agent typing causes: each reply in turn with its last word edited ``n // len(texts)``
    times (the live check re-runs on every pause while the rest of the reply is unchanged)."""
    per = max(1, n // len(texts))
    out: list[str] = []
    for t in texts:
        head = t.rsplit(" ", 1)[0]
        out += [f"{head} {'xyz'[: 1 + k % 3]}{k}" for k in range(per)]
    return out


def pct(xs: list[float], p: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(p * len(xs)))]


def ungated(cfg: ToneConfig) -> ToneConfig:
    """The same rules with every literal gate open (each pattern runs on every sentence)."""
    import dataclasses

    rules = tuple(
        dataclasses.replace(r, gates=(None,) * len(r.gates), require_gates=(None,) * len(r.require_gates))
        for r in cfg.rules
    )
    return dataclasses.replace(cfg, rules=rules)


def main(argv: list[str]) -> int:
    n = int(argv[argv.index("--n") + 1]) if "--n" in argv else 2000
    texts = replies()
    ctx = InboundContext(intent="complaint", sentiment=-1)
    warm_up()  # compile rules, branches and models once, as a server does at start (decision 0632)
    open_cfg = ungated(default_config())
    warm_up(open_cfg)
    word = re.compile(r"\w+")
    base = timed(lambda t: word.findall(t.lower()), texts, n, cold=False)
    tone = timed(lambda t: check_tone(t, inbound=ctx), texts, n)
    nogate = timed(lambda t: check_tone(t, inbound=ctx, config=open_cfg), texts, n)
    print(f"300-word replies, n={n} (half with a threat sentence)")
    print(
        f"baseline (lower + tokenise): p50 {statistics.median(base) * 1e3:.3f} ms, p99 {pct(base, 0.99) * 1e3:.3f} ms"
    )
    print(
        f"check_tone: p50 {statistics.median(tone) * 1e3:.3f} ms, p99 {pct(tone, 0.99) * 1e3:.3f} ms "
        f"(target p99 <= 20 ms)"
    )
    print(f"check_tone, gates off: p50 {statistics.median(nogate) * 1e3:.3f} ms, p99 {pct(nogate, 0.99) * 1e3:.3f} ms")
    # CPU time of this process only: on a shared machine the wall-clock tail includes the time
    # the OS gave to other jobs; this row shows what the check itself costs.
    cpu = timed(lambda t: check_tone(t, inbound=ctx), texts, n, clock=time.process_time)
    print(f"check_tone, CPU time: p50 {statistics.median(cpu) * 1e3:.3f} ms, p99 {pct(cpu, 0.99) * 1e3:.3f} ms")
    # While an agent types (the case the target is for), the whole-reply model finds every sentence but the
    # edited one already computed (decision 0630); the rules still run on the whole reply.
    edits = typing(texts, n)
    live = timed(lambda t: check_tone(t, inbound=ctx), edits, len(edits), cold=False)
    print(f"check_tone while typing (the last word edited): p50 {statistics.median(live) * 1e3:.3f} ms, "
          f"p99 {pct(live, 0.99) * 1e3:.3f} ms")  # fmt: skip
    print(
        f"ratio to baseline: p50 x{statistics.median(tone) / statistics.median(base):.0f}, "
        f"p99 x{pct(tone, 0.99) / pct(base, 0.99):.0f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
