"""The digest's judgments, as rules that state their reasons: which cases are high-risk, which deserve
a personal reply from the executive, and how to handle a campaign.

These are policy, not analysis: they read the stored judgments (intent, signals, campaign role)
and say what the executive should do with them. Each rule appends a reason in plain words; the
reasons are printed beside the suggestion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

#: Signals that make a case high-risk for the company (legal, regulator, public, press).
RISK_SIGNALS = ("legal_threat", "regulator", "going_public", "media")
RISK_INTENTS = ("legal_notice", "media_inquiry")
#: Intents that go elsewhere than the executive's own hand (legal, communications, HR, nobody).
NOT_FOR_PERSONAL_REPLY = ("spam", "solicitation", "legal_notice", "media_inquiry", "job_seeker", "investor")
_RISK_WORDS = {
    "legal_threat": "threatens legal action",
    "regulator": "involves a regulator",
    "going_public": "says they will go public",
    "media": "press",
    "legal_notice": "formal legal notice",
    "media_inquiry": "press inquiry",
}


def risk_reasons(intent: str | None, signals: Sequence[str]) -> list[str]:
    """Why a case is high-risk, or an empty list when it is not."""
    out = [_RISK_WORDS[intent] for intent in (intent,) if intent in RISK_INTENTS]
    out += [_RISK_WORDS[s] for s in signals if s in RISK_SIGNALS and _RISK_WORDS[s] not in " ".join(out)]
    return out


@dataclass(slots=True)
class Suggestion:
    score: float
    reasons: list[str] = field(default_factory=list)


def personal_reply(case: Mapping[str, Any], *, campaign: Mapping[str, Any] | None = None) -> Suggestion | None:
    """Should the executive answer this case personally? The score orders the suggestions; None means no.

    ``case`` holds intent, signals, priority, campaign_role, contact_messages, answered;
    ``campaign`` the campaign this case triggered (title, size), if any.
    """
    intent = case.get("intent")
    role = case.get("campaign_role")
    signals = set(case.get("signals") or [])
    if intent in NOT_FOR_PERSONAL_REPLY or role == "member" or "legal_threat" in signals:
        return None  # legal threats are read by legal before anyone answers
    s = Suggestion(float(case.get("priority") or 0.0) / 10)
    if campaign is not None:
        s.score += 50
        title = campaign.get("title") or campaign.get("id")
        s.reasons.append(f"the flood “{title}” ({campaign.get('size', 0)} messages) is about this case")
    if "going_public" in signals:
        s.score += 20
        s.reasons.append("says they will take it public")
    if "repeat_contact" in signals:
        n = int(case.get("contact_messages") or 0)
        unanswered = not case.get("answered")
        s.score += 15 if unanswered else 6
        s.reasons.append(
            f"has written {n} times" + (" without an answer" if unanswered else "") if n > 1 else "has written before"
        )
    if "escalation" in signals:
        s.score += 8
        s.reasons.append("asks for someone senior or says nobody answered")
    if "vulnerable" in signals or "safety" in signals:
        s.score += 10
        s.reasons.append("a vulnerable customer" if "vulnerable" in signals else "a safety concern")
    if "churn" in signals:
        s.score += 5
        s.reasons.append("about to leave")
    if intent == "praise":
        s.score += 12
        s.reasons.append("praise: a two-line thank-you from the executive is cheap and remembered")
    if role == "own_text":
        s.score += 4
        s.reasons.append("wrote their own words inside the campaign")
    if not s.reasons:
        return None
    if "abusive" in signals:
        s.score -= 15  # answer through the office, not personally
    return s


def campaign_stance(
    c: Mapping[str, Any], *, trigger: Mapping[str, Any] | None, press: Sequence[Mapping[str, Any]] = ()
) -> tuple[list[str], list[str]]:
    """The suggested handling of a campaign (steps) and the facts that led to each step (reasons)."""
    steps: list[str] = []
    reasons: list[str] = []
    size = int(c.get("size") or 0)
    steps.append("One public answer for everyone: one acknowledgment template to all members, then bulk close")
    reasons.append(f"{size} near-identical messages are one event, not {size} cases")
    if trigger is not None:
        who = trigger.get("contact_name") or trigger.get("contact") or "the customer"
        steps.append(f"A personal call from a senior person to {who} ({trigger['ref']}) before the public answer")
        reasons.append(f"the campaign points at {trigger['ref']} as its trigger")
    links = [str(u) for u in c.get("shared_links") or []]
    if links:
        domain = urlsplit(links[0]).hostname or links[0]
        steps.append(f"Coordinate the wording with communications: members cite {domain}")
        reasons.append(f"members share the link {links[0]}")
    for case in press:
        steps.append(f"Give the press inquiry {case['ref']} the same statement, before its deadline")
        reasons.append(f"{case['ref']} asks about the same event")
    own = int(c.get("own_text_members") or 0)
    if own:
        steps.append(f"Work the {own} members who added their own problem as individual cases")
        reasons.append(f"{own} members wrote more than the form")
    if c.get("growth") == "growing":
        steps.append("Check again in a few hours: it is still growing")
        reasons.append("arrivals in the last hours exceed the hours before")
    return steps, reasons
