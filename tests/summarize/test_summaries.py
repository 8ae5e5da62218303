"""Extractive summaries on real mail: the writer's own sentences, no letter frame, the point first.

Corpora: ../shared/data/enron_exec_mail (hand-labelled evidence spans of Kenneth Lay's inbox),
cfpb_complaints (real consumer narratives), floods (real form-letter campaigns), and the demo
story's mails (src/execdesk/demo/scenario.yaml).
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from execdesk.analyze import analyze_text
from execdesk.demo import load_scenario
from execdesk.summarize.campaign import common_additions, summarize_campaign
from execdesk.summarize.cases import evidence_of
from execdesk.summarize.extractive import Evidence, summarize_text
from execdesk.summarize.sentences import split_sentences


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_greeting_sign_off_contact_block_and_quotes_are_not_sentences() -> None:
    body = (
        "Mr. Hale,\n\nI was billed three times for one day pass and\nnever credited.\n\n"
        "> On Monday you wrote:\n> we will look into it\n\n"
        "Could someone refund the $30?\n\nRegards,\nDana Whitfield\n(614) 555-0187\n"
    )
    sentences = split_sentences(body)
    assert [s.text for s in sentences] == [
        "I was billed three times for one day pass and never credited.",
        "Could someone refund the $30?",
    ]
    for s in sentences:  # offsets point into the given text
        assert _norm(body[s.start : s.end]) == s.text


def test_list_items_abbreviations_and_inline_greeting() -> None:
    body = (
        "Dear Mr. Lay, You should hire me.\nI'd like to ask:\n1. Did you send it?\n2. Who answers?\n"
        "My deadline is 5 p.m. Eastern today."
    )
    assert [s.text for s in split_sentences(body)] == [
        "You should hire me.",
        "I'd like to ask:",
        "Did you send it?",
        "Who answers?",
        "My deadline is 5 p.m. Eastern today.",
    ]


def test_the_story_mails_say_what_the_writer_wants() -> None:
    sc = load_scenario()
    by_id = {f"<{m.message_id.strip('<>')}>": m for m in sc.story.customer_mails}
    second = by_id[sc.customer_message_ids[1]]
    s = summarize_text(second.body, subject=second.subject, intent="complaint")
    assert "drops" in s.text and "could someone" in s.text.lower()
    assert not s.text.startswith("Mr.") and "555-0187" not in s.text
    press = sc.story.journalist_mails[0]
    p = summarize_text(press.body, subject=press.subject, intent="media_inquiry")
    assert "deadline" in p.text.lower() and "Dana Whitfield" in p.text
    assert all(pick.reasons for pick in p.picks)  # each pick says why it was chosen


def test_evidence_spans_pull_their_sentence_in() -> None:
    body = "I have been a customer for years. My plan renews in May. I will post this on social media tonight."
    plain = summarize_text(body, max_sentences=1)
    span = "I will post this on social media"
    start = body.index(span)
    pulled = summarize_text(body, max_sentences=1, evidence=[Evidence("going_public", span, start, start + len(span))])
    assert "social media" not in plain.text
    assert "social media" in pulled.text and "evidence of going_public" in pulled.picks[0].reasons


def test_beats_the_first_two_sentences_on_hand_labelled_enron_evidence(shared_data: Path) -> None:
    """Kenneth Lay's inbox: how often the summary holds the sentence a person marked as a signal's evidence,
    against the usual baseline (the first two sentences). Measured: 41 of 98 against 31 of 98."""
    labels = {}
    with (shared_data / "enron_exec_mail" / "labels.jsonl").open() as fh:
        for line in fh:
            row = json.loads(line)
            labels[row["id"]] = row
    hit = base = n = 0
    with (shared_data / "enron_exec_mail" / "exec_mail.jsonl").open() as fh:
        for line in fh:
            r = json.loads(line)
            for span in (labels.get(r["id"], {}).get("signals") or {}).values():
                sentences = split_sentences(r["body"])
                if not span or span not in r["body"] or len(sentences) < 3:
                    continue
                analysis = analyze_text(r["subject"], r["body"]).to_dict()
                s = summarize_text(
                    r["body"],
                    subject=r["subject"],
                    intent=analysis["intent"]["label"],
                    evidence=evidence_of(analysis, r["subject"], r["body"]),
                )
                needle = _norm(span)[:40]
                n += 1
                hit += needle in s.text
                base += needle in " ".join(x.text for x in sentences[:2])
    print(f"\nsummary holds the labelled span: {hit}/{n}; first two sentences: {base}/{n}")  # docs/QUALITY.md
    assert n >= 90
    assert hit > base, (hit, base, n)


def test_real_complaints_give_short_deterministic_extracts(shared_data: Path) -> None:
    """CFPB narratives: every summary is 1-2 of the writer's own sentences, within the length limit, the
    same on every run, and never a greeting or a sign-off."""
    with gzip.open(shared_data / "cfpb_complaints" / "complaints_with_narratives.csv.gz", "rt") as fh:
        rows = [r for _, r in zip(range(400), csv.DictReader(fh), strict=False)]
    for r in rows:
        body, subject = r["Consumer complaint narrative"], r["Issue"]
        s = summarize_text(body, subject=subject, intent="complaint")
        assert s == summarize_text(body, subject=subject, intent="complaint")
        assert 1 <= len(s.picks) <= 2 and len(s.text) <= 320 + 1
        flat = _norm(body)
        for pick in s.picks:
            assert pick.text.rstrip("…") in flat or pick.text.endswith("…")
        assert not re.match(r"(?i)(?:dear|hello|hi|to whom it may concern)\b[^.!?]{0,40}[,:]", s.text), s.text


def _flood(shared_data: Path, docket: str) -> list[str]:
    with (shared_data / "floods" / "regulations_gov_clustered_comments.csv").open() as fh:
        groups: dict[str, list[str]] = defaultdict(list)
        for r in csv.DictReader(fh):
            if r["docket_id"] == docket:
                groups[r["upstream_comp"]].append(r["text"])
    return max(groups.values(), key=len)


def test_campaign_summary_condenses_the_form_and_finds_what_members_add(shared_data: Path) -> None:
    """A real form-letter campaign (USDA-2020-0009, ~790 comments): the form condensed to its ask, and
    the members' own sentences (what is left of a comment once the form's sentences are taken out)
    grouped into common additions with how many members wrote them."""
    texts = _flood(shared_data, "USDA-2020-0009")
    form = Counter(texts).most_common(1)[0][0]
    form_sentences = {s.text for s in split_sentences(form)}
    own = [" ".join(s.text for s in split_sentences(t) if s.text not in form_sentences) for t in texts]
    summary = summarize_campaign(form, own, trigger="ED-000126 (Dana Whitfield)")
    assert summary.form.text and all(_norm(p.text.rstrip("…")) in _norm(form) for p in summary.form.picks)
    assert summary.additions and summary.additions[0].members >= 10
    assert all(a.text not in form_sentences for a in summary.additions)
    assert "About: ED-000126" in summary.text and summary.members_with_own_text > 0


def test_no_additions_when_members_only_send_the_form() -> None:
    form = "Please withdraw this harmful rule. No one should lose basic services over their beliefs."
    assert common_additions(form, [form] * 20) == []
