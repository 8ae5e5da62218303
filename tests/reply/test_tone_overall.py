"""The whole-reply reading of the tone guard (``threat.overall``, decision 0630): the class model may raise a
reply the rules warn about to a block, and never flags a reply the rules pass."""

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
        # Both score over the threshold (decision 0624 found them): only the gate keeps them ok.
        "Customers who complain help us improve, and your renewal price stays the same.",
        "Your review will have no bearing on your tenancy.",
    ],
)
def test_a_reply_the_rules_pass_is_never_raised(text: str) -> None:
    assert _probability(text) >= default_model().threshold
    report = check_tone(text)
    assert report.verdict == "ok" and not report.findings


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
    """Decision 0633: the hook for raising a reply the rules pass, at a stricter threshold, is off in the
    shipped model (the variant failed its criteria); a model file that carries the threshold turns it on."""
    import dataclasses

    from execdesk.reply.tone import guard

    text = "Your review will have no bearing on your tenancy."
    p = _probability(text)
    assert default_model().threshold_unwarned is None and check_tone(text).verdict == "ok"
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
