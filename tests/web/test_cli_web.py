"""``execdesk user``, ``execdesk token`` and ``execdesk serve``'s refusal of unsafe production settings."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from execdesk.cli.main import app
from execdesk.settings import load_settings
from execdesk.web.app import create_app

runner = CliRunner()


def test_user_and_token_commands(home: Path) -> None:
    h = ["--home", str(home)]
    r = runner.invoke(app, [*h, "user", "add", "sam", "--role", "agent", "--password-stdin"], input="long enough pw\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, [*h, "user", "add", "pat", "--role", "boss", "--password-stdin"], input="long enough pw\n")
    assert r.exit_code == 2 and "unknown role" in r.output
    r = runner.invoke(app, [*h, "user", "add", "kim", "--role", "agent", "--password-stdin"], input="short\n")
    assert r.exit_code == 2 and "at least 10 characters" in r.output
    r = runner.invoke(
        app, [*h, "user", "add", "lee", "--role", "supervisor"], env={"EXECDESK_PASSWORD": "from the env!"}
    )
    assert r.exit_code == 0, r.output
    users = json.loads(runner.invoke(app, [*h, "user", "list", "--json"]).output)
    assert [(u["name"], u["role"]) for u in users] == [("lee", "supervisor"), ("sam", "agent")]
    r = runner.invoke(app, [*h, "token", "create", "sam", "--json", "--label", "ci"])
    assert r.exit_code == 0, r.output
    token = json.loads(r.output)["token"]
    desk = create_app(load_settings(home))
    client = TestClient(desk)
    assert client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"}).json()["name"] == "sam"
    listed = runner.invoke(app, [*h, "token", "list"]).output
    assert token[:12] in listed and token not in listed  # the secret is shown once only
    assert runner.invoke(app, [*h, "user", "disable", "sam"]).exit_code == 0
    assert client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"}).status_code == 401
    desk.state.store.close()


def test_serve_refuses_production_without_a_secret(home: Path) -> None:
    r = runner.invoke(app, ["--home", str(home), "serve"], env={"EXECDESK_ENVIRONMENT": "production"})
    assert r.exit_code == 2
    assert "no web secret" in r.output
