"""The signal rules, one module per signal, assembled here in the order ``run_rules`` tries them.

The order is part of the result: within a signal it decides which evidence comes first and which rule is
named when strengths tie; across signals, the order of hits of equal strength and the order the patterns
are registered with the scan index (scan.py). Each module holds its signal's rules and the word classes
only they use; ``rule.py`` holds ``Rule`` and the helpers to write one.
"""

from __future__ import annotations

from execdesk.analyze.signal_rules import (
    abusive,
    churn,
    escalation,
    going_public,
    legal_threat,
    media,
    regulator,
    safety,
    urgent,
    vulnerable,
)
from execdesk.analyze.signal_rules.rule import Rule

FAMILIES = (legal_threat, regulator, going_public, media, churn, escalation, vulnerable, safety, abusive, urgent)

RULES: tuple[Rule, ...] = tuple(rule for family in FAMILIES for rule in family.RULES)
