"""The desk under test: a home with real mail imported, four users, and signed-in clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from execdesk.ingest.batch import import_paths
from execdesk.settings import Settings, load_settings
from execdesk.store import Store
from execdesk.web import accounts
from execdesk.web.app import create_app
from tests.mailfactory import make_mail, to_mbox
from tests.web.hostile import hostile_mail

PASSWORD = "correct horse battery"
ROLES = ("agent", "supervisor", "executive", "admin")

STORY = [
    # The story's customer: threatens to go public; the top of the queue.
    make_mail(
        sender="Dana Whitfield <dana.whitfield@example.net>",
        subject="Charged twice again",
        body="Hello,\n\nI was charged twice for October. If this is not fixed I will post this on my blog "
        "and contact my lawyer.\n\nDana\n",
    ),
    make_mail(sender="Pat Praise <pat@example.org>", subject="Thank you", body="Your staff were wonderful.\n", days=1),
    make_mail(
        sender="Quinn Q <quinn@example.org>", subject="Question about roaming", body="How much is roaming?\n", days=2
    ),
]


@dataclass
class Desk:
    settings: Settings
    store: Store
    app: Any
    clients: dict[str, TestClient] = field(default_factory=dict)

    def client(self, role: str | None = None) -> TestClient:
        """A client signed in as the user named after ``role`` (None: not signed in)."""
        c = TestClient(self.app, follow_redirects=False)
        if role is not None:
            login(c, role)
        return c

    def case_ids(self) -> list[int]:
        from sqlalchemy import select

        from execdesk.store.models import Case, table_of

        with self.store.engine.connect() as conn:
            return [r[0] for r in conn.execute(select(table_of(Case).c.id).order_by(table_of(Case).c.id))]


def login_token(c: TestClient) -> str:
    page = c.get("/login")
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m, page.text
    return m.group(1)


def login(c: TestClient, name: str, password: str = PASSWORD, expect: int = 303) -> Any:
    r = c.post("/login", data={"username": name, "password": password, "csrf_token": login_token(c)})
    assert r.status_code == expect, r.text
    return r


def csrf_of(c: TestClient, path: str = "/queue") -> str:
    """The session's CSRF token, as the page puts it in its forms."""
    page = c.get(path)
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m, page.text[:500]
    return m.group(1)


def make_desk(home: Path, *, database_url: str | None = None, extra_mail: list[bytes] | None = None) -> Desk:
    settings = load_settings(home, database_url=database_url)
    settings.ingest.fsync = False
    store = Store.open(settings)
    box = home / "mail.mbox"
    box.write_bytes(to_mbox([*STORY, hostile_mail(), *(extra_mail or [])]))
    import_paths(store, [box])
    with store.transaction() as conn:
        for role in ROLES:
            accounts.add_user(conn, name=role, role=role, password=PASSWORD, actor="test")
    return Desk(settings, store, create_app(settings, store=store))


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id, with test-sized cost parameters (the defaults cost ~50 ms per hash)."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def desk(home: Path) -> Iterator[Desk]:
    d = make_desk(home)
    yield d
    d.store.close()
