"""Yes/no searches branch by branch (gates.AnyBranch, decision 0632) answer as the whole pattern does.

The tone guard searches its rules' ``requires`` and exceptions, the whole-reply rules' word classes and the
whole-reply model's classes branch by branch, each branch behind its own literal gate. These tests hold that
speed-up to the same answers on real and written replies."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from execdesk.reply.tone import InboundContext, check_tone, default_config, load_config, warm_up
from execdesk.reply.tone import text as T
from execdesk.reply.tone.evaluate import FIXTURES
from execdesk.reply.tone.gates import AnyBranch, alternatives
from execdesk.reply.tone.guard import _CONTEXT_CLASSES, mask
from execdesk.reply.tone.overall import features_for
from execdesk.reply.tone.politeness import _COUNTED, cues
from execdesk.reply.tone.train_overall import brand_replies, politeness_requests, written_batches


def _texts(shared_data: Path, n_brand: int) -> list[str]:
    written = [t for _, _, t, _ in written_batches(FIXTURES, "tone_eval_batch4[0-6].yaml")]
    assert len(written) >= 500
    return written + brand_replies(shared_data / "twcs_customer_support" / "pairs.csv")[:n_brand]


def test_alternatives_are_the_top_level_branches() -> None:
    assert alternatives(r"(?:a|b(?:c|d)|[|)]x)") == ["a", "b(?:c|d)", "[|)]x"]
    assert alternatives(r"(?:(?:we|i)|our (?:team|staff))") == ["we", "i", "our (?:team|staff)"]
    assert alternatives(r"\bplease\b|\bpls\b") == [r"\bplease\b", r"\bpls\b"]
    assert alternatives(r"a\|b|c") == [r"a\|b", "c"]
    # Nothing to split, or a split would change the meaning: the pattern comes back whole.
    for whole in (r"(?:a|b)c", r"(?:a|b)+", r"(a|b)", r"(?i)a|b", r"(x)|y\1", r"(?P<x>a)|(?P=x)", "abc"):
        assert alternatives(whole) == [whole], whole


def test_branch_search_answers_as_the_whole_pattern(shared_data: Path) -> None:
    """Every word class and every rule's ``requires`` and exceptions, on the sentences of written and real
    replies: a branch matches iff the whole pattern does."""
    cfg = default_config()
    searches = [(name, AnyBranch.of(p)) for name, p in cfg.lexicon.items()]
    searches += [(r.id, s) for r in cfg.rules for s in (*r.requires, *r.unless, *r.unless_before, *r.unless_after)]
    assert all(isinstance(s, AnyBranch) for _, s in searches)
    searches = list({s.pattern: (name, s) for name, s in searches}.values())  # rules share requirements
    texts = _texts(shared_data, n_brand=150)[-700:]  # batches 44-46 and real brand replies
    sentences = {s.text for t in texts for s in T.sentences(T.normalise(mask(t, cfg)))}
    assert len(sentences) > 1500
    split = 0
    for name, s in searches:
        whole = re.compile(s.pattern, s.flags)
        split += len(alternatives(s.pattern)) > 1
        for sentence in sentences:
            m = s.search(sentence)
            assert (m is not None) == (whole.search(sentence) is not None), (name, sentence)
            assert m is None or whole.match(sentence, m.start()) is not None, (name, sentence, m.start())
    assert split > 50  # the speed-up is in use


def test_findings_are_those_of_whole_patterns(shared_data: Path) -> None:
    """The guard with every yes/no search made by the whole compiled pattern finds the same, everywhere."""
    cfg = default_config()

    def whole(searches: tuple[object, ...]) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(s.pattern, s.flags) for s in searches)  # type: ignore[attr-defined]

    plain = dataclasses.replace(
        cfg,
        rules=tuple(
            dataclasses.replace(
                r,
                requires=whole(r.requires),
                unless=whole(r.unless),
                unless_before=whole(r.unless_before),
                unless_after=whole(r.unless_after),
            )
            for r in cfg.rules
        ),
    )
    plain._searchers.update({name: cfg.lexicon[name] for name in _CONTEXT_CLASSES})
    complaint = InboundContext(intent="complaint", sentiment=-2)
    for t in _texts(shared_data, n_brand=100)[-400:]:  # batches 45-46 and real brand replies
        for ctx in (None, complaint):
            assert check_tone(t, inbound=ctx, config=cfg) == check_tone(t, inbound=ctx, config=plain), t


def test_politeness_counts_are_the_plain_counts(shared_data: Path) -> None:
    """Counting stops at the cap and skips strategies whose words are absent: the counts are unchanged."""
    texts = brand_replies(shared_data / "twcs_customer_support" / "pairs.csv")[:500]
    texts += politeness_requests(shared_data / "stanford_politeness")[:1500]
    for t in texts:
        low = t.lower().replace("’", "'")
        want = [float(min(3, len(p.findall(low)))) for _, p, _ in _COUNTED]
        assert list(cues(t).counts[: len(_COUNTED)]) == want, t


def test_politeness_prefilter_only_drops_word_boundaries() -> None:
    from execdesk.reply.tone.politeness import _relaxed

    assert _relaxed(re.compile(r"\bthank\w*|\bcheers\b")).pattern == r"thank\w*|cheers"  # type: ignore[union-attr]
    assert _relaxed(re.compile(r"please")) is None  # nothing to drop
    assert _relaxed(re.compile(r"a\\b")) is None  # an escaped backslash, then "b"
    assert _relaxed(re.compile(r"[\b]x\bfoo")) is None  # a backspace in a class


def test_warm_up_compiles_every_branch(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("allow: [acme legal]\n", encoding="utf-8")
    cfg = load_config(rules)  # a configuration of its own: nothing split or compiled yet
    features = features_for(cfg)
    lazy = [u for _, u in features.units] + [u for units in features.pattern_units for u in units]
    assert any(u._compiled is None for u in lazy)
    assert all(s._gated is None for r in cfg.rules for s in r.requires if isinstance(s, AnyBranch))
    warm_up(cfg)
    assert all(u._compiled is not None for u in lazy)
    branches = [s for r in cfg.rules for s in (*r.requires, *r.unless) if isinstance(s, AnyBranch)]
    assert branches and all(b._gated is not None for b in branches)
    assert all(u._compiled is not None for b in branches for _, u in b._gated or ())
    report = check_tone("If you e-mail the CEO again, we will involve our lawyers.", config=cfg)
    assert report.verdict == "block"
