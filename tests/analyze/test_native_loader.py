"""The analyze kernels' loader: the Python path is taken when asked for, or when a kernel module is missing."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

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


def test_warm_up_loads_every_kernel_module() -> None:
    native.warm_up()
    kernel_modules = {p.stem for p in Path(native.__file__).parent.glob("_*_kernels.py")}
    assert kernel_modules, "the analyze stage has no kernel modules to warm up"
    for module in kernel_modules:
        name = module.removeprefix("_").removesuffix("_kernels")
        assert name in native._loaded, f"warm_up() did not use the {name} kernels"
        if importlib.util.find_spec("numba") is not None and os.environ.get("EXECDESK_ANALYZE_NATIVE", "1") != "0":
            assert native._loaded[name] is not None
    token = native._loaded.get("token")
    if token is not None:  # the batch path's kernels too (the import analyses in batches), not only one message's
        for kernel in ("visit_counts_many", "ascii_word_counts", "add_segment_sums", "known_entries"):
            assert getattr(token, kernel).signatures, f"warm_up() did not compile {kernel}"
