"""The linear models' arithmetic for many messages at once (decision 0205).

Per message, scoring four linear models and explaining two of them cost ~80 small numpy
calls: most of a short message's time. Here a whole batch is one sparse product per model:
the term counts of every message are looked up in one pass, sums per message are
``np.bincount`` over a segment id (each message's sum is accumulated in its own terms' order,
whatever else is in the batch), and the strongest features of every message come out of one
stable sort. Arithmetic is float64 throughout, so a message scored alone and in a batch agree
to ~1e-15 (tests/analyze/test_batch.py compares them).
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from execdesk.analyze import native
from execdesk.analyze.linear import _TF32, LinearModel, SharedTerms, _tf_array

TOP_K = 6
_FIRST = np.zeros(1, dtype=np.intp)  # reduceat's one start for a batch of one
_NO_IDF = np.zeros(0, dtype=np.float32)  # a presence model's entries have no idf (their value is 1.0)


@dataclass(slots=True)
class Sparse:
    """Raw sublinear TF-IDF entries of a batch for one model: segment (message), term index, value."""

    seg: np.ndarray
    idx: np.ndarray
    val: np.ndarray  # float64, before the L2 norm
    n: int


def lookup(
    vocab: dict[str, int], keys: Iterable[str], counts: Iterable[int], sizes: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(segment, vocabulary index or -1, count) of every key, in one C-level pass per array."""
    n_seg = len(sizes)
    total = int(sum(sizes))
    ja = np.fromiter(map(vocab.get, keys, itertools.repeat(-1)), dtype=np.int64, count=total)
    ca = np.fromiter(counts, dtype=np.int64, count=total)
    seg = np.repeat(np.arange(n_seg), np.asarray(sizes, dtype=np.int64))
    return seg, ja, ca


def _entries(model: LinearModel, seg: np.ndarray, ja: np.ndarray, ca: np.ndarray, n: int) -> Sparse:
    keep = ja >= 0
    ia = ja[keep]
    c = ca[keep]
    v = model.idf[ia]
    if len(c) and c.max() > 1:
        v = v * _tf_array(c)
    return Sparse(seg[keep], ia, v.astype(np.float64), n)


def shared_entries(shared: SharedTerms, counters: Sequence[Counter[str]]) -> list[Sparse]:
    """Per model of ``shared``, then per presence model of ``shared``: the batch's entries, each term of each
    message looked up once. A presence model's entries are its known terms with value 1."""
    sizes = [len(c) for c in counters]
    seg, ua, ca = lookup(shared.index, itertools.chain.from_iterable(counters),
                         itertools.chain.from_iterable(c.values() for c in counters), sizes)  # fmt: skip
    keep = ua >= 0
    return shared_entries_from(shared, seg[keep], ua[keep], ca[keep], len(counters))


def _known(
    kernels: ModuleType,
    seg: np.ndarray,
    ua: np.ndarray,
    ca: np.ndarray,
    to_model: np.ndarray,
    idf: np.ndarray | None,
    n: int,
) -> Sparse:
    """``_entries`` (``idf``) or a presence model's entries (``idf`` None) by ``known_entries``; counts < len(_TF32)."""
    s, i, v = kernels.known_entries(seg, ua, ca, to_model, _NO_IDF if idf is None else idf, _TF32, idf is None)
    return Sparse(s, i, v, n)


def shared_entries_from(shared: SharedTerms, seg: np.ndarray, ua: np.ndarray, ca: np.ndarray, n: int) -> list[Sparse]:
    """``shared_entries`` of ``n`` messages from their known terms, already looked up: segment (message),
    union index and count of each, in the order of each message's counter keys (the token kernels')."""
    kernels = native.load("token")
    if kernels is not None and (not len(ca) or int(ca.max()) < len(_TF32)):
        # each model's entries in one kernel pass instead of ~8 numpy calls over the batch (decision 0230)
        out = [_known(kernels, seg, ua, ca, mp, m.idf, n) for m, mp in zip(shared.models, shared.maps, strict=True)]
        return out + [_known(kernels, seg, ua, ca, mp, None, n) for mp in shared.presence_maps]
    out = [_entries(m, seg, mp[ua], ca, n) for m, mp in zip(shared.models, shared.maps, strict=True)]
    for mp in shared.presence_maps:
        ja = mp[ua]
        k = ja >= 0
        out.append(Sparse(seg[k], ja[k], np.ones(int(k.sum())), n))
    return out


def presence_log_odds(model: LinearModel, sp: Sparse, extra: Sequence[Sequence[str]]) -> list[float]:
    """A presence model's log-odds per message: intercept + its coefficients over the message's entries in
    ``sp`` (distinct terms, from ``shared_entries``) + over its distinct ``extra`` tokens (the spam model's
    header tokens, none of them among the terms). Each message's sums in its own order: batch = alone.

    The few dozen extra tokens a message has are summed in Python: cheaper than a dozen numpy calls when
    a message is analysed alone, and about the same in a batch."""
    z = np.full(sp.n, float(model.intercept[0]))
    if len(sp.idx):
        z += np.bincount(sp.seg, weights=model._col0[sp.idx], minlength=sp.n)
    out = z.tolist()
    get, col = model.vocab.get, model.col0_list().__getitem__
    for i, toks in enumerate(extra):
        if toks:
            # the known tokens' coefficients added one by one, in the tokens' order (as the loop
            # ``s += col[j]`` did: the same float sums), without a Python statement per token
            known = [j for j in map(get, dict.fromkeys(toks)) if j is not None]
            out[i] = functools.reduce(operator.add, map(col, known), out[i])
    return out


def model_entries(model: LinearModel, counters: Sequence[Counter[str]]) -> Sparse:
    """The batch's entries for one model with its own vocabulary look-up."""
    sizes = [len(c) for c in counters]
    seg, ja, ca = lookup(model.vocab, itertools.chain.from_iterable(counters),
                         itertools.chain.from_iterable(c.values() for c in counters), sizes)  # fmt: skip
    return _entries(model, seg, ja, ca, len(counters))


def with_extra(model: LinearModel, sp: Sparse, extras: Sequence[Counter[str]]) -> Sparse:
    """``sp`` plus pseudo-words per message (the spam model's meta tokens), none of them already counted."""
    if not any(extras):
        return sp
    more = model_entries(model, extras)
    seg = np.concatenate([sp.seg, more.seg])
    order = np.argsort(seg, kind="stable")  # each message's own terms first, then its extras
    idx = np.concatenate([sp.idx, more.idx])[order]
    return Sparse(seg[order], idx, np.concatenate([sp.val, more.val])[order], sp.n)


def _norms(sp: Sparse) -> np.ndarray:
    return np.sqrt(np.bincount(sp.seg, weights=sp.val * sp.val, minlength=sp.n))


def binary_probabilities(model: LinearModel, sp: Sparse) -> list[float]:
    """P(positive) per message of a binary model without dense features (float32, as the models always gave)."""
    z = np.full(sp.n, float(model.intercept[0]))
    if len(sp.idx):
        norm = _norms(sp)
        dot = np.bincount(sp.seg, weights=sp.val * model._col0[sp.idx], minlength=sp.n)
        z += np.divide(dot, norm, out=np.zeros(sp.n), where=norm > 0)
    p = (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
    return p.tolist()


@dataclass(slots=True)
class Scored:
    """A multiclass model's output for a batch: probabilities and what is needed to explain them."""

    model: LinearModel
    proba: np.ndarray  # (n, classes) float64
    sp: Sparse
    unit: np.ndarray  # entries divided by their message's L2 norm
    dense: np.ndarray | None  # (n, n_dense) or None

    def explain(self, cols: Sequence[int]) -> list[list[tuple[str, float]]]:
        """Per message, the TOP_K terms and dense features that pushed class ``cols[i]`` up the most."""
        m = self.model
        col_of = np.asarray([0 if m.coef.shape[1] == 1 else c for c in cols], dtype=np.int64)
        if self.sp.n == 1:
            return [self._explain_one(int(col_of[0]))]
        return self._explain_many(col_of)

    def _dense_weights(self, col_of: np.ndarray) -> np.ndarray | None:
        """(n, n_dense): each dense feature's push on each message's class, or None without dense features."""
        if self.dense is None or not self.dense.shape[1]:
            return None
        return self.dense * self.model._dense64[:, col_of].T

    def _explain_one(self, col: int) -> list[tuple[str, float]]:
        """A message alone: its terms ranked by a stable sort of -weight (what the lexsort of ``_explain_many``
        gives when every term has segment 0), then merged with its dense features."""
        m, sp = self.model, self.sp
        out: list[tuple[str, float]] = []
        if len(sp.idx):
            w = self.unit * m.coef[sp.idx, col].astype(np.float64)
            pos = np.flatnonzero(w > 0)
            top = pos[np.argsort(-w[pos], kind="stable")[:TOP_K]]
            out.extend(zip(map(m._inverse().__getitem__, sp.idx[top].tolist()), w[top].tolist(), strict=True))
        dw = self._dense_weights(np.asarray([col]))
        if dw is not None:
            row = dw[0].tolist()
            names = m.dense_names
            top_d = np.argsort(-dw[0], kind="stable")[:TOP_K].tolist()
            extra = [("#" + names[j], row[j]) for j in top_d if row[j] > 0]
            if extra:
                both = out + extra
                both.sort(key=lambda x: -x[1])
                out = both[:TOP_K]
        return out

    def _explain_many(self, col_of: np.ndarray) -> list[list[tuple[str, float]]]:
        """Every message's TOP_K in numpy before any Python object (decision 0217): the terms and dense
        features that pushed its class up, ranked by (message, -weight), ties in list order: its terms in
        their order, then its dense features in column order. That is what the per-message merge gave: terms
        ranked by a stable sort, the dense features by a stable argsort, then both lists joined in that
        order and stably sorted by -weight."""
        m, sp, n = self.model, self.sp, self.sp.n
        kernels = native.load("token")
        if kernels is not None:
            return self._explain_kernel(kernels, col_of)
        segs: list[np.ndarray] = []
        ws: list[np.ndarray] = []
        rows: list[np.ndarray] = []  # coefficient row: term index, or n_terms + dense feature
        if len(sp.idx):
            w = self.unit * np.take(m.coef64.ravel(), sp.idx * m.coef.shape[1] + col_of[sp.seg])
            pos = np.flatnonzero(w > 0)  # only terms that pushed the class up are listed
            pos = pos[_may_rank(sp.seg[pos], w[pos], TOP_K)]
            segs.append(sp.seg[pos])
            ws.append(w[pos])
            rows.append(sp.idx[pos])
        dw = self._dense_weights(col_of)
        if dw is not None:
            flat = dw.ravel()
            pos = np.flatnonzero(flat > 0)
            n_dense = dw.shape[1]
            segs.append(pos // n_dense)
            ws.append(flat[pos])
            rows.append(m.n_terms + pos % n_dense)
        if not segs:
            return [[] for _ in range(n)]
        seg, w_all, row = (np.concatenate(x) for x in (segs, ws, rows))
        order = np.lexsort((-w_all, seg))  # by message, strongest first; ties keep the list order
        seg_o = seg[order]
        rank = np.arange(len(order)) - np.searchsorted(seg_o, seg_o)  # place within its message
        top = order[rank < TOP_K]  # each message's TOP_K strongest, in that order
        pairs = iter(zip(map(m.explain_names().__getitem__, row[top].tolist()), w_all[top].tolist(), strict=True))
        return [list(itertools.islice(pairs, k)) for k in np.bincount(seg[top], minlength=n).tolist()]

    def _explain_kernel(self, kernels: ModuleType, col_of: np.ndarray) -> list[list[tuple[str, float]]]:
        """``_explain_many`` by one ``top_pushes`` call (decision 0231): each message's TOP_K kept while the
        entries are read, instead of numpy passes over every entry and a sort; the same names and floats."""
        m, sp = self.model, self.sp
        dense = self.dense if self.dense is not None else np.zeros((sp.n, 0))
        rows, weights, held = kernels.top_pushes(sp.seg, sp.idx, self.unit, m.coef, col_of, dense, m._dense64, TOP_K)
        listed = np.arange(TOP_K) < held[:, None]
        names = map(m.explain_names().__getitem__, rows[listed].tolist())
        pairs = iter(zip(names, weights[listed].tolist(), strict=True))
        return [list(itertools.islice(pairs, h)) for h in held.tolist()]


def _may_rank(seg: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """Which entries can be among their message's ``k`` largest ``w``, so that the sort of ``_explain_many``
    ranks a few per message instead of all (decision 0219). A run of equal ``seg`` (a message's entries:
    segments ascend) is cut in ``k`` non-empty chunks; the smallest chunk maximum is met by ``k`` distinct
    entries, so an entry below it has ``k`` entries above it and is dropped; every other entry is kept, in
    its order (ties are ranked as before)."""
    n = len(seg)
    if n <= k:
        return np.ones(n, dtype=np.bool_)
    starts = np.flatnonzero(np.concatenate(([True], seg[1:] != seg[:-1])))
    counts = np.diff(np.append(starts, n))
    # k chunk starts per run (a run shorter than k repeats some: its bound is not used)
    cuts = starts[:, None] + (np.arange(k)[None, :] * counts[:, None]) // k
    bound = np.maximum.reduceat(w, cuts.ravel()).reshape(-1, k).min(axis=1)
    bound[counts < k] = -np.inf
    return w >= np.repeat(bound, counts)


def _add_message_sums(z: np.ndarray, sp: Sparse, unit: np.ndarray, coef64: np.ndarray) -> None:
    """``z[i] +=`` the sum of message ``i``'s rows of ``coef64[sp.idx] * unit[:, None]`` (its contiguous run of
    ``sp.seg``), as ``np.add.reduceat`` sums them; with the token kernels, by one call that makes no
    (entries x classes) array (decision 0230: the same floats, tests/analyze/test_batchmath_kernels.py)."""
    kernels = native.load("token")
    if kernels is not None:
        kernels.add_segment_sums(z, sp.seg, sp.idx, unit, coef64)
        return
    contrib = np.take(coef64, sp.idx, axis=0)  # a fresh array: scaled in place
    np.multiply(contrib, unit[:, None], out=contrib)
    starts = np.searchsorted(sp.seg, np.arange(sp.n))
    has = np.bincount(sp.seg, minlength=sp.n) > 0
    z[has] += np.add.reduceat(contrib, starts[has], axis=0)


def multiclass(model: LinearModel, sp: Sparse, dense: Sequence[Sequence[float]]) -> Scored:
    """Class probabilities of every message: intercept + unit TF-IDF @ coef + dense @ coef, softmax."""
    n = sp.n
    n_out = model.coef.shape[1]
    z = np.tile(model._intercept64, (n, 1))
    unit = sp.val
    if len(sp.idx):
        norm = _norms(sp)
        if n == 1:  # a message alone (analyze_message): the same operations without the segment book-keeping
            unit = sp.val / (norm[0] if norm[0] > 0 else 1.0)
            contrib = np.take(model.coef64, sp.idx, axis=0)  # a fresh array: scaled in place
            z += np.add.reduceat(np.multiply(contrib, unit[:, None], out=contrib), _FIRST, axis=0)
        else:
            unit = sp.val / np.where(norm > 0, norm, 1.0)[sp.seg]
            _add_message_sums(z, sp, unit, model.coef64)
    d = None
    if model.dense_names:
        d = np.asarray(dense, dtype=np.float64).reshape(n, len(model.dense_names))
        z += (d[:, :, None] * model._dense64[None, :, :]).sum(axis=1)
    if len(model.classes) == 2 and n_out == 1:
        p1 = 1.0 / (1.0 + np.exp(-z[:, 0]))
        p = np.stack([1.0 - p1, p1], axis=1)
    else:
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
    return Scored(model, p, sp, unit, d)
