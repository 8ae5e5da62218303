"""Policy: customer-facing signals read on colleagues' business mail count for less (decision 0229).

An unanswered e-mail, a cancelled contract or a stressful week is a customer's grievance in a letter from the
public and an ordinary remark in a colleague's memo. The rules cannot tell the two apart from the sentence
alone; the intent model, which reads the whole message, can: it gives internal business mail a high
probability of ``other``. The gate multiplies the strength of the listed signals by ``factor`` when that
probability reaches ``min_other``, so a single hit falls below ``signals.min_strength`` and is kept as a
suppressed hit with its reason, while strong, corroborated evidence still reaches the desk at a lower weight.

Short messages are never gated: one-line customer complaints read as ``other`` to the model (decision 0208
lost them when it suppressed on the intent alone). Signals not listed (legal threats, regulators, going public,
safety) are never gated: an explicit threat counts wherever it is written. Nothing here reads the text beyond
counting its words.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from execdesk.analyze.model import SignalHit

INTERNAL_LABEL = "other"  # the intent whose probability says "a colleague's business mail"


@dataclass(frozen=True, slots=True)
class InternalMailGate:
    """``signals.internal_mail_gate`` of a configuration, read once per batch."""

    signals: frozenset[str]
    min_other: float
    min_words: int
    factor: float

    @classmethod
    def from_config(cls, section: dict[str, Any] | None) -> InternalMailGate | None:
        """The gate of the configuration's section; None when the section is absent or lists no signal."""
        if not section or not section.get("signals"):
            return None
        return cls(
            signals=frozenset(section["signals"]),
            min_other=float(section["min_other"]),
            min_words=int(section["min_words"]),
            factor=float(section["factor"]),
        )

    def applies(self, hits: list[SignalHit], intent_scores: dict[str, float], text: str) -> str | None:
        """Why this message reads as internal business mail (for the hits' detail), or None when it does not.

        The word count is taken only when a listed signal fired and the probability is high enough.
        """
        p_other = intent_scores.get(INTERNAL_LABEL, 0.0)
        if p_other < self.min_other or not any(h.name in self.signals for h in hits):
            return None
        if len(text.split()) < self.min_words:
            return None
        return f"internal business mail (P({INTERNAL_LABEL}) {p_other:.2f} >= {self.min_other:g})"

    def scaled(self, hit: SignalHit, reason: str) -> SignalHit:
        """``hit`` with its strength times ``factor`` and the reason in its detail (a new hit)."""
        detail = f"{reason}: strength {hit.strength:.2f} x {self.factor:g}"
        return replace(hit, strength=hit.strength * self.factor, detail=detail)
