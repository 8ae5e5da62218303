"""Import throughput vs a bare standard-library parse of the same messages, same run.

    .venv/bin/python benchmarks/bench_import.py [--rounds 3]

Baseline: ``email.message_from_bytes(raw, policy=email.policy.default)`` plus body
extraction (``get_body`` + ``get_content``) over the messages held in memory.
Measured: ``execdesk import`` of the same messages as .eml files into a fresh SQLite home
(reading the files, parse, blob store with fsync, database commit), through the same
core function the CLI uses, once without the analyze stage (the foundation's figure) and
once with the default pipeline. Rounds alternate; the best round of each side is reported.
Everything runs on one CPU core. The ratio is the figure; absolute rates vary with load. Each side
is timed twice: wall clock (what a user waits, fsync included) and CPU time of this process
(``time.process_time``), which other jobs on a shared machine disturb far less.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import pin_to_one_core, spamassassin_messages

from execdesk.analyze import analyze_message
from execdesk.campaigns.runtime import forget_runtime
from execdesk.ingest.batch import import_paths
from execdesk.ingest.stages import INGEST_STAGES
from execdesk.parse import parse_message
from execdesk.pipeline import Pipeline
from execdesk.settings import load_settings
from execdesk.store import Store

Timing = tuple[float, float]  # (wall seconds, CPU seconds)


def _now() -> Timing:
    return time.perf_counter(), time.process_time()


def _since(started: Timing) -> Timing:
    wall, cpu = _now()
    return wall - started[0], cpu - started[1]


def stdlib_parse(raws: list[bytes]) -> Timing:
    started = _now()
    for raw in raws:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
        if body is not None:
            with contextlib.suppress(LookupError, ValueError, AssertionError):
                body.get_content()
    return _since(started)


def execdesk_import(src: Path, work: Path, n: int, *, analyze: bool) -> Timing:
    home = work / "home"
    shutil.rmtree(home, ignore_errors=True)
    settings = load_settings(home)
    store = Store.open(settings)
    stages = INGEST_STAGES if analyze else [s for s in INGEST_STAGES if s.name != "analyze"]
    started = _now()
    summary = import_paths(store, [src], pipeline=Pipeline(stages))
    elapsed = _since(started)
    store.close()
    forget_runtime(settings.db_url, home)  # the next round's fresh home is another store (decision 0312)
    assert summary["imported"] + summary["duplicates"] + summary["quarantined"] == n, summary
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    pin_to_one_core()
    raws = spamassassin_messages()
    n = len(raws)
    with tempfile.TemporaryDirectory(prefix="execdesk-bench-") as tmp:
        work = Path(tmp)
        src = work / "mail"
        src.mkdir()
        for i, raw in enumerate(raws):
            (src / f"{i:05d}.eml").write_bytes(raw)
        base: list[Timing] = []
        imp: list[Timing] = []
        full: list[Timing] = []
        analyze_message(parse_message(raws[0]))  # load the models once, as a running desk has them
        for _ in range(args.rounds):
            base.append(stdlib_parse(raws))
            imp.append(execdesk_import(src, work, n, analyze=False))
            full.append(execdesk_import(src, work, n, analyze=True))
        print(f"messages: {n} (SpamAssassin easy_ham + hard_ham + spam), one core, best of {args.rounds}")
        for i, clock in enumerate(("wall clock", "CPU time")):
            b, m, f = (min(t[i] for t in side) for side in (base, imp, full))
            print(f"-- {clock}")
            print(f"baseline stdlib parse (policy=default + body):  {n / b:8.0f} msgs/s")
            print(f"import: parse + durable store (no analysis):    {n / m:8.0f} msgs/s  {b / m:5.2f}x baseline")
            print(f"import with analysis (the default pipeline):    {n / f:8.0f} msgs/s  {b / f:5.2f}x baseline")


if __name__ == "__main__":
    main()
