"""The dashboard's figures are kept per store and window for web.dashboard_cache_seconds, then computed
again; 0 turns the cache off (docs/decisions/1002-production-indexes.md)."""

from __future__ import annotations

from typing import Any

import pytest

from execdesk.web.routes import dashboard as page


def _with_ttl(store: Any, seconds: float) -> None:
    web = store.settings.web.model_copy(update={"dashboard_cache_seconds": seconds})
    store.settings = store.settings.model_copy(update={"web": web})


def test_figures_are_kept_for_the_configured_seconds(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _with_ttl(store, 30)
    clock = [1000.0]
    monkeypatch.setattr(page.time, "monotonic", lambda: clock[0])
    first = page.load(store, 7)
    clock[0] += 29
    assert page.load(store, 7) is first  # within the 30 s: the kept figures
    assert page.load(store, 30) is not first  # another window is another entry
    clock[0] += 2
    again = page.load(store, 7)
    assert again is not first and again == first  # expired: computed again (same rows, same figures)


def test_zero_seconds_computes_every_time(store: Any) -> None:
    _with_ttl(store, 0)
    assert page.load(store, 7) is not page.load(store, 7)
