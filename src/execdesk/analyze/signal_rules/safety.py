# ruff: noqa: E501 - long regular expressions read better unbroken than split mid-alternation
"""The ``safety`` rules: threat of physical harm, fear for safety, self-harm."""

from __future__ import annotations

from execdesk.analyze.signal_rules.rule import Rule, make_rule

RULES: tuple[Rule, ...] = (
    make_rule(
        "safety.threat",
        "safety",
        r"\b(?:I|we)(?:'ll|’ll| will| am going to| are going to| gonna|'m going to|’m going to| shall| would| could| might| want to)\s+(?:\w+\s+){0,2}?"
        r"(?:kill|shoot|stab|bomb|blow up|burn down|hurt|harm|attack|beat up|murder|strangle|punch)\b",
        0.95,
        person=None,
        # "I'll shoot it over", "shoot for 100%", "shoot you an e-mail": office idioms, not threats
        unless=r"\bshoot\w*\s+(?:(?:it|this|that|them)\b|for\b|(?:you|me|him|her|us)\s+(?:an?|the)\s+(?:e-?mail|note|message|line|copy|draft|reply))",
    ),
    make_rule(
        "safety.concern",
        "safety",
        r"\b(?:concerned|worried|afraid|fear\w*|scared|frightened|terrified)\s+(?:\w+\s+){0,3}?(?:safety|lives|life|security|harm|violence|attack|physical)\b"
        r"|\b(?:death threats?|threatened (?:to kill|me|us|my)|received (?:a |several )?threats?|bomb threat)\b",
        0.85,
        person=None,
    ),
    make_rule(
        "safety.hazard",
        "safety",
        r"\b(?:unsafe|(?:not|isn't|is not|wasn't|aren't|never|n't) (?:a |an )?(?:\w+ )?safe|dangerous|fire hazard|gas leak|exposed wires?|carbon monoxide|caught fire|exploded|electric shock|injur(?:ed|y|ies))\b",
        0.7,
        negatable=False,
        unless=r"\b(?:escap\w*|avoid\w*|spared|without|free (?:of|from)|prevent\w*)\s+(?:\w+\s+){0,2}?injur",  # it did not happen
    ),
    make_rule(
        "safety.assault",
        "safety",
        r"\b(?:assault\w*|attack(?:ed|ing) (?:me|us|my|her|him)|punched|groped|rap(?:e|ed)|(?:with|has|had|pulled|carrying) an? (?:gun|knife|weapon)"
        r"|food poisoning|(?:nearly|almost|could have) died|hit my head|(?:car|bus|driver) crash(?:ed)?|crashed (?:the|his|her|our|my|into))\b",
        0.8,
    ),
    make_rule(
        "safety.self_harm",
        "safety",
        r"\b(?:kill (?:myself|ourselves)|suicid\w*|end (?:my|it) (?:life|all)|take my (?:own )?life|(?:don't|do not) want to live)\b",
        0.95,
        person=None,
        unless=r"\b(?:political|career|commercial|financial|professional|corporate|economic) suicide\b",
    ),
)
