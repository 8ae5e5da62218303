"""Every message body is hostile input: scripts, event handlers, javascript: links, CSS overlays,
forms, frames and remote images (tracking pixels) must render inert; attachments only download."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser
from sqlalchemy import select

from execdesk.cases.refs import case_ref
from execdesk.store.models import Attachment, Message, table_of
from execdesk.web.mailview import sanitise_html
from tests.web.conftest import Desk
from tests.web.hostile import HOSTILE_HTML, TRACKER


def _hostile_case(desk: Desk) -> tuple[int, int]:
    m = table_of(Message)
    with desk.store.engine.connect() as conn:
        row = conn.execute(select(m.c.id, m.c.case_id).where(m.c.from_addr == "mallory@hostile.example")).one()
    return row.case_id, row.id


def test_hostile_html_renders_inert_on_the_case_page(desk: Desk) -> None:
    case_id, _ = _hostile_case(desk)
    page = desk.client("agent").get(f"/cases/{case_ref(case_id)}")
    assert page.status_code == 200
    tree = LexborHTMLParser(page.text)
    mail = tree.css_first(".mail-html")
    assert mail is not None, "the HTML part is shown (sanitised)"
    html = mail.html or ""
    assert "I will sue you" in html and "my evidence" in html  # the content survives
    for node in mail.traverse():
        assert node.tag not in ("script", "style", "img", "form", "input", "iframe", "svg", "meta", "button"), node.tag
        for name, value in (node.attributes or {}).items():
            assert not name.lower().startswith("on"), (node.tag, name)
            assert name.lower() not in ("style", "background", "src"), (node.tag, name)
            assert "javascript:" not in (value or "").lower(), (node.tag, name, value)
    links = {a.text(): a.attributes for a in mail.css("a")}
    assert "href" not in links["click me"]
    assert links["my evidence"]["href"] == "https://example.org/evidence"
    assert set(links["my evidence"]["rel"].split()) >= {"noopener", "noreferrer", "nofollow"}
    # nothing anywhere on the page makes the browser fetch the tracker
    for node in tree.css("[src], [href], [action], [background], [style]"):
        for attr in ("src", "href", "action", "background", "style"):
            assert TRACKER not in (node.attributes.get(attr) or ""), (node.tag, attr)
    assert "images blocked" in page.text  # the agent is told
    # the subject and text with <script> are shown as text, escaped
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#39;subject&#39;)" in page.text or "&lt;script&gt;alert('subject')" in page.text


def test_sanitiser_removes_every_trap_of_the_fixture() -> None:
    safe = sanitise_html(HOSTILE_HTML)
    lowered = safe.html.lower()
    for trap in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "<form",
        "<iframe",
        "<img",
        "url(",
        "<meta",
        "style=",
    ):
        assert trap not in lowered, trap
    assert safe.images_removed >= 4


def test_attachments_download_and_are_never_rendered(desk: Desk) -> None:
    case_id, message_pk = _hostile_case(desk)
    att = table_of(Attachment)
    with desk.store.engine.connect() as conn:
        sha = conn.execute(select(att.c.sha256).where(att.c.message_pk == message_pk)).scalar_one()
    c = desk.client("agent")
    page = c.get(f"/cases/{case_ref(case_id)}").text
    assert f"/messages/{message_pk}/attachments/{sha}" in page
    r = c.get(f"/messages/{message_pk}/attachments/{sha}")
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert '"; x="' not in r.headers["content-disposition"]  # the hostile filename cannot add parameters
    assert b"<script>alert('attachment')" in r.content  # the bytes are intact, just not rendered
    # an attachment of another message under this hash is not reachable through the wrong message
    assert c.get(f"/messages/{message_pk + 100}/attachments/{sha}").status_code == 404
    assert desk.client().get(f"/messages/{message_pk}/attachments/{sha}").status_code == 303  # signed out
