"""Settings pages: roles (an agent gets 403), a rule made on the page routes new mail, templates
are tone-checked when saved, secrets are never shown."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from execdesk.ingest.batch import import_paths
from execdesk.store.models import AuditEvent, Case, Message, table_of
from tests.mailfactory import make_mail, to_mbox
from tests.web.conftest import Desk, csrf_of

PAGES = [
    "/settings",
    "/settings/mailboxes",
    "/settings/teams",
    "/settings/rules",
    "/settings/sla",
    "/settings/templates",
    "/settings/taxonomy",
]


def test_an_agent_cannot_reach_settings(desk: Desk) -> None:
    agent = desk.client("agent")
    for path in PAGES:
        assert agent.get(path).status_code == 403, path
    token = csrf_of(agent)
    r = agent.post("/settings/teams", data={"csrf_token": token, "name": "sneaky"})
    assert r.status_code == 403
    for role in ("supervisor", "admin"):
        c = desk.client(role)
        for path in PAGES:
            assert c.get(path).status_code == 200, (role, path)


def test_a_rule_made_on_the_page_routes_a_new_message(desk: Desk, home: Path) -> None:
    c = desk.client("supervisor")
    token = csrf_of(c, "/settings/rules")
    r = c.post("/settings/teams", data={"csrf_token": token, "name": "wholesale", "description": "B2B"})
    assert r.status_code == 303, r.text
    r = c.post(
        "/settings/rules",
        data={
            "csrf_token": token,
            "name": "wholesale-partners",
            "enabled": "on",
            "stop": "on",
            "match": "all",
            "position": "1",
            "c_sender_domains": "partner.example, reseller.example",
            "a_team": "wholesale",
        },
    )
    assert r.status_code == 303, r.text
    assert "wholesale-partners" in c.get("/settings/rules").text
    box = home / "new.mbox"
    box.write_bytes(
        to_mbox([make_mail(sender="Ola <ola@sales.partner.example>", subject="Bulk order", body="We need 500 SIMs.\n")])
    )
    import_paths(desk.store, [box])
    cases, messages = table_of(Case), table_of(Message)
    with desk.store.engine.connect() as conn:
        team, routing = conn.execute(
            select(cases.c.team, cases.c.routing)
            .join(messages, messages.c.case_id == cases.c.id)
            .where(messages.c.subject == "Bulk order")
        ).one()
        actions = [r.action for r in conn.execute(select(table_of(AuditEvent).c.action))]
    assert team == "wholesale", routing
    assert "routing.rule_created" in actions and "routing.team_saved" in actions
    test = c.get("/settings/rules", params={"case": "ED-000001"})
    assert test.status_code == 200 and "by rule" in test.text
    assert desk.client("admin").get("/settings/rules", params={"case": "ED-000001"}).status_code == 403
    r = c.post("/settings/rules/wholesale-partners/move", data={"csrf_token": token, "direction": "down"})
    assert r.status_code == 303
    r = c.post("/settings/rules/wholesale-partners/delete", data={"csrf_token": token})
    assert r.status_code == 303 and "wholesale-partners" not in c.get("/settings/rules").text
    r = c.post("/settings/rules", data={"csrf_token": token, "name": "bad", "a_team": "nonexistent"})
    assert r.status_code == 400 and "no team" in r.text


def test_a_saved_template_is_tone_checked(desk: Desk) -> None:
    c = desk.client("supervisor")
    token = csrf_of(c, "/settings/templates")
    r = c.post(
        "/settings/templates",
        data={
            "csrf_token": token,
            "name": "stop-writing",
            "description": "for repeat writers",
            "body": "Dear {customer_name},\n\nIf you e-mail us again we will call our lawyers.\n",
        },
    )
    assert r.status_code == 200, r.text
    assert 'data-verdict="block"' in r.text and "<mark" in r.text
    saved = desk.settings.home / "templates" / "stop-writing.md"
    assert saved.read_text().startswith("<!-- for repeat writers -->\nDear {customer_name}")
    assert "stop-writing" in c.get("/settings/templates").text
    r = c.post("/settings/templates", data={"csrf_token": token, "name": "../evil", "body": "x"})
    assert r.status_code == 400
    assert not (desk.settings.home / "evil.md").exists()


def test_mailbox_secrets_are_never_shown(desk: Desk) -> None:
    from pydantic import SecretStr

    desk.settings.imap.password = SecretStr("hunter2-imap-secret")
    page = desk.client("admin").get("/settings/mailboxes")
    assert page.status_code == 200
    assert "hunter2-imap-secret" not in page.text and "set (hidden)" in page.text
