"""Process-wide CLI state: which home directory the command runs against."""

from __future__ import annotations

from pathlib import Path

from execdesk.settings import Settings, load_settings

_home: Path | None = None
_settings: Settings | None = None


def set_home(home: Path | None) -> None:
    global _home, _settings
    _home, _settings = home, None


def settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = load_settings(_home)
    return _settings


def configure_logging() -> None:
    """Log to standard error at the configured level (EXECDESK_LOG_LEVEL); bodies are never logged."""
    import logging
    import os

    level = os.environ.get("EXECDESK_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(level=getattr(logging, level, logging.WARNING), format="%(levelname)s %(name)s: %(message)s")
    from execdesk.ops.redact import install

    install()  # e-mail addresses masked in every log line (docs/OPERATIONS.md)
