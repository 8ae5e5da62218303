"""The search page and API: a word of a body finds its case; hostile text in a passage stays text;
roles apply (the admin does not read mail)."""

from __future__ import annotations

import re

from execdesk.web import accounts
from tests.web.conftest import Desk


def _bearer_for(desk: Desk, name: str) -> dict[str, str]:
    with desk.store.transaction() as conn:
        return {"authorization": f"Bearer {accounts.create_token(conn, name=name, actor='test')['token']}"}


def test_a_body_word_finds_its_case_with_the_word_marked(desk: Desk) -> None:
    c = desk.client("agent")
    page = c.get("/search", params={"q": "blog lawyer"})
    assert page.status_code == 200
    assert "Charged twice again" in page.text
    assert "<mark>blog</mark>" in page.text and "<mark>lawyer</mark>" in page.text
    assert "Thank you" not in page.text
    assert re.search(r'href="/cases/ED-\d{6}"', page.text)
    assert "No messages match" in c.get("/search", params={"q": "zebra"}).text


def test_a_hostile_body_in_a_passage_is_escaped(desk: Desk) -> None:
    page = desk.client("supervisor").get("/search", params={"q": "sue"})
    assert page.status_code == 200
    assert "<mark>sue</mark>" in page.text
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#39;text&#39;)&lt;/script&gt;" in page.text
    assert "&lt;script&gt;alert(&#39;subject&#39;)" in page.text


def test_roles_and_the_api(desk: Desk) -> None:
    assert desk.client("admin").get("/search", params={"q": "blog"}).status_code == 403
    assert desk.client().get("/search", params={"q": "blog"}).status_code == 303  # to sign in
    c = desk.client()
    assert c.get("/api/v1/search", params={"q": "blog"}).status_code == 401
    r = c.get("/api/v1/search", params={"q": "blog"}, headers=_bearer_for(desk, "executive"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [h["subject"] for h in body["results"]] == ["Charged twice again"]
    hit = body["results"][0]
    assert [hit["snippet"][s:e] for s, e in hit["highlights"]] == ["blog"]
    assert c.get("/api/v1/search", params={"q": "blog"}, headers=_bearer_for(desk, "admin")).status_code == 403
