"""analyze_message: ParsedMessage (+ contact history) -> Analysis. Pure: no database, no network.

Order: build the analysed text and its scopes -> run the signal rules -> sentiment ->
spam and request-sentence models -> intent and topic models over words + dense cues ->
policy (suppressions, computed signals, priority). ``featurize`` is shared with training so
the shipped models see exactly the features they were trained on.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from execdesk.analyze import batchmath as bm
from execdesk.analyze import native
from execdesk.analyze import sentiment as sentiment_mod
from execdesk.analyze.config import AnalyzeConfig, default_config
from execdesk.analyze.context_gate import InternalMailGate
from execdesk.analyze.cues import (
    DENSE_NAMES,
    FAST_CUES,
    FAST_INTENT_RULES,
    INTENT_FROM_SIGNAL_RULES,
    INTENT_RULES,
    dense_features,
    window_counts_many,
)
from execdesk.analyze.language import detect_many
from execdesk.analyze.linear import LinearModel, NativeTerms, codepoints, counts_of, piece_starts, tokens
from execdesk.analyze.model import Analysis, ContactHistory, Evidence, LabelResult, Sentiment, SignalHit
from execdesk.analyze.models import ModelSet, load_models
from execdesk.analyze.priority import PriorityPolicy, build_priority
from execdesk.analyze.scan import FastPattern, scans
from execdesk.analyze.signals import RuleTrace, run_rules
from execdesk.analyze.spamtokens import header_tokens
from execdesk.analyze.text import TextView, body_of, build_views
from execdesk.collector import collector_paused
from execdesk.parse.model import ParsedMessage

MAX_REQUEST_SENTENCES = 8
_INTENT_CUE = {
    "praise": "praise",
    "request": "request",
    "solicitation": "solicitation",
    "job_seeker": "job",
    "media_inquiry": "media",
    "legal_notice": "legal",
    "investor": "investor",
    "spam": "spam",
    "complaint": "complaint",
    "suggestion": "suggestion",
    "other": "internal",
}


@dataclass(slots=True)
class Features:
    """Everything computed from the text once, for the models, the policy and explain."""

    view: TextView
    hits: list[SignalHit]
    traces: list[RuleTrace]
    sentiment: Sentiment
    request_prob: float
    spam_prob: float
    _counts: Counter[str] | None  # None: ``counts`` tokenises the text when first asked (the kernels' path)
    dense: list[float] = field(default_factory=list)
    # the batch path's scored intent/topic models and this message's row in them
    scored: dict[str, tuple[bm.Scored, int]] = field(default_factory=dict)

    @property
    def counts(self) -> Counter[str]:
        """Unigram and bigram counts of the analysed text's tokens (``counts_of``)."""
        if self._counts is None:
            self._counts = counts_of(request_sentence_tokens(self.view)[1])
        return self._counts


@dataclass(slots=True)
class _Terms:
    """A batch's known terms, looked up (what ``_token_kernels.model_terms`` returns): per message, its terms
    in its ``Counter``'s key order; per picked sentence (numbered across the batch), the request model's."""

    union_seg: np.ndarray  # message of each union entry
    union_ids: np.ndarray
    union_counts: np.ndarray
    request_seg: np.ndarray  # picked sentence of each request entry, numbered across the batch
    request_ids: np.ndarray
    request_counts: np.ndarray
    n_picked: list[int]  # per message


_NO_CODEPOINTS = np.zeros(0, dtype=np.uint32)
_NO_SPANS = np.zeros(0, dtype=np.int64)
_I64 = np.int64


def _spans_of(view: TextView) -> np.ndarray:
    """The view's sentences as the kernels take them: starts, then ends (int64)."""
    if view.sentence_spans is not None:
        return view.sentence_spans
    return np.asarray([*view.sentence_starts, *view.sentence_ends], dtype=_I64)


def _odd_codepoints(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """re's \\d and \\s beyond ASCII (``str.isdecimal``, ``str.isspace``): the ones among ``codes``, sorted
    (digits, spaces). Whether a character is one does not depend on its text: one pair for a whole batch."""
    odd = np.unique(codes[codes > 127]).tolist()
    digits = np.asarray([c for c in odd if chr(c).isdecimal()], dtype=np.uint32)
    return digits, np.asarray([c for c in odd if chr(c).isspace()], dtype=np.uint32)


def _kernel_terms(kernels: Any, nt: NativeTerms, views: Sequence[TextView]) -> tuple[_Terms, dict[int, Counter[str]]]:
    """``_python_terms(nt, views)`` by one call of ``_token_kernels.model_terms``, and the counts of the messages
    left to the Python path: those whose lower-casing changes the length (an "İ"), where offsets in
    ``view.lower`` would not be the text's."""
    fit = [i for i, v in enumerate(views) if len(v.lower) == len(v.text)]
    lows = [views[i].lower for i in fit]
    text_off = piece_starts(lows)
    spans = [_spans_of(views[i]) for i in fit]
    sent_off = piece_starts(spans)
    joined = "".join(lows)
    codes = codepoints(joined)
    digits, spaces = (_NO_CODEPOINTS, _NO_CODEPOINTS) if joined.isascii() else _odd_codepoints(codes)
    tab = nt.table
    union, request, n_picked = kernels.model_terms(
        codes,
        text_off,
        np.concatenate(spans) if spans else _NO_SPANS,
        sent_off,
        MAX_REQUEST_SENTENCES,
        digits,
        spaces,
        tab.slots,
        tab.cps,
        nt.to_model,
    )
    if len(fit) == len(views):
        return _finish(union, request, n_picked.tolist()), {}
    return _with_python_rest(nt, views, fit, (union, request, n_picked.tolist()))


_Raw = tuple[np.ndarray, np.ndarray, list[int]]  # what model_terms returns (see ``_finish``)


def _with_python_rest(
    nt: NativeTerms, views: Sequence[TextView], fit: list[int], kernel: _Raw
) -> tuple[_Terms, dict[int, Counter[str]]]:
    """The kernel's entries of the messages ``fit`` merged with the other messages' by the Python path (and
    their counts): renumbered to the batch's messages, then stably sorted by message."""
    taken = set(fit)
    rest = [i for i in range(len(views)) if i not in taken]
    p_union, p_request, p_picked, counts = _python_raw(nt, [views[i] for i in rest])
    union, request, k_picked = kernel
    both = np.asarray(fit + rest, dtype=_I64)  # a part's message number -> the batch's
    p_union[0] += len(fit)  # the Python part's messages come after the kernel's in ``both``
    p_request[0] += len(fit)
    union = np.concatenate([union, p_union], axis=1)
    request = np.concatenate([request, p_request], axis=1)
    union[0] = both[union[0]]
    request[0] = both[request[0]]
    picked = [0] * len(views)
    for i, k in zip(fit + rest, k_picked + p_picked, strict=True):
        picked[i] = k
    union = union[:, np.argsort(union[0], kind="stable")]
    request = request[:, np.argsort(request[0], kind="stable")]
    return _finish(union, request, picked), dict(zip(rest, counts, strict=True))


def _finish(union: np.ndarray, request: np.ndarray, n_picked: list[int]) -> _Terms:
    """``_Terms`` from entries by message: (message, union id, count) and (message, picked sentence of the
    message, request id, count), each message's in order."""
    first = np.zeros(len(n_picked) + 1, dtype=_I64)
    np.cumsum(np.asarray(n_picked, dtype=_I64), out=first[1:])
    seg = first[request[0]] + request[1]
    return _Terms(union[0], union[1], union[2], seg, request[2], request[3], n_picked)


def _python_raw(
    nt: NativeTerms, views: Sequence[TextView]
) -> tuple[np.ndarray, np.ndarray, list[int], list[Counter[str]]]:
    """What ``model_terms`` returns (entries by message: see ``_finish``), and the counts, from
    ``request_sentence_tokens``, ``counts_of`` and dict look-ups."""
    union: list[tuple[int, int, int]] = []
    request: list[tuple[int, int, int, int]] = []
    n_picked: list[int] = []
    all_counts: list[Counter[str]] = []
    get = nt.shared.index.get
    rget = nt.request.vocab.get if nt.request is not None else None
    for i, view in enumerate(views):
        picked, every = request_sentence_tokens(view)
        counts = counts_of(every)
        all_counts.append(counts)
        n_picked.append(len(picked))
        known = zip(map(get, counts, itertools.repeat(-1)), counts.values(), strict=True)
        union.extend((i, j, c) for j, c in known if j >= 0)
        if rget is not None:
            for k, toks in enumerate(picked):
                for t, c in counts_of(toks).items():
                    j = rget(t)
                    if j is not None:
                        request.append((i, k, j, c))
    u = np.asarray(union, dtype=_I64).reshape(-1, 3).T
    r = np.asarray(request, dtype=_I64).reshape(-1, 4).T
    return u, r, n_picked, all_counts


def _python_terms(nt: NativeTerms, views: Sequence[TextView]) -> tuple[_Terms, list[Counter[str]]]:
    """What ``_kernel_terms`` returns, by the Python path (and every message's counts)."""
    union, request, n_picked, counts = _python_raw(nt, views)
    return _finish(union, request, n_picked), counts


def _in_counts(f: Features, token: str) -> bool:
    """``token in f.counts`` without tokenising for it where it cannot be a key: a pseudo-word that
    starts with "_" is a key only if it starts with "_num_" (the only token holding a "_")."""
    if token.startswith("_") and not token.startswith("_num_"):
        return False
    return token in f.counts


def sentence_tokens(view: TextView) -> list[list[str]]:
    """``tokens()`` of each sentence of the view.

    Sentence boundaries fall on whitespace and quote/bracket characters, which no token
    contains (a URL ends at whitespace too), so the sentences' tokens joined are exactly
    ``tokens(view.text)``, and the tokens of the text from any sentence start on are those
    sentences' tokens: ``request_sentence_tokens`` relies on it (tests/analyze/test_fast_paths.py
    checks both equalities against this function).
    """
    text = view.text
    return [tokens(text[s:e]) for s, e in zip(view.sentence_starts, view.sentence_ends, strict=True)]


def request_sentence_tokens(view: TextView) -> tuple[list[list[str]], list[str]]:
    """(tokens of the sentences the request model reads, tokens of the whole text).

    Only the first MAX_REQUEST_SENTENCES sentences of 8+ characters are tokenised one by one;
    the rest of the text is tokenised in one call from the next sentence start, which gives
    the same tokens as sentence by sentence (see ``sentence_tokens``; tested).
    """
    text = view.text
    starts, ends = view.sentence_starts, view.sentence_ends
    picked: list[list[str]] = []
    every: list[str] = []
    n = len(starts)
    i = 0
    while i < n and len(picked) < MAX_REQUEST_SENTENCES:
        s, e = starts[i], ends[i]
        toks = tokens(text[s:e])
        every.extend(toks)
        if e - s >= 8:
            picked.append(toks)
        i += 1
    if i < n:
        every.extend(tokens(text[starts[i] :]))
    return picked, every


_META_HEADERS = (
    "x-mailer",
    "x-priority",
    "list-unsubscribe",
    "list-id",
    "list-post",
    "sender",
    "precedence",
    "importance",
    "user-agent",
    "organization",
)


def meta_tokens(parsed: ParsedMessage | None) -> list[str]:
    """Structural facts (HTML only, attachments, sender's TLD, bulk headers) as pseudo-words for the spam model."""
    if parsed is None:
        return []
    out = []
    if parsed.html:
        out.append("_html_")
        if not parsed.text.strip():
            out.append("_html_only_")
    if parsed.attachments:
        out.append("_attach_")
    if parsed.from_addr and "@" in parsed.from_addr:
        out.append("_tld_" + parsed.from_addr.rsplit(".", 1)[-1])
    if not parsed.to_addrs:
        out.append("_no_to_")
    if parsed.machine is not None:
        out.append("_machine_" + parsed.machine.kind)
    if parsed.in_reply_to or parsed.references:
        out.append("_reply_")
    out.extend("_hdr_" + h for h in _META_HEADERS if h in parsed.headers)
    return out


def featurize(
    subject: str,
    body: str,
    models: ModelSet,
    enabled: set[str] | None = None,
    trace: bool = False,
    meta: Sequence[str] = (),
    spam_header: Sequence[str] = (),
) -> Features:
    """The features of one text, as run time computes them (training calls this: same features, same path).

    ``meta``: pseudo-words from ``meta_tokens``; ``spam_header``: ``spamtokens.header_tokens`` of the message.
    """
    return _featurize_many([(subject, body, Counter(meta), spam_header)], models, enabled, trace)[0]


def spam_probability(p_lr: float, z_nb: float, weight: float) -> float:
    """The spam probability: ``(1 - weight) * P_lr + weight * P_nb``, P_nb the logistic of NB's log-odds
    (decision 0209). Run time, training and cross-validation all combine the two halves here."""
    return (1.0 - weight) * p_lr + weight * (1.0 / (1.0 + math.exp(-min(60.0, max(-60.0, z_nb)))))


def combine_spam(p_lr: Sequence[float] | np.ndarray, z_nb: Sequence[float] | np.ndarray, weight: float) -> np.ndarray:
    """``spam_probability`` of each pair (training, cross-validation, benchmarks)."""
    return np.asarray([spam_probability(float(p), float(z), weight) for p, z in zip(p_lr, z_nb, strict=True)])


_NOT_LOCATED = "#"  # _feature_kind: a feature with no span in the text ("#sig_...", "_bias")
_kinds: dict[str, FastPattern | str] = {}


def _feature_kind(name: str) -> FastPattern | str:
    """How ``_locate`` finds a feature in the text: a cue family's pattern, the word itself, or
    ``_NOT_LOCATED``; memoised, since the models' feature names are a fixed set seen every message."""
    kind = _kinds.get(name)
    if kind is None:
        if name.startswith("#cue_"):
            kind = FAST_CUES.get(name[5:]) or _NOT_LOCATED
        elif name.startswith(("#", "_")):
            kind = _NOT_LOCATED
        else:
            kind = name
        if len(_kinds) < 100_000:
            _kinds[name] = kind
    return kind


def _locate(view: TextView, feats: list[tuple[str, float]], limit: int = 3) -> list[Evidence]:
    """Evidence spans for a model's strongest features: the first place each word/cue occurs."""
    out: list[Evidence] = []
    low = view.lower
    for name, _w in feats:
        kind = _kinds.get(name) or _feature_kind(name)
        if isinstance(kind, FastPattern):
            m = view.scanner().search(kind)
            if m:
                out.append(Evidence(m.group(0), m.start(), m.end()))
        elif kind is not _NOT_LOCATED:
            i = low.find(name)
            if i >= 0:
                out.append(Evidence(view.text[i : i + len(name)], i, i + len(name)))
        if len(out) >= limit:
            break
    return out


def _intent_rule(f: Features, allowed: Sequence[str], min_strength: float) -> LabelResult | None:
    """A speech-act rule strong enough to decide the intent (formal legal notice, journalist, job application)."""
    for (intent, name, _pat, strength), fast in zip(INTENT_RULES, FAST_INTENT_RULES, strict=True):
        if intent in allowed and strength >= min_strength:
            m = f.view.scanner().search(fast)
            if m and not f.view.is_masked(m.start(), m.end()):
                return LabelResult(intent, strength, [Evidence(m.group(0), m.start(), m.end())], f"rule:{name}")
    for h in f.hits:
        by_signal = INTENT_FROM_SIGNAL_RULES.get(h.rule)
        if by_signal is not None and by_signal in allowed and h.strength >= min_strength:
            return LabelResult(by_signal, h.strength, list(h.evidence), f"rule:{h.rule}")
    return None


def _computed_signals(
    parsed: ParsedMessage | None, history: ContactHistory | None, config: AnalyzeConfig
) -> list[SignalHit]:
    out: list[SignalHit] = []
    if history is None and (parsed is None or parsed.machine is None):
        return out  # neither signal can fire: most mail, without reading the configuration (decision 0231)
    enabled = config.enabled_signals
    if parsed is not None and parsed.machine is not None and "machine_mail" in enabled:
        out.append(
            SignalHit(
                "machine_mail",
                1.0,
                [],
                f"parse.machine:{parsed.machine.kind}",
                detail=f"{parsed.machine.reason} ({parsed.machine.evidence})",
            )
        )
    rc = config.raw["signals"].get("repeat_contact", {})
    if (
        history is not None
        and "repeat_contact" in enabled
        and history.previous_messages >= int(rc.get("min_previous", 1))
    ):
        window = float(rc.get("window_days", 30))
        recent = history.days_since_last is None or history.days_since_last <= window
        if recent:
            strength = min(1.0, 0.6 + float(rc.get("unanswered_boost", 0.25)) * history.unanswered_messages)
            days = f"{history.days_since_last:.1f} days ago" if history.days_since_last is not None else "recently"
            out.append(
                SignalHit(
                    "repeat_contact",
                    strength,
                    [],
                    "history.repeat_contact",
                    detail=f"{history.previous_messages} earlier message(s), last {days}; "
                    f"{history.unanswered_messages} unanswered; {history.open_cases} open case(s)",
                )
            )
    return out


@dataclass(slots=True)
class _Item:
    """One message to analyse and what the policy needs besides its text."""

    subject: str
    body: str
    message_id: str | None
    parsed: ParsedMessage | None
    history: ContactHistory | None
    extra_signals: Iterable[SignalHit] = ()


def _featurize_many(
    texts: Sequence[tuple[str, str, Counter[str], Sequence[str]]],
    models: ModelSet,
    enabled: set[str] | None,
    trace: bool,
) -> list[Features]:
    """Features of (subject, body, meta pseudo-words, spam header tokens) each: the text work per message,
    the model arithmetic once for all (batchmath)."""
    feats: list[Features] = []
    picked: list[list[list[str]]] = []
    metas = [meta for _s, _b, meta, _h in texts]
    kernels = native.load("token")
    nt = models.native_terms(kernels) if kernels is not None else None
    # the views' sentences, word indexes and sentiments: each by one kernel call for the batch (0222, 0224)
    views = build_views([(subject, body) for subject, body, _meta, _hdr in texts])
    for view, sc in zip(views, scans([v.text for v in views]), strict=True):
        view._scan = sc
    sentiments = sentiment_mod.scores([v.text for v in views], [v.scanner() for v in views])
    for view, sent in zip(views, sentiments, strict=True):
        hits, traces = run_rules(view, enabled, trace=trace)
        if nt is not None:  # the terms of all messages by one kernel call, below (decisions 0211, 0217)
            feats.append(Features(view, hits, traces, sent, 0.0, 0.0, None))
            continue
        sent_toks, all_toks = request_sentence_tokens(view)
        feats.append(Features(view, hits, traces, sent, 0.0, 0.0, counts_of(all_toks)))
        picked.append(sent_toks)
    terms: _Terms | None = None
    if nt is not None:
        terms, python_counts = _kernel_terms(kernels, nt, [f.view for f in feats])
        for i, counts in python_counts.items():
            feats[i]._counts = counts
    shared = models.shared_terms()
    # per model of ``shared``: intent, topic, (spam), then (the spam NB half)
    entries: list[bm.Sparse] = []
    if terms is not None and shared is not None:
        entries = bm.shared_entries_from(shared, terms.union_seg, terms.union_ids, terms.union_counts, len(feats))
    elif shared is not None:
        entries = bm.shared_entries(shared, [f.counts for f in feats])
    n_shared = len(shared.models) if shared is not None else 0
    spam_p: list[float] | None = None
    if models.spam is not None:
        spam = models.spam
        if n_shared > 2 and not any(_in_counts(f, t) for f, m in zip(feats, metas, strict=True) for t in m):
            spam_p = bm.binary_probabilities(spam, bm.with_extra(spam, entries[2], metas))
        else:
            merged = []
            for c, m in zip((f.counts for f in feats), metas, strict=True):
                if m:
                    c = Counter(c)
                    c.update(m)
                merged.append(c)
            if spam.is_plain_binary():
                spam_p = bm.binary_probabilities(spam, bm.model_entries(spam, merged))
            else:
                spam_p = spam.positive_probabilities(merged)
    nb = models.spam_nb
    mail = [i for i, t in enumerate(texts) if t[3]]
    if nb is not None and mail:
        # Only mail with a header block: NB learnt from the headers as much as from the words, and text
        # without them (the API, labelled JSONL) keeps the logistic regression alone (decision 0209).
        # NB's words are the analysed text's distinct tokens, i.e. the counts' keys (no bigram is in its
        # vocabulary), looked up with the other models' terms (``shared_entries``); then the header tokens.
        if len(entries) > n_shared:
            z_all = bm.presence_log_odds(nb, entries[n_shared], [t[3] for t in texts])
            z = [z_all[i] for i in mail]
        else:
            z = nb.presence_log_odds([[*feats[i].counts, *texts[i][3]] for i in mail]).tolist()
        weight = float(nb.meta.get("weight", 0.5))
        if spam_p is None:  # no logistic regression: Naive Bayes alone
            spam_p, weight = [0.0] * len(texts), 1.0
        for i, zi in zip(mail, z, strict=True):
            spam_p[i] = spam_probability(spam_p[i], zi, weight)
    if spam_p is not None:
        for f, p in zip(feats, spam_p, strict=True):
            f.spam_prob = p
    if models.request is not None and terms is not None:
        n_picked = terms.n_picked
        n_seg = sum(n_picked)
        if n_seg:
            req = models.request
            probs = iter(req.positive_from(terms.request_seg, terms.request_ids, terms.request_counts, n_seg))
            for f, k in zip(feats, n_picked, strict=True):
                if k:
                    f.request_prob = max(0.0, *itertools.islice(probs, k))
    elif models.request is not None:
        sentences = [counts_of(t) for toks in picked for t in toks]
        if sentences:
            probs = iter(models.request.positive_probabilities(sentences))
            for f, toks in zip(feats, picked, strict=True):
                if toks:
                    f.request_prob = max(0.0, *itertools.islice(probs, len(toks)))
    windows = window_counts_many([f.view.text for f in feats])  # the cue window's characters (decision 0231)
    for f, window in zip(feats, windows, strict=True):
        f.dense = dense_features(
            f.view, f.hits, f.sentiment.score, f.sentiment.anger, f.request_prob, f.spam_prob, window
        )
    if entries:
        for kind, model, sp in (("intent", models.intent, entries[0]), ("topic", models.topic, entries[1])):
            assert model is not None
            scored = bm.multiclass(model, sp, [model.dense_in_order(f.dense, DENSE_NAMES) for f in feats])
            for i, f in enumerate(feats):
                f.scored[kind] = (scored, i)
    return feats


def _classify_many(
    model: LinearModel | None, feats: Sequence[Features], allowed: Sequence[str], default: str, kind: str
) -> list[LabelResult]:
    """The allowed label with the highest probability per message, with its strongest features as evidence."""
    if model is None:
        return [LabelResult(label=default, confidence=0.0, source="default") for _ in feats]
    if not feats or kind not in feats[0].scored:  # no shared vocabulary: score this model alone
        sp = bm.model_entries(model, [f.counts for f in feats])
        scored = bm.multiclass(model, sp, [model.dense_in_order(f.dense, DENSE_NAMES) for f in feats])
    else:
        scored = feats[0].scored[kind][0]
    classes = model.classes
    allowed_set = set(allowed)
    out: list[LabelResult | None] = []
    cols: list[int] = []
    rows = scored.proba.tolist()
    # the allowed class with the highest probability; on a tie the first in class order (as a stable sort gives)
    allowed_cols = [j for j, c in enumerate(classes) if c in allowed_set]
    if allowed_cols:
        picked = np.asarray(allowed_cols)[scored.proba[:, allowed_cols].argmax(axis=1)].tolist()
    for i, row in enumerate(rows):
        scores = dict(zip(classes, row, strict=False))
        if not allowed_cols:
            out.append(LabelResult(label=default, confidence=0.0, source="default", scores=scores))
            cols.append(0)
        else:
            j = picked[i]
            out.append(LabelResult(label=classes[j], confidence=row[j], source="model", scores=scores))
            cols.append(j)
    tops = scored.explain(cols)
    results: list[LabelResult] = []
    for f, r, top in zip(feats, out, tops, strict=True):
        assert r is not None
        if r.source == "model":
            r.features = top
            r.evidence = _locate(f.view, top)
        results.append(r)
    return results


def _analyze_many(
    items: Sequence[_Item], cfg: AnalyzeConfig, models: ModelSet | None = None, trace: bool = False
) -> list[Analysis]:
    """The one analysis path: ``analyze_text``, ``analyze_message`` and ``analyze_batch`` all come here."""
    models = models or load_models(cfg.models_dir)
    with_nb = models.spam_nb is not None
    scripts = cfg.spam_expected_scripts
    texts = [
        (it.subject, it.body, Counter(meta_tokens(it.parsed)), header_tokens(it.parsed, scripts) if with_nb else [])
        for it in items
    ]
    feats = _featurize_many(texts, models, cfg.enabled_signals, trace)
    intents, topics = cfg.intents, cfg.topics
    tax = cfg.raw["taxonomy"]
    ic = cfg.raw["intent"]
    intent_results = _classify_many(models.intent, feats, intents, tax["default_intent"], "intent")
    topic_results = _classify_many(models.topic, feats, topics, tax["default_topic"], "topic")
    suppress_cfg = cfg.raw["signals"].get("suppress_for_intents") or {}
    min_s = cfg.min_strength
    spam_threshold = float(ic["spam_threshold"])
    use_rules = ic.get("rules", True)
    override_min = float(ic["rule_override_min"])
    min_conf = float(ic.get("min_confidence", 0.0))
    policy = PriorityPolicy.from_config(cfg)  # read once per batch (decision 0225)
    gate = InternalMailGate.from_config(cfg.raw["signals"].get("internal_mail_gate"))  # decision 0229
    # the languages of the batch together: py3langid's feature walks by one kernel call (decision 0230)
    languages = detect_many([f.view.text[f.view.body_start :] or f.view.text for f in feats])
    out: list[Analysis] = []
    for it, f, intent, topic, (lang, lang_p) in zip(
        items, feats, intent_results, topic_results, languages, strict=True
    ):
        if "spam" in intents and f.spam_prob >= spam_threshold and intent.label != "spam":
            intent = LabelResult(
                "spam",
                f.spam_prob,
                _locate(f.view, models.spam.top_features(f.counts, (), 0) if models.spam else []),
                "rule:spam_model",
                scores=intent.scores,
            )
        if use_rules:
            ruled = _intent_rule(f, intents, override_min)
            if ruled is not None and ruled.label != intent.label:
                ruled.scores = intent.scores
                ruled.features = intent.features
                intent = ruled
        if intent.confidence < min_conf:
            intent = LabelResult(tax["default_intent"], intent.confidence, source="default", scores=intent.scores)
        suppress = set(suppress_cfg.get(intent.label, []))
        signals: list[SignalHit] = []
        suppressed: list[tuple[str, str, str]] = []
        internal = gate.applies(f.hits, intent.scores, f.view.text) if gate is not None else None
        for h in f.hits:
            if h.name in suppress:
                suppressed.append((h.name, h.rule, f"suppressed for intent {intent.label}"))
                continue
            why_gated = ""
            if internal is not None and gate is not None and h.name in gate.signals:
                h = gate.scaled(h, internal)
                why_gated = f"; {h.detail}"
            if h.strength < min_s:
                suppressed.append((h.name, h.rule, f"strength {h.strength:.2f} below {min_s:g}{why_gated}"))
            else:
                signals.append(h)
        signals.extend(_computed_signals(it.parsed, it.history, cfg))
        signals.extend(it.extra_signals)
        signals.sort(key=lambda s: -s.strength)
        prio = policy.priority(signals, intent.label, f.sentiment)
        fired = {t.rule for t in f.traces if t.fired}
        misses = [t.rule + ": " + t.why for t in f.traces if not t.fired and t.rule not in fired]
        out.append(
            Analysis(
                message_id=it.message_id,
                text=f.view.text,
                language=lang,
                language_confidence=lang_p,
                intent=intent,
                topic=topic,
                signals=signals,
                sentiment=f.sentiment,
                priority=prio,
                spam_probability=f.spam_prob,
                model_version=models.version,
                misses=misses,
                suppressed=suppressed,
            )
        )
    return out


def analyze_text(
    subject: str,
    body: str,
    *,
    message_id: str | None = None,
    parsed: ParsedMessage | None = None,
    history: ContactHistory | None = None,
    config: AnalyzeConfig | None = None,
    extra_signals: Iterable[SignalHit] = (),
    trace: bool = False,
    models: ModelSet | None = None,
) -> Analysis:
    """Analyse a subject and body (what ``analyze_message`` does after picking the sender's text)."""
    item = _Item(subject, body, message_id, parsed, history, extra_signals)
    return _analyze_many([item], config or default_config(), models, trace)[0]


def analyze_message(
    parsed: ParsedMessage,
    history: ContactHistory | None = None,
    config: AnalyzeConfig | None = None,
    *,
    extra_signals: Iterable[SignalHit] = (),
    trace: bool = False,
) -> Analysis:
    """Analyse one parsed message. Quoted text and the signature are not the sender's words and are skipped."""
    item = _Item(parsed.subject, body_of(parsed), parsed.message_id, parsed, history, extra_signals)
    return _analyze_many([item], config or default_config(), None, trace)[0]


def analyze_batch(
    parsed_list: Sequence[ParsedMessage],
    histories: Sequence[ContactHistory | None] | None = None,
    config: AnalyzeConfig | None = None,
) -> list[Analysis]:
    """Analyse many messages: each gets what ``analyze_message`` gives it, the model arithmetic done once for all."""
    cfg = config or default_config()
    hs = histories if histories is not None else [None] * len(parsed_list)
    items = [_Item(p.subject, body_of(p), p.message_id, p, h) for p, h in zip(parsed_list, hs, strict=True)]
    if not items:
        return []
    with collector_paused():  # decision 0206
        return _analyze_many(items, cfg)


def reprioritise(
    analysis: Analysis, extra_signals: Iterable[SignalHit], config: AnalyzeConfig | None = None
) -> Analysis:
    """Add computed signals found after analysis (``campaign_member`` from the campaigns stage) and rebuild the priority."""  # noqa: E501
    cfg = config or default_config()
    names = {s.name for s in analysis.signals}
    for s in extra_signals:
        if s.name not in names:
            analysis.signals.append(s)
    analysis.signals.sort(key=lambda s: -s.strength)
    analysis.priority = build_priority(analysis.signals, analysis.intent.label, analysis.sentiment, cfg)
    return analysis


def parsed_from_text(
    subject: str, body: str, message_id: str | None = None, date: datetime | None = None
) -> ParsedMessage:
    """A ParsedMessage for text that arrives without MIME (labelled JSONL, the API)."""
    return ParsedMessage(
        message_id=message_id,
        subject=subject,
        from_addr=None,
        from_name=None,
        to_addrs=[],
        cc_addrs=[],
        reply_to=None,
        date=date,
        in_reply_to=None,
        references=[],
        text=body,
        new_text=body,
        quoted_text="",
        signature="",
        html=None,
        attachments=[],
        machine=None,
        defects=[],
        headers={},
        content_hash="",
    )
