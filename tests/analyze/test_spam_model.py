"""The spam model's Naive Bayes half (decision 0209) on real SpamAssassin mail.

Training reads ``load_spamassassin`` examples (``spam_docs``: the analysed text's tokens + the header
tokens kept at load time); run time builds the tokens from the parsed message inside the pipeline. These
tests check that both give the same tokens and the same scores, that text without headers keeps the old
model, that the NB export is scikit-learn's NB, and that the shipped file is what ``execdesk train`` builds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from execdesk.analyze import analyze_message, analyze_text, default_config, parsed_from_text
from execdesk.analyze.config import ConfigError, load_config
from execdesk.analyze.linear import LinearModel, tokens
from execdesk.analyze.models import PACKAGE_MODELS, ModelSet, load_models
from execdesk.analyze.pipeline import combine_spam, featurize, meta_tokens
from execdesk.analyze.spamtokens import CHARS_SAMPLE, char_tokens, header_tokens, spam_tokens
from execdesk.analyze.text import body_of, build_view
from execdesk.analyze.training.data import Example, load_enron, load_spamassassin, spamassassin_members
from execdesk.analyze.training.train import fit_presence_nb, spam_docs, spam_terms, train_spam_nb
from execdesk.parse import ParseRefused, parse_message
from execdesk.parse.model import ParsedMessage

_LOADED: dict[str, list[Example]] = {}


@pytest.fixture
def spamassassin(shared_data: Path) -> list[Example]:
    """All 3,177 messages, loaded once for the module (``shared_data`` skips where the corpora are absent)."""
    if "sa" not in _LOADED:
        _LOADED["sa"] = load_spamassassin(shared_data)
    return _LOADED["sa"]


def _sample(shared_data: Path, step: int = 15) -> Iterator[tuple[str, ParsedMessage]]:
    """Every ``step``-th SpamAssassin message (all three folders), parsed as ingest parses it."""
    for n, (group, name, raw) in enumerate(spamassassin_members(shared_data)):
        if n % step:
            continue
        try:
            yield f"{group}/{name}", parse_message(raw)
        except ParseRefused:
            continue


def test_analysis_time_tokens_equal_training_tokens(shared_data: Path, spamassassin: list[Example]) -> None:
    """Header tokens from the parsed message equal those kept for training, and the NB terms the pipeline
    reads (its counts' keys + the header tokens) are the training document's."""
    models = load_models()
    assert models.spam_nb is not None
    vocab = models.spam_nb.vocab
    by_id = {e.id: (e, doc) for e, doc in zip(spamassassin, spam_docs(spamassassin), strict=True)}
    seen = 0
    for key, parsed in _sample(shared_data):
        e, doc = by_id[key]
        hdr = header_tokens(parsed)
        assert hdr == e.spam_header, key
        assert any(t.startswith("from:") for t in hdr)
        assert not any(t.startswith(("received:", "message-id:")) for t in hdr)  # collection artefacts
        counts = featurize(parsed.subject, body_of(parsed), models, meta=meta_tokens(parsed), spam_header=hdr).counts
        assert {t for t in (*counts, *hdr) if t in vocab} == {t for t in doc if t in vocab}, key
        assert doc == spam_tokens(tokens(build_view(e.subject, e.body).text), e.spam_header)
        seen += 1
    assert seen > 150


def test_char_tokens_are_classes_and_shares_of_the_non_ascii_characters() -> None:
    """Decision 0212: which scripts a text is written in and how much of it is non-ASCII, not which characters."""
    assert char_tokens("Quarterly numbers attached", "subject:") == ["subject:8bit:none"]
    assert char_tokens("", "body:") == ["body:8bit:none"]
    # 2 of 17 characters are accented letters: share 0.12 (bucket 0.2), and over 5 % of the text
    assert char_tokens("Grüße aus München", "subject:") == [
        "subject:8bit:0.2",
        "subject:8bit:latin-letter",
        "subject:8bit:latin-letter:many",
    ]
    # one typographic quote in a long English text: a small share, no ":many"
    assert char_tokens("It\u2019s " + "plain English text " * 10, "body:") == ["body:8bit:0.01", "body:8bit:punct"]
    japanese = "会議の資料を送ります"
    assert char_tokens(japanese, "subject:") == ["subject:8bit:>0.5", "subject:8bit:cjk", "subject:8bit:cjk:many"]
    # the same words sent without a charset and decoded as Latin-1: the mis-decoding shows as Latin-1 symbols
    garbled = char_tokens("한국어 광고 안내".encode("euc-kr").decode("latin-1"), "subject:")
    assert "subject:8bit:latin1-symbol:many" in garbled and "subject:8bit:cjk" not in garbled


def test_header_tokens_end_with_the_char_tokens_of_subject_and_text(shared_data: Path) -> None:
    """On real mail: the header tokens end with ``char_tokens`` of the Subject and of the text's first
    ``CHARS_SAMPLE`` characters, one share token (or ``8bit:none``) each."""
    seen = non_ascii = 0
    for key, parsed in _sample(shared_data, step=5):
        want = char_tokens(parsed.subject, "subject:") + char_tokens(parsed.text[:CHARS_SAMPLE], "body:")
        hdr = header_tokens(parsed)
        assert hdr[len(hdr) - len(want) :] == want, key
        assert len([t for t in want if t.split(":")[2][:1] in "0>n"]) == 2, (key, want)  # share or "none"
        non_ascii += "body:8bit:none" not in want
        seen += 1
    assert seen > 600 and 0 < non_ascii < seen


def test_pipeline_scores_the_training_tokens(shared_data: Path, spamassassin: list[Example]) -> None:
    """The NB half alone, on the batch path (vocabulary shared with intent/topic) and on the plain one: NB
    over the training document; the shipped pair: the mean of the logistic regression and NB."""
    shipped = load_models()
    assert shipped.spam is not None and shipped.spam_nb is not None
    nb_shared = ModelSet(shipped.intent, shipped.topic, None, shipped.request, "test", shipped.spam_nb)
    nb_alone = ModelSet(None, None, None, None, "test", shipped.spam_nb)
    cfg = default_config()
    by_id = {e.id: i for i, e in enumerate(spamassassin)}
    keys, parsed_list = zip(*_sample(shared_data, step=25), strict=True)
    rows = [by_id[k] for k in keys]
    docs = spam_docs([spamassassin[i] for i in rows])
    counts = spam_terms([spamassassin[i] for i in rows])
    z = shipped.spam_nb.presence_log_odds(docs)
    want_nb = combine_spam(np.zeros(len(z)), z, 1.0)
    want = combine_spam(shipped.spam.positive_probabilities(counts), z, float(shipped.spam_nb.meta["weight"]))
    assert 0.5 < float(np.mean(want_nb < 0.5)) < 0.95  # a mix of ham and spam
    for parsed, p_nb, p in zip(parsed_list, want_nb, want, strict=True):
        for ms in (nb_shared, nb_alone):
            got = analyze_text(parsed.subject, body_of(parsed), parsed=parsed, config=cfg, models=ms)
            assert got.spam_probability == pytest.approx(p_nb, abs=1e-9)
        assert analyze_message(parsed, None, cfg).spam_probability == pytest.approx(p, abs=1e-6)


def test_text_without_headers_keeps_the_logistic_regression_alone(shared_data: Path) -> None:
    shipped = load_models()
    lr_only = ModelSet(shipped.intent, shipped.topic, shipped.spam, shipped.request, "test")
    cfg = default_config()
    for e in load_enron(shared_data)[::40]:
        for parsed in (None, parsed_from_text(e.subject, e.body)):
            got = analyze_text(e.subject, e.body, parsed=parsed, config=cfg)
            want = analyze_text(e.subject, e.body, parsed=parsed, config=cfg, models=lr_only)
            assert got.spam_probability == pytest.approx(want.spam_probability, abs=1e-12)


def test_clear_spam_scores_as_spam_and_ham_does_not(shared_data: Path) -> None:
    samples = shared_data / "spamassassin" / "samples"
    cfg = default_config()
    scores = {f.name: analyze_message(parse_message(f.read_bytes()), None, cfg) for f in sorted(samples.glob("*.eml"))}
    spam = {k: a for k, a in scores.items() if k.startswith("spam__")}
    ham = {k: a for k, a in scores.items() if k.startswith("easy_ham__")}
    assert len(spam) == len(ham) == 5
    # a lose-weight offer from a bulk sender: spam outright (over the intent override threshold)
    clear = spam["spam__00003.2ee33bc6eacdb11f38d052c44819ba6c.eml"]
    assert clear.spam_probability >= float(cfg.raw["intent"]["spam_threshold"])
    assert clear.intent.label == "spam"
    assert all(a.spam_probability >= 0.5 for a in spam.values()), {k: a.spam_probability for k, a in spam.items()}
    assert all(a.spam_probability < 0.5 for a in ham.values()), {k: a.spam_probability for k, a in ham.items()}
    assert all(a.intent.source != "rule:spam_model" for a in ham.values())


def test_presence_nb_is_scikit_learns_multinomial_nb(spamassassin: list[Example], tmp_path: Path) -> None:
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.naive_bayes import MultinomialNB

    docs = spam_docs(spamassassin)
    y = ["spam" if e.intent == "spam" else "ham" for e in spamassassin]
    tr, te = list(range(0, len(docs), 2)), list(range(1, len(docs), 2))

    def ident(d: list[str]) -> list[str]:
        return d

    vec = CountVectorizer(analyzer=ident, min_df=2, binary=True)
    nb = MultinomialNB(alpha=0.1).fit(vec.fit_transform([docs[i] for i in tr]), [y[i] for i in tr])
    want = nb.predict_proba(vec.transform([docs[i] for i in te]))[:, list(nb.classes_).index("spam")]
    model = fit_presence_nb([docs[i] for i in tr], [y[i] for i in tr], 0.1)
    got = combine_spam(np.zeros(len(te)), model.presence_log_odds([docs[i] for i in te]), 1.0)
    assert np.abs(got - want).max() < 1e-6
    assert 0.05 < float(np.mean(got >= 0.5)) < 0.4  # it does separate: about one message in six is spam
    # saved and loaded (5 decimals): the same decisions, probabilities within rounding
    for n in (1, 2):
        model.save(tmp_path / f"nb{n}.json.gz")
    assert (tmp_path / "nb1.json.gz").read_bytes() == (tmp_path / "nb2.json.gz").read_bytes()
    loaded = LinearModel.load(tmp_path / "nb1.json.gz")
    assert loaded.presence and loaded.vocab == model.vocab
    back = combine_spam(np.zeros(len(te)), loaded.presence_log_odds([docs[i] for i in te]), 1.0)
    assert np.abs(back - got).max() < 1e-3
    # the generic scorer reads a presence model as presence (counts do not matter)
    doc = docs[te[0]]
    assert float(loaded.proba(Counter(doc))[1]) == pytest.approx(back[0], abs=1e-5)


def test_shipped_spam_nb_is_what_train_builds(spamassassin: list[Example], tmp_path: Path) -> None:
    """``execdesk train`` (``train_spam_nb`` on all of SpamAssassin) rebuilds the shipped file byte for byte."""
    train_spam_nb(spamassassin).save(tmp_path / "spam_nb.json.gz")
    assert (tmp_path / "spam_nb.json.gz").read_bytes() == (PACKAGE_MODELS / "spam_nb.json.gz").read_bytes()


def test_expected_scripts_are_not_spam_evidence(shared_data: Path, tmp_path: Path) -> None:
    """An office that declares its correspondents' scripts (``intent.spam_expected_scripts``) takes them
    out of the NB half's evidence: a real CJK message then scores as if its text were ASCII, no higher."""
    assert char_tokens("会議の資料を送ります", "subject:", frozenset({"cjk"})) == ["subject:8bit:none"]
    mixed = char_tokens("Réunion: 会議の資料", "subject:", frozenset({"cjk"}))
    assert mixed[1:] == ["subject:8bit:latin-letter", "subject:8bit:latin-letter:many"]
    cjk = next(p for _k, p in _sample(shared_data, step=1) if "body:8bit:cjk" in header_tokens(p) and len(p.text) > 200)
    (tmp_path / "analyze.yaml").write_text("intent:\n  spam_expected_scripts: [cjk]\n", encoding="utf-8")
    office = load_config(home=tmp_path)
    assert office.spam_expected_scripts == {"cjk"}
    assert "body:8bit:cjk" not in header_tokens(cjk, office.spam_expected_scripts)
    default = analyze_message(cjk, None, default_config()).spam_probability
    declared = analyze_message(cjk, None, office).spam_probability
    assert declared < default
    (tmp_path / "analyze.yaml").write_text("intent:\n  spam_expected_scripts: [klingon]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="spam_expected_scripts"):
        load_config(home=tmp_path)
