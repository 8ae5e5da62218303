"""One typed settings object: defaults < config file < environment < command-line flags."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from execdesk.settings import load_settings


def test_defaults_live_under_the_home(home: Path) -> None:
    s = load_settings(home)
    assert s.home == home
    assert s.db_url == f"sqlite:///{home / 'execdesk.sqlite3'}"
    assert s.blobs_path == home / "blobs"


def test_config_file_then_environment_then_flags(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / "execdesk.toml").write_text(
        '[imap]\nhost = "imap.example.org"\nusername = "office"\n[limits]\nmax_parts = 50\n'
    )
    s = load_settings(home)
    assert (s.imap.host, s.imap.username, s.limits.max_parts) == ("imap.example.org", "office", 50)
    monkeypatch.setenv("EXECDESK_IMAP__HOST", "imap.env.example")
    s = load_settings(home)
    assert (s.imap.host, s.imap.username) == ("imap.env.example", "office")
    monkeypatch.setenv("EXECDESK_DATABASE_URL", "postgresql+psycopg://x@db/execdesk")
    s = load_settings(home, database_url="sqlite:////tmp/flag.sqlite3")
    assert s.db_url == "sqlite:////tmp/flag.sqlite3"


def test_secrets_are_hidden_when_shown(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXECDESK_IMAP__PASSWORD", "hunter2")
    s = load_settings(home)
    assert s.imap.password is not None and s.imap.password.get_secret_value() == "hunter2"
    assert "hunter2" not in s.model_dump_json()


def test_typos_are_refused_not_ignored(home: Path) -> None:
    (home / "execdesk.toml").write_text("[imap]\nhots = 'x'\n")
    with pytest.raises(ValidationError, match="hots"):
        load_settings(home)
