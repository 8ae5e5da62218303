"""The politeness model inside the front-page score: strategies, function-word weights, reasons (decision 0620)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from execdesk.reply.tone.politeness import (
    FEATURES,
    FUNCTION_WORDS,
    Cues,
    PolitenessModel,
    cues,
    default_model,
    explain,
)
from execdesk.reply.tone.train import COMMUNITIES, auc, fit, load


def _count(text: str, feature: str) -> float:
    return cues(text).counts[FEATURES.index(feature)]


# (strategy, texts that show it, texts that use its words without showing it)
STRATEGIES = [
    ("permission", ["May I ask which version you use?", "Let me know if it works."], ["You may ask."]),
    ("open_request", ["Any ideas?", "Is there a way to keep the layout?"], ["There is no way back."]),
    ("rhetorical", ["How can you say that?", "Who said you could delete it?"], ["How can I help?"]),
    ("again", ["Once again, read the policy.", "It still fails."], ["Welcome back."]),
    ("you_intensified", ["Did you even read it?", "You really think so?"], ["You read it twice."]),
    ("anyone", ["Can anyone explain this?"], ["Can you explain this?"]),
    ("terse_question", ["Why?", "It broke. What for?"], ["Why did the build break after the upgrade?"]),
]


@pytest.mark.parametrize(("feature", "shown", "not_shown"), STRATEGIES, ids=[s[0] for s in STRATEGIES])
def test_new_strategies_count_their_cue_and_not_its_words_alone(
    feature: str, shown: list[str], not_shown: list[str]
) -> None:
    for text in shown:
        assert _count(text, feature) >= 1, text
    for text in not_shown:
        assert _count(text, feature) == 0, text


def test_sentiment_follows_the_sign_of_the_words() -> None:
    assert _count("Thanks, this is a great and helpful answer.", "sentiment") > 0.5
    assert _count("This is a stupid, useless and terrible edit.", "sentiment") < -0.5
    assert _count("The file is in the folder.", "sentiment") == 0


def test_only_function_words_carry_a_weight() -> None:
    """A topic word of the training corpus ("article", "code", "error") must never move the score."""
    words = default_model().words
    assert words and set(words) <= FUNCTION_WORDS
    model = default_model()
    topical = cues("The article about the code error on wikipedia.")
    assert set(model.word_contributions(topical)) <= {"the", "about", "on"}


def test_probability_is_the_sum_of_what_the_reasons_show() -> None:
    model = default_model()
    c = cues("Why would you even do that? Nobody asked you to delete it again.")
    z = model.bias + sum(model.contributions(c)) + sum(model.word_contributions(c).values())
    assert model.probability(c) == pytest.approx(1 / (1 + math.exp(-z)))
    assert model.probability(c) < 0.5 < model.probability(cues("Thanks! Could you please add any ideas you have?"))


def test_a_word_weight_is_a_reason_of_its_own() -> None:
    n = len(FEATURES)
    model = PolitenessModel(bias=0.0, weights=(0.0,) * n, mean=(0.0,) * n, scale=(1.0,) * n, words={"any": 0.8})
    c = Cues(counts=(0.0,) * n, words=frozenset({"any", "ideas"}))
    assert explain(model, c) == ["word 'any' (+0.80)"]
    assert model.probability(c) == pytest.approx(1 / (1 + math.exp(-0.8)))


def test_json_round_trip_keeps_the_word_weights() -> None:
    model = default_model()
    assert PolitenessModel.from_dict(model.to_dict()) == model


def _rows(shared_data: Path) -> tuple[list[Cues], list[int], list[str]]:
    xs: list[Cues] = []
    ys: list[int] = []
    comm: list[str] = []
    for c in COMMUNITIES:
        texts, labels = load(shared_data / "stanford_politeness", c)
        xs += [cues(t) for t in texts]
        ys += labels
        comm += [c] * len(texts)
    return xs, ys, comm


def test_function_words_help_on_both_communities_cross_validated(shared_data: Path) -> None:
    """Same folds as evaluate.py (10, stratified by community:label, seed 0); model probability, not the score."""
    from sklearn.model_selection import StratifiedKFold

    xs, ys, comm = _rows(shared_data)
    strata = [f"{c}:{y}" for c, y in zip(comm, ys, strict=True)]
    oof = {"strategies": [0.0] * len(ys), "with words": [0.0] * len(ys)}
    for tr, te in StratifiedKFold(10, shuffle=True, random_state=0).split(xs, strata):
        for name, c_words in (("strategies", 0.0), ("with words", 0.03)):
            m = fit([xs[i] for i in tr], [ys[i] for i in tr], c_words=c_words)
            for i in te:
                oof[name][i] = m.probability(xs[i])
    assert auc(oof["with words"], ys) >= 0.80
    for c in COMMUNITIES:
        idx = [i for i, k in enumerate(comm) if k == c]
        got = {name: auc([p[i] for i in idx], [ys[i] for i in idx]) for name, p in oof.items()}
        assert got["with words"] > got["strategies"] + 0.003, (c, got)
