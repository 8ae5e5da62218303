"""Drafting on a case: templates with variables, organisation templates, executive voice,
suggestions from similar resolved cases, and the tone guard on every draft."""

from __future__ import annotations

from pathlib import Path

import pytest

from execdesk.cases.service import set_status
from execdesk.demo import load_scenario
from execdesk.reply.drafting import DraftError, load_templates, render, reply_subject
from execdesk.reply.outbox import list_outbox
from execdesk.reply.send import record_sent
from execdesk.reply.service import draft_reply
from execdesk.reply.similar import rank, suggest_replies
from execdesk.store.db import utcnow
from tests.mailfactory import make_mail
from tests.reply.helpers import configure_sending, ingest

COMPLAINT = make_mail(
    sender="Dana Whitfield <dana.whitfield@example.net>",
    subject="My bill is wrong again",
    body="Hello,\n\nI was charged twice for October and nobody fixes it. This is unacceptable.\n\nDana\n",
)


def test_shipped_templates_exist_and_pass_the_guard_on_a_complaint(store, settings) -> None:  # type: ignore[no-untyped-def]
    configure_sending(settings)
    names = set(load_templates(settings))
    assert {"acknowledgment", "apology_next_step", "campaign_answer", "executive_note"} <= names
    (case_id,) = ingest(store, COMPLAINT)
    with store.transaction() as conn:
        for name in sorted(names):
            entry = draft_reply(conn, settings, case_id, by="Sam Ortiz", template=name)
            assert entry["tone"]["verdict"] != "block", (name, entry["tone"])
            assert "{" not in entry["body"], name  # every variable filled
    with store.engine.connect() as conn:
        assert len(list_outbox(conn, case_id=case_id)) == len(names)


def test_template_variables_are_filled_and_the_reply_threads(store, settings) -> None:  # type: ignore[no-untyped-def]
    configure_sending(settings)
    (case_id,) = ingest(store, COMPLAINT)
    with store.transaction() as conn:
        entry = draft_reply(conn, settings, case_id, by="Sam Ortiz", template="apology_next_step")
    body = entry["body"]
    assert body.startswith("Dear Dana Whitfield,")
    assert f"ED-{case_id:06d}" in body and "Alex Hale" in body
    assert body.rstrip().endswith("Office of Alex Hale, Northwind Mobile") and "Sam Ortiz" in body
    assert entry["subject"] == f"Re: My bill is wrong again [ED-{case_id:06d}]"
    assert entry["to"] == "dana.whitfield@example.net"
    assert entry["in_reply_to"] and entry["references"][-1] == entry["in_reply_to"]
    assert entry["message_id"].endswith("@northwind-mobile.example")
    assert entry["status"] == "draft" and entry["notes"]["template"] == "apology_next_step"


def test_unknown_variable_and_unknown_template_are_clear_errors(settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DraftError, match="unknown template variable customer_shoe_size; known: "):
        render("Dear {customer_shoe_size}", {"customer_name": "x"})
    from execdesk.reply.drafting import get_template

    with pytest.raises(DraftError, match="no template 'nope'; available: acknowledgment"):
        get_template(settings, "nope")


def test_organisation_template_overrides_a_shipped_one(home: Path, store, settings) -> None:  # type: ignore[no-untyped-def]
    configure_sending(settings)
    (home / "templates").mkdir()
    (home / "templates" / "acknowledgment.md").write_text(
        "<!-- ours -->\nHello {customer_first_name}, we have your message ({case_ref}).\n"
    )
    (home / "templates" / "billing_refund.md").write_text("Dear {customer_name}, your refund is on its way.\n")
    templates = load_templates(settings)
    assert templates["acknowledgment"].origin.endswith("acknowledgment.md")
    assert templates["acknowledgment"].description == "ours"
    assert "billing_refund" in templates and templates["executive_note"].origin == "shipped"
    (case_id,) = ingest(store, COMPLAINT)
    with store.transaction() as conn:
        entry = draft_reply(conn, settings, case_id, by="Sam", template="acknowledgment")
    assert entry["body"].startswith(f"Hello Dana, we have your message (ED-{case_id:06d}).")


def test_executive_voice_is_short_personal_and_signed_by_the_executive(store, settings) -> None:  # type: ignore[no-untyped-def]
    configure_sending(settings, executive_signature="Alex\nCEO, Northwind Mobile")
    (case_id,) = ingest(store, COMPLAINT)
    with store.transaction() as conn:
        entry = draft_reply(conn, settings, case_id, by="Sam", executive=True)
        own = draft_reply(conn, settings, case_id, by="Sam", executive=True, text="Dana - thanks, we're on it.\n")
        long = draft_reply(conn, settings, case_id, by="Sam", executive=True, text="We hear you. " * 80)
    assert entry["executive"] and entry["notes"]["template"] == "executive_note"
    assert entry["body"].startswith("Hi Dana,") and entry["body"].rstrip().endswith("Alex\nCEO, Northwind Mobile")
    assert "Sam" not in entry["body"] and entry["notes"]["executive_words"] < 120
    assert entry["tone"]["verdict"] == "ok"
    assert own["body"] == "Dana - thanks, we're on it.\n\nAlex\nCEO, Northwind Mobile\n"
    assert own["tone"]["verdict"] != "block"  # a complaint without an apology may warn, never block
    assert "executive_too_long" in long["notes"]


def test_story_office_draft_is_blocked_with_its_findings(store, settings) -> None:  # type: ignore[no-untyped-def]
    configure_sending(settings)
    (case_id,) = ingest(store, COMPLAINT)
    text = load_scenario().story.office_draft_reply
    with store.transaction() as conn:
        entry = draft_reply(conn, settings, case_id, by="Office", text=text)
    assert entry["status"] == "blocked" and entry["tone"]["verdict"] == "block"
    rules = {f["rule"] for f in entry["tone"]["findings"] if f["severity"] == "block"}
    assert rules & {"threat.conditional", "threat.legal_instrument", "threat.passive"}
    assert entry["body"] == text  # own text is stored as typed


def test_exactly_one_source_is_required(store, settings) -> None:  # type: ignore[no-untyped-def]
    (case_id,) = ingest(store, COMPLAINT)
    with store.transaction() as conn, pytest.raises(DraftError, match="choose one of"):
        draft_reply(conn, settings, case_id, by="Sam", template="acknowledgment", text="Hi")
    with store.transaction() as conn, pytest.raises(DraftError, match="choose one of"):
        draft_reply(conn, settings, case_id, by="Sam")


def test_reply_subject_keeps_one_tag() -> None:
    assert reply_subject("Re: Bill [ED-000007]", "ED-000007") == "Re: Bill [ED-000007]"
    assert reply_subject("", "ED-000007") == "Re: Your message [ED-000007]"


def test_tfidf_rank_prefers_shared_rare_terms() -> None:
    scores = rank(
        "charged twice for my roaming data in Spain",
        ["roaming charges in Spain were wrong", "the new phone screen cracked", "thank you for the great service"],
    )
    assert scores[0] > 0.2 and scores[0] > scores[1] and scores[0] > scores[2]


def _resolve_with_reply(store, settings, case_id: int, text: str) -> None:  # type: ignore[no-untyped-def]
    """A resolved precedent: its reply stored as sent mail on the case, the case resolved."""
    from sqlalchemy import select

    from execdesk.store.models import OutboxEntry, table_of

    with store.transaction() as conn:
        entry = draft_reply(conn, settings, case_id, by="Sam", text=text)
        row = conn.execute(select(table_of(OutboxEntry)).where(table_of(OutboxEntry).c.id == entry["id"])).one()
    record_sent(store, row, f"Subject: x\r\nMessage-ID: <{row.message_id}>\r\n\r\n{text}".encode(), utcnow())
    with store.transaction() as conn:
        set_status(conn, case_id=case_id, status="resolved", actor="Sam")


def test_suggestions_come_from_similar_resolved_cases_with_similarity(store, settings) -> None:  # type: ignore[no-untyped-def]
    configure_sending(settings)
    roaming, screen, fresh = ingest(
        store,
        make_mail(sender="a@example.org", subject="Roaming", body="I was charged roaming fees in Spain twice.\n"),
        make_mail(sender="b@example.org", subject="Screen", body="My new phone screen cracked after a week.\n"),
        make_mail(sender="c@example.org", subject="Spain", body="Roaming fees in Spain charged on my bill, why?\n"),
    )
    _resolve_with_reply(store, settings, roaming, "We have refunded the roaming fees; sorry for the error.\n")
    _resolve_with_reply(store, settings, screen, "We will replace the phone screen free of charge.\n")
    with store.engine.connect() as conn:
        found = suggest_replies(conn, fresh)
    assert found[0].case_id == roaming and found[0].similarity > 0.2
    assert found[0].reply_text.startswith("We have refunded the roaming fees")
    assert all(s.similarity <= found[0].similarity for s in found)
    with store.transaction() as conn:
        entry = draft_reply(conn, settings, fresh, by="Sam", suggest=True)
    assert entry["notes"]["precedent"] == f"ED-{roaming:06d}" and entry["notes"]["similarity"] == found[0].similarity
    assert entry["body"].startswith("We have refunded the roaming fees")


def test_suggest_without_precedent_is_a_clear_error(store, settings) -> None:  # type: ignore[no-untyped-def]
    (case_id,) = ingest(store, COMPLAINT)
    with store.transaction() as conn, pytest.raises(DraftError, match="no resolved case similar"):
        draft_reply(conn, settings, case_id, by="Sam", suggest=True)
