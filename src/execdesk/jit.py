"""``numba.njit`` as every kernel module uses it (campaigns/_kernels.py, analyze/_scan_kernels.py,
analyze/_token_kernels.py): compiled code cached on disk where a cache can be written (next to the
kernel's source file, else numba's user cache directory, or ``NUMBA_CACHE_DIR``), in memory otherwise;
``EXECDESK_NUMBA_CACHE=0`` turns the disk cache off. Importing this module imports numba (~1.5 s), so
only the kernel modules import it, and they are imported on first use.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])

CACHE = os.environ.get("EXECDESK_NUMBA_CACHE", "1") != "0"


def njit_cached(fn: F, cached: dict[str, bool]) -> F:
    """``fn`` compiled (nogil); ``cached[fn.__name__]`` records whether its code is cached on disk."""
    if CACHE:
        try:
            compiled = numba.njit(cache=True, nogil=True)(fn)
            cached[fn.__name__] = True
            return cast(F, compiled)
        except Exception:  # numba: "cannot cache function ...: no locator available"
            pass
    cached[fn.__name__] = False
    return cast(F, numba.njit(nogil=True)(fn))
