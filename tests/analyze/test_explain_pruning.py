"""``batchmath._may_rank`` (decision 0219) drops only entries that cannot be among their message's
``TOP_K``: the explanations with the pruning are those without it, on real mail and on seeded random
weights full of ties, short runs and runs of exactly ``TOP_K``."""

from __future__ import annotations

import random

import numpy as np
import pytest

from execdesk.analyze import analyze_batch, default_config, native
from execdesk.analyze import batchmath as bm
from execdesk.parse.model import ParsedMessage


def _keep_all(seg: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    return np.ones(len(seg), dtype=np.bool_)


def _ranked(seg: np.ndarray, w: np.ndarray, k: int) -> list[list[int]]:
    """Per message, the positions of its ``k`` largest ``w``, ties in position order (the reference)."""
    out: dict[int, list[int]] = {}
    for i in sorted(range(len(seg)), key=lambda i: (int(seg[i]), -float(w[i]), i)):
        out.setdefault(int(seg[i]), []).append(i)
    return [v[:k] for _s, v in sorted(out.items())]


def test_random_runs_with_ties_keep_every_top_entry_in_order() -> None:
    rng = random.Random(219)
    for _ in range(300):
        counts = [rng.choice([1, 2, bm.TOP_K - 1, bm.TOP_K, bm.TOP_K + 1, rng.randint(1, 60)]) for _ in range(20)]
        seg = np.repeat(np.arange(len(counts)), counts)
        values = [0.5, 1.0, 2.0] if rng.random() < 0.5 else [rng.random() for _ in range(4)]
        w = np.asarray([rng.choice(values) for _ in range(len(seg))], dtype=np.float64)
        keep = bm._may_rank(seg, w, bm.TOP_K)
        kept = np.flatnonzero(keep)
        pruned = [[int(kept[j]) for j in run] for run in _ranked(seg[kept], w[kept], bm.TOP_K)]
        assert pruned == _ranked(seg, w, bm.TOP_K)


def test_a_run_of_many_equal_weights_is_kept_whole() -> None:
    seg = np.zeros(40, dtype=np.int64)
    w = np.ones(40)
    assert bm._may_rank(seg, w, bm.TOP_K).all()


def test_weights_in_no_order_are_pruned_to_a_few() -> None:
    seg = np.zeros(600, dtype=np.int64)
    w = np.random.default_rng(219).permutation(600).astype(np.float64)
    assert bm._may_rank(seg, w, bm.TOP_K).sum() <= 100


def test_real_mail_explanations_are_those_without_pruning(
    spam_mail: list[ParsedMessage], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = default_config()
    with native.python_path():  # the kernels rank with top_pushes (decision 0231): the numpy path prunes
        pruned = analyze_batch(spam_mail, None, cfg)
        monkeypatch.setattr(bm, "_may_rank", _keep_all)
        whole = analyze_batch(spam_mail, None, cfg)
    assert [a.to_dict() for a in pruned] == [a.to_dict() for a in whole]
    assert [(a.intent.features, a.topic.features) for a in pruned] == [
        (a.intent.features, a.topic.features) for a in whole
    ]
