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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

_TOKEN = re.compile(r"[a-z][a-z0-9'’]*|\d+|[$!?€£]")
_URL = re.compile(r"https?://\S+|www\.\S+")
_NUM = re.compile(r"\d")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; URLs become ``_url_``, numbers ``_num_``."""
    text = _URL.sub(" _url_ ", text.lower())
    out = []
    for t in _TOKEN.findall(text):
        if t[0].isdigit():
            out.append("_num_")
        else:
            out.append(t.replace("’", "'"))
    return out


def terms(text: str, bigrams: bool = True) -> Counter[str]:
    """Unigram and bigram counts."""
    toks = tokens(text)
    c: Counter[str] = Counter(toks)
    if bigrams:
        c.update(a + " " + b for a, b in itertools.pairwise(toks))
    return c


class LinearModel:
    """Multinomial (or binary) logistic regression over TF-IDF terms plus named dense features."""

    def __init__(
        self,
        classes: Sequence[str],
        vocab: dict[str, int],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        dense_names: Sequence[str] = (),
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.classes = list(classes)
        self.vocab = vocab
        self.idf = idf.astype(np.float32)
        self.coef = coef.astype(np.float32)  # (n_terms + n_dense, n_out)
        self.intercept = intercept.astype(np.float32)
        self.dense_names = list(dense_names)
        self.meta = meta or {}
        self.n_terms = len(vocab)
        self._inv: list[str] | None = None

    # ---- features -------------------------------------------------------------------
    def term_vector(self, counts: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
        """(indices, values) of the L2-normalised sublinear TF-IDF vector."""
        idx, val = [], []
        vocab = self.vocab
        for t, c in counts.items():
            j = vocab.get(t)
            if j is not None:
                idx.append(j)
                val.append((1.0 + math.log(c)) * self.idf[j])
        if not idx:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        v = np.asarray(val, dtype=np.float32)
        v /= float(np.sqrt(np.dot(v, v))) or 1.0
        return np.asarray(idx, dtype=np.int64), v

    def decision(self, counts: Counter[str], dense: Sequence[float] = ()) -> np.ndarray:
        idx, val = self.term_vector(counts)
        out = self.intercept.copy()
        if len(idx):
            out += val @ self.coef[idx]
        if self.dense_names:
            out += np.asarray(dense, dtype=np.float32) @ self.coef[self.n_terms :]
        return out

    def proba(self, counts: Counter[str], dense: Sequence[float] = ()) -> np.ndarray:
        """Class probabilities (binary models: [P(neg), P(pos)])."""
        z = self.decision(counts, dense)
        if len(self.classes) == 2 and z.shape[0] == 1:
            p = 1.0 / (1.0 + math.exp(-float(z[0])))
            return np.asarray([1.0 - p, p], dtype=np.float32)
        z = z - z.max()
        e = np.exp(z)
        return e / e.sum()

    def top_features(
        self, counts: Counter[str], dense: Sequence[float], cls: int, k: int = 6
    ) -> list[tuple[str, float]]:
        """The terms and dense features that pushed class ``cls`` up the most (for explain)."""
        if self._inv is None:
            inv = [""] * self.n_terms
            for t, j in self.vocab.items():
                inv[j] = t
            self._inv = inv
        col = 0 if self.coef.shape[1] == 1 else cls
        idx, val = self.term_vector(counts)
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
        data = {
            "format": "execdesk-linear/1",
            "classes": self.classes,
            "terms": terms_sorted,
            "idf": [round(float(x), 4) for x in self.idf],
            "coef": [[round(float(x), 5) for x in row] for row in self.coef],
            "intercept": [round(float(x), 5) for x in self.intercept],
            "dense_names": self.dense_names,
            "meta": self.meta,
        }
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
        return cls(
            data["classes"],
            vocab,
            np.asarray(data["idf"]),
            np.asarray(data["coef"]),
            np.asarray(data["intercept"]),
            data["dense_names"],
            data["meta"],
        )
