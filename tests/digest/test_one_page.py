"""The story morning fits one page: the demo month imported through the real pipeline, the digest
of the 24 hours after the blog post, printed on A4 and on Letter. Pages are counted on weasyprint's
laid-out document; the PDF and a Chromium screenshot of the HTML go to test-artifacts/digest/ (look
at them). Every required section must still be on the page."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from execdesk.demo import generate_demo_mailbox, load_scenario
from execdesk.digest.build import build_digest
from execdesk.digest.charts import charts
from execdesk.digest.html import TIGHTER, data_uris, render_html
from execdesk.digest.model import Digest
from execdesk.digest.period import Period
from execdesk.digest.render import fitted_document
from execdesk.ingest.batch import import_paths
from execdesk.settings import load_settings
from execdesk.store import Store
from tests.conftest import REPO

ARTIFACTS = REPO / "test-artifacts" / "digest"
#: The morning after the blog post, in Columbus (as tests/test_story_end_to_end.py reads it).
MORNING = Period(
    datetime.fromisoformat("2026-09-28T07:00:00-04:00"), datetime.fromisoformat("2026-09-29T07:00:00-04:00")
)


@pytest.fixture(scope="module")
def morning(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Digest]:
    """The digest of the story morning, built from the demo month imported into a fresh SQLite home."""
    root = tmp_path_factory.mktemp("one-page")
    settings = load_settings(root / "home")
    store = Store.open(settings)
    try:
        import_paths(store, [generate_demo_mailbox(root / "mail")])
        with store.engine.connect() as conn:
            yield build_digest(conn, settings, MORNING, now=MORNING.end)
    finally:
        store.close()


def _page_text(document) -> str:  # type: ignore[no-untyped-def]
    """The words weasyprint laid out on the document's pages."""
    from weasyprint.formatting_structure import boxes

    words: list[str] = []

    def walk(box) -> None:  # type: ignore[no-untyped-def]
        if isinstance(box, boxes.TextBox):
            words.append(box.text)
        for child in getattr(box, "children", None) or []:
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(" ".join(words).split())


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_the_story_morning_is_one_page_with_every_section(morning: Digest, page_size: str) -> None:
    document, layout = fitted_document(morning, page_size=page_size)
    assert len(document.pages) == 1, (page_size, layout)
    text = _page_text(document)
    for heading in ("CAMPAIGNS", "WORTH A PERSONAL REPLY", "HIGH RISK", "THEMES", "PRAISE", "RESPONSE TIMES"):
        assert heading in text.upper(), heading
    flood = morning.campaigns[0]
    assert flood.trigger is not None and flood.trigger.contact_name == "Dana Whitfield"
    assert f"{flood.in_period} in the period" in text and flood.growth in text and "Suggested stance" in text
    assert f"Trigger: Dana Whitfield ({flood.trigger.ref})" in text
    shown = [p for p in morning.personal_replies if p.ref in text]
    assert 3 <= len(shown) <= 5 and shown[0].ref == flood.trigger.ref, [p.ref for p in shown]
    press = load_scenario().story.journalist_mails[0]
    assert any(r.ref in text and r.contact and "ledgerdaily" in r.contact for r in morning.high_risk), press
    assert f"{morning.totals.messages} messages" in text.replace("\n", " ") or str(morning.totals.messages) in text
    assert "cases answered" in text or "No first response" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / f"story-morning-{page_size}.pdf"
    pdf.write_bytes(document.write_pdf())
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(pdf.with_suffix(""))], check=True)


def test_a_busier_day_tightens_the_layout_and_counts_what_it_leaves_out(morning: Digest) -> None:
    """More cases than the caps: the lists end in "and N more" lines and nothing is silently dropped."""
    busy = morning.model_copy(
        update={
            "high_risk": morning.high_risk * 8,
            "personal_replies": morning.personal_replies[:1] * 7,
            "praise": morning.praise * 4,
        }
    )
    images = data_uris(charts(busy))
    html = render_html(busy, images, TIGHTER[0])
    assert f"and {len(busy.high_risk) - TIGHTER[0].high_risk} more in the queue" in html
    assert f"and {len(busy.personal_replies) - TIGHTER[0].personal} more" in html
    document, layout = fitted_document(busy, page_size="Letter")
    assert len(document.pages) == 1 and layout != TIGHTER[0]
    assert f"and {len(busy.high_risk) - layout.high_risk} more in the queue" in _page_text(document)


CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def test_the_html_reads_as_one_page_in_a_browser(morning: Digest) -> None:
    """The e-mail HTML in headless Chromium at a mail client's width: as tall as a printed page at most."""
    if not CHROMIUM.exists():
        from tests.services import unavailable

        unavailable(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    html = render_html(morning, data_uris(charts(morning)))
    assert not re.search(r"<(script|style|link)\b", html, re.I)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "story-morning.html"
    path.write_text(html)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 760, "height": 1100})
        page.goto(path.as_uri())
        box = page.eval_on_selector("table.page", "t => t.getBoundingClientRect().toJSON()")
        page.screenshot(path=str(ARTIFACTS / "story-morning-html.png"), full_page=True)
        browser.close()
    a4_width, a4_height = (round((mm - 16) / 25.4 * 96) for mm in (210, 297))  # printable, 8 mm margins, CSS px
    assert box["width"] <= a4_width and box["height"] <= a4_height, box  # prints on one A4 sheet at 100%
