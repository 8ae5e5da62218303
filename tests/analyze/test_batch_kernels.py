"""Decision 0224: the sentence and sentiment kernels called once per batch give what one call per text gives.

``text.build_views`` (``sentence_spans_many``) is compared with ``build_view`` per message and with the Python
path, ``sentiment.scores`` (``sentiment_words_many``) with ``sentiment.score`` per message and with the Python
path: on real mail (Enron, CFPB, twcs, SpamAssassin) in batches of several sizes, ASCII and non-ASCII texts
mixed (the batch's non-ASCII classes are taken together), the traps, and texts whose outputs outgrow the
kernels' first output buffer.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from execdesk.analyze import native, sentiment
from execdesk.analyze.model import Sentiment
from execdesk.analyze.scan import Scan, scans
from execdesk.analyze.text import TextView, body_of, build_view, build_views
from tests.analyze.test_token_kernels import TRAPS, _real, _spamassassin, _with_cap

# many sentences and many scored words a character: outputs larger than the kernels' first guess of room
_DENSE = ["A. b. " * 700, "Good bad! " * 400, "No. " * 1000 + "great", "x\n" * 2000]


@pytest.fixture
def pairs(shared_data: Path) -> list[tuple[str, str]]:
    """(subject, body) of real mail and of the traps, ASCII and non-ASCII texts interleaved."""
    real = _real(shared_data)[::2] + [(p.subject, body_of(p)) for p in _spamassassin(shared_data, step=6)]
    traps = [("trap", t) for t in _with_cap(TRAPS + _DENSE)] + [(t, "body") for t in TRAPS]
    out = real + traps
    assert sum(not (s + b).isascii() for s, b in out) > 100
    return out


def _fields(view: TextView) -> tuple[object, ...]:
    spans = None if view.sentence_spans is None else view.sentence_spans.tolist()
    return view.text, view.body_start, view.sentence_starts, view.sentence_ends, view.masked, view.lower, spans


def _batches(items: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Batches of 500, 37 and 2 (the smallest ``build_views`` hands to the batch kernel), and the whole list."""
    sizes = (500, 37, 2)
    return [items[i : i + n] for n in sizes for i in range(0, len(items), n)] + [items]


def test_views_of_a_batch_equal_views_one_by_one(kernels: ModuleType, pairs: list[tuple[str, str]]) -> None:
    one_by_one = {p: _fields(build_view(*p)) for p in pairs}
    for batch in _batches(pairs):
        views = build_views(batch)
        assert [_fields(v) for v in views] == [one_by_one[p] for p in batch]
        assert all(v.sentence_spans is not None and v.sentence_spans.dtype == np.int64 for v in views)
    with native.python_path():
        python = [build_view(*p) for p in pairs]
    assert [_fields(v)[:-1] for v in python] == [one_by_one[p][:-1] for p in pairs]
    assert build_views([]) == []


def _key(s: Sentiment) -> tuple[object, ...]:
    return s.score, s.label, s.anger, [(e.text, e.start, e.end) for e in s.evidence]


def test_sentiments_of_a_batch_equal_sentiments_one_by_one(kernels: ModuleType, pairs: list[tuple[str, str]]) -> None:
    texts = [v.text for v in build_views(pairs)]
    index = dict(zip(texts, scans(texts), strict=True))
    one_by_one = {t: _key(sentiment.score(t, index[t])) for t in texts}
    for batch in _batches([(t, "") for t in texts]):
        bt = [t for t, _ in batch]
        got = sentiment.scores(bt, [index[t] for t in bt])
        assert [_key(s) for s in got] == [one_by_one[t] for t in bt]
    with native.python_path():
        python = sentiment.scores(texts, [Scan(t) for t in texts])
    assert [_key(s) for s in python] == [one_by_one[t] for t in texts]
    assert sum(bool(s[3]) for s in one_by_one.values()) > 1000  # evidence was there to compare
    assert sentiment.scores([], []) == []
