# ruff: noqa: E501 - long regular expressions read better unbroken than split mid-alternation
"""The ``legal_threat`` rules: the sender's own legal action."""

from __future__ import annotations

from execdesk.analyze.signal_rules.rule import Rule, W, make_rule

_LEGAL_OBJ = (
    r"(?:legal|court|judicial)\s+(?:action|proceedings?|steps|remedies|recourse|measures|route|options?|claims?)"
)
_LAWYER = r"(?:attorney|lawyer|legal counsel|counsel|solicitor|law firm|legal team|legal advi[cs]e)s?"
_LAWYER_ONE = r"(?:attorney|lawyer|solicitor)(?!s)"  # "our lawyer" (a family's, a small firm's), not "our lawyers"

RULES: tuple[Rule, ...] = (
    make_rule(
        "legal_threat.sue", "legal_threat", r"\b(?:sue|suing|sued)\b", 0.9, person="subject", word_may_be_a_name=True
    ),
    make_rule(
        "legal_threat.legal_action",
        "legal_threat",
        rf"\b(?:take|taking|took|bring|pursue|pursuing|initiate|commence|seek|seeking|start|starting|consider(?:ing)?|explor\w+|begin|begun)\s+{W}{{0,3}}{_LEGAL_OBJ}",
        0.85,
        person="subject",
    ),
    make_rule(
        "legal_threat.legal_action_passive",
        "legal_threat",
        rf"\b{_LEGAL_OBJ}\s+(?:will|shall|is going to|may)\s+be\s+(?:taken|pursued|initiated|commenced)|\bresult in {_LEGAL_OBJ}",
        0.8,
        person=None,
    ),
    make_rule(
        "legal_threat.file_suit",
        "legal_threat",
        r"\b(?:file|filing|filed|join|joining|joined|bring|start|part of|sign(?:ed)? up for)\s+"
        + W
        + r"{0,3}(?:law\s?suits?|suit|class[- ]action|legal claim|claim in court|small claims)",
        0.85,
        person="subject",
    ),
    make_rule(
        "legal_threat.lawyer",
        "legal_threat",
        # "our lawyers/attorneys" with no verb of bringing them in is a company's own legal department
        rf"\b(?:my\s+{W}{{0,1}}{_LAWYER}|our\s+{W}{{0,1}}{_LAWYER_ONE}|(?:contact\w*|consult\w*|retain\w*|hir\w+|engag\w+|call\w*|speak\w* (?:to|with)|talk\w* (?:to|with)|get|got|getting|see|seeing|involve\w*)\s+(?:an?|my|our|the)?\s*{W}{{0,1}}{_LAWYER})\b",
        0.8,
    ),
    make_rule(
        "legal_threat.court_claim",
        "legal_threat",
        r"\b(?:(?:file|filing|filed|submit\w*|send\w*|sent)\s+(?:a |my |our |the )?proofs? of claim|petition\w*\s+the\s+(?:bankruptcy\s+)?court"
        r"|(?:participat\w*|take part|join\w*)\s+in\s+(?:the\s+)?(?:bankruptcy|legal|court)\s+proceedings|claim against (?:you|enron|the company|your company)"
        r"|(?:my|our)\s+(?:\w+\s+){0,3}?(?:claims?|lawsuits?|suits?)\s+(?:to|in|before|against)\s+(?:the\s+)?(?:\w+\s+)?(?:court|judge))\b",
        0.8,
    ),
    make_rule(
        "legal_threat.see_you_in_court", "legal_threat", r"\b(?:see|meet)\s+(?:you|u)\s+in\s+court\b", 0.95, person=None
    ),
    make_rule(
        "legal_threat.take_to_court",
        "legal_threat",
        r"\btake\s+(?:you|u|them|this|it|the company|\w+)\s+to\s+court\b",
        0.9,
        person="subject",
    ),
)
