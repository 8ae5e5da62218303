"""Loader of the analyze stage's compiled kernels (numba), with the Python path as the fallback.

Each kernel module is ``execdesk.analyze._<name>_kernels`` and is imported on first use, so commands
that never analyse do not pay for numba. :func:`load` answers ``None`` when numba cannot be imported,
when ``EXECDESK_ANALYZE_NATIVE=0``, or inside :func:`python_path`: callers then take their plain
Python code, which must give the same results (tests compare the two paths). Compiled code is cached
on disk like the campaign kernels' (``cache=True``; ``NUMBA_CACHE_DIR`` overrides, docs/deploy.md).
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

_loaded: dict[str, ModuleType | None] = {}
_python_only: list[bool] = []


def load(name: str) -> ModuleType | None:
    """The kernels module ``_<name>_kernels``, imported on the first call; ``None`` for the Python path."""
    if _python_only:
        return None
    if name not in _loaded:
        kernels: ModuleType | None = None
        if os.environ.get("EXECDESK_ANALYZE_NATIVE", "1") != "0":
            try:
                kernels = importlib.import_module(f"execdesk.analyze._{name}_kernels")
            except ImportError:  # numba/llvmlite missing or incompatible: the Python path
                kernels = None
        _loaded[name] = kernels
    return _loaded[name]


@contextmanager
def python_path() -> Iterator[None]:
    """Inside, :func:`load` answers ``None``: for comparing the two paths in one process (tests, benchmarks).
    Objects that looked their kernels up before entering keep them."""
    _python_only.append(True)
    try:
        yield
    finally:
        _python_only.pop()


_WARM_UP_TEXTS = (
    ("Warm-up", "I am writing again: my refund is late and I will call a lawyer. Thank you, Ann."),
    ("Réclamation", "Bonjour, ma commande n'est jamais arrivée. Merci de me répondre très vite."),
    ("Beschwerde", "Guten Tag, meine Bestellung ist nie angekommen. Bitte antworten Sie mir schnell."),
)


def warm_up() -> float:
    """Compile (or load from the on-disk cache) every analyze kernel by analysing short texts, one English
    and two not (which take the language identifier and the non-ASCII word paths), one at a time and then
    as a batch (the ``*_many`` kernels of the import's path: two texts for the identifier's batch), so that
    the first real message does not pay for it; returns the seconds it took (docs/deploy.md)."""
    from execdesk.analyze.pipeline import analyze_batch, analyze_text, parsed_from_text

    t = time.perf_counter()
    for subject, body in _WARM_UP_TEXTS:
        analyze_text(subject, body)
    analyze_batch([parsed_from_text(subject, body) for subject, body in _WARM_UP_TEXTS])
    return time.perf_counter() - t
