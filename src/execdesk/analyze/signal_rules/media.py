# ruff: noqa: E501 - long regular expressions read better unbroken than split mid-alternation
"""The ``media`` rules: the sender is a journalist."""

from __future__ import annotations

from execdesk.analyze.signal_rules.rule import Rule, W, make_rule

_MEDIA_ROLE = (
    r"(?:reporter|journalist|correspondent|columnist|editor|producer|writer|blogger|anchor|news ?caster|stringer)"
)
_MEDIA_WORK = r"(?:story|article|piece|feature|profile|report|book|column|segment|documentary|program|programme|series|broadcast|newsletter)"

RULES: tuple[Rule, ...] = (
    make_rule(
        "media.role",
        "media",
        rf"\b(?:I am|I'm|I’m|as|I work as|I write as|my name is \w+ \w+,?)\s+(?:an?\s+|the\s+)?{W}{{0,3}}{_MEDIA_ROLE}\b",
        0.9,
        person=None,
    ),
    make_rule(
        "media.writing_story",
        "media",
        rf"\b(?:I am|I'm|I’m|we are|we're|am|are)\s+(?:currently\s+|now\s+)?(?:writing|working on|preparing|doing|researching|producing|reporting)"
        rf"\s+(?:an?|the|this|our|my)\s+{W}{{0,3}}{_MEDIA_WORK}\b",
        0.9,
        person=None,
    ),
    make_rule(
        "media.interview",
        "media",
        r"\b(?:request(?:ing)?|like to (?:request|schedule|arrange|do|conduct|set up|have)|interested in|seeking|set up|schedule|invite you (?:for|to))"
        r"\s+(?:an?\s+|the\s+)?" + W + r"{0,2}interviews?\b|\b(?:to|would like to) interview (?:you|mr\.?|him|her)\b",
        0.85,
        person=None,
    ),
    make_rule(
        "media.publishing",
        "media",
        r"\b(?:we|I)\s+(?:will|are going to|plan to|would like to)\s+(?:be\s+)?(?:publish\w*|run\w*|air\w*|broadcast\w*)\b[^.!?\n]{0,60}"
        r"\b(?:\w+\.com|magazine|newspaper|paper|issue|edition|show|program|site|website|column)\b",
        0.85,
        person=None,
    ),
    make_rule(
        "media.audience",
        "media",
        r"\b(?:our|my) (?:readers|viewers|listeners|audience|subscribers)\b|\bon the record\b|\bfor (?:a|our|my) (?:story|article|piece|segment)\b"
        r"|\b(?:my|our) deadline\b",
        0.7,
        person=None,
    ),
)
