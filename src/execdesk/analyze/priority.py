"""Policy: turn what the rules and models reported into one priority with ordered reasons.

Nothing here looks at text. Weights, group caps and level thresholds come from the
configuration; a signal's points are ``weight * strength``, a group never adds more than
its cap, then the intent and the anger level add theirs. Extra computed signals (e.g.
``campaign_member`` from the campaigns stage) enter through the same door.
"""

from __future__ import annotations

from collections.abc import Iterable

from execdesk.analyze.config import AnalyzeConfig
from execdesk.analyze.model import Priority, PriorityReason, Sentiment, SignalHit


def build_priority(signals: Iterable[SignalHit], intent: str, sentiment: Sentiment, config: AnalyzeConfig) -> Priority:
    """Score 0..100 and the reasons, biggest contribution first."""
    pc = config.raw["priority"]
    weights: dict[str, float] = pc["signal_weights"]
    group_of: dict[str, str] = {}
    caps: dict[str, float] = {}
    for gname, g in (pc.get("groups") or {}).items():
        caps[gname] = float(g["cap"])
        for m in g["members"]:
            group_of[m] = gname
    reasons: list[PriorityReason] = []
    used: dict[str, float] = {}
    for s in signals:
        w = float(weights.get(s.name, 0.0))
        pts = w * s.strength
        g = group_of.get(s.name)
        detail = f"{s.name} {s.strength:.2f} x weight {w:g}"
        if g is not None and pts > 0:
            room = max(0.0, caps[g] - used.get(g, 0.0))
            if pts > room:
                detail += f" (group {g} capped at {caps[g]:g})"
                pts = room
            used[g] = used.get(g, 0.0) + pts
        if pts:
            reasons.append(PriorityReason(f"signal:{s.name}", pts, detail))
    ipts = float(pc["intent_points"].get(intent, 0.0))
    if ipts:
        reasons.append(PriorityReason(f"intent:{intent}", ipts, f"intent {intent}"))
    apts = float(pc.get("anger_points", 0.0)) * sentiment.anger
    if apts >= 0.5:
        reasons.append(PriorityReason("sentiment", apts, f"anger {sentiment.anger:.2f}"))
    base = float(pc.get("base", 0.0))
    score = max(0.0, min(100.0, base + sum(r.points for r in reasons)))
    reasons.sort(key=lambda r: -abs(r.points))
    return Priority(score=score, level=level_of(score, pc["levels"]), reasons=reasons)


def level_of(score: float, levels: dict[str, float]) -> str:
    """The level a score reaches: the highest level whose lowest score it meets (else "low")."""
    for name, threshold in sorted(levels.items(), key=lambda kv: -float(kv[1])):
        if score >= float(threshold):
            return name
    return "low"
