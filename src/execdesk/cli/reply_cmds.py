"""``execdesk tone-check``: the tone guard from the command line (a thin shell over execdesk.reply.tone).

Exit status: 0 when the verdict is ok or warn (warnings are advice, like a linter's), 3 when
it is block (the reply must not be sent without a supervisor's approval), 4 for warn with
``--strict``; 2 stays reserved for the user's errors (bad file, bad rules file).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from execdesk.cli.output import fail

EXIT_BLOCK = 3
EXIT_WARN_STRICT = 4


def _read_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    p = Path(path)
    if not p.is_file():
        fail(f"{path}: no such file")
    return p.read_bytes().decode("utf-8", errors="replace")


def tone_check(
    file: Annotated[str, typer.Argument(help="The reply text: a file, or - for standard input.")] = "-",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
    inbound: Annotated[
        Path | None,
        typer.Option(
            "--inbound", help="The customer's message (.eml) the reply answers: its intent and sentiment are context."
        ),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="Organisation rules file (YAML); default: settings reply.tone_rules_path."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 4 on warnings too.")] = False,
    reasons: Annotated[
        bool, typer.Option("--reasons", help="With --json, add the front-page score's reasons.")
    ] = False,
) -> None:
    """Check a reply's tone: block / warn / ok, the findings with their spans, and the front-page score."""
    from execdesk.reply.tone import ToneConfigError, check_tone, load_config
    from execdesk.reply.tone.inbound import context_from_eml

    text = _read_text(file)
    if rules is None:
        try:
            from execdesk.cli import context

            rules = context.settings().reply.tone_rules_path
        except Exception:  # no readable settings: the shipped rules still apply
            rules = None
    try:
        cfg = load_config(rules)
    except ToneConfigError as exc:
        fail(str(exc), as_json=as_json)
    ctx = None
    if inbound is not None:
        if not inbound.is_file():
            fail(f"{inbound}: no such file", as_json=as_json)
        ctx = context_from_eml(inbound.read_bytes())
    report = check_tone(text, inbound=ctx, config=cfg)
    if as_json:
        typer.echo(json.dumps(report.to_dict(with_reasons=reasons), ensure_ascii=False))
    else:
        _print_text(report, ctx is not None)
    if report.verdict == "block":
        raise typer.Exit(EXIT_BLOCK)
    if report.verdict == "warn" and strict:
        raise typer.Exit(EXIT_WARN_STRICT)


def _print_text(report: object, with_inbound: bool) -> None:
    from execdesk.reply.tone import ToneReport

    assert isinstance(report, ToneReport)
    colour = {"block": typer.colors.RED, "warn": typer.colors.YELLOW, "ok": typer.colors.GREEN}[report.verdict]
    typer.secho(f"{report.verdict.upper()}  front-page score {report.front_page_score}/100", fg=colour, bold=True)
    for f in report.findings:
        typer.echo(f"  {f.start}-{f.end}  {f.severity:<5}  {f.rule}: {f.text!r}")
        typer.echo(f"      why: {f.why}")
        typer.echo(f"      try: {f.suggestion}")
    for r in report.reasons:
        typer.echo(f"  score: {r}")
    if not with_inbound:
        typer.echo("  (no --inbound message: the apology and register checks had no context)")


def register(app: typer.Typer) -> None:
    app.command("tone-check")(tone_check)
