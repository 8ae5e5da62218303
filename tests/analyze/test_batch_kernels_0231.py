"""Decision 0231's batch paths against the code they replace: the explanations ranked by ``top_pushes``
(``Scored._explain_kernel``) equal the numpy ranking (``_explain_many`` without the kernels), the cue
window's characters counted by ``ascii_char_counts`` equal ``window_counts``, and ``_forward_mark`` finds
what ``_FORWARD_MARK.search`` finds. Real mail (SpamAssassin, Enron, twcs) and traps: ties, runs longer and
shorter than ``TOP_K``, messages with no positive push, non-ASCII letters and punctuation, the cue window's
edge, forward marks in the subject, at the body's first line, indented, and "on"/"from" lines that are not."""

from __future__ import annotations

import random
from types import ModuleType

import numpy as np
import pytest

from execdesk.analyze import analyze_batch, batchmath, cues, default_config, native, text
from execdesk.analyze.linear import LinearModel
from execdesk.analyze.pipeline import parsed_from_text
from execdesk.analyze.training.data import (
    default_data_dir,
    load_enron,
    load_enron_other,
    load_twcs,
)
from execdesk.parse.model import ParsedMessage


@pytest.fixture(scope="module")
def real_mail(spam_mail: list[ParsedMessage]) -> list[ParsedMessage]:
    """The shared SpamAssassin sample plus about 400 executive mails and customer tweets."""
    data = default_data_dir()
    examples = load_enron(data) + load_enron_other(data) + load_twcs(data)
    return spam_mail + [parsed_from_text(ex.subject, ex.body) for ex in examples[:: max(1, len(examples) // 400)]]


def _numpy_explain(scored: batchmath.Scored, col_of: np.ndarray) -> list[list[tuple[str, float]]]:
    with native.python_path():
        return scored._explain_many(col_of)


def _scored_of_batch(mail: list[ParsedMessage], monkeypatch: pytest.MonkeyPatch) -> list[batchmath.Scored]:
    """The intent and topic models' ``Scored`` of real batches, as ``_classify_many`` receives them."""
    seen: list[batchmath.Scored] = []
    explain = batchmath.Scored.explain

    def keep(self: batchmath.Scored, cols: list[int]) -> list[list[tuple[str, float]]]:
        seen.append(self)
        return explain(self, cols)

    monkeypatch.setattr(batchmath.Scored, "explain", keep)
    cfg = default_config()
    for i in range(0, len(mail), 250):
        analyze_batch(mail[i : i + 250], None, cfg)
    return seen


def test_real_mail_explanations_equal_the_numpy_ranking(
    kernels: ModuleType, real_mail: list[ParsedMessage], monkeypatch: pytest.MonkeyPatch
) -> None:
    scored = _scored_of_batch(real_mail, monkeypatch)
    assert len(scored) >= 4
    for s in scored:
        n_cls = s.model.coef.shape[1]
        for col_of in (s.proba.argmax(axis=1), np.arange(s.sp.n) % n_cls, np.full(s.sp.n, n_cls - 1)):
            col_of = np.asarray(col_of, dtype=np.int64)
            fast = s._explain_kernel(kernels, col_of)
            assert fast == _numpy_explain(s, col_of)
            assert all(type(w) is float for top in fast for _name, w in top)
    # the kernel path is the one the batch takes
    some = scored[0]
    assert some._explain_many(some.proba.argmax(axis=1)) == some._explain_kernel(kernels, some.proba.argmax(axis=1))


def _random_scored(rng: random.Random, with_dense: bool) -> batchmath.Scored:
    """A small model and a batch whose weights are full of ties (a few distinct values), with runs of 0, 1,
    TOP_K - 1, TOP_K, TOP_K + 1 and up to 40 entries, and negative and zero pushes."""
    n_terms, n_cls, n_dense = 30, rng.choice([1, 3]), 4 if with_dense else 0
    values = [-1.0, 0.0, 0.25, 0.5, 1.0] if rng.random() < 0.7 else [rng.uniform(-1, 1) for _ in range(6)]
    coef = np.asarray([[rng.choice(values) for _ in range(n_cls)] for _ in range(n_terms + n_dense)])
    names = [f"d{j}" for j in range(n_dense)]
    vocab = {f"t{j}": j for j in range(n_terms)}
    model = LinearModel([f"c{j}" for j in range(max(2, n_cls))], vocab, np.ones(n_terms), coef, np.zeros(n_cls), names)
    k = batchmath.TOP_K
    runs = [rng.choice([0, 1, k - 1, k, k + 1, rng.randint(0, 40)]) for _ in range(12)]
    seg = np.repeat(np.arange(len(runs)), runs)
    idx = np.asarray([rng.randrange(n_terms) for _ in range(len(seg))], dtype=np.int64)
    unit = np.asarray([rng.choice([0.5, 1.0, 2.0]) for _ in range(len(seg))])
    sp = batchmath.Sparse(seg, idx, unit.copy(), len(runs))
    dense = np.asarray([[rng.choice([0.0, 0.5, 1.0]) for _ in range(n_dense)] for _ in runs]) if with_dense else None
    return batchmath.Scored(model, np.zeros((len(runs), max(2, n_cls))), sp, unit, dense)


def test_random_ties_rank_as_the_numpy_lexsort(kernels: ModuleType) -> None:
    rng = random.Random(231)
    for case in range(400):
        s = _random_scored(rng, with_dense=case % 3 != 0)
        n_cls = s.model.coef.shape[1]
        col_of = np.asarray([rng.randrange(n_cls) for _ in range(s.sp.n)], dtype=np.int64)
        assert s._explain_kernel(kernels, col_of) == _numpy_explain(s, col_of)


def test_a_batch_without_entries_or_dense_features_explains_nothing(kernels: ModuleType) -> None:
    model = LinearModel(["a", "b"], {"x": 0}, np.ones(1), np.ones((1, 2)), np.zeros(2))
    empty = np.zeros(0, dtype=np.int64)
    s = batchmath.Scored(model, np.zeros((3, 2)), batchmath.Sparse(empty, empty, np.zeros(0), 3), np.zeros(0), None)
    assert s._explain_kernel(kernels, np.zeros(3, dtype=np.int64)) == [[], [], []]


_WINDOW_TRAPS = [
    "",
    "Hello? World! ",
    "ÉCRIVEZ-MOI ? Ça va ! Ünïcödé capitals are not ASCII capitals",
    "full-width ？ and ！ and ideographic\u3000space are not counted",
    "NO LOWER CASE AT ALL!!!",
    "x" * (cues.CUE_CHARS - 1) + "? ! A",  # the window ends inside these
    " " * (cues.CUE_CHARS + 10),
    "tab\tand\nnewline are not spaces; \u00a0 neither is a no-break space",
]


def test_window_counts_of_a_batch_equal_one_by_one(kernels: ModuleType, real_mail: list[ParsedMessage]) -> None:
    texts = _WINDOW_TRAPS + [m.subject + "\n\n" + (m.new_text or m.text) for m in real_mail]
    assert any(not t.isascii() for t in texts[len(_WINDOW_TRAPS) :])
    one_by_one = [cues.window_counts(t) for t in texts]
    assert cues.window_counts_many(texts) == one_by_one
    assert cues.window_counts_many(list(reversed(texts))) == one_by_one[::-1]
    for size in (2, 37):
        parts = [cues.window_counts_many(texts[i : i + size]) for i in range(0, len(texts), size)]
        assert [c for part in parts for c in part] == one_by_one
    assert cues.window_counts("Hi? A b!") == (2, 4, 2, 1, 1)


_FORWARD_TRAPS = [
    ("Re: -- not here", "body\n-----Original Message-----\nFrom: a"),
    ("Fwd", "first line\n  -- Forwarded message from Ann --\nhello"),
    ("x", "-----Original Message-----\nat the body's first line"),
    ("x", "On Monday, Ann Smith <ann@example.com> wrote:\n> quoted"),
    ("x", "on the other hand nothing was written\nOn a day someone wrote: \nand more"),
    ("x", "From: Ann\nSent: Monday\nTo: Bob"),
    ("x", "from: ann\ndate: today"),
    ("x", "From: Ann\nTo: Bob (no Sent or Date after it)"),
    ("x", "\t--\nsignature dashes, then\n-- Forwarded by Bob on 1/2"),
    ("x", "on\nOn\nOn  x wrote:"),
    ("x", "no mark at all -- only dashes inside a line"),
]


def test_forward_marks_are_those_of_the_regex(real_mail: list[ParsedMessage]) -> None:
    pairs = _FORWARD_TRAPS + [(m.subject, m.new_text or m.text) for m in real_mail]
    found = 0
    for subject, body in pairs:
        full, body_start = text._analysed_text(subject, body)
        for start in {body_start, 0, 1, body_start + 3, len(full), len(full) + 5}:
            expected = text._FORWARD_MARK.search(full, start)
            got = text._forward_mark(full, start)
            assert (got.span(), got.group(0)) == (expected.span(), expected.group(0)) if expected else got is None
            found += expected is not None
    assert found > 20
    assert text._forward_mark("-- Original Message --\nat the very start", 0) is not None
