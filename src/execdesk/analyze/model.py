"""The analyze stage's typed output.

Every judgment carries its evidence: text spans with offsets into the *analysed text*
(``Analysis.text``: the subject, a blank line, then what the sender wrote in this message;
quoted earlier messages and the signature are not the sender's words and are not analysed),
the rule or model that produced it, and a strength or confidence. ``to_dict`` gives the JSON
object published as ``docs/schemas/analysis.schema.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Evidence:
    """A span of the analysed text: ``text == analysis.text[start:end]``."""

    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass(slots=True)
class SignalHit:
    """One signal as a detector saw it: strength 0..1, evidence spans and the rule that fired."""

    name: str
    strength: float
    evidence: list[Evidence]
    rule: str
    detail: str = ""  # for computed signals without text evidence (history, headers)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "strength": round(self.strength, 3),
            "evidence": [e.to_dict() for e in self.evidence],
            "rule": self.rule,
        }
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass(slots=True)
class LabelResult:
    """A one-of-N label (intent or topic) with its confidence and why."""

    label: str
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)
    source: str = "model"  # "model", "rule:<name>" or "default"
    features: list[tuple[str, float]] = field(default_factory=list)  # strongest contributions
    scores: dict[str, float] = field(default_factory=dict)  # probability per label

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "confidence": round(self.confidence, 3),
            "evidence": [e.to_dict() for e in self.evidence],
            "source": self.source,
            "features": [{"feature": f, "weight": round(w, 3)} for f, w in self.features],
        }


@dataclass(slots=True)
class Sentiment:
    """``score`` in -1..1 (VADER compound style), ``label`` -2..2 as in LABELS.md, ``anger`` 0..1."""

    score: float
    label: int
    anger: float
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 3),
            "label": self.label,
            "anger": round(self.anger, 3),
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(slots=True)
class PriorityReason:
    """One term of the priority sum, in the order it mattered."""

    source: str  # "signal:legal_threat", "intent:complaint", "sentiment", ...
    points: float
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "points": round(self.points, 2), "detail": self.detail}


@dataclass(slots=True)
class Priority:
    """``score`` 0..100 (higher first in the queue) and ``level`` from the configured thresholds."""

    score: float
    level: str
    reasons: list[PriorityReason]

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 1),
            "level": self.level,
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(slots=True)
class ContactHistory:
    """What the desk already knows about the sender (filled by the cases stage, not here).

    ``unanswered_messages`` counts this contact's inbound messages not yet answered;
    ``days_since_last`` is the time since their previous message.
    """

    previous_messages: int = 0
    previous_cases: int = 0
    open_cases: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    unanswered_messages: int = 0
    days_since_last: float | None = None


@dataclass(slots=True)
class Analysis:
    """Everything the analyze stage says about one message."""

    message_id: str | None
    text: str  # the analysed text; every Evidence offset points into it
    language: str
    language_confidence: float
    intent: LabelResult
    topic: LabelResult
    signals: list[SignalHit]
    sentiment: Sentiment
    priority: Priority
    spam_probability: float = 0.0
    model_version: str = ""
    misses: list[str] = field(default_factory=list)  # rules checked that did not fire (for explain)
    suppressed: list[tuple[str, str, str]] = field(default_factory=list)  # (signal, rule, why) for explain

    def signal(self, name: str) -> SignalHit | None:
        """The hit for ``name``, or None."""
        for s in self.signals:
            if s.name == name:
                return s
        return None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``execdesk analyze --format jsonl`` (see the published schema)."""
        return {
            "message_id": self.message_id,
            "intent": self.intent.to_dict(),
            "topic": self.topic.to_dict(),
            "signals": [s.to_dict() for s in self.signals],
            "sentiment": self.sentiment.to_dict(),
            "language": self.language,
            "priority": self.priority.to_dict(),
            "spam_probability": round(self.spam_probability, 3),
            "model_version": self.model_version,
            "analysed_chars": len(self.text),
        }
