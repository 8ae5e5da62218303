"""``execdesk analyze | explain | eval | train``: the analyze stage from the command line.

Thin shells over execdesk.analyze: read messages (.eml, directories, mbox, Maildir, or a
JSONL of {id, subject, body}), analyse, print. Nothing is stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from execdesk.analyze import Analysis, AnalyzeConfig, ConfigError, load_config
from execdesk.cli import context
from execdesk.cli.output import fail


def _config(config_file: Path | None, models: Path | None = None) -> AnalyzeConfig:
    try:
        from execdesk.cli import context

        home = context.settings().home if config_file is None else None
    except Exception:
        home = None
    try:
        return load_config(config_file, home=home if isinstance(home, Path) else None, models_dir=models)
    except ConfigError as exc:
        fail(str(exc))


def _is_jsonl(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in (".jsonl", ".ndjson")


def iter_messages(
    paths: list[Path], cfg: AnalyzeConfig, trace: bool = False
) -> Iterator[tuple[str, Analysis | None, str]]:
    """(reference, analysis or None, why not) for every message under ``paths``."""
    from execdesk.analyze.pipeline import analyze_message, analyze_text  # the stage loads here, not per command
    from execdesk.ingest.files import iter_raw_messages
    from execdesk.parse import ParseRefused, parse_message

    mail_paths = []
    for p in paths:
        if _is_jsonl(p):
            with p.open(encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    rec = json.loads(line)
                    ref = str(rec.get("id") or rec.get("message_id") or f"{p}:{n}")
                    body = rec.get("body") if rec.get("body") is not None else rec.get("text", "")
                    yield (
                        ref,
                        analyze_text(rec.get("subject") or "", body or "", message_id=ref, config=cfg, trace=trace),
                        "",
                    )
        else:
            mail_paths.append(p)
    if not mail_paths:
        return
    for item in iter_raw_messages(mail_paths, max_message_bytes=40 * 1024 * 1024):
        ref = item.source.ref
        if item.raw is None:
            yield ref, None, item.skipped or "unreadable"
            continue
        try:
            parsed = parse_message(item.raw)
        except ParseRefused as exc:
            yield ref, None, str(exc)
            continue
        yield ref, analyze_message(parsed, None, cfg, trace=trace), ""


def analyze(
    paths: Annotated[
        list[Path], typer.Argument(help=".eml files, directories, mbox, Maildir, or JSONL {id, subject, body}.")
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl (one JSON object per message) or text.")] = "jsonl",
    config_file: Annotated[Path | None, typer.Option("--config", help="Analyze config override (YAML).")] = None,
    models: Annotated[
        Path | None, typer.Option("--models", help="Folder of retrained models (execdesk train --out).")
    ] = None,
) -> None:
    """Analyse messages without storing anything (a dry run): intent, topic, signals, sentiment, priority."""
    if fmt not in ("jsonl", "text"):
        fail(f"unknown format {fmt!r}; valid formats: jsonl, text")
    cfg = _config(config_file, models)
    for ref, a, why in iter_messages(paths, cfg):
        if a is None:
            typer.echo(
                json.dumps({"source": ref, "error": why}) if fmt == "jsonl" else f"{ref}: skipped ({why})", err=True
            )
            continue
        if fmt == "jsonl":
            out = a.to_dict()
            out["source"] = ref
            typer.echo(json.dumps(out, ensure_ascii=False))
        else:
            sig = ", ".join(f"{s.name}({s.strength:.2f})" for s in a.signals) or "-"
            typer.echo(
                f"{ref}\t{a.priority.score:5.1f} {a.priority.level:7} {a.intent.label:14} {a.topic.label:9} {sig}"
            )


def render_explain(a: Analysis) -> str:
    """The readable trace shown by ``execdesk explain`` (and, later, the web desk's why panel)."""
    L: list[str] = []
    L.append(
        f"message {a.message_id or '-'}   language {a.language} ({a.language_confidence:.2f})   models {a.model_version}"  # noqa: E501
    )
    L.append("analysed text = subject + blank line + the sender's new text (quotes and signature excluded):")
    for line in a.text.splitlines()[:12]:
        L.append("  | " + line[:110])
    if a.text.count("\n") > 12:
        L.append("  | ...")
    L.append("")
    L.append(f"INTENT  {a.intent.label}  confidence {a.intent.confidence:.2f}  ({a.intent.source})")
    top = sorted(a.intent.scores.items(), key=lambda kv: -kv[1])[:4]
    if top:
        L.append("  scores: " + ", ".join(f"{k} {v:.2f}" for k, v in top))
    for f, w in a.intent.features:
        L.append(f"  + {f:30} {w:+.3f}")
    L.append(f"TOPIC   {a.topic.label}  confidence {a.topic.confidence:.2f}  ({a.topic.source})")
    for f, w in a.topic.features[:4]:
        L.append(f"  + {f:30} {w:+.3f}")
    L.append(f"SPAM    probability {a.spam_probability:.2f}")
    L.append(
        f"SENTIMENT score {a.sentiment.score:+.2f} label {a.sentiment.label:+d} anger {a.sentiment.anger:.2f}  words: "
        + ", ".join(e.text for e in a.sentiment.evidence)
    )
    L.append("")
    L.append("SIGNALS (rule hits)")
    for s in a.signals:
        L.append(f"  HIT  {s.name:13} {s.strength:.2f}  rule {s.rule}")
        for e in s.evidence:
            L.append(f'       [{e.start}:{e.end}] "{e.text[:140]}"')
        if s.detail:
            L.append(f"       {s.detail}")
    for name, rule, why in a.suppressed:
        L.append(f"  DROP {name:13} rule {rule}: {why}")
    for m in a.misses:
        L.append(f"  MISS {m}")
    from execdesk.analyze.signals import RULES

    fired = {s.rule for s in a.signals} | {m.split(":")[0] for m in a.misses}
    quiet = [r.name for r in RULES if r.name not in fired]
    L.append(f"  no match ({len(quiet)} rules): " + ", ".join(quiet))
    L.append("")
    L.append(f"PRIORITY {a.priority.score:.1f} ({a.priority.level})")
    for r in a.priority.reasons:
        L.append(f"  {r.points:+7.2f}  {r.source:24} {r.detail}")
    return "\n".join(L)


def explain(
    path: Annotated[Path, typer.Argument(help="One .eml file (or a JSONL file with --id).")],
    record_id: Annotated[str | None, typer.Option("--id", help="Which record of a JSONL file.")] = None,
    config_file: Annotated[Path | None, typer.Option("--config", help="Analyze config override (YAML).")] = None,
    models: Annotated[Path | None, typer.Option("--models", help="Folder of retrained models.")] = None,
) -> None:
    """Show every rule hit and miss, the models' strongest features and how the priority was built."""
    if not path.exists():
        fail(f"no such file: {path}")
    cfg = _config(config_file, models)
    for ref, a, why in iter_messages([path], cfg, trace=True):
        if record_id is not None and ref != record_id:
            continue
        if a is None:
            fail(f"{ref}: cannot analyse ({why})")
        typer.echo(render_explain(a))
        return
    fail(f"no message found in {path}" + (f" with id {record_id}" if record_id else ""))


def eval_cmd(
    labels: Annotated[
        Path, typer.Argument(help="Labels JSONL: {id, intent, topic, signals:{name: span}} (LABELS.md format).")
    ],
    messages: Annotated[
        list[Path],
        typer.Argument(help="JSONL {id, subject, body} or .eml/mbox/Maildir (id = Message-ID or file name)."),
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help="markdown or json.")] = "markdown",
    config_file: Annotated[Path | None, typer.Option("--config", help="Analyze config override (YAML).")] = None,
    models: Annotated[Path | None, typer.Option("--models", help="Folder of retrained models.")] = None,
) -> None:
    """Per-label precision/recall/F1, confusion matrix and per-signal precision/recall on your own labelled mail."""
    from execdesk.analyze.training.crossval import ALL_SIGNALS
    from execdesk.analyze.training.data import read_labels
    from execdesk.analyze.training.metrics import format_report, format_signals, prf, signal_scores

    if not labels.is_file():
        fail(f"no such labels file: {labels}")
    try:
        gold = read_labels(labels)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        fail(str(exc))
    cfg = _config(config_file, models)
    gi, pi, gt, pt, gs, ps = [], [], [], [], [], []
    matched = 0
    for ref, a, _why in iter_messages(messages, cfg):
        if a is None:
            continue
        keys = [ref, a.message_id or "", Path(ref.split(":")[0]).stem, Path(ref.split(":")[0]).name]
        rec = next((gold[k] for k in keys if k in gold), None)
        if rec is None:
            continue
        matched += 1
        if rec.get("intent"):
            gi.append(rec["intent"])
            pi.append(a.intent.label)
        if rec.get("topic"):
            gt.append(rec["topic"])
            pt.append(a.topic.label)
        gs.append(set(rec.get("signals") or {}))
        ps.append({s.name for s in a.signals})
    if not matched:
        fail("no message matched a label id (ids are the JSONL id, the Message-ID, or the file name)")
    res: dict[str, Any] = {
        "matched": matched,
        "labels": len(gold),
        "intent": prf(gi, pi) if gi else None,
        "topic": prf(gt, pt) if gt else None,
        "signals": signal_scores(gs, ps, ALL_SIGNALS),
    }
    if fmt == "json":
        typer.echo(json.dumps(res, indent=2))
        return
    typer.echo(f"{matched} of {len(gold)} labelled messages found.\n")
    if res["intent"]:
        typer.echo(format_report("Intent", res["intent"]))
    if res["topic"]:
        typer.echo(format_report("Topic", res["topic"]))
    typer.echo(format_signals("Signals", res["signals"]))


def train_cmd(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Where to write the models (default: <home>/models, which the desk then uses; "
            "developers refreshing the shipped models pass src/execdesk/analyze/models).",
        ),
    ] = None,
    data: Annotated[
        Path | None, typer.Option("--data", help="Folder with the labelled corpora [default: ../shared/data].")
    ] = None,
    corrections: Annotated[
        Path | None,
        typer.Option(
            "--corrections",
            help="Staff corrections JSONL {id, subject, body, intent, topic, who, when} "
            "(default: the corrections stored in this home's database by `execdesk correct`).",
        ),
    ] = None,
    sources: Annotated[
        str,
        typer.Option("--sources", help="Comma list of enron,enron_other,twcs,cfpb,spamassassin, or 'permissive'."),
    ] = "enron,enron_other,twcs,cfpb,spamassassin",
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same data + seed = same model files).")] = 0,
) -> None:
    """Train the intent, topic, spam and request models (reproducible: same data + seed = same files)."""
    from execdesk.analyze.models import clear_cache
    from execdesk.analyze.training.data import default_data_dir
    from execdesk.analyze.training.train import PERMISSIVE_SOURCES, read_corrections, train

    data_dir = data or default_data_dir()
    if not data_dir.is_dir():
        fail(f"labelled data not found at {data_dir} (use --data)")
    srcs = PERMISSIVE_SOURCES if sources == "permissive" else tuple(s.strip() for s in sources.split(",") if s.strip())
    valid = {"enron", "enron_other", "twcs", "cfpb", "spamassassin"}
    if not set(srcs) <= valid:
        fail(f"unknown source(s) {sorted(set(srcs) - valid)}; valid: {sorted(valid)} or 'permissive'")
    corr = []
    if corrections is None:
        corrections = _stored_corrections()
    if corrections is not None:
        try:
            corr = read_corrections(corrections)
        except (OSError, ValueError) as exc:
            fail(str(exc))
    home_models = context.settings().home / "models"
    target = out or home_models
    target.mkdir(parents=True, exist_ok=True)
    summary = train(data_dir, target, srcs, corr, seed)
    clear_cache()
    typer.echo(json.dumps(summary, indent=2))


def _stored_corrections() -> Path | None:
    """The home database's staff corrections as a temporary JSONL file (None when there are none)."""
    import tempfile

    from execdesk.cases.queries import corrections_for_training
    from execdesk.store import Store

    settings = context.settings()
    if settings.database_url is None and not (settings.home / "execdesk.sqlite3").exists():
        return None
    store = Store.open(settings)
    with store.engine.connect() as conn:
        rows = corrections_for_training(conn)
    if not rows:
        return None
    fh = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8")  # noqa: SIM115
    with fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return Path(fh.name)


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze)
    app.command("explain")(explain)
    app.command("eval")(eval_cmd)
    app.command("train")(train_cmd)
