"""Real mail for benchmarks: the SpamAssassin corpus in ../shared/data (read-only)."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

SHARED = Path(os.environ.get("EXECDESK_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
GROUPS = ("easy_ham", "hard_ham", "spam")


def spamassassin_messages() -> list[bytes]:
    """All 3,177 raw messages, in archive order."""
    out: list[bytes] = []
    for group in GROUPS:
        with tarfile.open(SHARED / "spamassassin" / f"{group}.tar.gz") as tar:
            for member in tar.getmembers():
                if member.isfile():
                    fh = tar.extractfile(member)
                    assert fh is not None
                    out.append(fh.read())
    return out


def pin_to_one_core() -> None:
    """The figures are per core: keep the benchmark (and its baseline) on one CPU."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
