"""cProfile of ``analyze_batch`` over the benchmark's 1,500 SpamAssassin messages (as bench_analyze.py).

    .venv/bin/python benchmarks/profile_analyze.py [tottime|cumulative]

Prints the plain rate first (no profiler), then the 45 costliest functions by the given sort key.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_analyze import benchmark_messages

from execdesk.analyze import analyze_batch, default_config
from execdesk.analyze.models import load_models


def main() -> int:
    _raws, parsed = benchmark_messages(1500)
    cfg = default_config()
    load_models(cfg.models_dir)
    analyze_batch(parsed[:50], None, cfg)
    c0 = time.process_time()
    for i in range(0, len(parsed), 500):
        analyze_batch(parsed[i : i + 500], None, cfg)
    print(f"plain: {len(parsed) / (time.process_time() - c0):.0f} msgs per CPU-second")
    profile = cProfile.Profile()
    profile.enable()
    for i in range(0, len(parsed), 500):
        analyze_batch(parsed[i : i + 500], None, cfg)
    profile.disable()
    pstats.Stats(profile).sort_stats(sys.argv[1] if len(sys.argv) > 1 else "tottime").print_stats(45)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
