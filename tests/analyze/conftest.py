"""Fixtures shared by the analyze tests."""

from __future__ import annotations

import contextlib
from types import ModuleType

import pytest

from execdesk.analyze import native
from execdesk.analyze.training.data import default_data_dir, spamassassin_members
from execdesk.parse import ParseRefused, parse_message
from execdesk.parse.model import ParsedMessage


@pytest.fixture(scope="module")
def kernels() -> ModuleType:
    """The compiled token kernels; tests that compare them with the Python path skip without numba."""
    k = native.load("token")
    if k is None:
        pytest.skip("numba is not available (or EXECDESK_ANALYZE_NATIVE=0): the Python path only")
    return k


@pytest.fixture(scope="module")
def spam_mail() -> list[ParsedMessage]:
    """About 400 real SpamAssassin messages, evenly sampled and parsed (ham and spam, every folder)."""
    data = default_data_dir()
    if not (data / "spamassassin").exists():
        pytest.skip("../shared/data is not available")
    raws = [raw for _g, _n, raw in spamassassin_members(data)]
    out = []
    for raw in raws[:: max(1, len(raws) // 400)][:400]:
        with contextlib.suppress(ParseRefused):
            out.append(parse_message(raw))
    return out
