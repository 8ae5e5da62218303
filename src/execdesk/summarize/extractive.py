"""What the sender wants, in one or two of their own sentences, chosen by a score that explains itself.

Each sentence (greeting, sign-off and quotes already gone, see :mod:`sentences`) earns points for
where it stands (the point of a letter comes early; the ask often comes last), for holding the
evidence of a risk signal, for cues of what the writer wants or what went wrong (weighted by the
message's intent), for sharing words with the subject line, and for concrete details (amounts,
dates, numbers). Pleasantries and very short or very long sentences lose points. The best
sentence is taken, then a second one if it adds something (a problem plus the ask, preferably),
and the picks are shown in the writer's order. Deterministic, no model, microseconds per message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from execdesk.summarize.sentences import Sentence, split_sentences
from execdesk.summarize.words import content_words, jaccard, overlap

# -- cues: what kind of sentence this is ---------------------------------------------------------
_CUES: dict[str, re.Pattern[str]] = {
    "asks": re.compile(
        r"\b(?:(?:could|can|would|will)\s+(?:you|someone|somebody|anyone|your\s+(?:team|staff|office))"
        r"|please\b|i\s+(?:would\s+like|'d\s+like|want|need|expect|ask|am\s+asking|request|demand|urge)"
        r"|(?:refund|credit|reimburse|fix|resolve|cancel|waive|reverse|restore|escalate|investigate)\b"
        r"|call\s+me|contact\s+me|get\s+back\s+to\s+me|look\s+(?:into|at)|respond\s+to|for\s+comment)",
        re.I,
    ),
    "problem": re.compile(
        r"\b(?:(?:over|double[- ]?|re)?charged|billed|charges?\b|fees?\b|dropp?(?:ed|ing|s)?\b"
        r"|no\s+(?:service|signal|answer|reply|response|one)"
        r"|not\s+(?:working|fixed|resolved|credited|received)|doesn't\s+work|does\s+not\s+work|broken|outage"
        r"|dead\s+zone|never\s+(?:received|got|answered|credited|fixed|arrived)"
        r"|still\s+(?:no|not|waiting|have\s+not)|wrong|errors?\b|problems?\b|issues?\b|refused|denied"
        r"|disconnected|failed|lost|threaten\w*|cease[- ]and[- ]desist|hours?\s+on\s+hold)",
        re.I,
    ),
    "praise": re.compile(
        r"\b(?:thank(?:s|\s+you)?|grateful|appreciate[ds]?|excellent|outstanding|great|wonderful|amazing|helpful"
        r"|kudos|above\s+and\s+beyond|impressed|fantastic|patient|professional)\b",
        re.I,
    ),
    "press": re.compile(
        r"\b(?:comment|deadline|story|article|piece|interview|writing\s+(?:about|on)|working\s+on|on\s+the\s+record|publish\w*|report(?:ing)?|readers)\b",
        re.I,
    ),
    "legal": re.compile(
        r"\b(?:claim|demand|damages|notice|counsel|attorney|lawsuit|litigation|settlement|breach|liable|liability)\b",
        re.I,
    ),
    "idea": re.compile(
        r"\b(?:suggest\w*|should|would\s+be\s+(?:great|nice|helpful|better)|why\s+not|consider|idea|wish|propos\w+)\b",
        re.I,
    ),
}
#: How much each cue counts for a message of each intent (others: ``_DEFAULT_CUE_WEIGHTS``).
_CUE_WEIGHTS: dict[str, dict[str, float]] = {
    "complaint": {"asks": 1.2, "problem": 1.0},
    "request": {"asks": 1.4, "problem": 0.5},
    "praise": {"praise": 1.3},
    "suggestion": {"idea": 1.3, "asks": 0.4},
    "media_inquiry": {"press": 1.0, "asks": 0.9},
    "legal_notice": {"legal": 1.2, "asks": 0.6, "problem": 0.4},
    "investor": {"asks": 0.8, "problem": 0.6},
}
_DEFAULT_CUE_WEIGHTS = {"asks": 0.8, "problem": 0.8}
#: Signals whose evidence marks a sentence worth reading first; abusive language is not a summary.
SIGNAL_WEIGHTS = {
    "legal_threat": 1.0,
    "regulator": 1.0,
    "going_public": 1.0,
    "safety": 1.0,
    "media": 0.8,
    "churn": 0.8,
    "vulnerable": 0.6,
    "escalation": 0.4,
    "urgent": 0.3,
}
_PLEASANTRY = re.compile(
    r"^(?:thank\s+you\s+(?:for\s+(?:your|the)\s+(?:time|attention|help|consideration|assistance))|i\s+(?:hope|trust)\s+"
    r"(?:this|you|that)|i\s+look\s+forward|looking\s+forward|have\s+a\s+(?:great|nice|good)|any\s+help|please\s+let\s+me"
    r"\s+know\s+if|feel\s+free|i\s+am\s+writing\s+to\s+you\s*\.?$|sorry\s+to\s+bother)",
    re.I,
)
_CONCRETE = re.compile(
    r"[$€£]\s?\d|\b\d{1,2}(?:st|nd|rd|th)\b|\b\d{2,}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\s+\d",
    re.I,
)
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_POSITION_POINTS = (0.6, 0.4, 0.25)


@dataclass(frozen=True, slots=True)
class Evidence:
    """A signal's evidence span in the summarised text (offsets may be absent: then the text is matched)."""

    signal: str
    text: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class Pick:
    """A chosen sentence, its score and the reasons it was chosen."""

    text: str
    score: float
    reasons: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Summary:
    """One or two of the writer's sentences; ``method`` says how it was made (``extractive`` or ``llm:...``)."""

    text: str
    picks: tuple[Pick, ...] = field(default_factory=tuple)
    method: str = "extractive"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class _Scored:
    sentence: Sentence
    score: float
    reasons: list[str]
    roles: set[str]


def _evidence_hits(s: Sentence, evidence: Sequence[Evidence]) -> list[str]:
    flat = s.text.lower()
    hits = []
    for ev in evidence:
        if ev.start is not None and ev.end is not None:
            if ev.start < s.end and s.start < ev.end:
                hits.append(ev.signal)
        elif ev.text and len(ev.text) >= 8:
            needle = " ".join(ev.text.split()).lower()
            if needle in flat or (len(flat) >= 20 and flat in needle):
                hits.append(ev.signal)
    return hits


def _score(
    s: Sentence, n: int, *, intent: str | None, subject_words: set[str], evidence: Sequence[Evidence]
) -> _Scored:
    reasons: list[str] = []
    roles: set[str] = set()
    score = 0.0
    if s.index < len(_POSITION_POINTS):
        score += _POSITION_POINTS[s.index]
        reasons.append(f"sentence {s.index + 1}")
    elif s.index == n - 1:
        score += 0.2
        reasons.append("last sentence")
    hits = _evidence_hits(s, evidence)
    if hits:
        best = max(hits, key=lambda h: SIGNAL_WEIGHTS.get(h, 0.0))
        score += SIGNAL_WEIGHTS.get(best, 0.0)
        reasons.append(f"evidence of {best}")
    weights = _CUE_WEIGHTS.get(intent or "", _DEFAULT_CUE_WEIGHTS)
    for cue, weight in weights.items():
        m = _CUES[cue].search(s.text)
        if m:
            score += weight
            roles.add(cue)
            reasons.append(f"{cue}: “{m.group(0).strip()}”")
    if s.text.endswith("?") and "asks" in weights:
        score += (0.25 if "asks" in roles else 0.5) * weights["asks"]
        roles.add("asks")
        reasons.append("a question")
    words = content_words(s.text)
    shared = overlap(subject_words, words)
    if shared:
        score += 0.8 * shared
        reasons.append(f"subject words {shared:.0%}")
    if _CONCRETE.search(_URL.sub(" ", s.text)):
        score += 0.2
        reasons.append("concrete details")
    n_words = len(s.words)
    if _PLEASANTRY.search(s.text):
        score -= 1.0
        reasons.append("pleasantry")
    if n_words < 4:
        score -= 1.0
    elif n_words < 7:
        score -= 0.3
    elif n_words > 45:
        score -= 0.4
    if s.text.isupper() and n_words > 3:
        score -= 0.2  # shouting reads worse than the same point in a calmer sentence
    return _Scored(s, round(score, 3), reasons, roles)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-–— ")
    return cut + "…"


def summarize_text(
    body: str,
    *,
    subject: str = "",
    intent: str | None = None,
    evidence: Sequence[Evidence] = (),
    max_sentences: int = 2,
    max_chars: int = 320,
) -> Summary:
    """One or two sentences of ``body`` saying what the writer wants; empty text when it has none."""
    sentences = split_sentences(body)
    if not sentences:
        return Summary(_shorten(" ".join(subject.split()), max_chars) if subject.strip() else "")
    subject_words = content_words(subject)
    scored = [
        _score(s, len(sentences), intent=intent, subject_words=subject_words, evidence=evidence) for s in sentences
    ]
    ranked = sorted(scored, key=lambda x: (-x.score, x.sentence.index))
    chosen = [ranked[0]]
    if max_sentences > 1:
        first = ranked[0]
        budget = max_chars - len(first.sentence.text) - 1
        best: _Scored | None = None
        best_value = 0.0
        for cand in ranked[1:]:
            if len(cand.sentence.text) > budget or cand.score < 0.5 * first.score or cand.score <= 0.3:
                continue
            if jaccard(content_words(cand.sentence.text), content_words(first.sentence.text)) > 0.5:
                continue  # says the same thing again
            complement = 0.5 if cand.roles - first.roles else 0.0
            if cand.score + complement > best_value:
                best, best_value = cand, cand.score + complement
        if best is not None:
            chosen.append(best)
    chosen.sort(key=lambda x: x.sentence.index)
    picks = tuple(
        Pick(_shorten(c.sentence.text, max_chars), c.score, tuple(c.reasons), c.sentence.start, c.sentence.end)
        for c in chosen
    )
    return Summary(" ".join(p.text for p in picks), picks)
