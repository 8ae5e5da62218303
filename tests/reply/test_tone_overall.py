"""The whole-reply reading of the tone guard (``threat.overall``, decision 0630): the class model may raise a
reply the rules warn about to a block, and a reply the rules pass only above a stricter threshold set over every
benign reply we hold (decision 0637)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from execdesk.reply.tone import InboundContext, check_tone, default_config, load_config
from execdesk.reply.tone import text as T
from execdesk.reply.tone.evaluate import BLIND_SETS, FIXTURES
from execdesk.reply.tone.guard import cancelled_hit, mask
from execdesk.reply.tone.overall import OVERALL_RULE, ClassFeatures, OverallModel, default_model
from execdesk.reply.tone.train_overall import written_batches

COMPLAINT = InboundContext(intent="complaint", sentiment=-2)

# Written for these tests (not from any batch): blame the rules warn about, then a veiled referral to the
# police that no blocking rule matches in this wording.
RAISED = [
    "You should have measured first. Your remarks about our fitters are being looked at by the police liaison team.",
    "It's your responsibility to check the size. Your posts about our staff are with the police liaison team.",
]


def _features(text: str) -> list[frozenset[str]]:
    config = default_config()
    return ClassFeatures(config, cancelled_hit).per_sentence(s.text for s in T.sentences(mask(text, config)))


def _probability(text: str) -> float:
    return default_model().probability(frozenset[str]().union(*_features(text)))


def _without_overall(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"context_rules": {OVERALL_RULE: False}}), encoding="utf-8")
    return path


@pytest.mark.parametrize("text", RAISED)
def test_a_warned_reply_that_reads_as_a_threat_is_raised_to_block(text: str, tmp_path: Path) -> None:
    report = check_tone(text, inbound=COMPLAINT)
    assert report.verdict == "block"
    raised = [f for f in report.findings if f.rule == OVERALL_RULE]
    assert len(raised) == 1 and raised[0].severity == "block"
    # The evidence: the sentence that weighs most, and the cues that carried it.
    assert raised[0].text == text[raised[0].start : raised[0].end] and "police liaison team" in raised[0].text
    assert "strongest cues:" in raised[0].why and "'police'" in raised[0].why
    # Only the rules' warnings are left without it.
    alone = check_tone(text, inbound=COMPLAINT, config=load_config(_without_overall(tmp_path)))
    assert alone.verdict == "warn" and OVERALL_RULE not in {f.rule for f in alone.findings}


@pytest.mark.parametrize(
    "text",
    [
        # Both score over the warned threshold (decision 0624 found them): the stricter one keeps them ok.
        "Customers who complain help us improve, and your renewal price stays the same.",
        "Your review will have no bearing on your tenancy.",
    ],
)
def test_a_benign_reply_the_rules_pass_is_not_raised(text: str) -> None:
    model = default_model()
    assert model.threshold_unwarned is not None
    assert model.threshold <= _probability(text) < model.threshold_unwarned
    report = check_tone(text)
    assert report.verdict == "ok" and not report.findings


def test_a_threat_the_rules_pass_is_raised_above_the_stricter_threshold() -> None:
    """Written for this test: no rule matches this wording, and the model reads the whole as a threat."""
    text = "The police have a very dim view of people who harass small businesses online."
    assert _probability(text) >= (default_model().threshold_unwarned or 1.0)
    report = check_tone(text)
    assert report.verdict == "block" and [f.rule for f in report.findings] == [OVERALL_RULE]
    assert "strongest cues:" in report.findings[0].why and "'people who harass'" in report.findings[0].why


@pytest.mark.parametrize(
    "text",
    [
        "That text message was a phishing attempt. We have passed it to the police and our fraud team.",
        "We won't pass your account to collectors, and your payments will be reported to the credit agencies "
        "as agreed.",
        "The bailiffs have been instructed to stand down and will not visit again.",
    ],
)
def test_the_model_does_not_overrule_a_rule_exception(text: str) -> None:
    """Answering a complaint, these one-liners are warned (no apology) and score over the threshold; a
    rule's exception fired in each (a helping frame, a negation), so they are not raised."""
    assert _probability(text) >= default_model().threshold
    report = check_tone(text, inbound=COMPLAINT)
    assert report.verdict == "warn" and OVERALL_RULE not in {f.rule for f in report.findings}


def test_a_warned_reply_that_does_not_read_as_a_threat_stays_a_warning() -> None:
    text = "As we explained, the delivery window was in the confirmation e-mail."
    report = check_tone(text, inbound=COMPLAINT)
    assert report.verdict == "warn" and OVERALL_RULE not in {f.rule for f in report.findings}
    assert _probability(text) < default_model().threshold


def test_gated_features_are_the_ungated_ones_on_the_written_replies() -> None:
    """The literal gates only skip searches that cannot match (checked on every written reply)."""
    cfg = default_config()
    fast, slow = ClassFeatures(cfg, cancelled_hit), ClassFeatures(cfg, cancelled_hit, gated=False)
    texts = [t for _, _, t, _ in written_batches(FIXTURES, "tone_eval_batch4[4-6].yaml")]
    assert len(texts) >= 240
    for t in texts:
        sents = [s.text for s in T.sentences(mask(t, cfg))]
        assert fast.per_sentence(sents) == slow.per_sentence(sents), t


def test_remembered_sentences_give_what_a_cold_reading_gives() -> None:
    cfg = default_config()
    features = ClassFeatures(cfg, cancelled_hit)
    text = RAISED[0] + " Please reply by Friday. We will call you then."
    sents = [s.text for s in T.sentences(mask(text, cfg))]
    features.per_sentence(sents)
    edited = [*sents[:-1], "We will call you on Monday."]
    warm = features.per_sentence(edited)
    features.forget()
    assert warm == features.per_sentence(edited)
    # Changing a sentence changes what the next one sees (its classes feed the ``pc:`` features).
    changed = ["Thank you for writing.", *sents[1:]]
    assert features.per_sentence(changed)[1] != features.per_sentence(sents)[1]


def test_the_shipped_model_was_not_trained_on_the_blind_batches() -> None:
    model = default_model()
    about = model.about
    assert about["decision"] == "0630" and 0 < model.threshold < 1 and model.intercept < 0
    blind = {"batch" + p.stem.removeprefix("tone_eval_batch") for p in BLIND_SETS}
    assert blind and not blind & set(about["batches"])
    assert any(f.startswith("pat:") for f in model.weights) and any(f.startswith("cc:") for f in model.weights)


def test_replies_the_rules_pass_are_read_only_with_a_threshold_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decisions 0633 and 0637: a reply the rules pass is read only when the model file carries a stricter
    threshold for it (the shipped one does since 0637); without one, such replies are not read."""
    import dataclasses

    from execdesk.reply.tone import guard

    text = "Your review will have no bearing on your tenancy."
    p = _probability(text)
    assert check_tone(text).verdict == "ok"
    off = dataclasses.replace(default_model(), threshold_unwarned=None)
    monkeypatch.setattr(guard, "default_overall_model", lambda: off)
    threat = "The police have a very dim view of people who harass small businesses online."
    assert check_tone(threat).verdict == "ok"
    stricter = dataclasses.replace(default_model(), threshold_unwarned=p + 0.01)
    monkeypatch.setattr(guard, "default_overall_model", lambda: stricter)
    assert check_tone(text).verdict == "ok"
    monkeypatch.setattr(guard, "default_overall_model", lambda: dataclasses.replace(stricter, threshold_unwarned=p))
    report = check_tone(text)
    assert report.verdict == "block" and [f.rule for f in report.findings] == [OVERALL_RULE]
    assert f"threshold of {p:.2f}" in report.findings[0].why
    assert OverallModel.from_json(stricter.to_json()) == stricter


def test_the_stricter_threshold_is_trained_from_out_of_fold_scores() -> None:
    import numpy as np

    from execdesk.reply.tone.train_overall import threshold_for

    scores = np.array([0.1, 0.2, 0.3, 0.9, 0.95, 0.5])
    praised = np.array([True, True, True, True, False, True])
    assert threshold_for(scores, praised, 0.0) > 0.9  # nothing praised may reach it
    assert 0.5 < threshold_for(scores, praised, 0.2) <= 0.9  # one of five may


def test_the_stricter_threshold_is_above_every_benign_reply_we_hold() -> None:
    """Decision 0637: recalibrating the shipped weights gives the shipped threshold. When rules or batches change
    so that a benign reply the rules pass scores higher, this fails: rerun
    ``python -m execdesk.reply.tone.train_overall --calibrate-unwarned --write`` and re-measure."""
    import dataclasses

    from execdesk.reply.tone.train_overall import calibrate_unwarned

    shipped = default_model()
    again = calibrate_unwarned(dataclasses.replace(shipped, threshold_unwarned=None))
    assert again.threshold_unwarned == shipped.threshold_unwarned
    assert again.about["unwarned_highest_benign"] < (shipped.threshold_unwarned or 0.0)
    assert again.weights == shipped.weights and again.threshold == shipped.threshold
