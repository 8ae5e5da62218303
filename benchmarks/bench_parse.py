"""Parse throughput against the bare stdlib baseline, measured in the same run.

Baseline: ``email.message_from_bytes(raw, policy=email.policy.default)`` plus body
extraction (``get_body(("plain", "html"))`` and ``get_content()``), as in issue 2.
Candidate: ``execdesk.parse.parse_message`` on the same bytes (content_hash computed
inside, as the import will do it once). Files are read into memory first so that
neither side pays for I/O. Each side runs ``--rounds`` times, alternating; the best
round counts (least disturbed by other load on the machine).

    .venv/bin/python benchmarks/bench_parse.py [--rounds 3] [--groups easy_ham,hard_ham,spam]
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import os
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

from execdesk.parse import ParseRefused, parse_message
from execdesk.parse.identity import identify

DATA = Path(os.environ.get("EXECDESK_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def load(groups: list[str]) -> list[bytes]:
    messages: list[bytes] = []
    for group in groups:
        with tarfile.open(DATA / "spamassassin" / f"{group}.tar.gz") as tar:
            for member in tar:
                if member.isfile():
                    fh = tar.extractfile(member)
                    if fh is not None:
                        messages.append(fh.read())
    return messages


def baseline(raw: bytes) -> None:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = msg.get_body(("plain", "html"))
    if body is not None:
        with contextlib.suppress(LookupError, ValueError, AssertionError):
            body.get_content()  # unknown charset etc.: the baseline is allowed to give up


def candidate(raw: bytes) -> None:
    """What ingest does: identify once (raw store), then parse with that content hash."""
    content_hash = identify(raw).content_hash
    with contextlib.suppress(ParseRefused):
        parse_message(raw, content_hash=content_hash)


def candidate_parse_only(raw: bytes) -> None:
    """parse_message alone, the content hash given (ingest computed it before storing)."""
    with contextlib.suppress(ParseRefused):
        parse_message(raw, content_hash="")


def rate(fn: Callable[[bytes], None], messages: list[bytes]) -> float:
    start = time.perf_counter()
    for raw in messages:
        fn(raw)
    return len(messages) / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--groups", default="easy_ham,hard_ham,spam")
    args = ap.parse_args()
    messages = load(args.groups.split(","))
    size = sum(map(len, messages))
    print(
        f"{len(messages)} messages, {size / 1e6:.1f} MB, median-ish {sorted(map(len, messages))[len(messages) // 2]} B"
    )
    best_base = best_cand = best_only = 0.0
    for _ in range(args.rounds):
        best_base = max(best_base, rate(baseline, messages))
        best_cand = max(best_cand, rate(candidate, messages))
        best_only = max(best_only, rate(candidate_parse_only, messages))
    print(f"stdlib policy=default + get_body/get_content:   {best_base:8.0f} msgs/s")
    print(f"identify + parse_message (ingest's parse work): {best_cand:8.0f} msgs/s  {best_cand / best_base:6.2f}x")
    print(f"parse_message alone (content_hash given):       {best_only:8.0f} msgs/s  {best_only / best_base:6.2f}x")


if __name__ == "__main__":
    main()
