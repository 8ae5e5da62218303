"""Package exports loaded on first use (PEP 562), for packages whose modules are costly to import.

A stage package re-exports its public names, but importing the package must not import every stage
module: the settings import a few light submodules (their settings types), and every CLI command paid
for the whole analysis pipeline and the campaign detector (numpy, numba, compiled rules) through them.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``where`` maps each public name to its submodule
    (relative, e.g. ``".pipeline"``), imported the first time the name is asked for."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)  # later look-ups do not come back here
        return value

    return __getattr__
