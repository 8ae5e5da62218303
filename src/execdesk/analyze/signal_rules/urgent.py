# ruff: noqa: E501 - long regular expressions read better unbroken than split mid-alternation
"""The ``urgent`` rules: explicit deadline or time pressure."""

from __future__ import annotations

from execdesk.analyze.signal_rules.rule import Rule, make_rule

RULES: tuple[Rule, ...] = (
    make_rule(
        "urgent.asap",
        "urgent",
        r"\b(?:asap|a\.s\.a\.p\.?|as soon as (?:possible|you can)|urgent(?:ly)?|immediately|right away|without delay|time[- ]sensitive|time is of the essence|timing (?:\w+ ){0,3}important|emergency|at your earliest convenience)\b",
        0.75,
        person=None,
    ),
    make_rule(
        "urgent.deadline",
        "urgent",
        r"\b(?:by|before|no later than|until|due|deadline(?: is| of)?|ends? on|expires?(?: on)?)\s+(?:the\s+)?(?:end of (?:the |this |next )?(?:day|week|month|business)|close of business|cob|eod|tomorrow|tonight|today|noon|midnight"
        r"|this (?:afternoon|evening|week|morning)|(?:next\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}|\d{1,2}(?:/|-)\d{1,2}|the (?:\d{1,2}(?:st|nd|rd|th)|first|end))\b",
        0.7,
        person=None,
    ),
    make_rule(
        "urgent.need_now",
        "urgent",
        r"\b(?:need|needs|needed|must|have to|require)\b[^.!?\n]{0,40}?\b(?:today|tonight|tomorrow|right now|this week|by \w+day)\b|\b(?:flight|appointment|surgery|exam|interview|closing) (?:is )?(?:tomorrow|today|tonight|in \d+ hours?)\b",
        0.65,
        person=None,
    ),
)
