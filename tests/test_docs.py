"""Docs are part of the product: the settings reference and the README stay true."""

from __future__ import annotations

import re

from typer.main import get_command

from execdesk.cli.main import app
from execdesk.settings_doc import iter_settings, settings_reference
from tests.conftest import REPO


def test_settings_reference_is_current() -> None:
    assert (REPO / "docs" / "settings.md").read_text() == settings_reference(), (
        "regenerate with: .venv/bin/execdesk settings --reference > docs/settings.md"
    )


def test_every_setting_is_described() -> None:
    missing = [name for name, _env, _default, desc in iter_settings() if not desc.strip()]
    assert missing == []


def test_readme_quick_start_is_two_commands_that_exist() -> None:
    readme = (REPO / "README.md").read_text()
    assert "./dev demo" in readme and "./dev test" in readme
    dev = (REPO / "dev").read_text()
    assert re.search(r"^\s+demo\)", dev, re.M) and re.search(r"^\s+test\)", dev, re.M)


def test_every_command_is_in_the_cli_reference() -> None:
    doc = (REPO / "docs" / "cli.md").read_text()
    root = get_command(app)
    for name in root.commands:  # type: ignore[attr-defined]
        assert f"execdesk {name}" in doc, f"docs/cli.md does not mention `execdesk {name}`"
