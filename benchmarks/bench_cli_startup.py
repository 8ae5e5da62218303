"""CPU time of short CLI commands (start-up dominated), against a baseline measured in the same run.

    .venv/bin/python benchmarks/bench_cli_startup.py [--rounds 5] [--against REV]

Each command runs as a fresh process (``python -m execdesk ...`` with this tree's ``src`` first on
the path) against an empty home; the figure is the best round's CPU time of the child (user + system,
from ``resource.getrusage``), so machine load inflates it less than wall time. Baseline: a process that
imports only the libraries every command needs (typer, SQLAlchemy's ORM, pydantic-settings).
``--against REV`` runs the same commands with the ``src`` of git revision REV (``git archive``), in
alternating order.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = "spamassassin/samples/easy_ham__00001.7c53336b37003a9286aba55d2945844c.eml"


def _child_cpu(argv: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _src_at(rev: str, into: Path) -> Path:
    blob = subprocess.run(["git", "archive", rev, "src"], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--against", metavar="REV", help="also time the src of this git revision")
    args = ap.parse_args()
    data = Path(os.environ.get("EXECDESK_SHARED_DATA", ROOT.parent / "shared" / "data"))
    commands = {
        "baseline (import typer, sqlalchemy.orm, pydantic_settings)": [
            "-c",
            "import typer, sqlalchemy.orm, pydantic_settings",
        ],
        "execdesk --help": ["-m", "execdesk", "--help"],
        "execdesk cases": ["-m", "execdesk", "cases"],
        "execdesk analyze ONE.eml": ["-m", "execdesk", "analyze", str(data / SAMPLE)],
    }
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"this tree": ROOT / "src"}
        if args.against:
            trees[args.against] = _src_at(args.against, Path(tmp) / "rev")
        best: dict[tuple[str, str], float] = {}
        for r in range(args.rounds):
            for name, extra in commands.items():
                for tree, src in trees.items() if r % 2 == 0 else reversed(list(trees.items())):
                    env = {**os.environ, "PYTHONPATH": str(src), "EXECDESK_HOME": str(Path(tmp) / f"home-{r}")}
                    t = _child_cpu([sys.executable, *extra], env)
                    best[tree, name] = min(best.get((tree, name), t), t)
    base = best["this tree", next(iter(commands))]
    print(f"best of {args.rounds} rounds, CPU seconds of the child process (ratio to the baseline)")
    print("| command | " + " | ".join(trees) + " |")
    print("|---|" + "---:|" * len(trees))
    for name in commands:
        print(f"| {name} | " + " | ".join(f"{best[t, name]:.2f} ({best[t, name] / base:.1f}x)" for t in trees) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
