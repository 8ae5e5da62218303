"""The cyclic garbage collector paused around bulk work that makes many containers and no cycles.

Used by the analyze stage for each batch (decision 0206: ~1,000 containers a message, freed by reference
counting or kept to the batch's end; the collector's passes cost ~7 % and found nothing) and by the campaign
detector's snapshot save and load (decision 0315: one small list per boilerplate line and index key, whose
collections were ~85 % of a snapshot's CPU time).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Reference counting still frees what dies. The collector is re-enabled afterwards only if it was on
    (another thread or the application may have turned it off itself)."""
    was_on = gc.isenabled()
    if was_on:
        gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
