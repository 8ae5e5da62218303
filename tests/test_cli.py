"""The CLI is a thin, documented shell: every command has complete help; errors are sentences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from execdesk.cli.main import app
from tests.mailfactory import make_mail, to_mbox

runner = CliRunner()


def all_commands() -> list[list[str]]:
    root = get_command(app)
    found: list[list[str]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        found.append(path)
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])

    walk(root, [])
    return found


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "execdesk")
def test_every_command_has_complete_help(path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    cmd = get_command(app)
    for part in path:
        cmd = cmd.commands[part]  # type: ignore[attr-defined]
    assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"
    for param in cmd.params:
        if getattr(param, "param_type_name", "") == "option" and param.name not in ("help",):
            assert (param.help or "").strip(), f"option {param.name} of {' '.join(path)} has no help"


def test_import_then_stats_cases_show(home: Path, tmp_path: Path) -> None:
    box = tmp_path / "mail.mbox"
    box.write_bytes(to_mbox([make_mail(), make_mail(sender="b@example.org", subject="Praise")]))
    (tmp_path / "junk.eml").write_bytes(b"")
    r = runner.invoke(app, ["--home", str(home), "import", str(box), str(tmp_path / "junk.eml"), "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    assert (summary["imported"], summary["duplicates"], summary["quarantined"]) == (2, 0, 1)
    again = json.loads(runner.invoke(app, ["--home", str(home), "import", str(box), "--json"]).output)
    assert (again["imported"], again["duplicates"]) == (0, 2)
    stats = json.loads(runner.invoke(app, ["--home", str(home), "stats", "--json"]).output)
    assert stats["messages"] == 3 and stats["quarantined"] == 1 and stats["cases"] == 2 and stats["contacts"] == 2
    queue = json.loads(runner.invoke(app, ["--home", str(home), "cases", "--json"]).output)
    assert len(queue) == 2 and all(c["id"].startswith("ED-") for c in queue)
    shown = json.loads(runner.invoke(app, ["--home", str(home), "show", queue[0]["id"], "--json"]).output)
    assert shown["thread"][0]["new_text"].strip()
    text = runner.invoke(app, ["--home", str(home), "show", queue[0]["id"]])
    assert text.exit_code == 0 and queue[0]["id"] in text.output
    ql = json.loads(runner.invoke(app, ["--home", str(home), "quarantine", "list", "--json"]).output)
    assert [(e["stage"], e["code"]) for e in ql] == [("parse", "empty")]
    qs = runner.invoke(app, ["--home", str(home), "quarantine", "show", str(ql[0]["id"])])
    assert "empty" in qs.output and "raw_location" in qs.output


def test_user_errors_are_one_sentence_and_exit_2(home: Path) -> None:
    r = runner.invoke(app, ["--home", str(home), "import", "/definitely/not/here"])
    assert r.exit_code == 2 and "no such file or directory" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["--home", str(home), "show", "banana"])
    assert r.exit_code == 2 and "not a case reference" in r.output
    r = runner.invoke(app, ["--home", str(home), "show", "ED-999999"])
    assert r.exit_code == 2 and "no case" in r.output


def test_home_from_environment(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXECDESK_HOME", str(home))
    (tmp_path / "a.eml").write_bytes(make_mail())
    assert runner.invoke(app, ["import", str(tmp_path / "a.eml")]).exit_code == 0
    assert (home / "execdesk.sqlite3").exists()
