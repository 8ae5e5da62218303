"""The service fixtures really start their servers (and CI cannot skip them)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.services import DovecotServer, PostgresServer


@pytest.mark.postgres
def test_postgres_url_is_a_fresh_database(postgres: PostgresServer, postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(sa.text("select current_database()")).scalar() == postgres_url.rsplit("/", 1)[1]
            tables = conn.execute(sa.text("select count(*) from pg_tables where schemaname = 'public'")).scalar()
            assert tables == 0
            conn.execute(sa.text("create table t (x int)"))
    finally:
        engine.dispose()


@pytest.mark.dovecot
def test_dovecot_accepts_login_and_append(dovecot: DovecotServer) -> None:
    user, _ = dovecot.add_user()
    uid = dovecot.append(user, b"From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n")
    client = dovecot.client(user)
    try:
        client.select_folder("INBOX", readonly=True)
        assert client.search(["ALL"]) == [uid]
    finally:
        client.logout()


def test_a_missing_server_skips_locally_but_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.services import unavailable

    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        unavailable("dovecot not installed")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        unavailable("dovecot not installed")
