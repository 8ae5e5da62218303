"""The rule package's layout (signal_rules/): one module per signal, each assembled once into ``RULES``.

What the rules find is tested in test_signals*.py; here, that the data is where its name says and that
nothing is left out or counted twice when the modules are put together.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from execdesk.analyze import signal_rules, signals
from execdesk.analyze.signal_rules import FAMILIES, RULES


def _signal_of(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[1]


def test_each_module_holds_only_its_own_signals_rules() -> None:
    for family in FAMILIES:
        signal = _signal_of(family)
        assert family.RULES, signal
        assert {r.signal for r in family.RULES} == {signal}
        assert [r.name for r in family.RULES if not r.name.startswith(f"{signal}.")] == []


def test_every_rule_module_is_assembled_once() -> None:
    here = Path(str(signal_rules.__file__)).parent
    modules = sorted(p.stem for p in here.glob("*.py") if p.stem not in {"__init__", "rule"})
    assembled = [_signal_of(f) for f in FAMILIES]
    assert sorted(assembled) == modules
    assert len(RULES) == sum(len(f.RULES) for f in FAMILIES)


def test_rule_names_are_unique() -> None:
    """The trace, the explain command and the scan index name a rule by its name."""
    names = [r.name for r in RULES]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_signals_reexports_the_package_rules() -> None:
    assert signals.RULES is signal_rules.RULES
    assert [r for r, _fast in signals._INDEXED] == list(RULES)
    assert signals.signal_names() == sorted(_signal_of(f) for f in FAMILIES)
