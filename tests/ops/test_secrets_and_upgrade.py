"""Secrets only from the environment or private files; an older schema migrates forward with data intact."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from execdesk.ingest.imap import ImapError, read_password
from execdesk.ops.secrets import SecretFileError, read_secret_file, redacted_settings
from execdesk.reply.send import SendConfigError, _password
from execdesk.settings import ImapSettings, load_settings
from execdesk.store.db import SCHEMA_HEAD, Store, alembic_config, make_engine


def test_secret_files_readable_by_others_are_refused(tmp_path: Path, home: Path) -> None:
    f = tmp_path / "pw"
    f.write_text("hunter2-long\n")
    f.chmod(0o640)
    with pytest.raises(SecretFileError, match="chmod 600"):
        read_secret_file(f, "x")
    with pytest.raises(ImapError, match="readable by group or others"):
        read_password(ImapSettings(password_file=f))
    settings = load_settings(home)
    settings.reply.smtp_password_file = f
    with pytest.raises(SendConfigError, match="chmod 600"):
        _password(settings)
    f.chmod(0o600)
    assert read_password(ImapSettings(password_file=f)) == "hunter2-long"
    assert _password(settings) == "hunter2-long"


def test_redacted_settings_hide_every_secret(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXECDESK_IMAP__PASSWORD", "imap-pass-123")
    monkeypatch.setenv("EXECDESK_REPLY__SMTP_PASSWORD", "smtp-pass-456")
    settings = load_settings(home, database_url="postgresql+psycopg://desk:db-pass-789@db.example/desk")
    shown = str(redacted_settings(settings))
    for secret in ("imap-pass-123", "smtp-pass-456", "db-pass-789"):
        assert secret not in shown
    assert shown.count("***") >= 3


def test_database_of_revision_0003_migrates_to_head_with_data_intact(home: Path) -> None:
    """A home created by the release that shipped migration 0003 (replies), with mail in it."""
    url = f"sqlite:///{home / 'execdesk.sqlite3'}"
    engine = make_engine(url)
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC).isoformat()
    with engine.begin() as conn:
        conn.execute(text("insert into contacts (id, address, message_count, vip) values (1, 'old@example.net', 1, 0)"))
        conn.execute(
            text(
                "insert into cases (id, subject, contact_id, status, machine, priority, priority_reasons, signals,"
                " opened_at, updated_at, message_count) values (1, 'Old case', 1, 'closed', 0, 0.5, '[]', '[]',"
                " :now, :now, 1)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "insert into messages (id, raw_sha256, content_hash, size, direction, status, subject, from_addr,"
                ' to_addrs, cc_addrs, received_at, "references", new_text, quoted_text, signature, has_html,'
                " defects, headers, case_id, contact_id) values (1, :sha, :sha, 10, 'in', 'ok', 'Old case',"
                " 'old@example.net', '[]', '[]', :now, '[]', 'old body', '', '', 0, '[]', '{}', 1, 1)"
            ),
            {"sha": "0" * 64, "now": now},
        )
        conn.execute(
            text(
                "insert into audit_events (at, actor, action, case_id, details) values (:now, 'sam', 'close', 1, '{}')"
            ),
            {"now": now},
        )
    engine.dispose()
    store = Store.open(load_settings(home))  # migrates on open, as the new release does
    try:
        assert store.current_revision() == SCHEMA_HEAD and store.pending_migrations() == []
        with store.engine.connect() as conn:
            row = conn.execute(text("select subject, from_addr, new_text, case_id from messages")).one()
            assert tuple(row) == ("Old case", "old@example.net", "old body", 1)
            assert conn.execute(text("select status from cases where id = 1")).scalar_one() == "closed"
            assert conn.execute(text("select count(*) from audit_events")).scalar_one() == 1
            assert conn.execute(text("select count(*) from legal_holds")).scalar_one() == 0
    finally:
        store.close()
