"""The executive briefing in the desk: the same digest HTML as the morning mail, for a chosen period.

The digest HTML is e-mail-safe, which means inline ``style`` attributes everywhere, and the desk's
Content-Security-Policy forbids inline styles. So ``/briefing`` is a desk page (period selector,
download links) that frames ``/briefing/frame``: the digest itself, served with its own narrow
policy (inline styles and ``data:`` images only; no scripts, no network, framed by the desk alone)
inside an ``<iframe sandbox>`` with no permissions. The desk's policy stays as strict as it was.
See docs/decisions/0803-briefing-in-a-sandboxed-frame.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from execdesk.digest.period import Period, PeriodError, parse_period
from execdesk.settings import Settings
from execdesk.web.accounts import Principal
from execdesk.web.app import render
from execdesk.web.auth import StoreDep, require_role
from execdesk.web.errors import DeskError

router = APIRouter(include_in_schema=False)
#: Who reads the briefing: the executive and the supervisor who runs the office. Not the admin
#: (0702: running the installation is no entitlement to customers' mail) and not every agent.
BRIEFING_READERS = ("executive", "supervisor")
Reader = Annotated[Principal, Depends(require_role(*BRIEFING_READERS))]
PERIODS = {"24h": "the last 24 hours", "7d": "the last 7 days"}
#: The frame's own policy: the digest's inline styles and data: charts, nothing else; only the desk frames it.
FRAME_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'; sandbox"
)


def _period(settings: Settings, since: str, until: str) -> Period:
    if since not in PERIODS:
        raise DeskError(400, "refused", f"unknown period {since!r}; choose from {', '.join(PERIODS)}")
    try:
        return parse_period(since, until=until or None, now=datetime.now(UTC), tz=settings.digest.zone)
    except PeriodError as exc:
        raise DeskError(400, "refused", str(exc)) from exc


@router.get("/briefing")
def briefing_page(request: Request, store: StoreDep, user: Reader, since: str = "24h", until: str = "") -> Response:
    period = _period(store.settings, since, until)
    query = urlencode({k: v for k, v in (("since", since), ("until", until)) if v})
    return render(
        request,
        "briefing.html",
        {
            "since": since,
            "until": until,
            "periods": PERIODS,
            "label": period.label(store.settings.digest.zone),
            "query": query,
        },
    )


@router.get("/briefing/frame")
def briefing_frame(store: StoreDep, user: Reader, since: str = "24h", until: str = "") -> Response:
    """The digest's own HTML (charts as data URIs), for the sandboxed frame on ``/briefing``."""
    from execdesk.digest.build import build_digest
    from execdesk.digest.render import render_html_file

    period = _period(store.settings, since, until)
    with store.engine.connect() as conn:
        digest = build_digest(conn, store.settings, period)
    headers = {"content-security-policy": FRAME_POLICY, "x-frame-options": "SAMEORIGIN"}
    return HTMLResponse(render_html_file(digest), headers=headers)


@router.get("/briefing.pdf")
def briefing_pdf(store: StoreDep, user: Reader, since: str = "24h", until: str = "") -> Response:
    """The one-page PDF of the same period (``digest.page_size``), as an attachment."""
    from execdesk.digest.build import build_digest
    from execdesk.digest.render import render_pdf

    settings = store.settings
    period = _period(settings, since, until)
    with store.engine.connect() as conn:
        digest = build_digest(conn, settings, period)
    pdf = render_pdf(digest, page_size=settings.digest.page_size)
    name = f"briefing-{period.end.astimezone(settings.digest.zone):%Y-%m-%d}.pdf"
    return Response(
        pdf, media_type="application/pdf", headers={"content-disposition": f'attachment; filename="{name}"'}
    )
