"""The rule pre-filter is an optimisation only: it must never change a result."""

from __future__ import annotations

from pathlib import Path

from execdesk.analyze.signals import RULES, run_rules
from execdesk.analyze.text import build_view
from execdesk.analyze.training.data import load_enron, load_twcs
from execdesk.analyze.triggers import TRIGGERS
from tests.analyze.test_signals import HITS, NEGATED_OR_NOT_OWN


def _same(subject: str, body: str) -> None:
    view = build_view(subject, body)
    fast, _ = run_rules(view, use_triggers=True)
    slow, _ = run_rules(view, use_triggers=False)
    assert [h.to_dict() for h in fast] == [h.to_dict() for h in slow], body[:200]


def test_every_rule_has_triggers() -> None:
    assert {r.name for r in RULES} == set(TRIGGERS)


def test_triggers_never_change_results_on_cases() -> None:
    for _sig, body, *_ in HITS + NEGATED_OR_NOT_OWN:
        _same("Hello", body)


def test_triggers_never_change_results_on_real_mail(shared_data: Path) -> None:
    for ex in load_enron(shared_data) + load_twcs(shared_data):
        _same(ex.subject, ex.body)
