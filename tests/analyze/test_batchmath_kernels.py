"""The batch-math kernels of decision 0230 give the floats and arrays of the numpy code they replace, bit for bit.

``add_segment_sums`` (``batchmath.multiclass``'s per-message sums, without the (entries x classes) array):
on the shipped models' entries of real mail and on seeded random runs that reach each branch of numpy's
pairwise sum (1, 2-8, 9-129 and over 129 entries), with signed zeros. ``known_entries``
(``batchmath.shared_entries_from``, one pass per model): on real mail and on counts at the edge of the
term-frequency table."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import ModuleType

import numpy as np

from execdesk.analyze import batchmath as bm
from execdesk.analyze import native
from execdesk.analyze.linear import _TF32, counts_of
from execdesk.analyze.models import load_models
from execdesk.analyze.pipeline import request_sentence_tokens
from execdesk.analyze.text import build_views
from execdesk.analyze.training.data import load_enron, load_twcs


def _reduceat_sums(z: np.ndarray, seg: np.ndarray, idx: np.ndarray, unit: np.ndarray, coef: np.ndarray) -> None:
    """The numpy code ``multiclass`` ran before decision 0230 (and runs without the kernels)."""
    contrib = np.take(coef, idx, axis=0)
    np.multiply(contrib, unit[:, None], out=contrib)
    starts = np.searchsorted(seg, np.arange(z.shape[0]))
    has = np.bincount(seg, minlength=z.shape[0]) > 0
    z[has] += np.add.reduceat(contrib, starts[has], axis=0)


def _same(
    kernels: ModuleType, z: np.ndarray, seg: np.ndarray, idx: np.ndarray, unit: np.ndarray, coef: np.ndarray
) -> None:
    want, got = z.copy(), z.copy()
    _reduceat_sums(want, seg, idx, unit, coef)
    kernels.add_segment_sums(got, seg, idx, unit, coef)
    assert np.array_equal(got.view(np.uint64), want.view(np.uint64))


def test_sums_on_random_runs(kernels: ModuleType) -> None:
    rng = np.random.default_rng(230)
    for _ in range(200):
        n = int(rng.integers(1, 40))
        n_out = int(rng.choice([1, 2, 9, 11]))
        lengths = rng.choice([0, 1, 2, 7, 8, 9, 16, 17, 128, 129, 130, 300, 1100], n)
        seg = np.repeat(np.arange(n), lengths)
        coef = rng.standard_normal((500, n_out)) * rng.uniform(1e-3, 10)
        coef[rng.random(coef.shape) < 0.1] = -0.0  # products of -0.0: the sign of a zero sum counts
        idx = rng.integers(0, 500, len(seg))
        unit = rng.uniform(0.0, 1.0, len(seg))
        z = rng.standard_normal((n, n_out))
        z[rng.random(z.shape) < 0.2] = -0.0
        _same(kernels, z, seg, idx, unit, coef)


def test_sums_on_real_mail(kernels: ModuleType, shared_data: Path) -> None:
    """The intent and topic models' entries of real mail (their vocabulary, TF-IDF values and norms)."""
    models = load_models()
    pairs = [(e.subject, e.body) for e in load_enron(shared_data)][:600] + [
        (e.subject, e.body) for e in load_twcs(shared_data)
    ][:600]
    counters = [counts_of(request_sentence_tokens(v)[1]) for v in build_views(pairs)]
    for model in (models.intent, models.topic):
        assert model is not None
        for i in range(0, len(counters), 500):
            sp = bm.model_entries(model, counters[i : i + 500])
            norm = bm._norms(sp)
            unit = sp.val / np.where(norm > 0, norm, 1.0)[sp.seg]
            _same(kernels, np.tile(model._intercept64, (sp.n, 1)), sp.seg, sp.idx, unit, model.coef64)


def test_multiclass_equals_the_python_path(kernels: ModuleType, shared_data: Path) -> None:
    """Whole ``multiclass`` outputs (probabilities and the unit values the explanations read)."""
    models = load_models()
    model = models.intent
    assert model is not None
    pairs = [(e.subject, e.body) for e in load_enron(shared_data)][:300]
    counters = [counts_of(request_sentence_tokens(v)[1]) for v in build_views(pairs)]
    sp = bm.model_entries(model, counters)
    dense = [[0.5] * len(model.dense_names) for _ in counters]
    got = bm.multiclass(model, sp, dense)
    with native.python_path():
        want = bm.multiclass(model, sp, dense)
    assert np.array_equal(got.proba, want.proba) and np.array_equal(got.unit, want.unit)


def _same_entries(got: list[bm.Sparse], want: list[bm.Sparse]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.n == w.n
        for a, b in ((g.seg, w.seg), (g.idx, w.idx), (g.val, w.val)):
            assert a.dtype == b.dtype and np.array_equal(a.view(np.uint64), b.view(np.uint64))


def test_shared_entries_equal_the_python_path(kernels: ModuleType, shared_data: Path) -> None:
    """Every model of the shared vocabulary (TF-IDF models and the presence model), on real mail in batches
    of 500 and alone, and on counts of 1, 2, the last of the term-frequency table and one past it (where the
    numpy code runs)."""
    shared = load_models().shared_terms()
    assert shared is not None and shared.presence_maps
    pairs = [(e.subject, e.body) for e in load_enron(shared_data)][:700] + [
        (e.subject, e.body) for e in load_twcs(shared_data)
    ][:300]
    counters = [counts_of(request_sentence_tokens(v)[1]) for v in build_views(pairs)]
    known = [t for t in shared.index if ":" not in t][:50]
    edges = [Counter({t: c for t, c in zip(known, (1, 2, len(_TF32) - 1), strict=False)}), Counter({known[0]: 1})]
    past = Counter({known[1]: len(_TF32)})
    for batch in [counters[i : i + 500] for i in range(0, len(counters), 500)] + [counters[:1], edges, [past], []]:
        got = bm.shared_entries(shared, batch)
        with native.python_path():
            want = bm.shared_entries(shared, batch)
        _same_entries(got, want)
