"""Campaign pages and the campaign API: a real flood imported as mail (tests/web/flood.py), the list,
one campaign (form, trigger with its evidence, growth, members with own text), and the bulk actions
through the core: acknowledge, answer (the tone guard, a supervisor's reason), close, detach."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from execdesk.store.models import Campaign, CampaignMember, OutboxEntry, table_of
from execdesk.web import accounts
from tests.web.conftest import Desk, csrf_of, make_desk
from tests.web.flood import OWN_TEXT, READERS, flood_mail

THREAT = "Dear {customer_name},\n\nIf you continue to e-mail the CEO, a cease-and-desist letter may be sent to you.\n"
KIND = "Dear {customer_name},\n\nThank you for writing. We have refunded Ms. Lopez and apologised to her.\n"


@pytest.fixture
def flood(home: Path) -> Iterator[Desk]:
    d = make_desk(home, extra_mail=flood_mail())
    yield d
    d.store.close()


def _campaign_id(desk: Desk) -> str:
    with desk.store.engine.connect() as conn:
        ids = list(conn.execute(select(table_of(Campaign).c.id)).scalars())
    assert len(ids) == 1, ids
    return ids[0]


def _outbox(desk: Desk, kind: str) -> list[tuple[str, str]]:
    t = table_of(OutboxEntry)
    with desk.store.engine.connect() as conn:
        return [(r.to_addr, r.status) for r in conn.execute(select(t.c.to_addr, t.c.status).where(t.c.kind == kind))]


def _bearer(desk: Desk, name: str) -> dict[str, str]:
    with desk.store.transaction() as conn:
        return {"authorization": f"Bearer {accounts.create_token(conn, name=name, actor='test')['token']}"}


def test_the_list_shows_the_campaign_with_its_size_senders_and_trigger(flood: Desk) -> None:
    cid = _campaign_id(flood)
    page = flood.client("agent").get("/campaigns")
    assert page.status_code == 200
    assert 'href="/campaigns"' in page.text and 'href="/dashboard"' in page.text  # in the navigation
    row = re.search(rf'<tr class="campaign-row">.*?{cid}.*?</tr>', page.text, re.S)
    assert row, page.text
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]
    assert cells[2] == str(READERS) and cells[3] == str(READERS)  # size, distinct senders
    assert cells[4] == "1"  # one reader wrote a paragraph of their own
    assert "ED-" in cells[6] and "Maria Lopez" in cells[6]
    assert "No campaigns with status closed" in flood.client("agent").get("/campaigns?status=closed").text


def test_the_campaign_page_shows_form_trigger_growth_members_and_alerts(flood: Desk) -> None:
    cid = _campaign_id(flood)
    page = flood.client("executive").get(f"/campaigns/{cid}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "I read how your company treated Maria Lopez" in text  # the form
    trigger = re.search(r'<section class="panel trigger">(.*?)</section>', page.text, re.S)
    assert trigger and "Maria Lopez" in trigger.group(1) and "named_contact" in trigger.group(1)
    assert re.search(r'href="/cases/ED-\d+"', trigger.group(1))
    # the growth chart's data: every member counted once, empty hours filled
    spec = json.loads(html.unescape(re.search(r'data-chart="([^"]+)"', page.text).group(1)))  # type: ignore[union-attr]
    per_hour, total = spec["series"][0]["data"], spec["series"][1]["data"]
    assert sum(per_hour) == READERS and total[-1] == READERS and len(spec["labels"]) == len(per_hour)
    # members: one row each, the one with own text highlighted and its text shown
    rows = re.findall(r'<tr class="member([^"]*)"', page.text)
    assert len(rows) == READERS
    assert [r for r in rows if "own-text" in r] == [" own-text"]
    assert OWN_TEXT[:60] in text
    assert "New campaign" in text  # the alert
    # the executive reads; the forms are for agents and supervisors
    assert f"/campaigns/{cid}/acknowledge" not in page.text and "/detach" not in page.text
    assert flood.client("agent").get("/campaigns/cmp_nope").status_code == 404


def test_an_agent_acknowledges_all_once(flood: Desk) -> None:
    cid = _campaign_id(flood)
    agent = flood.client("agent")
    page = agent.get(f"/campaigns/{cid}")
    assert f'action="/campaigns/{cid}/acknowledge"' in page.text and "/detach" not in page.text  # no detach for agents
    r = agent.post(f"/campaigns/{cid}/acknowledge", data={"csrf_token": csrf_of(agent, f"/campaigns/{cid}")})
    assert r.status_code == 303
    shown = agent.get(r.headers["location"])
    assert re.search(rf'<strong class="done-count">{READERS}</strong> acknowledgments queued', shown.text)
    acks = _outbox(flood, "ack")
    assert len(acks) == READERS and len({a for a, _ in acks}) == READERS
    assert {s for _, s in acks} == {"queued"}
    again = agent.post(f"/campaigns/{cid}/acknowledge", data={"csrf_token": csrf_of(agent, f"/campaigns/{cid}")})
    assert "done=0" in again.headers["location"]
    assert len(_outbox(flood, "ack")) == READERS  # idempotent


def test_a_blocked_answer_keeps_the_text_shows_findings_and_needs_a_supervisor(flood: Desk) -> None:
    cid = _campaign_id(flood)
    agent, sup = flood.client("agent"), flood.client("supervisor")
    token = csrf_of(agent, f"/campaigns/{cid}")
    r = agent.post(f"/campaigns/{cid}/answer", data={"text": THREAT, "csrf_token": token})
    assert r.status_code == 400
    assert 'data-verdict="block"' in r.text and "cease-and-desist" in r.text
    assert "blocks this answer" in html.unescape(r.text)
    assert html.escape(THREAT.splitlines()[0]) in r.text  # the text is kept in the textarea
    assert _outbox(flood, "campaign") == []  # nothing drafted
    # an agent's "reason" is not an approval
    r = agent.post(f"/campaigns/{cid}/answer", data={"text": THREAT, "reason": "fine", "csrf_token": token})
    assert r.status_code == 403 and _outbox(flood, "campaign") == []
    # "check tone" only shows the verdict
    r = agent.post(f"/campaigns/{cid}/answer", data={"text": KIND, "check": "1", "csrf_token": token})
    assert r.status_code == 200 and 'data-verdict="block"' not in r.text and _outbox(flood, "campaign") == []
    # the supervisor sees the reason field and approves in writing
    page = sup.get(f"/campaigns/{cid}")
    assert 'name="reason" rows="2"' in page.text
    token = csrf_of(sup, f"/campaigns/{cid}")
    approval = {"text": THREAT, "reason": "Legal approved this wording.", "csrf_token": token}
    r = sup.post(f"/campaigns/{cid}/answer", data=approval)
    assert r.status_code == 303 and f"done={READERS}" in r.headers["location"]
    sent = _outbox(flood, "campaign")
    assert len(sent) == READERS and {s for _, s in sent} == {"queued"}


def test_close_and_detach_are_for_supervisors(flood: Desk) -> None:
    cid = _campaign_id(flood)
    agent, sup = flood.client("agent"), flood.client("supervisor")
    members = table_of(CampaignMember)
    with flood.store.engine.connect() as conn:
        pk = conn.execute(select(members.c.message_pk).where(members.c.campaign_id == cid)).scalars().first()
    token = csrf_of(agent, f"/campaigns/{cid}")
    assert agent.post(f"/campaigns/{cid}/close", data={"csrf_token": token}).status_code == 403
    assert agent.post(f"/campaigns/{cid}/members/{pk}/detach", data={"csrf_token": token}).status_code == 403
    page = sup.get(f"/campaigns/{cid}")
    assert f'action="/campaigns/{cid}/members/{pk}/detach"' in page.text
    token = csrf_of(sup, f"/campaigns/{cid}")
    r = sup.post(f"/campaigns/{cid}/members/{pk}/detach", data={"reason": "a real complaint", "csrf_token": token})
    assert r.status_code == 303
    with flood.store.engine.connect() as conn:
        status = conn.execute(select(members.c.status).where(members.c.message_pk == pk)).scalar_one()
    assert status == "detached"
    again = sup.post(f"/campaigns/{cid}/members/{pk}/detach", data={"csrf_token": token})
    assert again.status_code == 400 and "already detached" in again.text
    r = sup.post(f"/campaigns/{cid}/close", data={"reason": "answered", "csrf_token": token})
    assert r.status_code == 303
    assert "cases closed" in sup.get(r.headers["location"]).text
    with flood.store.engine.connect() as conn:
        assert conn.execute(select(table_of(Campaign).c.status)).scalar_one() == "closed"
    assert f"/campaigns/{cid}/acknowledge" not in sup.get(f"/campaigns/{cid}").text  # nothing more to do


def test_the_queue_links_campaigns_and_its_filter_to_the_campaign_page(flood: Desk) -> None:
    cid = _campaign_id(flood)
    agent = flood.client("agent")
    assert f'href="/campaigns/{cid}"' in agent.get("/queue").text  # the trigger case carries the link
    filtered = agent.get(f"/queue?campaign={cid}")
    assert re.search(rf'<a [^>]*href="/campaigns/{cid}"[^>]*>[^<]*campaign page', filtered.text), filtered.text[:3000]


def test_the_campaign_api(flood: Desk) -> None:
    cid = _campaign_id(flood)
    c = flood.client()
    agent, sup, exe = _bearer(flood, "agent"), _bearer(flood, "supervisor"), _bearer(flood, "executive")
    listed = c.get("/api/v1/campaigns", headers=exe).json()["campaigns"]
    assert [x["id"] for x in listed] == [cid] and listed[0]["size"] == READERS
    detail = c.get(f"/api/v1/campaigns/{cid}", headers=exe).json()
    assert len(detail["member_details"]) == READERS and detail["trigger"]["rule"] == "named_contact"
    assert c.get("/api/v1/campaigns/cmp_nope", headers=exe).json()["error"]["code"] == "not_found"
    assert c.post(f"/api/v1/campaigns/{cid}/acknowledge", headers=exe).status_code == 403
    r = c.post(f"/api/v1/campaigns/{cid}/acknowledge", headers=agent)
    assert r.status_code == 200 and r.json()["done"] == READERS
    r = c.post(f"/api/v1/campaigns/{cid}/answer", json={"text": THREAT}, headers=agent)
    assert r.status_code == 400 and r.json()["error"]["code"] == "refused"
    r = c.post(f"/api/v1/campaigns/{cid}/answer", json={"text": KIND}, headers=agent)
    assert r.status_code == 200 and r.json()["done"] == READERS and r.json()["tone"]["verdict"] != "block"
    pk = detail["member_details"][0]["message_pk"]
    assert c.post(f"/api/v1/campaigns/{cid}/members/{pk}/detach", json={}, headers=agent).status_code == 403
    r = c.post(f"/api/v1/campaigns/{cid}/members/{pk}/detach", json={"reason": "x"}, headers=sup)
    assert r.status_code == 200 and r.json()["status"] == "detached"
    r = c.post(f"/api/v1/campaigns/{cid}/close", json={"reason": "done"}, headers=sup)
    assert r.status_code == 200 and r.json()["done"] == READERS - 2  # the detached and the own-text case stay
    assert c.get("/api/v1/campaigns?status=closed", headers=exe).json()["campaigns"][0]["id"] == cid
