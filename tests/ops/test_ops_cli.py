"""The operations commands end to end through the CLI (SQLite home)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.mailfactory import make_mail, to_mbox
from typer.testing import CliRunner

from execdesk.cli.main import app

runner = CliRunner()


def _run(home: Path, *args: str) -> tuple[int, str]:
    r = runner.invoke(app, ["--home", str(home), *args])
    return r.exit_code, r.output


def test_backup_restore_hold_forget_retention_through_the_cli(home: Path, tmp_path: Path) -> None:
    box = tmp_path / "mail.mbox"
    box.write_bytes(to_mbox([make_mail(sender="ann@example.net"), make_mail(sender="bob@example.org")]))
    assert _run(home, "import", str(box))[0] == 0
    code, out = _run(home, "backup", str(tmp_path / "bk"), "--json")
    assert code == 0, out
    assert json.loads(out)["counts"]["messages"] == 2
    code, out = _run(home, "restore", str(tmp_path / "bk"), "--home", str(tmp_path / "new"))
    assert code == 0 and "messages 2" in out, out

    assert _run(home, "hold", "set", "--contact", "ann@example.net", "--by", "pat", "--reason", "lawsuit")[0] == 0
    code, out = _run(home, "hold", "list", "--json")
    assert json.loads(out)["holds"][0]["contact"] == "ann@example.net"
    code, out = _run(home, "forget", "ann@example.net", "--by", "dpo", "--reason", "req-1")
    assert code == 2 and "legal hold" in out
    assert _run(home, "hold", "release", "--contact", "ann@example.net", "--by", "pat", "--reason", "done")[0] == 0
    code, out = _run(home, "forget", "ann@example.net", "--dry-run", "--json")
    assert code == 0 and json.loads(out)["messages"] == 1 and json.loads(out)["dry_run"]
    code, out = _run(home, "forget", "ann@example.net", "--by", "dpo", "--reason", "req-1")
    assert code == 0 and "erased: 1 message(s)" in out, out
    code, out = _run(home, "stats", "--json")
    assert json.loads(out)["contacts"] == 1

    code, out = _run(home, "retention", "run", "--dry-run", "--json")
    assert code == 0 and json.loads(out)["cases"] == []  # no rules: nothing goes
    code, out = _run(home, "hold", "set", "--case", "nonsense", "--by", "pat", "--reason", "x")
    assert code == 2 and "not a case reference" in out
