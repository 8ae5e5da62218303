"""The interface ingest calls, computed signals, config override and the published JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from execdesk.analyze import (
    ConfigError,
    ContactHistory,
    SignalHit,
    analyze_batch,
    analyze_message,
    analyze_text,
    load_config,
    parsed_from_text,
    reprioritise,
)
from execdesk.parse import parse_message
from execdesk.parse.model import MachineMail

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "docs" / "schemas" / "analysis.schema.json").read_text())


def test_analysis_validates_against_schema() -> None:
    a = analyze_text("Cancel my account", "Third time I write. I will report you to the FCC. You are idiots!")
    jsonschema.validate(a.to_dict(), SCHEMA)
    for s in a.to_dict()["signals"]:
        for e in s["evidence"]:
            assert a.text[e["start"] : e["end"]] == e["text"]


def test_real_mail_validates_and_keeps_message_id(shared_data: Path) -> None:
    raw = (
        shared_data / "spamassassin" / "samples" / "easy_ham__00001.7c53336b37003a9286aba55d2945844c.eml"
    ).read_bytes()
    parsed = parse_message(raw)
    a = analyze_message(parsed)
    d = a.to_dict()
    jsonschema.validate(d, SCHEMA)
    assert d["message_id"] == parsed.message_id and "<" not in (d["message_id"] or "")


def test_repeat_contact_from_history() -> None:
    p = parsed_from_text("Still no signal", "My phone still has no signal at home.")
    h = ContactHistory(previous_messages=1, previous_cases=1, open_cases=1, unanswered_messages=1, days_since_last=12.0)
    a = analyze_message(p, h)
    rc = a.signal("repeat_contact")
    assert rc is not None and rc.strength == pytest.approx(0.85)
    assert "1 earlier message" in rc.detail
    assert any(r.source == "signal:repeat_contact" for r in a.priority.reasons)
    old = ContactHistory(previous_messages=1, days_since_last=400.0)
    assert analyze_message(p, old).signal("repeat_contact") is None


def test_machine_mail_signal_lowers_priority() -> None:
    p = parsed_from_text("Out of office", "I am away until Monday.")
    human = analyze_message(p).priority.score
    p.machine = MachineMail("auto_reply", "Auto-Submitted header", "Auto-Submitted: auto-replied")
    a = analyze_message(p)
    assert a.signal("machine_mail") is not None
    assert a.priority.score < human or a.priority.score == 0


def test_extra_signal_hook_campaign_member() -> None:
    a = analyze_text("Shame on you", "Reinstate the customer now.")
    before = a.priority.score
    reprioritise(a, [SignalHit("campaign_member", 1.0, [], "campaigns.lsh", detail="campaign 7")])
    assert a.signal("campaign_member") is not None
    assert a.priority.score == pytest.approx(max(0.0, before - 5.0))


def test_campaign_trigger_raises_priority() -> None:
    """The campaigns stage marks the case that set off a flood; the shipped policy raises it (+25 at strength 1)."""
    a = analyze_text("My phone", "My phone has had no signal for a week. Please help.")
    before = a.priority.score
    reprioritise(a, [SignalHit("campaign_trigger", 1.0, [], "campaigns.trigger", detail="campaign 7")])
    assert a.signal("campaign_trigger") is not None
    assert a.priority.score == pytest.approx(min(100.0, before + 25.0))
    assert any(r.source == "signal:campaign_trigger" for r in a.priority.reasons)


def test_config_override_changes_policy(tmp_path: Path) -> None:
    (tmp_path / "analyze.yaml").write_text("priority:\n  signal_weights:\n    legal_threat: 0\n  base: 0\n")
    cfg = load_config(home=tmp_path)
    body = "I will sue you."
    default = analyze_text("x", body)
    custom = analyze_text("x", body, config=cfg)
    assert default.signal("legal_threat") and custom.signal("legal_threat")  # the rule still reports
    assert not any(r.source == "signal:legal_threat" for r in custom.priority.reasons)  # the policy ignores it
    assert custom.priority.score < default.priority.score


def test_config_disable_signal_and_threshold(tmp_path: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_text("signals:\n  min_strength: 0.99\n")
    a = analyze_text("x", "I will sue you.", config=load_config(f))
    assert a.signal("legal_threat") is None
    assert any(name == "legal_threat" for name, _rule, _why in a.suppressed)


def test_bad_config_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_text("priorty: {}\n")
    with pytest.raises(ConfigError, match="valid sections"):
        load_config(f)


def test_batch_equals_single() -> None:
    ps = [
        parsed_from_text("Thanks", "Thank you for your leadership."),
        parsed_from_text("Job", "Please find my resume attached."),
    ]
    batch = analyze_batch(ps)
    assert [b.to_dict() for b in batch] == [analyze_message(p).to_dict() for p in ps]


def test_priority_orders_risk_above_praise() -> None:
    risky = analyze_text("Complaint", "This is my third letter. I have contacted my attorney and will go to the press.")
    praise = analyze_text("Thank you", "Thank you for all your hard work, we are proud of you.")
    assert risky.priority.score > praise.priority.score
    assert risky.priority.reasons[0].points >= risky.priority.reasons[-1].points


def test_language_english_with_typographic_quotes_and_foreign_text() -> None:
    from execdesk.analyze.language import detect

    assert detect("Thank you for “everything” you did — it’s great and we are with you.")[0] == "en"
    assert detect("Merci pour tout ce que vous avez fait pour nous, c’est très bien.")[0] == "fr"
    assert detect("Vielen Dank für alles, was Sie für uns getan haben. Es ist gut.")[0] == "de"
