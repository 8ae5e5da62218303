"""The reply editor: start from a template, a precedent or own words; the tone guard's findings
marked as the agent types (htmx posts the text to the tone fragment, debounced); edit, queue, and
a supervisor's written approval for a blocked reply."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from execdesk.cases.refs import case_ref
from execdesk.reply import outbox
from execdesk.reply.drafting import load_templates
from execdesk.reply.service import draft_reply
from execdesk.reply.similar import suggest_replies
from execdesk.web import actions
from execdesk.web.accounts import Principal
from execdesk.web.actions import case_id_of
from execdesk.web.app import render
from execdesk.web.auth import APPROVERS, REPLIERS, StoreDep, require_role
from execdesk.web.errors import DeskError
from execdesk.web.mailview import mark_findings

router = APIRouter(include_in_schema=False)
MAX_REPLY_CHARS = 50_000


def _tone_context(text: str, report: dict[str, Any]) -> dict[str, Any]:
    return {"tone": report, "segments": mark_findings(text, report["findings"]), "text": text}


@router.get("/cases/{ref}/reply")
def editor(
    request: Request,
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*REPLIERS))],
    ref: str,
) -> Response:
    case_id = case_id_of(ref)
    with store.engine.connect() as conn:
        suggestions = suggest_replies(conn, case_id, limit=3)
    templates = load_templates(store.settings)
    return render(
        request,
        "reply_editor.html",
        {
            "ref": case_ref(case_id),
            "templates": sorted(templates.values(), key=lambda t: t.name),
            "suggestions": suggestions,
            "executive_default": user.role == "executive",
        },
    )


@router.post("/cases/{ref}/reply")
def create(
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*REPLIERS))],
    ref: str,
    source: Annotated[str, Form()],
    template: Annotated[str, Form()] = "",
    text: Annotated[str, Form(max_length=MAX_REPLY_CHARS)] = "",
    executive: Annotated[bool, Form()] = False,
) -> Response:
    case_id = case_id_of(ref)
    kwargs: dict[str, Any] = {"executive": executive}
    if source == "template":
        kwargs["template"] = template
    elif source == "suggestion":
        kwargs["suggest"] = True
    elif source == "text":
        kwargs["text"] = text
    else:
        raise DeskError(400, "refused", "choose a template, a suggestion or your own text")
    with store.transaction() as conn:
        entry = draft_reply(conn, store.settings, case_id, by=user.name, **kwargs)
    return RedirectResponse(f"/replies/{entry['id']}", status_code=303)


@router.post("/fragments/tone")
def tone_fragment(
    request: Request,
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*REPLIERS))],
    text: Annotated[str, Form(max_length=MAX_REPLY_CHARS)] = "",
    case: Annotated[str, Form()] = "",
) -> Response:
    """The findings panel for the text being typed (htmx swaps it in; nothing is stored)."""
    case_id = case_id_of(case) if case else None
    report = actions.tone_check(store, text, case_id=case_id).to_dict() if text.strip() else None
    context = _tone_context(text, report) if report else {"tone": None, "segments": [], "text": text}
    return render(request, "_tone.html", context)


@router.get("/replies/{outbox_id}")
def entry_page(
    request: Request,
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*REPLIERS))],
    outbox_id: int,
) -> Response:
    with store.engine.connect() as conn:
        entry = outbox.get(conn, outbox_id)
    return render(
        request,
        "reply.html",
        {
            "entry": entry,
            **_tone_context(entry["body"], entry["tone"]),
            "editable": entry["status"] in outbox.EDITABLE,
            "queueable": entry["status"] in outbox.QUEUEABLE,
            "can_approve": user.role in APPROVERS and entry["status"] == "blocked",
        },
    )


def _back(outbox_id: int) -> Response:
    return RedirectResponse(f"/replies/{outbox_id}", status_code=303)


@router.post("/replies/{outbox_id}/edit")
def edit(
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*REPLIERS))],
    outbox_id: int,
    text: Annotated[str, Form(max_length=MAX_REPLY_CHARS)],
) -> Response:
    with store.transaction() as conn:
        outbox.edit_draft(conn, store.settings, outbox_id, body=text, actor=user.name)
    return _back(outbox_id)


@router.post("/replies/{outbox_id}/approve")
def approve(
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*APPROVERS))],
    outbox_id: int,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    with store.transaction() as conn:
        outbox.approve(conn, store.settings, outbox_id, by=user.name, reason=reason, role=user.role)
    return _back(outbox_id)


@router.post("/replies/{outbox_id}/send")
def send(
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*REPLIERS))],
    outbox_id: int,
) -> Response:
    actions.queue_and_send(store, outbox_id, actor=user.name)
    return _back(outbox_id)
