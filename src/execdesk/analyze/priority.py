"""Policy: turn what the rules and models reported into one priority with ordered reasons.

Nothing here looks at text. Weights, group caps and level thresholds come from the
configuration; a signal's points are ``weight * strength``, a group never adds more than
its cap, then the intent and the anger level add theirs. Extra computed signals (e.g.
``campaign_member`` from the campaigns stage) enter through the same door.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from execdesk.analyze.config import AnalyzeConfig
from execdesk.analyze.model import Priority, PriorityReason, Sentiment, SignalHit


@dataclass(frozen=True, slots=True)
class PriorityPolicy:
    """The ``priority`` section of a configuration read once (decision 0225): a batch scores every message
    with one policy instead of re-reading the weights, groups and levels per message. Built per call of
    ``build_priority`` or per batch, never kept across batches: ``AnalyzeConfig.raw`` is a mutable mapping."""

    weights: dict[str, float]
    weight_texts: dict[str, str]  # " x weight <w:g>" per weighted signal, the tail of a reason's detail
    group_of: dict[str, str]
    caps: dict[str, float]
    intent_points: dict[str, Any]
    anger_points: float
    base: float
    levels: tuple[tuple[str, float], ...]  # highest threshold first, as ``level_of`` walks them

    @classmethod
    def from_config(cls, config: AnalyzeConfig) -> PriorityPolicy:
        """The policy of ``config.raw["priority"]``."""
        pc = config.raw["priority"]
        weights = {name: float(w) for name, w in pc["signal_weights"].items()}
        group_of: dict[str, str] = {}
        caps: dict[str, float] = {}
        for gname, g in (pc.get("groups") or {}).items():
            caps[gname] = float(g["cap"])
            for m in g["members"]:
                group_of[m] = gname
        return cls(
            weights=weights,
            weight_texts={name: f" x weight {w:g}" for name, w in weights.items()},
            group_of=group_of,
            caps=caps,
            intent_points=pc["intent_points"],
            anger_points=float(pc.get("anger_points", 0.0)),
            base=float(pc.get("base", 0.0)),
            levels=_levels_high_first(pc["levels"]),
        )

    def priority(self, signals: Iterable[SignalHit], intent: str, sentiment: Sentiment) -> Priority:
        """Score 0..100 and the reasons, biggest contribution first."""
        reasons: list[PriorityReason] = []
        used: dict[str, float] = {}
        weights, group_of = self.weights, self.group_of
        for s in signals:
            name = s.name
            w = weights.get(name, 0.0)
            pts = w * s.strength
            if not pts:
                continue  # no reason, and nothing added to a group (the detail need not be written)
            g = group_of.get(name)
            detail = f"{name} {s.strength:.2f}" + self.weight_texts[name]  # weighted: pts is not 0
            if g is not None and pts > 0:
                cap = self.caps[g]
                room = max(0.0, cap - used.get(g, 0.0))
                if pts > room:
                    detail += f" (group {g} capped at {cap:g})"
                    pts = room
                used[g] = used.get(g, 0.0) + pts
            if pts:
                reasons.append(PriorityReason(f"signal:{name}", pts, detail))
        ipts = float(self.intent_points.get(intent, 0.0))
        if ipts:
            reasons.append(PriorityReason(f"intent:{intent}", ipts, f"intent {intent}"))
        apts = self.anger_points * sentiment.anger
        if apts >= 0.5:
            reasons.append(PriorityReason("sentiment", apts, f"anger {sentiment.anger:.2f}"))
        score = max(0.0, min(100.0, self.base + sum(r.points for r in reasons)))
        reasons.sort(key=lambda r: -abs(r.points))
        return Priority(score=score, level=self._level(score), reasons=reasons)

    def _level(self, score: float) -> str:
        """``level_of(score, levels)`` over the thresholds sorted once."""
        return _level_reached(score, self.levels)


def build_priority(signals: Iterable[SignalHit], intent: str, sentiment: Sentiment, config: AnalyzeConfig) -> Priority:
    """Score 0..100 and the reasons, biggest contribution first (``PriorityPolicy.priority`` of ``config``)."""
    return PriorityPolicy.from_config(config).priority(signals, intent, sentiment)


def _levels_high_first(levels: dict[str, float]) -> tuple[tuple[str, float], ...]:
    """The levels as (name, lowest score), highest first; equal thresholds keep their configured order."""
    return tuple((name, float(t)) for name, t in sorted(levels.items(), key=lambda kv: -float(kv[1])))


def level_of(score: float, levels: dict[str, float]) -> str:
    """The level a score reaches: the highest level whose lowest score it meets (else "low")."""
    return _level_reached(score, _levels_high_first(levels))


def _level_reached(score: float, levels_high_first: Iterable[tuple[str, float]]) -> str:
    for name, threshold in levels_high_first:
        if score >= threshold:
            return name
    return "low"
