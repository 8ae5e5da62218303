"""The pages an agent works in: the queue (filters, campaign members hidden, bulk actions), the
case (evidence marked, why panel, notes) and the reply flow with the supervisor's approval."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser
from sqlalchemy import select, update

from execdesk.cases.refs import case_ref
from execdesk.store.models import Case, OutboxEntry, table_of
from tests.web.conftest import Desk, csrf_of

THREAT = "If you e-mail the CEO again we will send you a cease-and-desist letter."


def _refs(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'<td><a href="/cases/(ED-\d+)">', html)))


def test_queue_is_sorted_by_priority_and_filters(desk: Desk) -> None:
    c = desk.client("agent")
    page = c.get("/queue")
    assert page.status_code == 200
    refs = _refs(page.text)
    cases = table_of(Case)
    with desk.store.engine.connect() as conn:
        prio = dict(conn.execute(select(cases.c.id, cases.c.priority)).all())
        signals = dict(conn.execute(select(cases.c.id, cases.c.signals)).all())
    ordered = [prio[int(r[3:])] for r in refs]
    assert ordered == sorted(ordered, reverse=True) and len(refs) >= 4
    legal = [cid for cid, sig in signals.items() if "legal_threat" in sig]
    assert legal, signals
    filtered = _refs(c.get("/queue?signal=legal_threat").text)
    assert sorted(int(r[3:]) for r in filtered) == sorted(legal)
    assert _refs(c.get("/queue?intent=praise").text) != refs


def test_campaign_members_are_hidden_unless_asked_for(desk: Desk) -> None:
    ids = desk.case_ids()
    cases = table_of(Case)
    with desk.store.transaction() as conn:
        conn.execute(
            update(cases).where(cases.c.id == ids[1]).values(campaign_id="cmp_0123456789abcdef", campaign_role="member")
        )
        conn.execute(
            update(cases)
            .where(cases.c.id == ids[2])
            .values(campaign_id="cmp_0123456789abcdef", campaign_role="own_text")
        )
    c = desk.client("agent")
    shown = _refs(c.get("/queue").text)
    assert case_ref(ids[1]) not in shown and case_ref(ids[2]) in shown
    assert case_ref(ids[1]) in _refs(c.get("/queue?members=true").text)
    by_campaign = _refs(c.get("/queue?campaign=cmp_0123456789abcdef").text)
    assert sorted(by_campaign) == sorted([case_ref(ids[1]), case_ref(ids[2])])
    assert 'href="/campaigns/cmp_0123456789abcdef"' in c.get(f"/cases/{case_ref(ids[2])}").text


def test_bulk_assign_and_close(desk: Desk) -> None:
    c = desk.client("agent")
    ids = desk.case_ids()[:2]
    token = csrf_of(c)
    r = c.post("/queue/bulk", data={"csrf_token": token, "action": "assign", "assignee": "supervisor", "case_ids": ids})
    assert r.status_code == 303
    r = c.post(
        "/queue/bulk", data={"csrf_token": token, "action": "close", "case_ids": ids, "back": "/queue?status=all"}
    )
    assert r.headers["location"] == "/queue?status=all"
    cases = table_of(Case)
    with desk.store.engine.connect() as conn:
        rows = conn.execute(select(cases.c.assignee, cases.c.status).where(cases.c.id.in_(ids))).all()
    assert [tuple(r) for r in rows] == [("supervisor", "closed")] * 2
    assert case_ref(ids[0]) not in _refs(c.get("/queue").text)
    r = c.post("/queue/bulk", data={"csrf_token": token, "action": "delete", "case_ids": ids})
    assert r.status_code == 400


def test_case_page_marks_evidence_and_explains_priority(desk: Desk) -> None:
    top = _refs(desk.client("agent").get("/queue").text)[0]
    page = desk.client("agent").get(f"/cases/{top}")
    tree = LexborHTMLParser(page.text)
    marks = [m.text() for m in tree.css("mark.evidence")]
    assert any("lawyer" in m for m in marks) and any("blog" in m for m in marks), marks
    why = tree.css_first("section.why").text()
    cases = table_of(Case)
    with desk.store.engine.connect() as conn:
        reasons = conn.execute(select(cases.c.priority_reasons).where(cases.c.id == int(top[3:]))).scalar_one()
    assert reasons and all(r["source"] in why and r["detail"] in why for r in reasons), (reasons, why)
    assert "Charged twice again" in page.text


def test_notes_are_listed_and_escaped(desk: Desk) -> None:
    c = desk.client("agent")
    ref = case_ref(desk.case_ids()[0])
    c.post(f"/cases/{ref}/notes", data={"csrf_token": csrf_of(c), "body": "<b>call</b> her back"})
    page = c.get(f"/cases/{ref}").text
    assert "&lt;b&gt;call&lt;/b&gt; her back" in page


def test_reply_flow_blocked_then_approved_by_a_supervisor(desk: Desk) -> None:
    agent = desk.client("agent")
    ref = _refs(agent.get("/queue").text)[0]
    editor = agent.get(f"/cases/{ref}/reply")
    assert editor.status_code == 200 and 'hx-post="/fragments/tone"' in editor.text
    # the live check: the findings are marked in the text
    frag = agent.post("/fragments/tone", data={"text": THREAT, "case": ref}, headers={"x-csrf-token": csrf_of(agent)})
    tree = LexborHTMLParser(frag.text)
    assert tree.css_first(".tone").attributes["data-verdict"] == "block"
    assert any("cease-and-desist" in m.text() for m in tree.css("mark.finding.block"))
    assert "Try:" in frag.text
    # draft it: stored blocked; the agent cannot send or approve it
    r = agent.post(f"/cases/{ref}/reply", data={"csrf_token": csrf_of(agent), "source": "text", "text": THREAT})
    assert r.status_code == 303
    entry_url = r.headers["location"]
    outbox_id = int(entry_url.rsplit("/", 1)[1])
    page = agent.get(entry_url).text
    assert "Blocked by the tone guard" in page and "Approve as supervisor" not in page
    assert agent.post(f"{entry_url}/send", data={"csrf_token": csrf_of(agent)}).status_code == 400
    assert agent.post(f"{entry_url}/approve", data={"csrf_token": csrf_of(agent), "reason": "x"}).status_code == 403
    # the supervisor approves with a written reason; an empty reason is refused
    sup = desk.client("supervisor")
    assert "Approve as supervisor" in sup.get(entry_url).text
    assert sup.post(f"{entry_url}/approve", data={"csrf_token": csrf_of(sup), "reason": "  "}).status_code == 400
    r = sup.post(f"{entry_url}/approve", data={"csrf_token": csrf_of(sup), "reason": "Legal asked for this wording"})
    assert r.status_code == 303
    assert "approved by supervisor" in sup.get(entry_url).text
    assert agent.post(f"{entry_url}/send", data={"csrf_token": csrf_of(agent)}).status_code == 303
    outbox = table_of(OutboxEntry)
    with desk.store.engine.connect() as conn:
        row = conn.execute(select(outbox).where(outbox.c.id == outbox_id)).one()
    assert (row.status, row.approved_by, row.approval_reason) == (
        "queued",
        "supervisor",
        "Legal asked for this wording",
    )


def test_reply_from_a_template(desk: Desk) -> None:
    agent = desk.client("agent")
    ref = case_ref(desk.case_ids()[0])
    r = agent.post(
        f"/cases/{ref}/reply",
        data={"csrf_token": csrf_of(agent), "source": "template", "template": "apology_next_step"},
    )
    assert r.status_code == 303
    page = agent.get(r.headers["location"]).text
    assert "Office of" in page  # signed from the template's signature


def test_sla_state_filter(desk: Desk) -> None:
    from datetime import UTC, datetime

    from execdesk.web.queries import sla_columns

    assert "sla_breached_at" in sla_columns()  # routing's SLA clocks are in the schema
    ids = desk.case_ids()
    cases = table_of(Case)
    with desk.store.transaction() as conn:
        conn.execute(
            update(cases).where(cases.c.id == ids[2]).values(sla_breached_at=datetime(2026, 10, 2, tzinfo=UTC))
        )
    c = desk.client("agent")
    assert _refs(c.get("/queue?sla=breached").text) == [case_ref(ids[2])]
    assert case_ref(ids[2]) not in _refs(c.get("/queue?sla=running").text)
    api = c.get("/api/v1/cases?sla=breached").json()["cases"]
    assert [x["id"] for x in api] == [case_ref(ids[2])]
    assert "breached" in c.get("/queue").text
