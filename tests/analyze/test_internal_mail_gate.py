"""Customer-facing signals count for less on a colleague's business mail (decision 0229).

The pairs are written for this test (not taken from a data set): the same construction in a customer's letter,
where the signal must be reported, and in an office memo, where the policy must drop it and say why in
``Analysis.suppressed`` (what ``execdesk explain`` prints). The gate itself is checked on its traps (a short
message, an unlisted signal, corroborated evidence) and, on real mail, against the analysis without it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from execdesk.analyze import analyze_text
from execdesk.analyze.config import ConfigError, load_config
from execdesk.analyze.context_gate import InternalMailGate
from execdesk.analyze.model import Analysis, SignalHit
from execdesk.analyze.pipeline import _analyze_many, _Item
from execdesk.analyze.training.data import default_data_dir, load_enron
from execdesk.cli.analyze_cmds import render_explain

GATE_REASON = "internal business mail"

# (construction, signal, customer's letter: reported, office memo: dropped by the gate)
PAIRS = [
    (
        "no reply yet",
        "escalation",
        (
            "My refund",
            "Dear Sir, I am writing to you about the refund for my returned washing machine. I still have not heard "
            "back from anyone at your company, although I was promised a call within two days. I have been a loyal "
            "customer for twelve years and I expect an answer this week. Please have someone contact me.",
        ),
        (
            "Compressor station schedule",
            "Team, attached is the revised schedule for the compressor station work. We still have not heard back "
            "from the contractor on the revised cost estimate, so the budget review moves to Thursday's meeting. "
            "Please send any comments on the draft agreement to Laura before then. The board update is due next "
            "week.\n\nRegards,\nTom",
        ),
    ),
    (
        "cancelling our own subscription",
        "churn",
        (
            "Cancel",
            "I have had three outages this month and nobody at your company can tell me why. I will cancel my "
            "subscription to your broadband service on Friday unless someone fixes the line. I have paid every bill "
            "on time for eight years and this is how you treat a customer.",
        ),
        (
            "Platts renewal",
            "Sally, finance asked whether we should keep paying for both market data feeds. I plan to cancel our "
            "subscription to the older price service at the end of the quarter, since the desk now uses the new "
            "feed for the curve. Please check the contract notice period and let me know before the budget review "
            "on Tuesday.",
        ),
    ),
    (
        "stress",
        "vulnerable",
        (
            "Thank you",
            "Mr. Smith, my husband has cancer and we are under immense stress with the hospital bills. I am asking "
            "whether your company could let us pay the balance of the account in smaller parts over the next year. "
            "Thank you for any help.",
        ),
        (
            "Gas desk staffing",
            "Mike, the gas desk lost two traders to the Houston office this month and I am under immense stress "
            "with the new book. I suggest we move one analyst from the power desk and review the trading limits at "
            "Monday's staff meeting. Draft agenda attached; comments welcome before Friday.",
        ),
    ),
]


def _names(a: Analysis) -> set[str]:
    return {s.name for s in a.signals}


@pytest.mark.parametrize(("construction", "signal", "letter", "memo"), PAIRS, ids=[p[0] for p in PAIRS])
def test_reported_in_a_customers_letter_and_dropped_with_its_reason_in_a_memo(
    construction: str, signal: str, letter: tuple[str, str], memo: tuple[str, str]
) -> None:
    assert signal in _names(analyze_text(*letter)), construction
    a = analyze_text(*memo)
    assert signal not in _names(a), construction
    dropped = [why for name, _rule, why in a.suppressed if name == signal]
    assert dropped and GATE_REASON in dropped[0], a.suppressed
    shown = [line for line in render_explain(a).splitlines() if line.lstrip().startswith(f"DROP {signal}")]
    assert shown and GATE_REASON in shown[0]  # execdesk explain shows the dropped hit and why


def test_an_explicit_threat_in_a_memo_is_never_gated() -> None:
    a = analyze_text(
        "Plant dispute",
        "Jeff, as you know we sued the turbine vendor for breach of the supply agreement last spring. Our outside "
        "counsel expects a ruling before the end of the year. I have attached the schedule of the remaining "
        "hearings and the budget for the legal fees for the board presentation.",
    )
    assert a.intent.scores["other"] >= 0.6  # the memo reads as internal mail, and yet:
    assert "legal_threat" in _names(a)


GATE = InternalMailGate(signals=frozenset({"escalation"}), min_other=0.6, min_words=40, factor=0.5)
_LONG = " ".join(["word"] * 40)


def _hit(name: str, strength: float = 0.85) -> SignalHit:
    return SignalHit(name, strength, [], f"{name}.rule")


def test_a_short_message_is_never_gated() -> None:
    assert GATE.applies([_hit("escalation")], {"other": 0.99}, "Still no reply to my e-mails.") is None
    assert GATE.applies([_hit("escalation")], {"other": 0.99}, _LONG) is not None


def test_the_gate_needs_a_listed_signal_and_the_probability() -> None:
    assert GATE.applies([_hit("legal_threat")], {"other": 0.99}, _LONG) is None
    assert GATE.applies([_hit("escalation")], {"other": 0.59}, _LONG) is None
    assert GATE.applies([_hit("escalation")], {}, _LONG) is None  # no intent model: no probability, no gate


def test_scaling_keeps_the_evidence_and_says_why() -> None:
    hit = _hit("escalation", 1.0)
    scaled = GATE.scaled(hit, "internal business mail (P(other) 0.90 >= 0.6)")
    assert scaled.strength == pytest.approx(0.5) and hit.strength == 1.0  # a new hit; the rule's is untouched
    assert scaled.rule == hit.rule and scaled.evidence is hit.evidence
    assert scaled.detail.endswith("strength 1.00 x 0.5")


def _config(tmp_path: Path, gate: dict[str, object]) -> Path:
    f = tmp_path / "analyze.yaml"
    f.write_text(yaml.safe_dump({"signals": {"internal_mail_gate": gate}}), "utf-8")
    return f


def test_a_milder_factor_reports_the_hit_at_the_lower_strength_with_its_reason(tmp_path: Path) -> None:
    memo = PAIRS[0][3]
    a = analyze_text(*memo, config=load_config(_config(tmp_path, {"factor": 0.9})))
    hit = next(s for s in a.signals if s.name == "escalation")
    assert hit.strength == pytest.approx(0.85 * 0.9) and GATE_REASON in hit.detail


@pytest.mark.parametrize(
    "gate",
    [{"signals": ["no_such_signal"]}, {"factor": 1.5}, {"min_other": "high"}, {"min_words": -1}, {"signals": "x"}],
)
def test_an_invalid_gate_is_refused(tmp_path: Path, gate: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="internal_mail_gate"):
        load_config(_config(tmp_path, gate))


def test_on_real_mail_the_gate_only_drops_listed_signals_of_long_internal_mail(tmp_path: Path) -> None:
    data = default_data_dir()
    if not data.is_dir():
        pytest.skip("../shared/data is not available")
    exs = load_enron(data)
    items = [_Item(e.subject, e.body, e.id, None, None) for e in exs]
    on = _analyze_many(items, load_config())
    off = _analyze_many(items, load_config(_config(tmp_path, {"signals": []})))
    gate = InternalMailGate.from_config(load_config().raw["signals"]["internal_mail_gate"])
    assert gate is not None
    n_gated = 0
    for a, b in zip(on, off, strict=True):
        assert a.intent == b.intent  # the gate is policy: the models and their features do not change
        untouched = [s for s in b.signals if s.name not in gate.signals]
        assert [s for s in a.signals if s.name not in gate.signals] == untouched
        for s in b.signals:
            if s.name not in gate.signals or s in a.signals:
                continue
            n_gated += 1
            assert a.intent.scores["other"] >= gate.min_other and len(a.text.split()) >= gate.min_words
            kept = [x for x in a.signals if x.name == s.name]
            why = [w for name, _rule, w in a.suppressed if name == s.name]
            assert (kept and GATE_REASON in kept[0].detail) or (why and GATE_REASON in why[0])
    assert n_gated >= 1  # the sample exercises the gate
