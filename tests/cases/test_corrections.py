"""Staff corrections: one command, stored with who/when, shown at once, audited, exported for training."""

from __future__ import annotations

import json
from pathlib import Path

from tests.mailfactory import make_mail
from typer.testing import CliRunner

from execdesk.cli.main import app

runner = CliRunner()


def test_correct_then_export_for_training(home: Path, tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(
        make_mail(subject="Thank you", body="I just wanted to thank your team for fixing my line so fast.\n")
    )
    assert runner.invoke(app, ["--home", str(home), "import", str(tmp_path / "a.eml")]).exit_code == 0
    (case,) = json.loads(runner.invoke(app, ["--home", str(home), "cases", "--json"]).output)
    r = runner.invoke(
        app, ["--home", str(home), "correct", case["id"], "--by", "sam", "--intent", "suggestion", "--topic", "service"]
    )
    assert r.exit_code == 0, r.output
    assert "intent" in r.output and "-> suggestion" in r.output
    shown = json.loads(runner.invoke(app, ["--home", str(home), "show", case["id"], "--json"]).output)
    assert (shown["intent"], shown["topic"]) == ("suggestion", "service")
    audit = [a for a in shown["audit"] if a["action"] == "judgment.corrected"]
    assert [a["details"]["to"] for a in audit] == ["suggestion", "service"] and audit[0]["actor"] == "user:sam"
    out = tmp_path / "corrections.jsonl"
    assert runner.invoke(app, ["--home", str(home), "export-corrections", str(out)]).exit_code == 0
    (example,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert example["intent"] == "suggestion" and example["topic"] == "service" and example["who"] == "user:sam"
    assert "thank your team" in example["body"]


def test_unknown_label_is_refused_with_the_choices(home: Path, tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(make_mail())
    runner.invoke(app, ["--home", str(home), "import", str(tmp_path / "a.eml")])
    r = runner.invoke(app, ["--home", str(home), "correct", "ED-000001", "--by", "sam", "--intent", "grumble"])
    assert r.exit_code == 2 and "unknown intent 'grumble'" in r.output and "complaint" in r.output


def test_train_reads_the_desks_stored_corrections(home: Path, tmp_path: Path) -> None:
    from execdesk.analyze.training.train import read_corrections
    from execdesk.cli import analyze_cmds, context

    (tmp_path / "a.eml").write_bytes(make_mail(subject="Job", body="Please find my CV attached for any opening.\n"))
    runner.invoke(app, ["--home", str(home), "import", str(tmp_path / "a.eml")])
    runner.invoke(app, ["--home", str(home), "correct", "ED-000001", "--by", "sam", "--intent", "job_seeker"])
    context.set_home(home)
    path = analyze_cmds._stored_corrections()
    assert path is not None
    (example,) = read_corrections(path)
    assert example.intent == "job_seeker" and example.source == "corrections" and "CV attached" in example.body
