"""The queue: open cases by priority, filters, and bulk assign/close."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from execdesk.web import actions, queries
from execdesk.web.accounts import Principal, list_users
from execdesk.web.app import render
from execdesk.web.auth import READERS, STAFF, StoreDep, require_role

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/queue")
def queue_page(
    request: Request,
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*READERS))],
    status: str = "active",
    intent: str = "",
    topic: str = "",
    signal: str = "",
    campaign: str = "",
    assignee: str = "",
    members: bool = False,
    sla: str = "",
    page: Annotated[int, "1-based page"] = 1,
) -> Response:
    flt = queries.QueueFilter(
        status=status,
        intent=intent or None,
        topic=topic or None,
        signal=signal or None,
        campaign=campaign or None,
        assignee=assignee or None,
        include_members=members,
        sla=sla or None,
    )
    page = max(page, 1)
    with store.engine.connect() as conn:
        rows, more = queries.queue_page(conn, flt, limit=PAGE, offset=(page - 1) * PAGE)
        staff = [u["name"] for u in list_users(conn) if u["active"] and u["role"] in STAFF]
    params = {k: v for k, v in request.query_params.items() if k != "page" and v}
    return render(
        request,
        "queue.html",
        {
            "rows": rows,
            "flt": flt,
            "taxonomy": actions.taxonomy(store),
            "staff": staff,
            "page": page,
            "more": more,
            "query": urlencode(params),
            "back": "/queue" + (f"?{request.url.query}" if request.url.query else ""),
            "can_work": user.role in STAFF,
            "sla_columns": queries.sla_columns(),
            "sla_states": queries.SLA_STATES,
        },
    )


@router.post("/queue/bulk")
def bulk(
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*STAFF))],
    action: Annotated[str, Form()],
    case_ids: Annotated[list[int], Form(default_factory=list)],
    assignee: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/queue",
) -> Response:
    actions.bulk(store, case_ids=case_ids, action=action, actor=user.name, assignee=assignee or None)
    target = back if back.startswith("/queue") and not back.startswith("//") else "/queue"
    return RedirectResponse(target, status_code=303)
