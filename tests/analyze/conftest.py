"""Fixtures shared by the analyze tests."""

from __future__ import annotations

from types import ModuleType

import pytest

from execdesk.analyze import native


@pytest.fixture(scope="module")
def kernels() -> ModuleType:
    """The compiled token kernels; tests that compare them with the Python path skip without numba."""
    k = native.load("token")
    if k is None:
        pytest.skip("numba is not available (or EXECDESK_ANALYZE_NATIVE=0): the Python path only")
    return k
