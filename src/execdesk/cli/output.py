"""Rendering helpers shared by commands: JSON output and one shape for user-facing errors."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def fail(message: str, *, code: int = 2, as_json: bool = False) -> NoReturn:
    """Their fault (bad input, bad arguments): a clear sentence, no traceback."""
    if as_json:
        typer.echo(json.dumps({"error": {"message": message, "exit_code": code}}), err=True)
    else:
        typer.secho(f"execdesk: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def is_terminal() -> bool:
    return sys.stderr.isatty()
