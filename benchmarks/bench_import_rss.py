"""Peak memory of importing a large mbox (default 1 GB): streaming must keep it bounded.

    .venv/bin/python benchmarks/bench_import_rss.py [--gb 1.0]

Builds an mbox of real SpamAssassin messages replayed with variation (each copy gets its own
Message-ID and a numbered Subject, so none is a duplicate), imports it with `execdesk import`
in a child process on one core, and reports the child's peak RSS and throughput. The baseline
in the same run is the peak RSS of a child that only starts Python and imports execdesk.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import spamassassin_messages

_MSGID = re.compile(rb"^Message-Id:[^\n]*\n", re.I | re.M)
_SUBJECT = re.compile(rb"^Subject:", re.I | re.M)


def build_mbox(path: Path, target_bytes: int) -> int:
    raws = [r[r.index(b"\n") + 1 :] if r.startswith(b"From ") else r for r in spamassassin_messages()]
    n = 0
    size = 0
    with path.open("wb") as out:
        while size < target_bytes:
            for raw in raws:
                body = _MSGID.sub(b"", raw, count=1)
                body = _SUBJECT.sub(b"Subject: [copy %d]" % n, body, count=1)
                body = b"Message-Id: <bench-%d@execdesk.example>\n" % n + body
                body = re.sub(rb"^From ", b">From ", body, flags=re.M)
                chunk = b"From bench@execdesk.example Sat Jan  1 00:00:00 2000\n" + body.rstrip(b"\n") + b"\n\n"
                out.write(chunk)
                size += len(chunk)
                n += 1
                if size >= target_bytes:
                    break
    return n


def child_peak_rss(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(peak_kb, before) / 1024, elapsed, proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gb", type=float, default=1.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="execdesk-rss-") as tmp:
        work = Path(tmp)
        mbox = work / "big.mbox"
        n = build_mbox(mbox, int(args.gb * 1024**3))
        env = {**os.environ, "EXECDESK_HOME": str(work / "home")}
        taskset = ["taskset", "-c", "0"] if Path("/usr/bin/taskset").exists() else []
        base_rss, _, _ = child_peak_rss([*taskset, sys.executable, "-c", "import execdesk.cli.main"], env)
        rss, elapsed, out = child_peak_rss(
            [*taskset, sys.executable, "-m", "execdesk", "import", str(mbox), "--json", "--no-progress"], env
        )
        print(f"mbox: {mbox.stat().st_size / 1024**2:.0f} MB, {n} messages (SpamAssassin replayed)")
        print(f"baseline peak RSS (python + import execdesk): {base_rss:7.0f} MB")
        print(f"import peak RSS:                               {rss:7.0f} MB")
        print(f"import time: {elapsed:.0f} s ({n / elapsed:.0f} msgs/s)")
        print(out.strip().splitlines()[1:4])


if __name__ == "__main__":
    main()
