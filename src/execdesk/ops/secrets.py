"""Credentials from the environment or from files only the desk's user can read.

A secret file readable by the group or by others is refused (``chmod 600 FILE``), like the
web secret (decision 0700). Secrets are ``SecretStr`` in the settings, never written to the
database, and :func:`redacted_settings` is what any command that shows configuration prints.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from execdesk.settings import Settings

REDACTED = "***"
#: Settings fields that hold secrets or point to them (section, field).
SECRET_FIELDS = (
    ("imap", "password"),
    ("reply", "smtp_password"),
    ("web", "secret_key"),
    ("ops", "metrics_token"),
)
_SECRET_WORDS = ("password", "secret", "token", "key")


class SecretFileError(ValueError):
    """A secret file is missing, empty or readable by others."""


def read_secret_file(path: Path, what: str, *, check_mode: bool = True) -> str:
    """The first line of ``path``; refuses a file readable by group or others.

    ``check_mode=False`` only for a file the desk created itself with mode 0600."""
    path = Path(path).expanduser()
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise SecretFileError(f"cannot read {what} {path}: {exc.strerror}") from None
    if check_mode and os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretFileError(f"{what} {path} is readable by group or others: chmod 600 {path}")
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0]:
        raise SecretFileError(f"{what} {path} is empty")
    return lines[0]


def _redact(value: Any, key: str = "") -> Any:
    if isinstance(value, SecretStr):
        return REDACTED
    if isinstance(value, dict):
        return {k: _redact(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    if (
        isinstance(value, str)
        and value
        and any(w in key.lower() for w in _SECRET_WORDS)
        and not key.endswith(("_file", "_env"))
    ):
        return REDACTED
    return value


def redacted_settings(settings: Settings) -> dict[str, Any]:
    """The settings as JSON-ready data with every secret replaced by ``***`` (and passwords in URLs)."""
    data = _redact(settings.model_dump(mode="python"))
    if settings.database_url:
        from sqlalchemy.engine import make_url

        data["database_url"] = make_url(settings.database_url).render_as_string(hide_password=True)
    return _plain(data)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)
