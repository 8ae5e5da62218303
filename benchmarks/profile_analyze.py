"""cProfile of ``analyze_batch`` over the benchmark's 1,500 SpamAssassin messages (as bench_analyze.py).

    .venv/bin/python benchmarks/profile_analyze.py [tottime|cumulative]

Prints the plain rate first (no profiler), then the 45 costliest functions by the given sort key.
"""

from __future__ import annotations

import contextlib
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from execdesk.analyze import analyze_batch, default_config
from execdesk.analyze.models import load_models
from execdesk.analyze.training.data import default_data_dir, spamassassin_members
from execdesk.parse import ParseRefused, parse_message


def main() -> int:
    raws = [raw for _g, _n, raw in spamassassin_members(default_data_dir())]
    raws = raws[:: max(1, len(raws) // 1500)][:1500]
    parsed = []
    for r in raws:
        with contextlib.suppress(ParseRefused):
            parsed.append(parse_message(r))
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
