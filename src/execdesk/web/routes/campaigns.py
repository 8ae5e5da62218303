"""Campaigns: the list, one campaign (form text, trigger and why, growth, members, alerts) and its
bulk actions. Roles: readers see campaigns; agents and supervisors acknowledge and answer; a blocked
answer, closing and detaching need a supervisor (docs/web.md)."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from execdesk.web import actions, campaign_ops
from execdesk.web.accounts import Principal
from execdesk.web.app import render
from execdesk.web.auth import APPROVERS, READERS, STAFF, StoreDep, require_role
from execdesk.web.errors import DeskError
from execdesk.web.mailview import mark_findings

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require_role(*READERS))]
Staff = Annotated[Principal, Depends(require_role(*STAFF))]
Supervisor = Annotated[Principal, Depends(require_role(*APPROVERS))]
STATUS_FILTERS = ("active", "closed", "all")
#: What a finished bulk action reports back on the campaign page (``?did=...&done=N&skipped=M``).
DONE_LABELS = {
    "acknowledge": "acknowledgments queued",
    "answer": "answers queued",
    "close": "cases closed",
    "detach": "message detached",
}


@router.get("/campaigns")
def campaigns_page(request: Request, store: StoreDep, user: Reader, status: str = "active") -> Response:
    status = status if status in STATUS_FILTERS else "active"
    rows = campaign_ops.listing(store, status=None if status == "all" else status)
    return render(request, "campaigns.html", {"rows": rows, "status": status, "statuses": STATUS_FILTERS})


def _page(
    request: Request,
    store: Any,
    user: Principal,
    campaign_id: str,
    *,
    answer: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    c = campaign_ops.detail(store, campaign_id)
    did = request.query_params.get("did", "")
    done = (
        {
            "label": DONE_LABELS[did],
            "done": _int(request.query_params.get("done")),
            "skipped": _int(request.query_params.get("skipped")),
        }
        if did in DONE_LABELS
        else None
    )
    return render(
        request,
        "campaign.html",
        {
            "c": c,
            "rep_case": c["representative_case_id"],
            "growth_json": json.dumps(campaign_ops.growth_chart(c["arrivals"])),
            "done": done,
            "answer": answer or {"text": "", "tone": None, "segments": [], "error": None},
            "can_work": user.role in STAFF and c["status"] == "active",
            "can_supervise": user.role in APPROVERS,
        },
        status_code=status_code,
    )


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, store: StoreDep, user: Reader, campaign_id: str) -> Response:
    return _page(request, store, user, campaign_id)


def _done(campaign_id: str, did: str, result: dict[str, Any]) -> Response:
    query = urlencode({"did": did, "done": result.get("done", 1), "skipped": result.get("skipped", 0)})
    return RedirectResponse(f"/campaigns/{campaign_id}?{query}#result", status_code=303)


@router.post("/campaigns/{campaign_id}/acknowledge")
def acknowledge(store: StoreDep, user: Staff, campaign_id: str) -> Response:
    return _done(campaign_id, "acknowledge", campaign_ops.acknowledge(store, campaign_id, user))


@router.post("/campaigns/{campaign_id}/answer")
def answer(
    request: Request,
    store: StoreDep,
    user: Staff,
    campaign_id: str,
    text: Annotated[str, Form(max_length=campaign_ops.MAX_ANSWER_CHARS)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    executive: Annotated[bool, Form()] = False,
    check: Annotated[str, Form()] = "",
) -> Response:
    """Answer all; ``check`` only shows the guard's verdict. A refusal re-renders the page with the
    text kept and the findings shown, so nothing typed is lost."""
    c = campaign_ops.detail(store, campaign_id)
    tone = actions.tone_check(store, text, case_id=c["representative_case_id"]).to_dict() if text.strip() else None
    segments = mark_findings(text, tone["findings"]) if tone else []
    state = {"text": text, "tone": tone, "segments": segments, "error": None}
    if check:
        return _page(request, store, user, campaign_id, answer=state)
    try:
        result = campaign_ops.answer(store, campaign_id, user, text=text, reason=reason, executive=executive)
    except DeskError as exc:
        if exc.status == 404:
            raise
        return _page(request, store, user, campaign_id, answer={**state, "error": exc.message}, status_code=exc.status)
    return _done(campaign_id, "answer", result)


@router.post("/campaigns/{campaign_id}/close")
def close(
    store: StoreDep,
    user: Supervisor,
    campaign_id: str,
    reason: Annotated[str, Form(max_length=2000)] = "",
    include_own_text: Annotated[bool, Form()] = False,
) -> Response:
    result = campaign_ops.close(store, campaign_id, user, reason=reason, include_own_text=include_own_text)
    return _done(campaign_id, "close", result)


@router.post("/campaigns/{campaign_id}/members/{message_pk}/detach")
def detach(
    store: StoreDep,
    user: Supervisor,
    campaign_id: str,
    message_pk: int,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    campaign_ops.detach(store, campaign_id, message_pk, user, reason=reason)
    return _done(campaign_id, "detach", {"done": 1, "skipped": 0})
