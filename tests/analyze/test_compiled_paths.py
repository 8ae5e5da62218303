"""Decision 0206: each faster text path gives exactly what its plain definition gives.

References are the straightforward versions the fast code replaced (sentence breaks from one
``_SENT_END.finditer``, the label picked by a stable sort, explanations from a full lexsort
over every term); they are compared on hand-made traps and on real mail from ../shared/data.
"""

from __future__ import annotations

import gc
from collections import Counter
from pathlib import Path

import numpy as np

from execdesk.analyze import analyze_batch, default_config, parsed_from_text
from execdesk.analyze import batchmath as bm
from execdesk.analyze.models import load_models
from execdesk.analyze.pipeline import _classify_many, _featurize_many
from execdesk.analyze.text import _SENT_END, _breaks, build_view
from execdesk.analyze.training.data import load_cfpb, load_enron, load_twcs

BREAK_TRAPS = [
    "",
    ".",
    "!\n",
    "a.\n\nb",
    "?!  x",
    "..  ",
    '. "\n\n  x',
    "\n\n.",
    "x.\n",
    'a.") \t\nb\n\n\nc!',
    "Mr. Smith. Dr.\nX",
    "\n.\n",
    "a.!  b",
    ".\n \n.",
    "One.\u2003Two?\u00a0\n\nThree!\r\nFour",
]


def _real_texts(shared_data: Path) -> list[tuple[str, str]]:
    pairs = [(e.subject, e.body) for e in load_enron(shared_data, labelled_only=False)]
    pairs += [(e.subject, e.body) for e in load_twcs(shared_data)]
    pairs += [(e.subject, e.body) for e in load_cfpb(shared_data, limit=1500)]
    return pairs


def test_sentence_breaks_equal_the_single_regex(shared_data: Path) -> None:
    texts = BREAK_TRAPS + [build_view(s, b).text for s, b in _real_texts(shared_data)]
    checked_mixed = 0
    for text in texts:
        want = [m.span() for m in _SENT_END.finditer(text)]
        assert _breaks(text) == want, text[:120]
        checked_mixed += "\n" in text and "." in text
    assert checked_mixed > 1000  # both kinds of break, merged, on many real texts


def _reference_explain(scored: bm.Scored, cols: list[int]) -> list[list[tuple[str, float]]]:
    """The version before 0206: one lexsort over every term of the batch, then a slice per message."""
    m, sp, n = scored.model, scored.sp, scored.sp.n
    col_of = np.asarray([0 if m.coef.shape[1] == 1 else c for c in cols], dtype=np.int64)
    inv = m._inverse()
    out: list[list[tuple[str, float]]] = [[] for _ in range(n)]
    if len(sp.idx):
        w = scored.unit * m.coef[sp.idx, col_of[sp.seg]].astype(np.float64)
        order = np.lexsort((-w, sp.seg)).tolist()
        starts = np.searchsorted(sp.seg, np.arange(n)).tolist()
        ends = [*starts[1:], len(order)]
        wl, il = w.tolist(), sp.idx.tolist()
        for i in range(n):
            a, b = starts[i], min(ends[i], starts[i] + bm.TOP_K)
            out[i] = [(inv[il[j]], wl[j]) for j in order[a:b] if wl[j] > 0]
    if scored.dense is not None and scored.dense.shape[1]:
        dw = scored.dense * m.coef[m.n_terms :].astype(np.float64)[:, col_of].T
        top = np.argsort(-dw, axis=1, kind="stable")[:, : bm.TOP_K].tolist()
        for i in range(n):
            row = dw[i].tolist()
            extra = [("#" + m.dense_names[j], row[j]) for j in top[i] if row[j] > 0]
            if extra:
                both = out[i] + extra
                both.sort(key=lambda x: -x[1])
                out[i] = both[: bm.TOP_K]
    return out


def test_labels_and_explanations_equal_the_plain_versions(shared_data: Path) -> None:
    models = load_models()
    cfg = default_config()
    pairs = _real_texts(shared_data)[::4]
    feats = _featurize_many([(s, b, Counter(), ()) for s, b in pairs], models, cfg.enabled_signals, False)
    for kind, model, allowed in (("intent", models.intent, cfg.intents), ("topic", models.topic, cfg.topics)):
        assert model is not None
        # a narrowed label set makes the "best allowed label" differ from the overall best
        for labels in (list(allowed), list(allowed)[1::2]):
            got = _classify_many(model, feats, labels, "other", kind)
            scored = feats[0].scored[kind][0]
            cols = []
            for r, row in zip(got, scored.proba.tolist(), strict=True):
                ranked = sorted(
                    ((c, p) for c, p in zip(model.classes, row, strict=True) if c in labels), key=lambda x: -x[1]
                )
                assert (r.label, r.confidence) == ranked[0]
                cols.append(model.classes.index(r.label))
            want = _reference_explain(scored, cols)
            assert [r.features for r in got] == want
    assert len({f.view.text for f in feats}) > 1000


def test_a_batch_leaves_the_garbage_collector_as_it_found_it() -> None:
    msgs = [
        parsed_from_text("Refund", "I am still waiting for my refund. I will sue."),
        parsed_from_text("Hi", "Thanks!"),
    ]
    cfg = default_config()
    assert gc.isenabled()
    first = analyze_batch(msgs, None, cfg)
    assert gc.isenabled()
    gc.disable()
    try:
        again = analyze_batch(msgs, None, cfg)
        assert not gc.isenabled()  # the application's own choice is kept
    finally:
        gc.enable()
    assert [a.to_dict() for a in first] == [a.to_dict() for a in again]
    assert first[0].signal("legal_threat") is not None
