"""Records of the tone guard: what a rule saw (a finding) and the overall report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["block", "warn"]
Verdict = Literal["block", "warn", "ok"]


@dataclass(frozen=True)
class InboundContext:
    """What the customer wrote, as far as the guard needs it (from the analyze stage, or given).

    ``intent`` uses the analyze taxonomy (complaint, request, praise, suggestion, other...);
    ``sentiment`` is -2..2 as in LABELS.md. Unknown fields are None: the rules that need them stay quiet.
    """

    intent: str | None = None
    sentiment: int | None = None
    text: str = ""
    signals: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One thing a rule saw in the reply, with the exact span (offsets into the checked text)."""

    rule: str
    severity: Severity
    start: int
    end: int
    text: str
    why: str
    suggestion: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ToneReport:
    """The linter-style answer: findings, the verdict they imply, and the front-page score (100 = safe to publish)."""

    verdict: Verdict
    front_page_score: int
    findings: list[Finding] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return self.verdict == "block"

    def to_dict(self, *, with_reasons: bool = False) -> dict[str, Any]:
        """The JSON shape of ``execdesk tone-check --json`` (reasons only when asked for)."""
        out: dict[str, Any] = {
            "verdict": self.verdict,
            "front_page_score": self.front_page_score,
            "findings": [f.to_dict() for f in self.findings],
        }
        if with_reasons:
            out["reasons"] = list(self.reasons)
        return out
