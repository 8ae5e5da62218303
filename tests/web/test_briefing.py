"""``/briefing``: the digest in the desk for the executive and the supervisor, in a sandboxed frame
with its own Content-Security-Policy (the digest's HTML is e-mail-safe: inline styles throughout).

The desk holds the story's shape (tests/digest/helpers.py): Dana Whitfield's repeat complaint, the
flood of readers' mail about her as one campaign with her case as its trigger, the journalist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from execdesk.cases.refs import case_ref
from execdesk.web import accounts
from execdesk.web.app import create_app
from execdesk.web.routes.briefing import FRAME_POLICY
from execdesk.web.security import CONTENT_SECURITY_POLICY
from tests.digest.helpers import Story, build_story
from tests.web.conftest import PASSWORD, ROLES, login


@pytest.fixture
def db_url(home: Path) -> str:
    """The digest's reads are tested on both databases in tests/digest; the page needs only one."""
    return f"sqlite:///{home / 'execdesk.sqlite3'}"


@pytest.fixture
def briefing(store, settings) -> Iterator[tuple[object, Story, str]]:  # type: ignore[no-untyped-def]
    story = build_story(store)
    with store.transaction() as conn:
        for role in ROLES:
            accounts.add_user(conn, name=role, role=role, password=PASSWORD, actor="test")
    query = f"since=7d&until={story.period.end.isoformat().replace('+', '%2B')}"
    yield create_app(settings, store=store), story, query


def _client(app: object, role: str | None) -> TestClient:
    c = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    if role is not None:
        login(c, role)
    return c


@pytest.mark.parametrize("role", ["executive", "supervisor"])
def test_readers_see_the_campaign_and_the_customer_in_a_sandboxed_frame(briefing, role: str) -> None:  # type: ignore[no-untyped-def]
    app, story, query = briefing
    c = _client(app, role)
    page = c.get(f"/briefing?{query}")
    assert page.status_code == 200, page.text
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY  # the desk's policy, unchanged
    assert '<iframe class="briefing"' in page.text and 'sandbox=""' in page.text
    assert 'src="/briefing/frame?since=7d&amp;until=2026-' in page.text
    assert 'href="/briefing"' in page.text  # the nav link
    frame = c.get(f"/briefing/frame?{query}")
    assert frame.status_code == 200, frame.text
    assert frame.headers["content-security-policy"] == FRAME_POLICY
    assert "script-src" not in FRAME_POLICY and "'unsafe-inline'" in FRAME_POLICY and "sandbox" in FRAME_POLICY
    html = frame.text
    assert "<script" not in html.lower()
    assert "Your treatment of Dana Whitfield" in html  # the campaign
    assert f"Dana Whitfield ({case_ref(story.customer)})" in html  # its trigger, the customer's case
    assert case_ref(story.press) in html  # the journalist, high risk
    assert html.index("Campaigns") < html.index("Worth a personal reply")


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_other_roles_are_refused(briefing, role: str) -> None:  # type: ignore[no-untyped-def]
    app, _story, query = briefing
    c = _client(app, role)
    for path in ("/briefing", "/briefing/frame", "/briefing.pdf"):
        r = c.get(f"{path}?{query}")
        assert r.status_code == 403, (path, r.status_code)
        assert "Dana" not in r.text
    assert 'href="/briefing"' not in c.get("/login").text


def test_signed_out_is_sent_to_sign_in(briefing) -> None:  # type: ignore[no-untyped-def]
    app, _story, query = briefing
    c = _client(app, None)
    for path in ("/briefing", "/briefing/frame"):
        r = c.get(f"{path}?{query}")
        assert r.status_code in (302, 303) and "/login" in r.headers["location"], (path, r.status_code)


def test_the_period_is_24h_or_7d_and_the_pdf_downloads(briefing) -> None:  # type: ignore[no-untyped-def]
    app, _story, query = briefing
    c = _client(app, "executive")
    assert c.get("/briefing?since=1y").status_code == 400
    assert c.get("/briefing/frame?since=24h&until=not-a-date").status_code == 400
    day = c.get("/briefing?since=24h")
    assert day.status_code == 200 and "the last 24 hours" in day.text
    pdf = c.get(f"/briefing.pdf?{query}")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
