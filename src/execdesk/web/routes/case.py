"""One case: thread (evidence marked, HTML sanitised), why panel, contact history, notes,
assignment, status, corrections, replies on it and the audit trail; attachments as downloads."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from execdesk.cases import queries as case_queries
from execdesk.cases import service
from execdesk.cases.refs import case_ref
from execdesk.parse import parse_message
from execdesk.reply.outbox import list_outbox
from execdesk.store import Store
from execdesk.web import actions, notes, queries
from execdesk.web.accounts import Principal, list_users
from execdesk.web.actions import case_id_of
from execdesk.web.app import render
from execdesk.web.auth import READERS, REPLIERS, STAFF, StoreDep, require_role
from execdesk.web.errors import DeskError
from execdesk.web.mailview import mark_evidence, sanitise_html

router = APIRouter(include_in_schema=False)


def _thread_views(store: Store, detail: dict[str, Any], refs: dict[int, queries.RawMessage]) -> list[dict[str, Any]]:
    """Per message: the analysed text with evidence marked, and sanitised HTML when it had some."""
    views = []
    limits = store.settings.limits.parse_limits()
    for m in detail["thread"]:
        ref = refs.get(m["message_pk"])
        body, html = m["new_text"], None
        if ref is not None and (ref.has_html or not body.strip()) and store.blobs.exists(ref.raw_sha256):
            try:
                parsed = parse_message(store.blobs.get(ref.raw_sha256), limits)
            except Exception:  # quarantined or unparseable: the stored text is all we show
                parsed = None
            if parsed is not None:
                body = body if body.strip() else parsed.text
                html = sanitise_html(parsed.html) if parsed.html else None
        views.append({"m": m, "marked": mark_evidence(m["subject"], body, m.get("analysis")), "html": html})
    return views


@router.get("/cases/{ref}")
def case_page(
    request: Request,
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*READERS))],
    ref: str,
) -> Response:
    case_id = case_id_of(ref)
    with store.engine.connect() as conn:
        detail = case_queries.case_detail(conn, case_id)
        if detail is None:
            raise DeskError(404, "not_found", f"no case {case_ref(case_id)}")
        extra = queries.case_extra(conn, case_id)
        refs = queries.message_refs(conn, case_id)
        case_notes = notes.list_notes(conn, case_id)
        replies = list_outbox(conn, case_id=case_id, limit=50)
        staff = [u["name"] for u in list_users(conn) if u["active"] and u["role"] in STAFF]
    return render(
        request,
        "case.html",
        {
            "case": detail,
            "extra": extra,
            "views": _thread_views(store, detail, refs),
            "notes": case_notes,
            "replies": replies,
            "staff": staff,
            "statuses": service.STATUSES,
            "taxonomy": actions.taxonomy(store),
            "can_work": user.role in STAFF,
            "can_reply": user.role in REPLIERS,
        },
    )


def _back(case_id: int) -> Response:
    return RedirectResponse(f"/cases/{case_ref(case_id)}", status_code=303)


@router.post("/cases/{ref}/status")
def set_status(
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*STAFF))],
    ref: str,
    status: Annotated[str, Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    case_id = case_id_of(ref)
    with store.transaction() as conn:
        service.set_status(conn, case_id=case_id, status=status, actor=user.name, reason=reason)
    return _back(case_id)


@router.post("/cases/{ref}/assign")
def assign(
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*STAFF))],
    ref: str,
    assignee: Annotated[str, Form(max_length=120)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    case_id = case_id_of(ref)
    with store.transaction() as conn:
        service.assign(conn, case_id=case_id, assignee=assignee.strip() or None, actor=user.name, reason=reason)
    return _back(case_id)


@router.post("/cases/{ref}/notes")
def add_note(
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*READERS))],
    ref: str,
    body: Annotated[str, Form(max_length=notes.MAX_NOTE_CHARS)],
) -> Response:
    case_id = case_id_of(ref)
    with store.transaction() as conn:
        notes.add_note(conn, case_id=case_id, body=body, author=user.name)
    return _back(case_id)


@router.post("/messages/{message_pk}/correct")
def correct(
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*STAFF))],
    message_pk: int,
    field: Annotated[str, Form()],
    value: Annotated[str, Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    allowed = actions.taxonomy(store).get(field, ())
    with store.transaction() as conn:
        service.correct_judgment(
            conn, message_pk=message_pk, field=field, new_value=value, actor=user.name, reason=reason, allowed=allowed
        )
        ref = queries.message_ref(conn, message_pk)
    return _back(ref.case_id) if ref is not None and ref.case_id else RedirectResponse("/queue", status_code=303)


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


@router.get("/messages/{message_pk}/attachments/{sha256}")
def download(
    store: StoreDep,
    user: Annotated[Principal, Depends(require_role(*READERS))],
    message_pk: int,
    sha256: str,
) -> Response:
    """Bytes as a download only: never rendered by the browser, whatever the sender claimed."""
    with store.engine.connect() as conn:
        att = queries.attachment(conn, message_pk, sha256)
    if att is None or not store.blobs.exists(sha256):
        raise DeskError(404, "not_found", "no such attachment")
    name = att["filename"] or f"attachment-{sha256[:12]}"
    ascii_name = _UNSAFE_NAME.sub("_", name).strip() or "attachment"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(
        store.blobs.get(sha256),
        media_type="application/octet-stream",
        headers={
            "content-disposition": disposition,
            "x-content-type-options": "nosniff",
            "content-security-policy": "default-src 'none'; sandbox",
        },
    )
