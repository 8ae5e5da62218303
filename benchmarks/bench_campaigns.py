"""Campaign assignment throughput and memory as the index grows (one core).

Real texts (floods comments, CFPB narratives, Enron executive mail bodies) are replayed with
variation: half the messages are flood-like copies (1-5 random word substitutions, sometimes a
"My name is ..." line or an added sentence), half are unique (every third word substituted, so no
word 3-gram survives: singletons the index must keep). Per 100,000-message block it prints assignment msgs/s,
index size and RSS; the baseline, measured in the same run on the same messages, is the work
every approach must do anyway: clean + tokenise + shingle + MinHash (rensa). CPU time
(``time.process_time``) is printed next to wall time: on a shared machine only the CPU figures are
comparable between blocks. ``--against REV`` also runs the detector of git revision REV on the same
messages, alternating 1,000-message slices with the current one, so that machine load hits both alike
(the speed-up column is the comparable figure on a shared machine), and checks that both give the same
``Assignment`` for every message, field for field (a speed-up must not change a decision).
``--stream real`` replays real streams unchanged instead (regulations.gov floods shuffled, CFPB by date,
SpamAssassin easy/hard ham through the parser, Enron executive mail) for the same A/B and check.
The compiled kernels (docs/decisions/0309) are loaded (or compiled) before timing, the reference
revision's too; the time that takes is printed on its own. ``EXECDESK_CAMPAIGNS_NATIVE=0`` times the
Python path instead, and ``--against python`` compares this tree's compiled path with its own Python path.

    nice .venv/bin/python benchmarks/bench_campaigns.py --n 1000000
    nice .venv/bin/python benchmarks/bench_campaigns.py --n 100000 --block 50000 --against 505c415
    nice .venv/bin/python benchmarks/bench_campaigns.py --stream real --against 505c415
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib
import json
import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
from revision import package_at

from execdesk.campaigns import CampaignDetector, CampaignDoc, CampaignSettings, native
from execdesk.campaigns.index import InMemoryCampaignIndex
from execdesk.campaigns.normalise import clean, shingles, tokens

DATA = Path(os.environ.get("EXECDESK_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
csv.field_size_limit(10_000_000)


def base_texts() -> list[list[str]]:
    texts: list[str] = []
    with open(DATA / "floods" / "regulations_gov_clustered_comments.csv", encoding="utf-8", newline="") as fh:
        texts += [r["text"] for r in csv.DictReader(fh)]
    with gzip.open(DATA / "cfpb_complaints" / "complaints_with_narratives.csv.gz", "rt", encoding="utf-8") as fh:
        texts += [r["Consumer complaint narrative"] for r in csv.DictReader(fh)]
    with open(DATA / "enron_exec_mail" / "exec_mail.jsonl", encoding="utf-8") as fh:
        texts += [json.loads(line)["body"] for line in fh]
    return [t.split() for t in texts if len(t.split()) >= 12]


def make_block(bases: list[list[str]], vocab: list[str], n: int, start: int, rng: random.Random) -> list[CampaignDoc]:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    docs = []
    for i in range(start, start + n):
        words = list(rng.choice(bases))
        unique = rng.random() < 0.5
        if unique:  # every third word replaced: no word 3-gram survives, so it shares no shingle
            for j in range(rng.randrange(3), len(words), 3):
                words[j] = rng.choice(vocab)
        else:
            for _ in range(rng.randint(1, 5)):
                words[rng.randrange(len(words))] = rng.choice(vocab)
        text = " ".join(words)
        if not unique and rng.random() < 0.3:
            text = f"My name is {rng.choice(vocab)} {rng.choice(vocab)}, and I live in {rng.choice(vocab)}.\n" + text
        if not unique and rng.random() < 0.2:
            text += "\n" + " ".join(rng.choice(vocab) for _ in range(30)) + "."
        docs.append(CampaignDoc(f"m{i}", text, sender=f"s{i}@example.org", received_at=t0 + timedelta(seconds=i)))
    return docs


def baseline(docs: list[CampaignDoc], settings: CampaignSettings) -> tuple[float, float]:
    """(wall, CPU) seconds for clean + tokens + shingles + MinHash digest of each doc (no index, no decision)."""
    import rensa

    t, c = time.perf_counter(), time.process_time()
    for d in docs:
        sh = shingles(tokens(clean(d.text), settings.max_words), settings.shingle_words)
        mh = rensa.RMinHash(settings.num_perm, settings.seed)
        mh.update(sh)
        mh.digest()
    return time.perf_counter() - t, time.process_time() - c


def real_stream() -> list[CampaignDoc]:
    """Real texts as they come (no variation): the streams docs/QUALITY.md is measured on, one after another."""
    from execdesk.campaigns import evaluate

    docs = [d for d, _ in evaluate.flood_docs(evaluate.load_floods(), 7)]
    docs += [
        CampaignDoc(
            "cfpb-" + r["Complaint ID"],
            r["Consumer complaint narrative"],
            sender=f"cfpb-{r['Complaint ID']}",
            received_at=datetime.fromisoformat(r["Date received"]).replace(tzinfo=UTC),
        )
        for r in evaluate.load_cfpb()
    ]
    docs += evaluate.load_ham() + evaluate.load_ham(group="hard_ham") + evaluate.load_enron()
    return docs


def same(a: object, b: object) -> bool:
    """Whether two assignments (of this tree's and of the reference package's class) agree field for field."""
    return a.to_dict() == b.to_dict()  # type: ignore[attr-defined]


def run_real(det: CampaignDetector, ref: CampaignDetector | None) -> None:
    docs = real_stream()
    c = rc = 0.0
    mismatches = 0
    for s in range(0, len(docs), 1000):
        part = docs[s : s + 1000]
        t = time.process_time()
        mine = [det.assign(d) for d in part]
        c += time.process_time() - t
        if ref is not None:
            t = time.process_time()
            theirs = [ref.assign(d) for d in part]
            rc += time.process_time() - t
            mismatches += sum(1 for a, b in zip(mine, theirs, strict=True) if not same(a, b))
    print(f"real streams: {len(docs):,} messages, {len(docs) / c:,.0f} per CPU-second ({c / len(docs) * 1e6:,.0f} us)")
    if ref is not None:
        print(
            f"reference: {len(docs) / rc:,.0f} per CPU-second, speed-up {rc / c:.2f}x; "
            f"assignments differing from the reference: {mismatches}"
        )


def reference_detector(rev: str, settings: CampaignSettings) -> CampaignDetector:
    """The campaign detector of git revision ``rev``, imported next to the current one (for A/B timing);
    ``python``: this tree's detector on its Python path (no compiled kernels)."""
    if rev == "python":
        with native.python_path():
            return CampaignDetector(settings)
    pkg = package_at(rev, "campaigns")
    detector = importlib.import_module(pkg.__name__ + ".detector")
    try:  # a revision with compiled kernels: compile them now, not inside its timed slices
        t, c = time.perf_counter(), time.process_time()
        importlib.import_module(pkg.__name__ + ".native").warm_up()
        print(f"{rev}'s compiled kernels: {time.perf_counter() - t:.1f} s ({time.process_time() - c:.1f} s CPU)")
    except ModuleNotFoundError:  # before decision 0309: no kernels
        pass
    ref_settings = importlib.import_module(pkg.__name__ + ".model").CampaignSettings()
    return detector.CampaignDetector(ref_settings)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--block", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--against", metavar="REV", help="also time the detector of this git revision, or 'python' (A/B)")
    ap.add_argument("--stream", choices=["synthetic", "real"], default="synthetic", help="messages to replay")
    args = ap.parse_args()
    t, c = time.perf_counter(), time.process_time()
    native.warm_up()
    print(
        f"compiled kernels: {'loaded' if native.load() else 'not available (Python path)'} in "
        f"{time.perf_counter() - t:.1f} s ({time.process_time() - c:.1f} s CPU), not in the rates below"
    )
    if args.stream == "real":
        settings = CampaignSettings()
        run_real(CampaignDetector(settings), reference_detector(args.against, settings) if args.against else None)
        return
    rng = random.Random(args.seed)
    bases = base_texts()
    vocab = sorted({w for b in bases for w in b})
    settings = CampaignSettings()
    det = CampaignDetector(settings)
    ref = reference_detector(args.against, settings) if args.against else None
    proc = psutil.Process()
    print(
        f"{len(bases)} base texts, vocabulary {len(vocab)}; settings: num_perm={settings.num_perm} "
        f"bands={settings.lsh_bands}x{settings.lsh_rows}"
    )
    print(
        "| messages so far | block msgs/s (wall) | baseline msgs/s (wall) | block CPU us/msg | baseline CPU us/msg "
        "| ratio (CPU) | indexed | campaigns | RSS MB |" + (f" {args.against} CPU us/msg | speed-up |" if ref else "")
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if ref else ""))
    total_t = total_b = total_c = total_bc = total_r = 0.0
    done = mismatches = 0
    while done < args.n:
        n = min(args.block, args.n - done)
        docs = make_block(bases, vocab, n, done, rng)
        m = min(n, 20_000)
        b, bc = (x * n / m for x in baseline(docs[:m], settings))
        dt = dc = rc = 0.0
        for s in range(0, n, 1000 if ref else n):
            part = docs[s : s + (1000 if ref else n)]
            t, c = time.perf_counter(), time.process_time()
            mine = [det.assign(d) for d in part]
            dt, dc = dt + time.perf_counter() - t, dc + time.process_time() - c
            if ref is not None:
                c = time.process_time()
                theirs = [ref.assign(d) for d in part]
                rc += time.process_time() - c
                mismatches += sum(1 for a, b in zip(mine, theirs, strict=True) if not same(a, b))
        total_r += rc
        done += n
        total_t, total_b, total_c, total_bc = total_t + dt, total_b + b, total_c + dc, total_bc + bc
        idx = det.index
        assert isinstance(idx, InMemoryCampaignIndex)
        n_camp = sum(1 for g in idx.groups.values() if g.promoted)
        print(
            f"| {done:,} | {n / dt:,.0f} | {n / b:,.0f} | {dc / n * 1e6:,.0f} | {bc / n * 1e6:,.0f} | {dc / bc:.2f} "
            f"| {len(idx):,} | {n_camp:,} | {proc.memory_info().rss / 2**20:,.0f} |"
            + (f" {rc / n * 1e6:,.0f} | {rc / dc:.2f}x |" if ref else ""),
            flush=True,
        )
    idx = det.index
    assert isinstance(idx, InMemoryCampaignIndex)
    print(
        f"\noverall: {done / total_t:,.0f} msgs/s wall ({done / total_c:,.0f} per CPU-second), baseline "
        f"{done / total_b:,.0f} msgs/s wall ({done / total_bc:,.0f} per CPU-second), "
        f"CPU ratio {total_c / total_bc:.2f}; RSS {proc.memory_info().rss / 2**20:,.0f} MB "
        f"(index arrays {idx.nbytes() / 2**20:,.0f} MB)"
        + (
            f"; {args.against}: {done / total_r:,.0f} per CPU-second, speed-up {total_r / total_c:.2f}x; "
            f"assignments differing from {args.against}: {mismatches}"
            if ref
            else ""
        )
    )
    path = Path("/tmp/bench_campaigns_snapshot.npz")
    t = time.perf_counter()
    det.save(path)
    ts = time.perf_counter() - t
    t = time.perf_counter()
    CampaignDetector.load(path, settings)
    print(f"snapshot: save {ts:.1f} s, load {time.perf_counter() - t:.1f} s, {path.stat().st_size / 2**20:,.0f} MB")
    path.unlink()


if __name__ == "__main__":
    main()
