"""Shared fixtures: a fresh execdesk home per test, and the real corpora in ../shared/data."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TypeVar

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SHARED_DATA = Path(os.environ.get("EXECDESK_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    """The real public corpora (read-only). Skips where the folder is absent."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"shared data not found at {SHARED_DATA}")
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def eml_dir() -> Path:
    """Hand-made and excerpted .eml fixtures, each named after the trap it sets."""
    return FIXTURES / "eml"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty execdesk home; environment variables from the caller do not leak in."""
    for key in list(os.environ):
        if key.startswith("EXECDESK_") and key not in ("EXECDESK_TEST_POSTGRES_URL", "EXECDESK_SHARED_DATA"):
            monkeypatch.delenv(key, raising=False)
    h = tmp_path / "home"
    h.mkdir()
    yield h


# --- Real servers (tests/services.py): skipped locally when not installed, a failure under CI. ---

T = TypeVar("T")

from tests.services import (  # noqa: E402
    DovecotServer,
    PostgresServer,
    ServiceUnavailable,
    dovecot_server,
    postgres_server,
    unavailable,
)


def _serve(factory: Callable[[], AbstractContextManager[T]]) -> Iterator[T]:
    """Start a real server for the session; skip (or fail under CI) when it cannot start."""
    try:
        cm = factory()
        server = cm.__enter__()
    except ServiceUnavailable as exc:
        unavailable(str(exc))
    try:
        yield server
    finally:
        cm.__exit__(None, None, None)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """A Dovecot IMAP server on 127.0.0.1 for the whole session; make accounts with add_user()."""
    yield from _serve(dovecot_server)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (EXECDESK_TEST_POSTGRES_URL, or a throwaway cluster)."""
    yield from _serve(postgres_server)


@pytest.fixture
def postgres_url(postgres: PostgresServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test: ``postgresql+psycopg://...`` (dropped after)."""
    url = postgres.create_database()
    yield url
    postgres.drop_database(url)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, home: Path) -> str:
    """The same storage tests run on SQLite and on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{home / 'execdesk.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def settings(home: Path, db_url: str):  # type: ignore[no-untyped-def]
    from execdesk.settings import load_settings

    return load_settings(home, database_url=db_url)


@pytest.fixture
def store(settings):  # type: ignore[no-untyped-def]
    from execdesk.store import Store

    s = Store.open(settings)
    yield s
    s.close()
