"""``execdesk train``: build the shipped models from labelled data, reproducibly.

Models (all linear, exported as gzipped JSON, see linear.py):
  request  - is a sentence a request? Parakweet e-mail sentences (Apache-2.0)
  spam     - SpamAssassin public corpus (PDDL/CC0)
  spam_nb  - the spam model's Naive Bayes half over spamtokens (same data); the pipeline averages the two
             (decision 0209)
  intent   - words + dense cues + signals + the two models above; labelled executive mail
             (enron, CC BY-NC-SA), labelled support tweets (twcs), CFPB complaints, SpamAssassin,
             and the organisation's staff corrections
  topic    - same features; enron + twcs + corrections
Same data + same seed = byte-identical model files (tested).
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from execdesk.analyze.cues import DENSE_NAMES
from execdesk.analyze.linear import LinearModel, terms
from execdesk.analyze.models import ModelSet
from execdesk.analyze.pipeline import combine_spam, featurize
from execdesk.analyze.training.data import (
    SOURCES,
    Example,
    load_cfpb,
    load_enron,
    load_enron_other,
    load_parakweet,
    load_spamassassin,
    load_twcs,
)

SOURCE_WEIGHT = {
    "enron": 3.0,
    "enron_other": 1.0,
    "twcs": 1.0,
    "cfpb": 0.5,
    "spamassassin": 0.5,
    "corrections": 5.0,
}
DEFAULT_SOURCES = ("enron", "enron_other", "twcs", "cfpb", "spamassassin")
# Intent and topic class weights: half-way (in log terms) between none and fully balanced. Fully balanced
# made the rare intents win too often on ordinary internal mail (decision 0208).
LABEL_BALANCE = 0.5
PERMISSIVE_SOURCES = ("cfpb", "spamassassin")


@dataclass(slots=True)
class Vectorised:
    X: sparse.csr_matrix
    vocab: dict[str, int]
    idf: np.ndarray


def vectorise_fit(
    counts: Sequence[Counter[str]],
    dense: Sequence[Sequence[float]] | None = None,
    min_df: int = 2,
    max_terms: int = 15000,
) -> Vectorised:
    """Vocabulary, IDF (smoothed, as scikit-learn) and the L2-normalised sublinear TF-IDF matrix (+ dense columns)."""
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    kept = sorted((t for t, n in df.items() if n >= min_df), key=lambda t: (-df[t], t))[:max_terms]
    kept.sort()
    vocab = {t: i for i, t in enumerate(kept)}
    n = len(counts)
    idf = np.asarray([math.log((1 + n) / (1 + df[t])) + 1.0 for t in kept], dtype=np.float64)
    return Vectorised(vectorise(counts, vocab, idf, dense), vocab, idf)


def vectorise(
    counts: Sequence[Counter[str]],
    vocab: dict[str, int],
    idf: np.ndarray,
    dense: Sequence[Sequence[float]] | None = None,
) -> sparse.csr_matrix:
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for i, c in enumerate(counts):
        r_cols, r_vals = [], []
        for t, k in c.items():
            j = vocab.get(t)
            if j is not None:
                r_cols.append(j)
                r_vals.append((1.0 + math.log(k)) * idf[j])
        norm = math.sqrt(sum(v * v for v in r_vals)) or 1.0
        rows.extend([i] * len(r_cols))
        cols.extend(r_cols)
        vals.extend(v / norm for v in r_vals)
    X = sparse.csr_matrix((vals, (rows, cols)), shape=(len(counts), len(vocab)), dtype=np.float64)
    if dense is not None:
        X = sparse.hstack([X, sparse.csr_matrix(np.asarray(dense, dtype=np.float64))], format="csr")
    return X


def fit_linear(
    counts: Sequence[Counter[str]],
    y: Sequence[str],
    dense: Sequence[Sequence[float]] | None = None,
    weights: Sequence[float] | None = None,
    C: float = 4.0,
    min_df: int = 2,
    meta: dict[str, Any] | None = None,
    dense_names: Sequence[str] = (),
    balance: float = 1.0,
) -> LinearModel:
    """Train a class-weighted logistic regression and export it as a LinearModel.

    ``balance``: class weights are ``(n / (k * n_class)) ** balance``; 1 is scikit-learn's "balanced", 0 no
    class weights, in between a rare class counts more than its share but less than fully balanced.
    """
    v = vectorise_fit(counts, dense, min_df=min_df)
    names, sizes = np.unique(np.asarray([str(c) for c in y]), return_counts=True)
    n, k = float(sizes.sum()), len(names)
    class_weight = {str(c): (n / (k * float(m))) ** balance for c, m in zip(names, sizes, strict=True)}
    lr = LogisticRegression(C=C, class_weight=class_weight, max_iter=1000, tol=1e-3, random_state=0)
    lr.fit(v.X, list(y), sample_weight=None if weights is None else np.asarray(weights))
    classes = [str(c) for c in lr.classes_]
    coef = lr.coef_.T  # (features, n_out)
    return LinearModel(classes, v.vocab, v.idf, coef, lr.intercept_, dense_names if dense is not None else (), meta)


# ---- the four models -----------------------------------------------------------------------------


def train_request(data_dir: Path) -> LinearModel:
    rows = load_parakweet(data_dir)
    return fit_linear(
        [terms(s) for s, _ in rows],
        ["yes" if y else "no" for _, y in rows],
        C=2.0,
        meta={"name": "request", "sources": ["parakweet"], "n": len(rows)},
    )


def spam_terms(examples: Sequence[Example]) -> list[Counter[str]]:
    """What the spam model reads of each message: the view's words and bigrams plus its meta tokens
    (the same features the runtime spam model scores)."""
    from execdesk.analyze.text import build_view

    out = []
    for e in examples:
        c = terms(build_view(e.subject, e.body).text)
        c.update(e.meta)
        out.append(c)
    return out


def train_spam(examples: Sequence[Example], counts: Sequence[Counter[str]] | None = None) -> LinearModel:
    """``counts``: :func:`spam_terms` of ``examples`` when the caller has them already (cross-validation)."""
    counts = spam_terms(examples) if counts is None else counts
    y = ["spam" if e.intent == "spam" else "ham" for e in examples]
    # C=10: best of 3, 10, 30, 100 in cross-validation grouped by sender (decision 0204)
    return fit_linear(counts, y, C=10.0, meta={"name": "spam", "sources": ["spamassassin"], "n": len(examples)})


def spam_docs(examples: Sequence[Example]) -> list[list[str]]:
    """What the spam model's Naive Bayes half reads of each message (``spamtokens.spam_tokens``: the tokens of
    the analysed text + the header tokens ``load_spamassassin`` kept): the tokens the pipeline builds at run time."""
    from execdesk.analyze.linear import tokens
    from execdesk.analyze.spamtokens import spam_tokens
    from execdesk.analyze.text import build_view

    return [spam_tokens(tokens(build_view(e.subject, e.body).text), e.spam_header) for e in examples]


def fit_presence_nb(
    docs: Sequence[Sequence[str]],
    y: Sequence[str],
    alpha: float,
    min_df: int = 2,
    meta: dict[str, Any] | None = None,
) -> LinearModel:
    """Multinomial Naive Bayes over binary token presence, exported as a ``weighting="presence"`` LinearModel.

    With two classes and binary features, NB's log-odds are linear: ``log P(pos)/P(neg) = b + sum of w_t``
    over the distinct known tokens, ``w_t = log theta_pos,t - log theta_neg,t`` and ``b`` the prior
    log-odds; the file holds ``w`` and ``b``. Tokens in fewer than ``min_df`` messages are left out.
    """
    from sklearn.naive_bayes import MultinomialNB

    df: Counter[str] = Counter()
    for d in docs:
        df.update(set(d))
    kept = sorted(t for t, n in df.items() if n >= min_df)
    vocab = {t: i for i, t in enumerate(kept)}
    rows: list[int] = []
    cols: list[int] = []
    for i, d in enumerate(docs):
        js = sorted({j for j in map(vocab.get, d) if j is not None})
        rows.extend([i] * len(js))
        cols.extend(js)
    X = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(docs), len(vocab)), dtype=np.float64)
    nb = MultinomialNB(alpha=alpha).fit(X, [str(c) for c in y])
    classes = [str(c) for c in nb.classes_]
    if len(classes) != 2:
        raise ValueError("fit_presence_nb needs exactly two classes")
    coef = (nb.feature_log_prob_[1] - nb.feature_log_prob_[0])[:, None]
    intercept = np.asarray([nb.class_log_prior_[1] - nb.class_log_prior_[0]])
    return LinearModel(classes, vocab, np.ones(len(vocab)), coef, intercept, (), meta, weighting="presence")


# The spam model's Naive Bayes half (decision 0209): alpha chosen by an inner 3-fold CV grouped by sender
# on the training messages (the F1 of the combined probability at 0.5), weight of NB in the mean fixed.
SPAM_NB_ALPHAS = (0.01, 0.03, 0.1, 0.3, 1.0)
SPAM_NB_WEIGHT = 0.5


@dataclass(slots=True)
class SpamInnerCV:
    """Out-of-fold scores of an inner 3-fold CV grouped by sender, on the training messages only."""

    y: np.ndarray  # 1 = spam
    folds: list[tuple[np.ndarray, np.ndarray]]  # positions in the examples
    p_lr: np.ndarray  # the logistic regression's P(spam)
    z_nb: dict[float, np.ndarray]  # NB log-odds per alpha


def spam_inner_cv(
    examples: Sequence[Example],
    counts: Sequence[Counter[str]],
    docs: Sequence[Sequence[str]],
    alphas: Sequence[float] = SPAM_NB_ALPHAS,
) -> SpamInnerCV:
    """The logistic regression's and NB's (per alpha) out-of-fold scores on ``examples``, 3 folds grouped by
    sender (seed 0): what ``train_spam_nb`` chooses alpha from."""
    from sklearn.model_selection import StratifiedGroupKFold

    y = np.asarray([1 if e.intent == "spam" else 0 for e in examples])
    labels = ["spam" if v else "ham" for v in y]
    sgk = StratifiedGroupKFold(n_splits=3, shuffle=True, random_state=0)
    folds = list(sgk.split(np.zeros(len(y)), y, [e.sender or e.id for e in examples]))
    p_lr = np.zeros(len(y))
    z = {a: np.zeros(len(y)) for a in alphas}
    for tr, te in folds:
        lr = train_spam([examples[i] for i in tr], [counts[i] for i in tr])
        p_lr[te] = lr.positive_probabilities([counts[i] for i in te])
        for a in alphas:
            nb = fit_presence_nb([docs[i] for i in tr], [labels[i] for i in tr], a)
            z[a][te] = nb.presence_log_odds([docs[i] for i in te])
    return SpamInnerCV(y, folds, p_lr, z)


def spam_f1(y: np.ndarray, p: np.ndarray) -> float:
    """Spam F1 at threshold 0.5 (``y``: 1 = spam)."""
    pred = p >= 0.5
    tp = int((pred & (y == 1)).sum())
    wrong = int((pred != (y == 1)).sum())
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def train_spam_nb(
    examples: Sequence[Example],
    counts: Sequence[Counter[str]] | None = None,
    docs: Sequence[Sequence[str]] | None = None,
    inner: SpamInnerCV | None = None,
) -> LinearModel:
    """The spam model's Naive Bayes half: alpha by inner CV on ``examples`` (the combined probability's
    F1), then NB fitted on all of them. ``counts``/``docs``: ``spam_terms``/``spam_docs`` of the examples;
    ``inner``: their ``spam_inner_cv`` when the caller has it already."""
    docs = spam_docs(examples) if docs is None else docs
    if inner is None:
        inner = spam_inner_cv(examples, spam_terms(examples) if counts is None else counts, docs)
    f1 = {a: spam_f1(inner.y, combine_spam(inner.p_lr, z, SPAM_NB_WEIGHT)) for a, z in inner.z_nb.items()}
    alpha = max(f1, key=lambda a: (f1[a], -SPAM_NB_ALPHAS.index(a)))  # ties: the first in the grid
    meta = {
        "name": "spam_nb",
        "sources": ["spamassassin"],
        "n": len(examples),
        "alpha": alpha,
        "weight": SPAM_NB_WEIGHT,
        "inner_cv_f1": {str(a): round(v, 4) for a, v in f1.items()},
    }
    y = ["spam" if e.intent == "spam" else "ham" for e in examples]
    return fit_presence_nb(docs, y, alpha, meta=meta)


def aux_examples(data_dir: Path, sources: Iterable[str], seed: int = 0) -> list[Example]:
    """Non-executive labelled examples used to train intent (and topic) alongside the executive mail."""
    out: list[Example] = []
    rng = random.Random(seed)
    src = set(sources)
    if "enron_other" in src:
        out.extend(load_enron_other(data_dir))
    if "twcs" in src:
        out.extend(load_twcs(data_dir))
    if "cfpb" in src:
        rows = load_cfpb(data_dir)
        rng.shuffle(rows)
        for e in rows[:300]:
            e.topic = None
            out.append(e)
    if "spamassassin" in src:
        sa = load_spamassassin(data_dir)
        spam = [e for e in sa if e.intent == "spam"]
        ham = [e for e in sa if e.intent != "spam"]
        rng.shuffle(spam)
        rng.shuffle(ham)
        for e in spam[:150] + ham[:150]:
            e.topic = None
            out.append(e)
    return out


def featurise_examples(examples: Sequence[Example], models: ModelSet) -> tuple[list[Counter[str]], list[list[float]]]:
    counts, dense = [], []
    for e in examples:
        f = featurize(e.subject, e.body, models, meta=e.meta, spam_header=e.spam_header)
        counts.append(f.counts)
        dense.append(f.dense)
    return counts, dense


def fit_label_model(
    kind: str, examples: Sequence[Example], feats: tuple[list[Counter[str]], list[list[float]]], meta: dict[str, Any]
) -> LinearModel:
    """Intent or topic model on the examples that carry that label."""
    idx = [i for i, e in enumerate(examples) if getattr(e, kind)]
    counts = [feats[0][i] for i in idx]
    dense = [feats[1][i] for i in idx]
    y = [str(getattr(examples[i], kind)) for i in idx]
    w = [SOURCE_WEIGHT.get(examples[i].source, 1.0) for i in idx]
    return fit_linear(counts, y, dense, w, C=2.0, min_df=2, meta=meta, dense_names=DENSE_NAMES, balance=LABEL_BALANCE)


def read_corrections(path: Path) -> list[Example]:
    """Staff corrections, JSONL: {"id", "subject", "body", "intent"?, "topic"?, "who", "when"}.

    The last correction of a message wins (staff may change their mind).
    """
    latest: dict[str, Example] = {}
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            if not (rec.get("intent") or rec.get("topic")):
                raise ValueError(f"{path}:{n}: a correction needs an intent or a topic")
            key = str(rec.get("id") or rec.get("message_id") or n)
            latest[key] = Example(
                id=key,
                subject=rec.get("subject") or "",
                body=rec.get("body") or rec.get("text") or "",
                intent=rec.get("intent"),
                topic=rec.get("topic"),
                source="corrections",
                group=key,
            )
    return list(latest.values())


def train(
    data_dir: Path,
    out_dir: Path,
    sources: Sequence[str] = DEFAULT_SOURCES,
    corrections: Iterable[Example] = (),
    seed: int = 0,
) -> dict[str, Any]:
    """Train request, spam, intent and topic models; write ``<out_dir>/<name>.json.gz`` and a summary."""
    random.seed(seed)
    np.random.seed(seed)
    request = train_request(data_dir)
    sa = load_spamassassin(data_dir)
    spam_counts = spam_terms(sa)
    spam = train_spam(sa, spam_counts)
    spam_nb = train_spam_nb(sa, spam_counts)
    base = ModelSet(None, None, spam, request, "training", spam_nb)
    examples: list[Example] = []
    if "enron" in sources:
        examples.extend(load_enron(data_dir))
    examples.extend(aux_examples(data_dir, sources, seed))
    corr = list(corrections)
    examples.extend(corr)
    feats = featurise_examples(examples, base)
    stamp = _data_stamp(examples)
    used = sorted({e.source for e in examples} | {"parakweet", "spamassassin"})
    meta = {
        "version": f"{stamp}",
        "sources": used,
        "licences": {s: SOURCES[s]["licence"] for s in used},
        "n_examples": len(examples),
        "n_corrections": len(corr),
        "seed": seed,
    }
    intent = fit_label_model("intent", examples, feats, {**meta, "name": "intent"})
    topic = fit_label_model("topic", examples, feats, {**meta, "name": "topic"})
    out_dir.mkdir(parents=True, exist_ok=True)
    models = {"request": request, "spam": spam, "spam_nb": spam_nb, "intent": intent, "topic": topic}
    for name, model in models.items():
        model.save(out_dir / f"{name}.json.gz")
    summary = {
        **meta,
        "trained_at": datetime.now(UTC).date().isoformat(),
        "out": str(out_dir),
        "sizes": {n: (out_dir / f"{n}.json.gz").stat().st_size for n in models},
    }
    return summary


def _data_stamp(examples: Sequence[Example]) -> str:
    import hashlib

    from execdesk.analyze import cues, linear, pipeline, scan, sentiment, signal_rules, signals, spamtokens, text

    h = hashlib.sha256()
    h.update(("|".join(DENSE_NAMES) + "\n").encode())  # a new feature set is a new model version
    # the rules, cue families, negation and tokenising are features too: a change to their code is a new
    # model version (the modules' source, as installed; the rules are a package of modules)
    sources = [Path(str(m.__file__)) for m in (cues, linear, pipeline, scan, sentiment, signals, spamtokens, text)]
    sources += sorted(Path(str(signal_rules.__file__)).parent.glob("*.py"))
    for source in sources:
        h.update(source.read_bytes())
    for e in examples:
        h.update(f"{e.source}|{e.id}|{e.intent}|{e.topic}\n".encode())
    return h.hexdigest()[:12]
