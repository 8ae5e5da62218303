"""End to end in headless Chromium (Debian's /usr/bin/chromium driven by Playwright) against a
live uvicorn on a loopback port: sign in, open the top case, see its evidence marked, type a
threatening reply and watch the guard block it, approve it as a supervisor. Screenshots go to
test-artifacts/web/ (look at them). Skipped without chromium locally; a failure under CI."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.services import free_port, unavailable, wait_for_port
from tests.web.conftest import PASSWORD, Desk

CHROMIUM = Path(os.environ.get("EXECDESK_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = REPO / "test-artifacts" / "web"
THREAT = "Thank you for your e-mail. If you e-mail the CEO again we will send you a cease-and-desist letter."


@pytest.fixture
def live_desk(desk: Desk) -> Iterator[str]:
    """The desk on 127.0.0.1:<free port> in a uvicorn server thread; stopped after the test."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(desk.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port, None, Path("/dev/null"))
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def _sign_in(page, base: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_agent_is_blocked_and_supervisor_approves(live_desk: str, browser) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_desk
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    tracker_requests: list[str] = []
    page.on("request", lambda req: tracker_requests.append(req.url) if "tracker.example" in req.url else None)

    _sign_in(page, base, "agent")
    assert page.url.endswith("/queue")
    page.screenshot(path=str(ARTIFACTS / "01-queue.png"), full_page=True)

    # the top case: its evidence is marked in the text, its priority explained
    page.click("table.queue tbody tr:first-child td:nth-child(2) a")
    page.wait_for_load_state()
    marks = page.locator("mark.evidence")
    assert marks.count() >= 1
    assert marks.first.is_visible()
    assert page.locator("section.why li").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "02-case.png"), full_page=True)
    case_url = page.url

    # the reply editor: typing a threat shows the block finding inline (htmx, debounced)
    page.click("text=Write a reply")
    page.wait_for_load_state()
    page.locator("#reply-text").press_sequentially(THREAT, delay=5)
    # the panel has caught up with the whole text (the debounce fires as typing pauses)
    page.wait_for_function(
        "() => { const p = document.querySelector('.tone-preview');"
        " return p !== null && p.textContent === document.querySelector('#reply-text').value; }",
        timeout=20000,
    )
    assert page.locator(".tone").get_attribute("data-verdict") == "block"
    marked = " ".join(m.inner_text() for m in page.locator("mark.finding.block").all())
    assert "cease-and-desist" in marked, marked
    page.screenshot(path=str(ARTIFACTS / "03-editor-blocked.png"), full_page=True)
    page.click("button:has-text('Create draft')")
    page.wait_for_load_state()
    assert "Blocked by the tone guard" in page.content()
    assert page.locator("button:has-text('Send')").count() == 0
    reply_url = page.url
    page.screenshot(path=str(ARTIFACTS / "04-draft-blocked.png"), full_page=True)
    page.click("button:has-text('Sign out')")
    page.wait_for_load_state()

    # the supervisor approves it with a written reason; then it can be sent
    _sign_in(page, base, "supervisor")
    page.goto(reply_url)
    page.fill("form.approve textarea[name=reason]", "Customer asked us to stop writing; legal reviewed the wording.")
    page.click("button:has-text('Approve as supervisor')")
    page.wait_for_load_state()
    assert "approved by supervisor" in page.content()
    assert page.locator("button:has-text('Send')").count() == 1
    page.screenshot(path=str(ARTIFACTS / "05-approved.png"), full_page=True)

    # the hostile message's sanitised HTML loads nothing from the tracker
    page.goto(base + "/queue?signal=legal_threat")
    page.click("table.queue tbody tr:first-child td:nth-child(2) a")
    page.wait_for_load_state()
    for details in page.locator("details.html-view").all():
        details.locator("summary").click()
    time.sleep(0.3)
    page.screenshot(path=str(ARTIFACTS / "06-hostile-mail.png"), full_page=True)
    assert tracker_requests == []
    assert page.evaluate("typeof window.alert") == "function"  # the page is alive; nothing replaced it
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == [], problems
    assert case_url != reply_url
    context.close()


@pytest.fixture
def live_flood(home: Path) -> Iterator[str]:
    """The desk with a small flood of form letters naming a customer (tests/web/flood.py), served live."""
    import uvicorn

    from tests.web.conftest import make_desk
    from tests.web.flood import flood_mail

    d = make_desk(home, extra_mail=flood_mail())
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(d.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port, None, Path("/dev/null"))
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    d.store.close()


def test_agent_acknowledges_a_campaign_in_bulk(live_flood: str, browser) -> None:  # type: ignore[no-untyped-def]
    from tests.web.flood import READERS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_flood
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)

    _sign_in(page, base, "agent")
    page.click("header.top nav a:has-text('Campaigns')")
    page.wait_for_load_state()
    assert page.locator("tr.campaign-row").count() == 1
    page.screenshot(path=str(ARTIFACTS / "10-campaigns.png"), full_page=True)

    page.click("tr.campaign-row td:first-child a")
    page.wait_for_load_state()
    page.wait_for_selector("#growth-chart[data-drawn=true]", timeout=10000)  # Chart.js drew it
    assert page.locator("tr.member.own-text").count() == 1
    assert "Maria Lopez" in page.locator("section.trigger").inner_text()
    page.screenshot(path=str(ARTIFACTS / "11-campaign.png"), full_page=True)

    page.click("button:has-text('Acknowledge all')")
    page.wait_for_load_state()
    assert page.locator("#result .done-count").inner_text() == str(READERS)
    assert "acknowledgments queued" in page.locator("#result").inner_text()
    page.screenshot(path=str(ARTIFACTS / "12-campaign-acknowledged.png"), full_page=True)

    page.click("header.top nav a:has-text('Dashboard')")
    page.wait_for_load_state()
    page.wait_for_function("() => document.querySelectorAll('canvas[data-drawn=true]').length === 6", timeout=10000)
    page.screenshot(path=str(ARTIFACTS / "13-dashboard.png"), full_page=True)
    assert [u for u in missing if not u.endswith("/favicon.ico")] == []  # the browser asks for one; there is none
    assert [p for p in problems if "404" not in p] == [], problems
    context.close()
