"""A small linear text model that ships as JSON and scores one message in microseconds.

Training uses scikit-learn; inference does not: the vocabulary, IDF weights and
coefficients are exported to a gzipped JSON file (a few hundred KB) and scored with numpy.
The same ``terms()`` function builds features at training and at run time, so the two
cannot drift apart.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Sequence, Sized
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

_TOKEN = re.compile(r"[a-z][a-z0-9'’]*|\d+|[$!?€£]")
_URL = re.compile(r"https?://\S+|www\.\S+")
_NUM = re.compile(r"\d")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; URLs become ``_url_``, numbers ``_num_``."""
    text = text.lower()
    if "http" in text or "www." in text:
        text = _URL.sub(" _url_ ", text)
    out = _TOKEN.findall(text)
    if _NUM.search(text) is not None:
        out = ["_num_" if t[0].isdigit() else t for t in out]
    if "’" in text:
        out = [t.replace("’", "'") for t in out]
    return out


def terms(text: str, bigrams: bool = True) -> Counter[str]:
    """Unigram and bigram counts."""
    return counts_of(tokens(text), bigrams)


def counts_of(toks: list[str], bigrams: bool = True) -> Counter[str]:
    """Unigram and bigram counts of a token list (``terms`` without the tokenising)."""
    if bigrams:  # one counting pass: unigrams first, then bigrams (which hold a space, so never equal one)
        return Counter(itertools.chain(toks, map(" ".join, itertools.pairwise(toks))))
    return Counter(toks)


@lru_cache(maxsize=4096)
def _tf(c: int) -> float:
    """Sublinear term frequency as the float32 numpy used when the models were first scored."""
    return float(np.float32(1.0 + math.log(c)))


_TF32 = np.asarray([0.0] + [_tf(c) for c in range(1, 8193)], dtype=np.float32)


def _tf_array(counts: np.ndarray) -> np.ndarray:
    if counts.max() < len(_TF32):
        return _TF32[counts]
    return np.asarray([_tf(int(c)) for c in counts], dtype=np.float32)


WEIGHTINGS = ("tfidf", "presence")


class LinearModel:
    """Multinomial (or binary) logistic regression over TF-IDF terms plus named dense features.

    ``weighting="presence"``: a term's value is 1 if it occurs, whatever its count, with no IDF and no
    norm (a Naive Bayes model over binary features is such a linear model: the spam model's second half,
    decision 0209).
    """

    def __init__(
        self,
        classes: Sequence[str],
        vocab: dict[str, int],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        dense_names: Sequence[str] = (),
        meta: dict[str, Any] | None = None,
        weighting: str = "tfidf",
    ) -> None:
        if weighting not in WEIGHTINGS:
            raise ValueError(f"unknown weighting {weighting!r}")
        self.weighting = weighting
        self.presence = weighting == "presence"
        self.classes = list(classes)
        self.vocab = vocab
        self.idf = idf.astype(np.float32)
        self.coef = coef.astype(np.float32)  # (n_terms + n_dense, n_out)
        self.intercept = intercept.astype(np.float32)
        self.dense_names = list(dense_names)
        self.meta = meta or {}
        self.n_terms = len(vocab)
        self._inv: list[str] | None = None
        self._explain_names: list[str] | None = None
        self._dense_src: Sequence[str] | None = None  # dense_in_order's cache
        self._dense_pos: list[int] | None = None
        # Python floats for the per-term loop: indexing a numpy array per term costs ~10x a list
        self._idf = [float(x) for x in self.idf]
        self._col0 = self.coef[: self.n_terms, 0].astype(np.float64)
        self._col0_py: list[float] | None = None
        # float64 copies the batch arithmetic reads per call (batchmath.multiclass, Scored.explain)
        self._intercept64 = self.intercept.astype(np.float64)
        self._dense64 = self.coef[self.n_terms :].astype(np.float64)  # (n_dense, n_out)
        self._coef64: np.ndarray | None = None  # all of coef, made on first use: see coef64

    @property
    def coef64(self) -> np.ndarray:
        """``coef`` as float64, converted on first use: ``batchmath.multiclass`` gathers its rows with
        ``np.take`` (about 5x faster than fancy-indexing the float32 array and converting the copy)."""
        if self._coef64 is None:
            self._coef64 = np.ascontiguousarray(self.coef, dtype=np.float64)
        return self._coef64

    # ---- features -------------------------------------------------------------------
    def term_vector(self, counts: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
        """(indices, values) of the L2-normalised sublinear TF-IDF vector, in the order of ``counts``."""
        n = len(counts)
        if not n:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        # vocabulary look-ups and counts in C-level passes, not a Python loop per term
        ja = np.fromiter(map(self.vocab.get, counts, itertools.repeat(-1)), dtype=np.int64, count=n)
        keep = ja >= 0
        ia = ja[keep]
        if not len(ia):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self.presence:
            return ia, np.ones(len(ia), dtype=np.float32)
        v = self.idf[ia]
        ca = np.fromiter(counts.values(), dtype=np.int64, count=n)[keep]
        if ca.max() > 1:
            # float32(1 + log c) * float32 idf: what the float32 arithmetic of the first version gave
            v = v * _tf_array(ca)
        v /= float(np.sqrt(np.dot(v, v))) or 1.0
        return ia, v

    def col0_list(self) -> list[float]:
        """The first coefficient column as Python floats (for sums over a few terms without numpy). Built once."""
        if self._col0_py is None:
            self._col0_py = self._col0.tolist()
        return self._col0_py

    def is_plain_binary(self) -> bool:
        """Two classes, one coefficient column, no dense features, TF-IDF (the spam and request models)."""
        return len(self.classes) == 2 and self.coef.shape[1] == 1 and not self.dense_names and not self.presence

    def presence_log_odds(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        """Per token list: intercept + the coefficients of its distinct known tokens (a binary
        ``weighting="presence"`` model's log-odds of the positive class), for a batch in one pass.

        Each list's sum is accumulated in its own tokens' order (``np.bincount``), so a list scored
        alone and in a batch agree exactly.
        """
        if not self.presence or len(self.classes) != 2 or self.coef.shape[1] != 1:
            raise ValueError("presence_log_odds needs a binary presence model")
        n = len(docs)
        seg, ja = self._lookup([dict.fromkeys(d) for d in docs])
        z = np.full(n, float(self.intercept[0]))
        if len(ja):
            keep = ja >= 0
            z += np.bincount(seg[keep], weights=self._col0[ja[keep]], minlength=n)
        return z

    def _lookup(self, docs: Sequence[Collection[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(document number, vocabulary index or -1) of every key of every document, in one C-level pass."""
        sizes = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        keys = itertools.chain.from_iterable(docs)
        ja = np.fromiter(map(self.vocab.get, keys, itertools.repeat(-1)), dtype=np.int64, count=int(sizes.sum()))
        return np.repeat(np.arange(len(docs)), sizes), ja

    def positive_probabilities(self, counters: Sequence[Counter[str]]) -> list[float]:
        """``float(proba(c)[1])`` for each counter, for a binary model without dense features, in one batch.

        Same formula (sublinear TF-IDF, L2 norm, logistic) with the per-counter sums done by
        ``np.bincount`` in float64 instead of one float32 dot product per counter: a dozen numpy
        calls for a message's sentences instead of a dozen per sentence. Agrees to ~1e-7.
        """
        if not self.is_plain_binary():
            return [float(self.proba(c)[1]) for c in counters]
        n_seg = len(counters)
        seg_all, ja = self._lookup(counters)
        total = len(ja)
        keep = ja >= 0
        if total and keep.any():
            ca = np.fromiter(itertools.chain.from_iterable(c.values() for c in counters), dtype=np.int64, count=total)
            return self.positive_from(seg_all[keep], ja[keep], ca[keep], n_seg)
        return self.positive_from(seg_all[:0], ja[:0], ja[:0], n_seg)

    def positive_from(self, seg: np.ndarray, ia: np.ndarray, ca: np.ndarray, n_seg: int) -> list[float]:
        """``positive_probabilities`` of ``n_seg`` counters from their known terms, already looked up:
        segment (counter number), vocabulary index and count of each, in the counters' key order."""
        z = np.full(n_seg, float(self.intercept[0]))
        if len(ia):
            v = self.idf[ia]
            if ca.max() > 1:
                v = v * _tf_array(ca)
            v64 = v.astype(np.float64)
            norm = np.sqrt(np.bincount(seg, weights=v64 * v64, minlength=n_seg))
            dot = np.bincount(seg, weights=v64 * self._col0[ia], minlength=n_seg)
            z += np.divide(dot, norm, out=np.zeros(n_seg), where=norm > 0)
        p = (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
        return [float(x) for x in p]

    def positive_probability_raw(self, raw: tuple[np.ndarray, np.ndarray], extra: Counter[str]) -> float:
        """``positive_probabilities([counts + extra])[0]`` from ``counts``' raw vector (``SharedTerms.raw_vectors``).

        ``extra``: pseudo-words appended after the counts (the spam model's meta tokens), none of
        them among the counts.
        """
        ia, v = raw
        if extra:
            js = [(self.vocab.get(t), c) for t, c in extra.items()]
            more = [(j, c) for j, c in js if j is not None]
            if more:
                ja = np.asarray([j for j, _ in more], dtype=np.int64)
                vm = self.idf[ja] * _tf_array(np.asarray([c for _, c in more], dtype=np.int64))
                ia, v = np.concatenate([ia, ja]), np.concatenate([v, vm])
        z = float(self.intercept[0])
        if len(ia):
            v64 = v.astype(np.float64)
            norm = math.sqrt(float(np.dot(v64, v64)))
            if norm > 0:
                z += float(np.dot(v64, self._col0[ia])) / norm
        return float(np.float32(1.0 / (1.0 + math.exp(-z))))

    def decision(
        self, counts: Counter[str], dense: Sequence[float] = (), tv: tuple[np.ndarray, np.ndarray] | None = None
    ) -> np.ndarray:
        idx, val = tv if tv is not None else self.term_vector(counts)
        out = self.intercept.copy()
        if len(idx):
            out += val @ self.coef[idx]
        if self.dense_names:
            out += np.asarray(dense, dtype=np.float32) @ self.coef[self.n_terms :]
        return out

    def proba(
        self, counts: Counter[str], dense: Sequence[float] = (), tv: tuple[np.ndarray, np.ndarray] | None = None
    ) -> np.ndarray:
        """Class probabilities (binary models: [P(neg), P(pos)]). ``tv``: a ``term_vector`` already computed."""
        z = self.decision(counts, dense, tv)
        if len(self.classes) == 2 and z.shape[0] == 1:
            p = 1.0 / (1.0 + math.exp(-float(z[0])))
            return np.asarray([1.0 - p, p], dtype=np.float32)
        z = z - z.max()
        e = np.exp(z)
        return e / e.sum()

    def dense_in_order(self, dense: Sequence[float], names: Sequence[str]) -> Sequence[float]:
        """``dense`` (named by ``names``) in the order of this model's ``dense_names``.

        A model trained by another version (``<home>/models``) may know fewer, more or reordered
        dense features: those it knows are taken by name, those it lacks count as 0.
        """
        if self._dense_src is not names:
            if list(names) == self.dense_names:
                self._dense_pos = None
            else:
                where = {n: i for i, n in enumerate(names)}
                self._dense_pos = [where.get(n, -1) for n in self.dense_names]
            self._dense_src = names
        pos = self._dense_pos
        if pos is None:
            return dense
        return [dense[i] if i >= 0 else 0.0 for i in pos]

    def explain_proba(
        self, tv: tuple[np.ndarray, np.ndarray], dense: Sequence[float] = ()
    ) -> tuple[np.ndarray, Callable[..., list[tuple[str, float]]]]:
        """``proba`` and a ``top_features`` for any class, sharing the coefficient rows they both read.

        Same arithmetic as ``proba(counts, dense, tv)`` and ``top_features(..., tv=tv)``: equal results.
        """
        idx, val = tv
        rows = self.coef[idx] if len(idx) else None
        d = np.asarray(dense, dtype=np.float32) if self.dense_names else None
        z = self.intercept.copy()
        if rows is not None:
            z += val @ rows
        if d is not None:
            z += d @ self.coef[self.n_terms :]
        if len(self.classes) == 2 and z.shape[0] == 1:
            p1 = 1.0 / (1.0 + math.exp(-float(z[0])))
            p = np.asarray([1.0 - p1, p1], dtype=np.float32)
        else:
            e = np.exp(z - z.max())
            p = e / e.sum()

        def top(cls: int, k: int = 6) -> list[tuple[str, float]]:
            col = 0 if self.coef.shape[1] == 1 else cls
            inv = self._inverse()
            contrib: list[tuple[str, float]] = []
            if rows is not None:
                w = val * rows[:, col]
                for j in np.argsort(-w)[:k]:
                    if w[j] > 0:
                        contrib.append((inv[int(idx[j])], float(w[j])))
            if d is not None and len(d):
                dw = d[: len(self.dense_names)] * self.coef[self.n_terms :, col]
                for j in np.argsort(-dw)[:k]:
                    if dw[j] > 0:
                        contrib.append(("#" + self.dense_names[int(j)], float(dw[j])))
            contrib.sort(key=lambda x: -x[1])
            return [c for c in contrib[:k] if c[1] > 0]

        return p, top

    def explain_names(self) -> list[str]:
        """The name of each coefficient row: the terms (``_inverse``), then ``#`` + each dense feature."""
        if self._explain_names is None:
            self._explain_names = [*self._inverse(), *("#" + n for n in self.dense_names)]
        return self._explain_names

    def _inverse(self) -> list[str]:
        if self._inv is None:
            inv = [""] * self.n_terms
            for t, j in self.vocab.items():
                inv[j] = t
            self._inv = inv
        return self._inv

    def top_features(
        self,
        counts: Counter[str],
        dense: Sequence[float],
        cls: int,
        k: int = 6,
        tv: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> list[tuple[str, float]]:
        """The terms and dense features that pushed class ``cls`` up the most (for explain)."""
        if self._inv is None:
            inv = [""] * self.n_terms
            for t, j in self.vocab.items():
                inv[j] = t
            self._inv = inv
        col = 0 if self.coef.shape[1] == 1 else cls
        idx, val = tv if tv is not None else self.term_vector(counts)
        contrib: list[tuple[str, float]] = []
        if len(idx):
            w = val * self.coef[idx, col]
            for j in np.argsort(-w)[:k]:
                if w[j] > 0:
                    contrib.append((self._inv[int(idx[j])], float(w[j])))
        if self.dense_names and len(dense):
            dw = np.asarray(dense[: len(self.dense_names)], dtype=np.float32) * self.coef[self.n_terms :, col]
            for j in np.argsort(-dw)[:k]:
                if dw[j] > 0:
                    contrib.append(("#" + self.dense_names[int(j)], float(dw[j])))
        contrib.sort(key=lambda x: -x[1])
        return [c for c in contrib[:k] if c[1] > 0]

    # ---- files ----------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Gzipped JSON: readable, diffable, no pickle."""
        terms_sorted = sorted(self.vocab, key=self.vocab.__getitem__)
        data: dict[str, Any] = {
            "format": "execdesk-linear/1",
            "classes": self.classes,
            "terms": terms_sorted,
            "coef": [[round(float(x), 5) for x in row] for row in self.coef],
            "intercept": [round(float(x), 5) for x in self.intercept],
            "dense_names": self.dense_names,
            "meta": self.meta,
        }
        if self.presence:
            data["weighting"] = self.weighting  # no IDF: TF-IDF files stay as they were
        else:
            data["idf"] = [round(float(x), 4) for x in self.idf]
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8")
        # no file name and a zero mtime in the gzip header: same model = same bytes
        with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as fh:
            fh.write(payload)

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
        if data.get("format") != "execdesk-linear/1":
            raise ValueError(f"{path}: not an execdesk linear model")
        vocab = {t: i for i, t in enumerate(data["terms"])}
        weighting = data.get("weighting", "tfidf")
        return cls(
            data["classes"],
            vocab,
            np.asarray(data["idf"]) if weighting == "tfidf" else np.ones(len(vocab)),
            np.asarray(data["coef"]),
            np.asarray(data["intercept"]),
            data["dense_names"],
            data["meta"],
            weighting,
        )


class SharedTerms:
    """One vocabulary look-up per term for several models that score the same counts (intent, topic, spam).

    ``term_vectors(counts)[i]`` equals ``models[i].term_vector(counts)``: same indices in the
    same order, same float32 values. ``presence``: ``weighting="presence"`` models whose vocabulary joins
    the look-up (the spam model's Naive Bayes half reads the same words; ``presence_maps``), kept out of
    ``models``; only their terms without ":" join, the others (its header tokens) are never a word of the
    text (``tokens`` yields no ":") and would only make the look-up table bigger.
    """

    def __init__(self, models: Sequence[LinearModel], presence: Sequence[LinearModel] = ()) -> None:
        self.models = list(models)
        self.presence = list(presence)
        union: dict[str, int] = {}
        for m in self.models:
            for t in m.vocab:
                union.setdefault(t, len(union))
        for m in self.presence:
            for t in m.vocab:
                if ":" not in t:
                    union.setdefault(t, len(union))
        self.index = union
        self.maps = [self._map(m) for m in self.models]
        self.presence_maps = [self._map(m) for m in self.presence]

    def _map(self, m: LinearModel) -> np.ndarray:
        """Union index -> the model's index (-1: not in its vocabulary)."""
        union = self.index
        pairs = [(u, j) for t, j in m.vocab.items() if (u := union.get(t)) is not None]
        mp = np.full(len(union), -1, dtype=np.int64)
        if pairs:
            mp[np.asarray([u for u, _ in pairs], dtype=np.int64)] = np.asarray([j for _, j in pairs], dtype=np.int64)
        return mp

    def raw_vectors(self, counts: Counter[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per model: (indices, sublinear TF-IDF values before the L2 norm), in the order of ``counts``."""
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        n = len(counts)
        if not n:
            return [empty for _ in self.models]
        ua = np.fromiter(map(self.index.get, counts, itertools.repeat(-1)), dtype=np.int64, count=n)
        keep = ua >= 0
        ua = ua[keep]
        ca = np.fromiter(counts.values(), dtype=np.int64, count=n)[keep]
        out: list[tuple[np.ndarray, np.ndarray]] = []
        for m, mp in zip(self.models, self.maps, strict=True):
            ja = mp[ua]
            k = ja >= 0
            ia = ja[k]
            if not len(ia):
                out.append(empty)
                continue
            v = m.idf[ia]
            c = ca[k]
            if c.max() > 1:
                v = v * _tf_array(c)
            out.append((ia, v))
        return out

    def term_vectors(self, counts: Counter[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per model: what ``model.term_vector(counts)`` returns."""
        return [normalised(ia, v) for ia, v in self.raw_vectors(counts)]


def normalised(ia: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A raw TF-IDF vector divided by its L2 norm, in float32 as ``term_vector`` does it."""
    if len(v):
        v = v / (float(np.sqrt(np.dot(v, v))) or 1.0)
    return ia, v


def codepoints(text: str) -> np.ndarray:
    """The code points of ``text`` (one per ``str`` index, lone surrogates included) for the kernels."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def piece_starts(pieces: Sequence[Sized]) -> np.ndarray:
    """Where each of ``pieces`` starts in their concatenation, then where the last ends (``len(pieces) + 1``
    int64 offsets): how the ``*_many`` kernels are told where a batch's texts, sentences or samples lie."""
    starts = np.zeros(len(pieces) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)), out=starts[1:])
    return starts


class TermTable:
    """Distinct strings in a hash table of the token kernels (``_token_kernels.build_table``): term ``i``
    is ``terms[i]``; a look-up compares the code points, so it answers what a ``dict`` answers."""

    def __init__(self, kernels: Any, terms: Sequence[str]) -> None:
        self.off = piece_starts(terms)
        cps = codepoints("".join(terms))
        # a slot packs id + 1, length and start into 64 bits (decision 0217)
        if len(terms) >= 1 << 24 or len(cps) >= 1 << 32 or (len(terms) and int(np.diff(self.off).max()) > 255):
            raise ValueError("TermTable: at most 2**24 - 1 terms of at most 255 characters, 2**32 in all")
        # 16-bit code points where every term is in the Basic Multilingual Plane: a smaller table to probe
        self.cps = cps.astype(np.uint16) if not len(cps) or int(cps.max()) < 1 << 16 else cps
        bits = max(4, (len(terms) + len(terms) // 2).bit_length())  # at most ~2/3 full
        self.slots = kernels.build_table(self.cps, self.off, bits)


class NativeTerms:
    """The vocabularies ``_token_kernels.model_terms`` looks words up in: the union vocabulary of
    ``shared`` (ids: ``shared.index``'s) and the request model's (ids: its own), in one table."""

    def __init__(self, kernels: Any, shared: SharedTerms, request: LinearModel | None) -> None:
        self.shared = shared
        self.request = request
        terms = list(shared.index)
        n_union = len(terms)
        if request is not None:
            terms += [t for t in request.vocab if t not in shared.index]
        self.table = TermTable(kernels, terms)
        # per term: (union index, request model index), -1 where the term is not in that vocabulary
        self.to_model = np.full((len(terms), 2), -1, dtype=np.int64)
        self.to_model[:n_union, 0] = np.arange(n_union, dtype=np.int64)
        if request is not None:
            get = request.vocab.get
            self.to_model[:, 1] = np.fromiter(map(get, terms, itertools.repeat(-1)), dtype=np.int64, count=len(terms))
