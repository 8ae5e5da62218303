"""`execdesk worker` processes for the worker tests: started with a log file, stopped with SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.services import stop_pid

EXECDESK = [sys.executable, "-m", "execdesk"]


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """One real worker (concurrency 2) whose output goes to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [*EXECDESK, "worker", "--concurrency", "2"], env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )


def stop_workers(workers: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM the running ones (each finishes its batch) and wait for all of them."""
    for proc in workers:
        if proc.poll() is None:
            stop_pid(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
