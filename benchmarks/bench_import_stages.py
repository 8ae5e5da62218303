"""Where an import's CPU time goes, stage by stage, unprofiled (process_time around each stage).

    .venv/bin/python benchmarks/bench_import_stages.py [--rounds 2] [--analyze] [--dump FILE]

Imports the 3,177 SpamAssassin messages (as bench_import.py does) with each pipeline stage wrapped
in a ``time.process_time`` counter; ``commit`` is the session's commit (blob syncfs + database commit
+ after-commit hooks); ``rest`` is everything else (reading files, identify, duplicate lookup, raw
blobs, arrivals). The best round of each line is reported.

``--dump FILE`` writes the resulting database as JSON (every row of every table, ordered), so that two
revisions' imports can be compared with ``diff`` — the check that a speed-up changed no result (run both with the same
``PYTHONHASHSEED``: the campaign stage orders tied links by set order). What
legitimately differs between two runs is masked: columns set from the wall clock, and any other instant
on or after the day before the run (the corpus is from 2002-2006; a message without a usable Date is
placed at its arrival, so its audit times and SLA deadlines follow the wall clock).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import pin_to_one_core, spamassassin_messages
from sqlalchemy import Engine, inspect, text

from execdesk.analyze import analyze_message
from execdesk.campaigns.runtime import forget_runtime
from execdesk.ingest import core
from execdesk.ingest.batch import import_paths
from execdesk.ingest.stages import INGEST_STAGES
from execdesk.parse import parse_message
from execdesk.pipeline import Pipeline, Stage
from execdesk.settings import load_settings
from execdesk.store import Store

#: Columns set from the wall clock at import time (not from the mail): they differ between any two runs.
WALL_CLOCK = {"created_at", "updated_at", "arrived_at", "received_at", "seeded_at", "resolved_at"}


def timed(stage: Stage, spent: dict[str, float]) -> Stage:
    """The stage with its CPU time added to ``spent[stage.name]``."""

    def run(works: list[Any], env: Any) -> None:
        started = time.process_time()
        try:
            stage.run(works, env)
        finally:
            spent[stage.name] += time.process_time() - started

    return dataclasses.replace(stage, run=run)


def one_import(src: Path, work: Path, *, analyze: bool, dump: Path | None) -> dict[str, float]:
    home = work / "home"
    shutil.rmtree(home, ignore_errors=True)
    settings = load_settings(home)
    store = Store.open(settings)
    spent: dict[str, float] = defaultdict(float)
    stages = [timed(s, spent) for s in INGEST_STAGES if analyze or s.name != "analyze"]
    commit = core.IngestSession.commit

    def timed_commit(self: core.IngestSession) -> None:
        started = time.process_time()
        try:
            commit(self)
        finally:
            spent["commit"] += time.process_time() - started

    core.IngestSession.commit = timed_commit  # type: ignore[method-assign]
    try:
        started = time.process_time()
        import_paths(store, [src], pipeline=Pipeline(stages))
        total = time.process_time() - started
    finally:
        core.IngestSession.commit = commit  # type: ignore[method-assign]
    if dump is not None:
        tables = dump_tables(store.engine)
        dumped = json.dumps(tables, indent=0, sort_keys=True, default=str)
        dump.write_text(dumped.replace(str(src), "<mail>"))  # the temporary folder is in each source_ref
    store.close()
    forget_runtime(settings.db_url, home)
    spent["rest"] = total - sum(spent.values())
    spent["total"] = total
    return dict(spent)


def dump_tables(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (the full-text index aside: it mirrors ``messages``), wall-clock values
    masked, rows in a canonical order (ids are allocated deterministically within one import)."""
    out: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            if table == "alembic_version" or table.endswith("_fts") or "_fts_" in table:
                continue
            rows = [dict(r._mapping) for r in conn.execute(text(f'select * from "{table}"'))]
            out[table] = sorted((_clean(r) for r in rows), key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return out


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in row.items():
        if k in WALL_CLOCK:
            continue
        if isinstance(v, str) and v.startswith(("{", "[")):
            with contextlib.suppress(ValueError):  # text that merely starts like JSON stays text
                v = json.loads(v)
        out[k] = mask_wall_clock(v)
    return out


#: Instants from here on are the run's wall clock, not the corpus's.
RUN_EPOCH = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()


def mask_wall_clock(value: Any) -> Any:
    """``value`` with wall-clock instants (and wall-clock keys of JSON objects) masked."""
    if isinstance(value, dict):
        return {k: mask_wall_clock(v) for k, v in value.items() if k not in WALL_CLOCK}
    if isinstance(value, list):
        return [mask_wall_clock(v) for v in value]
    if isinstance(value, datetime):
        value = value.isoformat()
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[:10] >= RUN_EPOCH:
        return "<wall clock>"
    return value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--analyze", action="store_true", help="include the analyze stage (the default pipeline)")
    ap.add_argument("--dump", type=Path, help="write the last round's database as JSON here")
    args = ap.parse_args()
    pin_to_one_core()
    raws = spamassassin_messages()
    with tempfile.TemporaryDirectory(prefix="execdesk-stages-") as tmp:
        work = Path(tmp)
        src = work / "mail"
        src.mkdir()
        for i, raw in enumerate(raws):
            (src / f"{i:05d}.eml").write_bytes(raw)
        analyze_message(parse_message(raws[0]))  # models loaded, as in a running desk
        rounds = [
            one_import(src, work, analyze=args.analyze, dump=args.dump if r == args.rounds - 1 else None)
            for r in range(args.rounds)
        ]
    best = {k: min(r[k] for r in rounds) for k in rounds[0]}
    print(f"messages: {len(raws)}, analyze stage: {'yes' if args.analyze else 'no'}, best of {args.rounds} (CPU s)")
    for name, seconds in sorted(best.items(), key=lambda kv: -kv[1]):
        print(f"  {name:16s} {seconds:7.3f} s  {1e6 * seconds / len(raws):7.0f} us/msg")


if __name__ == "__main__":
    main()
