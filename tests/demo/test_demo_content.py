"""What is in the month besides the story: every kind of mail an executive receives, written variously."""

from __future__ import annotations

import re
import struct
import zlib
from collections import Counter
from pathlib import Path

import pytest
from demo_helpers import parse, text_of

from execdesk.demo import DemoMailbox, build_demo, default_scenario_path, load_scenario

SENTENCE = re.compile(r"(?<=[.!?])\s+")


def test_the_mix_of_the_scenario_is_there(demo: DemoMailbox) -> None:
    kinds = Counter(m.kind.split("/")[0] for m in demo.messages)
    mix = demo.scenario.mix
    assert kinds["press"] == mix.press >= 2
    assert kinds["legal"] == mix.legal == 1
    for kind in ("investor", "job_seeker", "solicitation", "spam", "request", "praise", "suggestion"):
        assert kinds[kind] == getattr(mix, kind) > 0, kind
    assert kinds["auto_reply"] == 2 and kinds["bounce"] == 1 and kinds["malformed"] == 3
    intents = Counter(m.intent for m in demo.messages)
    assert intents["media_inquiry"] == mix.press + len(demo.scenario.story.journalist_mails)


def test_auto_replies_and_bounce_look_like_machine_mail(demo: DemoMailbox) -> None:
    for m in demo.of_kind("auto_reply"):
        msg = parse(m.raw)
        assert msg["Auto-Submitted"] == "auto-replied"
        assert msg["In-Reply-To"]
    (b,) = demo.of_kind("bounce")
    msg = parse(b.raw)
    assert msg.get_content_type() == "multipart/report"
    assert msg.get_param("report-type") == "delivery-status"
    assert msg["Return-Path"] == "<>"
    assert [p.get_content_type() for p in msg.iter_parts()] == [
        "text/plain",
        "message/delivery-status",
        "text/rfc822-headers",
    ]


def test_legal_letter_is_formal_and_carries_a_pdf(demo: DemoMailbox) -> None:
    (m,) = demo.of_kind("legal")
    msg = parse(m.raw)
    assert "Notice of Claim" in msg["Subject"]
    body = text_of(m.raw)
    assert "formal notice" in body and "preserve" in body and "LLP" in body
    (pdf,) = [p for p in msg.iter_attachments()]
    data = pdf.get_content()
    assert pdf.get_content_type() == "application/pdf"
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_formats_html_only_alternative_and_attachments(demo: DemoMailbox) -> None:
    types = Counter(parse(m.raw).get_content_type() for m in demo.messages if not m.malformed)
    assert types["text/html"] >= 10
    assert types["multipart/alternative"] >= 50
    assert types["text/plain"] >= 100
    attachments = [a for m in demo.messages if not m.malformed for a in parse(m.raw).iter_attachments()]
    kinds = {a.get_content_type() for a in attachments}
    assert {"application/pdf", "image/png"} <= kinds
    for png in (a for a in attachments if a.get_content_type() == "image/png"):
        _assert_valid_png(png.get_content())


def _assert_valid_png(data: bytes) -> None:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, payload = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + payload) == crc
        pos += 12 + length
    assert kind == b"IEND"


def test_non_english_mail_is_in_three_languages(demo: DemoMailbox) -> None:
    langs = Counter(m.kind.split("/")[1] for m in demo.of_kind("foreign/"))
    assert set(langs) == {"es", "de", "fr"}
    marks = {
        "es": ("señor", "gracias", "cobrando", "saludo"),
        "de": ("ich", "Grüße"),
        "fr": ("Bonjour", "Monsieur", "merci"),
    }
    for m in demo.of_kind("foreign/"):
        lang = m.kind.split("/")[1]
        body = text_of(m.raw)
        assert any(word.lower() in body.lower() for word in marks[lang]), (lang, body[:80])


def test_risky_and_vulnerable_customers_are_present(demo: DemoMailbox) -> None:
    signals = Counter(s for m in demo.messages if not m.kind.startswith("flood") for s in m.signals)
    for signal in ("legal_threat", "regulator", "going_public", "churn", "vulnerable", "abusive", "escalation"):
        assert signals[signal] >= 1, signal
    texts = " ".join(text_of(m.raw) for m in demo.messages if not m.malformed)
    for phrase in ("FCC", "BBB", "sue", "Facebook", "heart monitor"):
        assert phrase in texts or phrase.lower() in texts.lower(), phrase


def test_repeat_writers_come_back_some_in_the_same_thread(demo: DemoMailbox) -> None:
    by_sender = Counter(m.sender for m in demo.messages if m.kind == "complaint/repeat")
    assert len(by_sender) == demo.scenario.mix.repeat_writers
    assert all(n >= 2 for n in by_sender.values())
    ids = {m.message_id for m in demo.messages}
    replies = [m for m in demo.of_kind("complaint/repeat") if m.in_reply_to]
    assert replies and all(m.in_reply_to in ids for m in replies)
    for m in replies:
        msg = parse(m.raw)
        assert msg["Subject"].lower().startswith("re: ") and "wrote:" in text_of(m.raw)


def test_customer_mail_is_varied_not_templated(demo: DemoMailbox) -> None:
    """Most sentences of the month's customer mail occur once; a few stock phrases may repeat."""
    sentences = []
    for m in demo.messages:
        if m.kind.split("/")[0] in ("complaint", "request", "praise", "suggestion"):
            for s in SENTENCE.split(text_of(m.raw)):
                s = " ".join(s.split()).lower()
                if len(s.split()) >= 6:
                    sentences.append(s)
    assert len(sentences) >= 400
    assert len(set(sentences)) / len(sentences) >= 0.55
    bodies = [text_of(m.raw) for m in demo.of_kind("complaint")]
    assert len(set(bodies)) == len(bodies)
    lengths = sorted(len(b) for b in bodies)
    assert lengths[len(lengths) // 10] < 350 and lengths[-len(lengths) // 10] > 750  # short and long writers


def test_writers_have_habits(demo: DemoMailbox) -> None:
    texts = [text_of(m.raw) for m in demo.of_kind("complaint")]
    lower = [t for t in texts if t.strip() and t == t.lower()]
    assert len(lower) >= 3  # people who never press shift
    clients = Counter(parse(m.raw)["X-Mailer"] or parse(m.raw)["User-Agent"] for m in demo.of_kind("complaint"))
    assert len(clients) >= 5


def test_a_custom_scenario_file_is_used(tmp_path: Path) -> None:
    text = default_scenario_path().read_text(encoding="utf-8")
    custom = tmp_path / "scenario.yaml"
    custom.write_text(
        text.replace("seed: 20260928", "seed: 5").replace("  complaint: 96", "  complaint: 12"), encoding="utf-8"
    )
    assert load_scenario(custom).seed == 5
    box = build_demo(scenario=custom, flood_size=20)
    assert box.seed == 5
    assert len(box.of_kind("complaint")) - len(box.of_kind("complaint/")) == 12


def test_a_broken_scenario_file_says_what_is_wrong(tmp_path: Path) -> None:
    text = default_scenario_path().read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace('end: "2026-10-07T18:30:00-05:00"', 'end: "2026-10-07T18:30:00"'), encoding="utf-8")
    with pytest.raises(ValueError, match="UTC offset"):
        load_scenario(bad)
    late = bad.with_name("late.yaml")
    late.write_text(
        text.replace('starts: "2026-09-28T09:05:00-04:00"', 'starts: "2026-09-27T09:05:00-04:00"'), encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"before story\.blog_published"):
        load_scenario(late)
    with pytest.raises(ValueError, match="flood_size"):
        build_demo(flood_size=-1)
