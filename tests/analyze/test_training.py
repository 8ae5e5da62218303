"""Training is reproducible, corrections are read, and `execdesk eval` works on a tiny labelled file."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from execdesk.analyze.linear import LinearModel, terms
from execdesk.analyze.training.data import OTHER_EXEC_LABELS, load_enron_other, load_parakweet, read_labels
from execdesk.analyze.training.metrics import prf
from execdesk.analyze.training.train import fit_linear, read_corrections
from execdesk.cli.main import app


def test_train_is_reproducible_on_a_small_sample(shared_data: Path, tmp_path: Path) -> None:
    rows = load_parakweet(shared_data)[::12]
    files = []
    for n in (1, 2):
        m = fit_linear(
            [terms(s) for s, _ in rows], ["yes" if y else "no" for _, y in rows], C=2.0, meta={"n": len(rows)}
        )
        path = tmp_path / f"m{n}.json.gz"
        m.save(path)
        files.append(path.read_bytes())
    assert files[0] == files[1]
    loaded = LinearModel.load(tmp_path / "m1.json.gz")
    p = loaded.proba(terms("Please send me the report by Friday."))
    assert p.shape == (2,) and abs(float(p.sum()) - 1.0) < 1e-5


def test_exported_model_matches_sklearn(shared_data: Path) -> None:
    """The numpy scorer gives scikit-learn's decision for the same features (no train/serve skew)."""
    from sklearn.linear_model import LogisticRegression

    from execdesk.analyze.training.train import vectorise_fit

    rows = load_parakweet(shared_data)[::18]
    counts = [terms(s) for s, _ in rows]
    y = ["yes" if lab else "no" for _, lab in rows]
    v = vectorise_fit(counts)
    lr = LogisticRegression(C=2.0, class_weight="balanced", max_iter=1000, tol=1e-3, random_state=0).fit(v.X, y)
    m = fit_linear(counts, y, C=2.0)
    for i in range(0, len(rows), 37):
        assert m.decision(counts[i])[0] == pytest.approx(lr.decision_function(v.X[i])[0], abs=1e-3)


def test_class_balance_spans_none_to_scikit_learns_balanced(shared_data: Path) -> None:
    """balance=1 is scikit-learn's "balanced", 0 is no class weights; 0.5 lies between them."""
    from sklearn.linear_model import LogisticRegression

    from execdesk.analyze.training.train import vectorise_fit

    sample = load_parakweet(shared_data)[::5]
    rows = [r for r in sample if not r[1]] + [r for r in sample if r[1]][::4]  # about one request in five
    counts = [terms(s) for s, _ in rows]
    y = ["yes" if lab else "no" for _, lab in rows]
    assert 0.1 < y.count("yes") / len(y) < 0.3  # unbalanced enough for the weights to matter
    X = vectorise_fit(counts).X
    probe = X[: len(rows) : 25]
    for balance, weight in ((1.0, "balanced"), (0.0, None)):
        lr = LogisticRegression(C=2.0, class_weight=weight, max_iter=1000, tol=1e-3, random_state=0).fit(X, y)
        m = fit_linear(counts, y, C=2.0, balance=balance)
        ours = [m.decision(counts[i])[0] for i in range(0, len(rows), 25)]
        assert ours == pytest.approx(lr.decision_function(probe).tolist(), abs=1e-3)
    # the minority class ("yes") is favoured more as balance grows
    yes_share = []
    for balance in (0.0, 0.5, 1.0):
        m = fit_linear(counts, y, C=2.0, balance=balance)
        yes_share.append(sum(m.proba(c)[m.classes.index("yes")] > 0.5 for c in counts))
    assert yes_share[0] < yes_share[1] < yes_share[2]


def test_other_executives_labels_are_valid_and_join_the_shared_texts(shared_data: Path) -> None:
    """Every label names a real message of the other mailboxes, uses LABELS.md's names, and quotes its evidence."""
    intents = {"complaint", "request", "praise", "suggestion", "media_inquiry", "legal_notice", "investor"}
    intents |= {"solicitation", "job_seeker", "spam", "other"}
    topics = {"billing", "service", "product", "pricing", "support", "account", "privacy", "conduct", "other"}
    labels = read_labels(OTHER_EXEC_LABELS)
    examples = load_enron_other(shared_data)
    assert len(examples) == len(labels) == 1355
    assert not any(e.id.startswith("lay-k_") for e in examples)  # Ken Lay's hand labels stay the test set
    assert {e.group for e in examples} == {"buy-r", "haedicke-m", "delainey-d", "whalley-g", "kean-s"} | {
        "lavorato-j",
        "derrick-j",
        "kitchen-l",
    }
    for e in examples:
        assert e.intent in intents and e.topic in topics and e.sentiment in (-2, -1, 0, 1, 2), e.id
        for name, span in e.signals.items():
            assert span and (span in e.subject or span in e.body), (e.id, name, span)
    assert Counter(e.intent for e in examples)["other"] > 1000  # mostly ordinary business mail


def test_read_corrections_last_wins(tmp_path: Path) -> None:
    f = tmp_path / "corr.jsonl"
    f.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {
                    "id": "m1",
                    "subject": "Hi",
                    "body": "I want a refund",
                    "intent": "complaint",
                    "who": "ann",
                    "when": "2026-01-02T10:00:00Z",
                },
                {
                    "id": "m1",
                    "subject": "Hi",
                    "body": "I want a refund",
                    "intent": "request",
                    "who": "bob",
                    "when": "2026-01-03T10:00:00Z",
                },
                {
                    "id": "m2",
                    "subject": "Bill",
                    "body": "charged twice",
                    "topic": "billing",
                    "who": "ann",
                    "when": "2026-01-03T11:00:00Z",
                },
            ]
        )
        + "\n"
    )
    corr = {c.id: c for c in read_corrections(f)}
    assert corr["m1"].intent == "request" and corr["m2"].topic == "billing" and corr["m2"].intent is None
    assert all(c.source == "corrections" for c in corr.values())


def test_read_corrections_refuses_empty_label(tmp_path: Path) -> None:
    f = tmp_path / "corr.jsonl"
    f.write_text(json.dumps({"id": "x", "body": "hello", "who": "ann"}) + "\n")
    with pytest.raises(ValueError, match="intent or a topic"):
        read_corrections(f)


def test_prf_macro_and_confusion() -> None:
    r = prf(["a", "a", "b", "c"], ["a", "b", "b", "c"])
    assert r["per_label"]["a"]["recall"] == 0.5 and r["per_label"]["b"]["precision"] == 0.5
    assert r["confusion"]["a"] == Counter({"a": 1, "b": 1})
    assert r["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)


def test_eval_command_on_tiny_labelled_file(tmp_path: Path) -> None:
    msgs = tmp_path / "msgs.jsonl"
    labels = tmp_path / "labels.jsonl"
    msgs.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"id": "1", "subject": "Thank you", "body": "Thank you for your leadership, we are praying for you."},
                {
                    "id": "2",
                    "subject": "Outrage",
                    "body": "I lost my life savings. I have contacted my lawyer and will sue you.",
                },
            ]
        )
        + "\n"
    )
    labels.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"id": "1", "intent": "praise", "topic": "conduct", "signals": {}, "sentiment": 2},
                {
                    "id": "2",
                    "intent": "complaint",
                    "topic": "conduct",
                    "signals": {"legal_threat": "will sue you", "vulnerable": "I lost my life savings."},
                    "sentiment": -2,
                },
            ]
        )
        + "\n"
    )
    res = CliRunner().invoke(app, ["eval", str(labels), str(msgs), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["matched"] == 2
    assert data["signals"]["legal_threat"]["tp"] == 1 and data["signals"]["vulnerable"]["tp"] == 1
    assert set(data["intent"]["per_label"]) >= {"praise", "complaint"}


def test_analyze_and_explain_commands_on_real_eml(shared_data: Path) -> None:
    eml = shared_data / "spamassassin" / "samples" / "spam__00001.7848dde101aa985090474a91ec93fcf0.eml"
    res = CliRunner().invoke(app, ["analyze", str(eml), "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    line = json.loads(res.output.strip().splitlines()[0])
    assert {"message_id", "intent", "topic", "signals", "sentiment", "language", "priority"} <= set(line)
    res = CliRunner().invoke(app, ["explain", str(eml)])
    assert res.exit_code == 0, res.output
    assert "INTENT" in res.output and "PRIORITY" in res.output and "no match" in res.output


def test_the_shipped_models_are_what_train_makes_from_this_repository(shared_data: Path, tmp_path: Path) -> None:
    """`execdesk train` is the only way the shipped models are made: a change to the features, rules or
    training code that is committed without retraining them leaves the product running a model that
    no command reproduces, and the published figures describe another model (found in decision 0227).
    The version stamp hashes the feature code's source, so it is left out; the numbers must agree (the
    files round coefficients to 1e-5 and IDF to 1e-4: a different CPU's last bits may move one step)."""
    import gzip

    import numpy as np

    from execdesk.analyze.training.train import train

    shipped = Path(__file__).parents[2] / "src" / "execdesk" / "analyze" / "models"
    train(shared_data, tmp_path)
    for name in ("request", "spam", "spam_nb", "intent", "topic"):
        made, have = (json.loads(gzip.decompress((d / f"{name}.json.gz").read_bytes())) for d in (tmp_path, shipped))
        made.get("meta", {}).pop("version", None)
        have.get("meta", {}).pop("version", None)
        numeric = {k for k, v in have.items() if isinstance(v, list) and v and not isinstance(v[0], str)}
        assert {k: v for k, v in made.items() if k not in numeric} == {
            k: v for k, v in have.items() if k not in numeric
        }, f"{name}: retrain with `execdesk train --out src/execdesk/analyze/models`"
        for key in sorted(numeric):
            assert np.allclose(np.asarray(made[key], dtype=float), np.asarray(have[key], dtype=float), atol=2e-4), (
                f"{name}.{key} differs from a retrain: run `execdesk train --out src/execdesk/analyze/models`"
            )


def test_eval_reads_labels_written_by_other_tools_and_names_a_bad_line(tmp_path: Path) -> None:
    """Message-IDs in angle brackets and signals as a list of names are understood; a broken line is named."""
    eml = tmp_path / "threat.eml"
    eml.write_bytes(
        b"From: a@example.org\r\nTo: ceo@example.com\r\nSubject: Refund\r\nMessage-ID: <m1@example.org>\r\n\r\n"
        b"You kept my deposit. My lawyer will file suit against your company next week.\r\n"
    )
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"id": "<m1@example.org>", "intent": "complaint", "signals": ["legal_threat"]}) + "\n")
    res = CliRunner().invoke(app, ["eval", str(labels), str(eml), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["matched"] == 1 and data["signals"]["legal_threat"]["tp"] == 1
    labels.write_text(labels.read_text() + '{"intent": "praise"}\n')
    res = CliRunner().invoke(app, ["eval", str(labels), str(eml)])
    assert res.exit_code != 0 and "labels.jsonl:2" in res.output and '"id"' in res.output
    labels.write_text("{not json\n")
    res = CliRunner().invoke(app, ["eval", str(labels), str(eml)])
    assert res.exit_code != 0 and "labels.jsonl:1: not a JSON object" in res.output
