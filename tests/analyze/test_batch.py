"""``analyze_batch`` must give each message exactly what ``analyze_message`` gives it (decision 0205).

Real messages from ../shared/data: Ken Lay's labelled mail, SpamAssassin (parsed from MIME, so
the spam model's header pseudo-words are in play) and CFPB complaint narratives, in one mixed
batch, and again split and reordered: a message's result must not depend on its neighbours.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import UTC, datetime

import numpy as np
import pytest

from execdesk.analyze import Analysis, analyze_batch, analyze_message, default_config, parsed_from_text
from execdesk.analyze import batchmath as bm
from execdesk.analyze.linear import LinearModel
from execdesk.analyze.model import ContactHistory
from execdesk.analyze.models import load_models
from execdesk.analyze.pipeline import featurize
from execdesk.analyze.text import body_of
from execdesk.analyze.training.data import default_data_dir, load_cfpb, load_enron, spamassassin_members
from execdesk.parse import ParseRefused, parse_message
from execdesk.parse.model import ParsedMessage

TOL = 1e-9


def _messages() -> list[ParsedMessage]:
    data = default_data_dir()
    if not (data / "enron_exec_mail").is_dir():
        pytest.skip("../shared/data is not available")
    out = [parsed_from_text(e.subject, e.body, message_id=e.id) for e in load_enron(data)[:120]]
    out += [parsed_from_text(e.subject, e.body, message_id=e.id) for e in load_cfpb(data, limit=80)]
    raws = [raw for _g, _n, raw in spamassassin_members(data)]
    for raw in raws[:: max(1, len(raws) // 150)][:150]:
        with contextlib.suppress(ParseRefused):
            out.append(parse_message(raw))
    return out


def _close(a: Analysis, b: Analysis) -> None:
    assert a.to_dict() == b.to_dict()
    pairs = [
        (a.spam_probability, b.spam_probability),
        (a.intent.confidence, b.intent.confidence),
        (a.topic.confidence, b.topic.confidence),
        (a.priority.score, b.priority.score),
        (a.sentiment.score, b.sentiment.score),
        (a.language_confidence, b.language_confidence),
    ]
    for res_a, res_b in ((a.intent, b.intent), (a.topic, b.topic)):
        assert res_a.scores.keys() == res_b.scores.keys()
        pairs += [(res_a.scores[k], res_b.scores[k]) for k in res_a.scores]
        assert [f for f, _ in res_a.features] == [f for f, _ in res_b.features]
        pairs += [(x, y) for (_, x), (_, y) in zip(res_a.features, res_b.features, strict=True)]
    pairs += [(x.strength, y.strength) for x, y in zip(a.signals, b.signals, strict=True)]
    assert all(abs(x - y) <= TOL for x, y in pairs), [(x, y) for x, y in pairs if abs(x - y) > TOL]
    assert a.suppressed == b.suppressed


@pytest.fixture(scope="module")
def messages() -> list[ParsedMessage]:
    return _messages()


def test_batch_equals_one_by_one_on_real_mail(messages: list[ParsedMessage]) -> None:
    assert len(messages) > 300
    cfg = default_config()
    now = datetime(2024, 5, 1, tzinfo=UTC)
    histories = [
        ContactHistory(previous_messages=2, unanswered_messages=1, open_cases=1, days_since_last=3.0, last_seen=now)
        if i % 7 == 0
        else None
        for i in range(len(messages))
    ]
    batch = analyze_batch(messages, histories, cfg)
    single = [analyze_message(p, h, cfg) for p, h in zip(messages, histories, strict=True)]
    for a, b in zip(batch, single, strict=True):
        _close(a, b)
    # the set is varied enough to exercise the paths: several intents, spam, repeat contact
    assert len({a.intent.label for a in batch}) >= 4
    assert any(a.signal("repeat_contact") for a in batch)


def test_result_does_not_depend_on_the_batch(messages: list[ParsedMessage]) -> None:
    cfg = default_config()
    whole = analyze_batch(messages, None, cfg)
    reordered = list(reversed(messages[:97])) + messages[97:]
    parts = analyze_batch(reordered[:50], None, cfg) + analyze_batch(reordered[50:], None, cfg)
    by_position = list(reversed(parts[:97])) + parts[97:]
    for a, b in zip(whole, by_position, strict=True):
        _close(a, b)
    assert analyze_batch([], None, cfg) == []


def _multiclass_reference(model: LinearModel, sp: bm.Sparse, dense: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``batchmath.multiclass``'s general path as it was before its batch-of-one branch (decision 0215)."""
    n = sp.n
    z = np.tile(model.intercept.astype(np.float64), (n, 1))
    unit = sp.val
    if len(sp.idx):
        norm = np.sqrt(np.bincount(sp.seg, weights=sp.val * sp.val, minlength=n))
        unit = sp.val / np.where(norm > 0, norm, 1.0)[sp.seg]
        contrib = unit[:, None] * model.coef[sp.idx].astype(np.float64)
        starts = np.searchsorted(sp.seg, np.arange(n))
        has = np.bincount(sp.seg, minlength=n) > 0
        z[has] += np.add.reduceat(contrib, starts[has], axis=0)
    if dense is not None:
        z += (dense[:, :, None] * model.coef[model.n_terms :].astype(np.float64)[None, :, :]).sum(axis=1)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True), unit


def test_a_batch_is_scored_bit_for_bit_as_the_reference(messages: list[ParsedMessage]) -> None:
    """``multiclass`` gathers float64 coefficient rows with ``np.take`` (decision 0221): the very floats of
    the reference's float32 gather converted afterwards, over a batch with messages of no known term."""
    models = load_models(default_config().models_dir)
    feats = [featurize(p.subject, body_of(p), models) for p in messages[:60]]
    counts = [f.counts for f in feats] + [Counter(), Counter({"zzz-no-such-term": 2})]
    for model in (models.intent, models.topic):
        assert model is not None
        sp = bm.model_entries(model, counts)
        dense = np.arange(len(counts) * len(model.dense_names), dtype=np.float64).reshape(len(counts), -1) / 7
        scored = bm.multiclass(model, sp, dense.tolist())
        proba, unit = _multiclass_reference(model, sp, dense if model.dense_names else None)
        assert proba.tobytes() == scored.proba.tobytes()
        assert unit.tobytes() == np.asarray(scored.unit).tobytes()
        assert len(sp.idx) > 1000


def _top_terms_reference(scored: bm.Scored, col: int) -> list[tuple[str, float]]:
    """``Scored.explain``'s term part as it was before its batch-of-one branch (decision 0215), one message."""
    m, sp = scored.model, scored.sp
    col_of = np.asarray([0 if m.coef.shape[1] == 1 else col], dtype=np.int64)
    w = scored.unit * m.coef[sp.idx, col_of[sp.seg]].astype(np.float64)
    pos = np.flatnonzero(w > 0)
    wp, seg = w[pos], sp.seg[pos]
    order = np.lexsort((-wp, seg))
    seg_o = seg[order]
    rank = np.arange(len(order)) - np.searchsorted(seg_o, seg_o)
    top = pos[order[rank < bm.TOP_K]]
    return [(m._inverse()[j], wj) for j, wj in zip(sp.idx[top].tolist(), w[top].tolist(), strict=True)]


def test_a_message_alone_is_scored_bit_for_bit_as_before(messages: list[ParsedMessage]) -> None:
    """The batch-of-one branch of ``multiclass`` gives the very floats of the general path (no tolerance)."""
    models = load_models(default_config().models_dir)
    n_terms = 0
    for p in messages[::3]:
        f = featurize(p.subject, body_of(p), models)
        for kind in ("intent", "topic"):
            scored, _row = f.scored[kind]
            assert scored.sp.n == 1
            proba, unit = _multiclass_reference(scored.model, scored.sp, scored.dense)
            assert proba.tobytes() == scored.proba.tobytes(), (kind, p.subject)
            assert unit.tobytes() == np.asarray(scored.unit).tobytes(), (kind, p.subject)
            for col in range(len(scored.model.classes)):
                dense_free = bm.Scored(scored.model, scored.proba, scored.sp, scored.unit, None)
                assert dense_free.explain([col])[0] == _top_terms_reference(scored, col)[: bm.TOP_K], (kind, col)
            n_terms += len(scored.sp.idx)
    assert n_terms > 1000
