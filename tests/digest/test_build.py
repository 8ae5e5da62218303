"""The digest's data from a real store (SQLite and PostgreSQL): what leads, who deserves a personal
reply and why, what is high-risk, the campaign's stance, and response times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from execdesk.cases.refs import case_ref
from execdesk.digest.build import build_digest
from execdesk.digest.period import PeriodError, parse_period
from tests.digest.helpers import BLOG, build_story


def test_period_parsing() -> None:
    now = datetime(2026, 10, 2, 7, 0, tzinfo=UTC)
    assert parse_period("24h", now=now).start == datetime(2026, 10, 1, 7, 0, tzinfo=UTC)
    week = parse_period("7d", until="2026-10-02", now=now)
    assert (week.start.day, week.end.day, week.previous.start.day) == (25, 2, 18)
    assert parse_period("2026-10-01T08:00-04:00", now=now).start == datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    with pytest.raises(PeriodError):
        parse_period("yesterday", now=now)
    with pytest.raises(PeriodError):
        parse_period("2026-10-03", now=now)  # starts after it ends


def test_the_digest_leads_with_the_flood_and_its_customer(store, settings) -> None:  # type: ignore[no-untyped-def]
    story = build_story(store)
    with store.engine.connect() as conn:
        d = build_digest(conn, settings, story.period, now=story.period.end)
    dana = case_ref(story.customer)

    assert d.leads[0].kind == "campaign" and dana in d.leads[0].text and "Dana Whitfield" in d.leads[0].text
    (camp,) = d.campaigns
    assert camp.size == 14 and camp.in_period == 14 and camp.trigger is not None and camp.trigger.ref == dana
    assert camp.shared_links == [BLOG]
    assert any("personal call" in s and dana in s for s in camp.stance)
    assert any(case_ref(story.press) in s for s in camp.stance)  # the journalist asks about the same event
    # four readers say (in two wordings) they are looking at other carriers; two add a billing problem
    assert camp.additions[0].endswith("other carriers. (4)") and camp.additions[1].endswith("(2)")
    assert "Whitfield" in camp.form_summary or "apologise" in camp.form_summary

    first = d.personal_replies[0]
    assert first.ref == dana and "is about this case" in first.reasons[0]
    assert "drops" in first.summary or "network" in first.summary
    personal = {p.ref for p in d.personal_replies}
    assert case_ref(story.press) not in personal and case_ref(story.legal) not in personal  # to comms and legal
    assert not personal & {case_ref(c) for c in story.flood}

    risk = {r.ref: r for r in d.high_risk}
    assert case_ref(story.legal) in risk and "threatens legal action" in risk[case_ref(story.legal)].reasons
    assert case_ref(story.press) in risk and risk[case_ref(story.press)].owner.endswith(
        "unassigned"
    )  # routing may set a team
    assert "story about a customer, Dana Whitfield" in risk[case_ref(story.press)].summary
    assert not set(risk) & {case_ref(c) for c in story.flood}
    assert [p.ref for p in d.praise] == [case_ref(story.praise)]

    t = d.totals
    assert (t.messages, t.campaign_messages, t.previous_messages) == (19, 14, 0)
    assert t.new_cases == 5  # the flood's members are the campaign, not five more cases
    assert sum(v[1] + v[2] for v in d.volume) == 19 and sum(v[2] for v in d.volume) == 14
    if d.sla.source == "first_response":  # no SLA clocks on the cases: first replies in the outbox decide
        assert d.sla.met == 1 and d.sla.due >= 2 and d.sla.median_first_response_hours == 2.0


def test_an_empty_period_is_a_quiet_digest(store, settings) -> None:  # type: ignore[no-untyped-def]
    now = datetime(2026, 10, 2, 7, 0, tzinfo=UTC)
    with store.engine.connect() as conn:
        d = build_digest(conn, settings, parse_period("24h", now=now), now=now)
    assert [lead.kind for lead in d.leads] == ["quiet"] and d.totals.messages == 0 and d.sla.attainment_pct is None
