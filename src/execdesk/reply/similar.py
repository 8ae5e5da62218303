"""Suggested replies: what the office answered in the most similar resolved cases.

TF-IDF (smoothed idf, sublinear tf) over the customers' inbound text, cosine similarity
against every resolved case that has an outbound reply; each suggestion shows its
similarity so the agent sees how close the precedent really is.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, select

from execdesk.cases.refs import case_ref
from execdesk.store.models import Case, Message, table_of

_cases = table_of(Case)
_messages = table_of(Message)

_TOKEN = re.compile(r"[a-z0-9][a-z0-9']+")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "you",
        "your",
        "with",
        "that",
        "this",
        "have",
        "has",
        "was",
        "were",
        "are",
        "our",
        "not",
        "but",
        "they",
        "them",
        "from",
        "will",
        "would",
        "been",
        "can",
        "could",
        "there",
        "their",
        "what",
        "when",
        "which",
        "about",
        "into",
        "just",
        "also",
        "than",
        "then",
        "its",
        "it's",
        "i'm",
        "i've",
        "dear",
        "hello",
        "regards",
        "thanks",
        "thank",
        "please",
    ]
)
#: Precedents below this similarity are not worth showing.
MIN_SIMILARITY = 0.05


@dataclass(frozen=True)
class Suggestion:
    """A precedent: a resolved case, how similar its customer's text is (0..1), and the reply it got."""

    case_id: int
    case_ref: str
    subject: str
    similarity: float
    reply_text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _terms(text: str) -> Counter[str]:
    return Counter(t for t in _TOKEN.findall(text.lower()) if t not in _STOP and len(t) > 2)


def _vector(tf: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    vec = {t: (1.0 + math.log(n)) * idf[t] for t, n in tf.items() if t in idf}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm else {}


def rank(query: str, documents: list[str]) -> list[float]:
    """Cosine similarity of ``query`` to each document under TF-IDF fitted on the documents plus the query."""
    tfs = [_terms(d) for d in documents]
    qtf = _terms(query)
    n = len(documents) + 1
    df: Counter[str] = Counter()
    for tf in [*tfs, qtf]:
        df.update(tf.keys())
    idf = {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items()}
    q = _vector(qtf, idf)
    scores = []
    for tf in tfs:
        d = _vector(tf, idf)
        scores.append(sum(w * d.get(t, 0.0) for t, w in q.items()))
    return scores


def suggest_replies(conn: Connection, case_id: int, *, limit: int = 3, max_cases: int = 5000) -> list[Suggestion]:
    """The replies of the resolved cases most similar to this one (best first, similarity shown)."""
    query = " ".join(
        r.new_text or ""
        for r in conn.execute(
            select(_messages.c.new_text, _messages.c.subject).where(
                _messages.c.case_id == case_id, _messages.c.direction == "in"
            )
        )
    )
    if not query.strip():
        return []
    resolved = (
        select(_cases.c.id)
        .where(_cases.c.status.in_(("resolved", "closed")), _cases.c.id != case_id)
        .order_by(_cases.c.updated_at.desc())
        .limit(max_cases)
        .subquery()
    )
    rows = conn.execute(
        select(_messages.c.case_id, _messages.c.direction, _messages.c.new_text, _messages.c.id)
        .where(_messages.c.case_id.in_(select(resolved.c.id)))
        .order_by(_messages.c.case_id, _messages.c.received_at, _messages.c.id)
    ).all()
    inbound: dict[int, list[str]] = {}
    replies: dict[int, str] = {}
    for r in rows:
        if r.direction == "in":
            inbound.setdefault(r.case_id, []).append(r.new_text or "")
        elif (r.new_text or "").strip():
            replies[r.case_id] = r.new_text  # the latest reply of the case
    ids = [cid for cid in inbound if cid in replies]
    if not ids:
        return []
    scores = rank(query, [" ".join(inbound[cid]) for cid in ids])
    subjects = dict(conn.execute(select(_cases.c.id, _cases.c.subject).where(_cases.c.id.in_(ids))).all())
    best = sorted(zip(ids, scores, strict=True), key=lambda p: (-p[1], p[0]))
    return [
        Suggestion(cid, case_ref(cid), subjects.get(cid) or "", round(score, 3), replies[cid])
        for cid, score in best[:limit]
        if score >= MIN_SIMILARITY
    ]
