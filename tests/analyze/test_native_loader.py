"""The analyze kernels' loader: the Python path is taken when asked for, or when a kernel module is missing."""

from __future__ import annotations

import pytest

from execdesk.analyze import native


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "_loaded", {})


def test_missing_kernel_module_means_python_path() -> None:
    assert native.load("no_such_stage") is None


def test_environment_switch_turns_kernels_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXECDESK_ANALYZE_NATIVE", "0")
    assert native.load("no_such_stage") is None
    assert native._loaded == {"no_such_stage": None}


def test_python_path_answers_none_inside_only(monkeypatch: pytest.MonkeyPatch) -> None:
    sentinel = object()
    monkeypatch.setitem(native._loaded, "stage", sentinel)  # type: ignore[arg-type]
    assert native.load("stage") is sentinel
    with native.python_path():
        assert native.load("stage") is None
    assert native.load("stage") is sentinel
