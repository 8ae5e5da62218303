"""Fixtures for the demo mailbox: the default month, built once per test session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# demo_helpers.py sits next to this file; make it importable whatever pytest's import mode.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from execdesk.demo import DemoMailbox, build_demo


@pytest.fixture(scope="session")
def demo() -> DemoMailbox:
    """The default scenario at its default seed and flood size."""
    return build_demo()
