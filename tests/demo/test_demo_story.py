"""The story the demo exists for, checked in the generated mail (what the end-to-end test relies on)."""

from __future__ import annotations

import random
import statistics
from datetime import timedelta

from demo_helpers import jaccard, parse, shingles, text_of

from execdesk.demo import DemoMailbox, load_scenario


def test_scenario_exposes_the_story_identifiers() -> None:
    sc = load_scenario()
    assert sc.company_name == "Northwind Mobile"
    assert sc.executive_address == "ceo@northwind-mobile.example" and sc.executive_name == "Richard Hale"
    assert sc.customer_address == "dana.whitfield@postbox.example"
    first, second = sc.customer_message_ids
    assert first.startswith("<") and second.endswith(">") and first != second
    assert sc.journalist_address.endswith("@ledgerdaily.example")
    assert sc.blog_url.startswith("https://techblog.example/")
    assert "cease-and-desist" in sc.office_draft_reply


def test_customer_writes_twice_two_weeks_apart_in_two_threads(demo: DemoMailbox) -> None:
    sc = demo.scenario
    first_id, second_id = sc.customer_message_ids
    mine = [m for m in demo.messages if m.sender == sc.customer_address]
    ids = [m.message_id for m in mine]
    assert ids[:2] == [first_id, second_id]
    first, second = mine[0], mine[1]
    assert timedelta(days=13) <= second.date - first.date <= timedelta(days=15)
    for m in (first, second):
        msg = parse(m.raw)
        assert msg["In-Reply-To"] is None and msg["References"] is None
    assert parse(first.raw)["Subject"] != parse(second.raw)["Subject"]
    assert "billing" in text_of(first.raw).lower() or "charge" in text_of(first.raw).lower()
    assert "drop" in text_of(second.raw).lower()


def test_office_draft_is_not_inbound_mail(demo: DemoMailbox) -> None:
    draft_line = "a cease-and-desist letter may be sent"
    assert draft_line in " ".join(demo.scenario.office_draft_reply.split())
    office = demo.scenario.executive.office_address
    assert not any(m.sender == office for m in demo.messages)


def test_flood_arrives_within_hours_of_the_blog_post(demo: DemoMailbox) -> None:
    flood = demo.scenario.story.flood
    members = demo.of_kind("flood")
    assert len(members) == flood.size >= 200
    published = demo.scenario.story.blog_published
    hours = sorted((m.date - published).total_seconds() / 3600 for m in members)
    assert hours[0] > 0 and hours[-1] <= (flood.starts - published).total_seconds() / 3600 + flood.window_hours
    assert sum(h <= 8 for h in hours) / len(hours) >= 0.6  # most within a working morning
    assert len({m.sender for m in members}) == len(members)  # several hundred different readers


def test_blog_link_and_the_customer_appear_throughout_the_flood(demo: DemoMailbox) -> None:
    sc = demo.scenario
    texts = [text_of(m.raw) for m in demo.of_kind("flood")]
    with_link = sum(sc.blog_url in t for t in texts)
    assert 0.25 * len(texts) <= with_link < len(texts)
    mentions = sum(("Whitfield" in t or "cease-and-desist" in t.lower() or "customer" in t.lower()) for t in texts)
    assert mentions >= 0.95 * len(texts)


def test_form_letters_are_near_duplicates_but_not_copies(demo: DemoMailbox) -> None:
    forms = [text_of(m.raw) for m in demo.of_kind("flood/form")]
    assert len(forms) >= 0.6 * len(demo.of_kind("flood"))
    assert len(set(forms)) == len(forms)  # every reader edited something
    sets = [shingles(t) for t in forms]
    rng = random.Random(0)
    pairs = [rng.sample(range(len(sets)), 2) for _ in range(1500)]
    sims = [jaccard(sets[i], sets[j]) for i, j in pairs]
    assert statistics.mean(sims) >= 0.45
    assert max(sims) < 1.0


def test_self_written_flood_mail_is_varied(demo: DemoMailbox) -> None:
    own = [shingles(text_of(m.raw)) for m in demo.of_kind("flood/self")]
    assert len(own) >= 30
    rng = random.Random(0)
    pairs = [rng.sample(range(len(own)), 2) for _ in range(500)]
    assert statistics.mean(jaccard(own[i], own[j]) for i, j in pairs) < 0.3


def test_some_flood_writers_add_a_problem_of_their_own(demo: DemoMailbox) -> None:
    extra = [m for m in demo.messages if m.kind.endswith("+own_problem")]
    assert len(extra) >= 5
    plain_forms = [len(text_of(m.raw)) for m in demo.of_kind("flood/form") if "+" not in m.kind]
    for m in extra:
        assert m.topic in {"billing", "service", "product"}
        if m.kind.startswith("flood/form"):
            assert len(text_of(m.raw)) > statistics.median(plain_forms) + 150


def test_journalist_asks_for_comment_after_the_post(demo: DemoMailbox) -> None:
    sc = demo.scenario
    press = [m for m in demo.messages if m.sender == sc.journalist_address]
    assert len(press) == 2
    inquiry, follow_up = press
    assert inquiry.date > sc.story.blog_published
    body = text_of(inquiry.raw)
    assert "Whitfield" in body and sc.blog_url in body and "deadline" in body.lower()
    assert parse(follow_up.raw)["In-Reply-To"] == inquiry.message_id


def test_customer_third_mail_refers_to_the_blog(demo: DemoMailbox) -> None:
    sc = demo.scenario
    mine = [m for m in demo.messages if m.sender == sc.customer_address]
    assert len(mine) == 3
    assert mine[2].date > sc.story.blog_published
    assert sc.blog_url in text_of(mine[2].raw)
