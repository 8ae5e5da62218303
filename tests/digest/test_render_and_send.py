"""The briefing in every format, and sent by mail to a real SMTP server on loopback (aiosmtpd):
e-mail-safe HTML, a PDF that renders, charts inline as cid: parts, and scheduled sending once a day."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from typer.testing import CliRunner

from execdesk.cases.refs import case_ref
from execdesk.cli.main import app
from execdesk.digest.build import build_digest
from execdesk.digest.render import build_mail, render
from execdesk.digest.schedule import latest_slot, send_due_digests
from execdesk.settings import Settings
from tests.digest.helpers import Story, build_story
from tests.mailfactory import BASE
from tests.reply.helpers import configure_sending, smtp_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "digest"


@pytest.fixture
def db_url(home: Path) -> str:
    """Rendering and sending do not depend on the database: SQLite only here (tests/digest/test_build.py runs both)."""
    return f"sqlite:///{home / 'execdesk.sqlite3'}"


def _digest(store, settings: Settings, story: Story):  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return build_digest(conn, settings, story.period, now=story.period.end)


def test_html_is_mail_safe_and_pdf_renders(store, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    story = build_story(store)
    d = _digest(store, settings, story)
    html = render(d, "html").decode()
    assert "<script" not in html.lower() and "<link" not in html.lower() and "<style" not in html.lower()
    srcs = re.findall(r'src="([^"]+)"', html)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)  # no external resources
    assert not re.search(r"(?:src|href)=\"https?:", html)
    assert html.index("Campaigns") < html.index("Worth a personal reply") < html.index("High risk")
    assert case_ref(story.customer) in html
    pdf = render(d, "pdf")
    assert pdf.startswith(b"%PDF")
    text = render(d, "text").decode()
    assert text.splitlines()[0].endswith("executive briefing for the CEO") and "CAMPAIGNS" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "story.html").write_text(html)
    (ARTIFACTS / "story.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):  # the PDF is a real document a renderer can draw
        subprocess.run(["pdftoppm", "-png", "-r", "40", str(ARTIFACTS / "story.pdf"), str(tmp_path / "p")], check=True)
        assert sorted(tmp_path.glob("p-*.png"))


def _parts(msg: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in msg.walk()]


def test_mail_has_text_html_and_charts_as_related_parts(store, settings) -> None:  # type: ignore[no-untyped-def]
    d = _digest(store, settings, build_story(store))
    msg = build_mail(
        d, sender="ceo-office@northwind-mobile.example", recipients=["ceo@northwind-mobile.example"], subject="Briefing"
    )
    assert _parts(msg)[:4] == ["multipart/alternative", "text/plain", "multipart/related", "text/html"]
    related = next(p for p in msg.walk() if p.get_content_type() == "multipart/related")
    html_part, *images = list(related.iter_parts())
    html = html_part.get_content()
    assert [i.get_content_type() for i in images] == ["image/png", "image/png"]
    for image in images:
        assert f"cid:{image['Content-ID'].strip('<>')}" in html
        assert image.get_content().startswith(b"\x89PNG")
    assert msg["Auto-Submitted"] == "auto-generated"


def _schedule(settings: Settings, server) -> Settings:  # type: ignore[no-untyped-def]
    configure_sending(settings, server, company_name="Northwind Mobile")
    settings.digest = type(settings.digest).model_validate(
        {**settings.digest.model_dump(), "recipients": ["ceo@northwind-mobile.example"], "send_time": "07:00",
         "timezone": "America/New_York", "since": "48h"}
    )  # fmt: skip
    return settings


def test_scheduled_digest_arrives_once_per_day(store, settings) -> None:  # type: ignore[no-untyped-def]
    build_story(store)
    first_slot = datetime(2026, 10, 2, 11, 0, tzinfo=UTC)  # 07:00 in New York (EDT)
    with smtp_server() as server:
        _schedule(settings, server)
        assert latest_slot(settings, first_slot + timedelta(minutes=5)) == first_slot
        before = send_due_digests(store, settings, first_slot + timedelta(minutes=5))
        again = send_due_digests(store, settings, first_slot + timedelta(hours=3))
        next_day = send_due_digests(store, settings, first_slot + timedelta(days=1, minutes=1))
    assert [r.status for r in before] == ["sent"]
    assert [(r.status, r.reason) for r in again] == [("skipped", "already sent")]
    assert [r.status for r in next_day] == ["sent"]
    first, second = server.recorder.received
    assert first.rcpt_tos == ["ceo@northwind-mobile.example"]
    msg = first.message
    assert msg["Subject"] == "Northwind Mobile: executive briefing for Fri 02 Oct 2026"
    related = [p for p in msg.walk() if p.get_content_type() == "multipart/related"]
    assert related and [p.get_content_type() for p in related[0].iter_parts()][1:] == ["image/png", "image/png"]
    assert "A flood" in msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert second.message["Message-ID"] != msg["Message-ID"]


def test_a_failed_send_is_tried_again_on_the_next_call(store, settings) -> None:  # type: ignore[no-untyped-def]
    slot = datetime(2026, 10, 2, 11, 0, tzinfo=UTC)
    with smtp_server() as server:
        _schedule(settings, server)
        server.recorder.fail_next = 1
        failed = send_due_digests(store, settings, slot + timedelta(minutes=1))
        retried = send_due_digests(store, settings, slot + timedelta(minutes=2))
    assert [r.status for r in failed] == ["failed"] and "451" in (failed[0].reason or "")
    assert [r.status for r in retried] == ["sent"] and len(server.recorder.received) == 1


def test_cli_digest_formats_and_schedule_run(store, settings, home: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    story = build_story(store)
    runner = CliRunner()
    period = ["--since", story.period.start.isoformat(), "--until", story.period.end.isoformat()]
    out = runner.invoke(app, ["--home", str(home), "digest", *period, "--json"])
    assert out.exit_code == 0, out.output
    assert f'"ref": "{case_ref(story.customer)}"' in out.output
    pdf = tmp_path / "b.pdf"
    out = runner.invoke(app, ["--home", str(home), "digest", *period, "--format", "pdf", "--output", str(pdf)])
    assert out.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    bad = runner.invoke(app, ["--home", str(home), "digest", "--since", "last week"])
    assert bad.exit_code == 2 and "neither a duration" in bad.output
    with smtp_server() as server:
        (home / "execdesk.toml").write_text(
            f'[reply]\nfrom_address = "ceo-office@northwind-mobile.example"\nsmtp_host = "{server.host}"\n'
            f'smtp_port = {server.port}\nsmtp_security = "none"\n'
            '[digest]\nrecipients = ["ceo@northwind-mobile.example"]\n'
        )
        at = (BASE + timedelta(days=1)).isoformat()
        runs = [
            runner.invoke(app, ["--home", str(home), "digest", "schedule-run", "--at", at, "--json"]) for _ in range(2)
        ]
    assert [r.exit_code for r in runs] == [0, 0], runs[0].output
    assert '"status": "sent"' in runs[0].output and '"status": "skipped"' in runs[1].output
    assert len(server.recorder.received) == 1
