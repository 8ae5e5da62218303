"""Replies over the API: the tone guard alone, drafts, edits, a supervisor's approval, sending."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path

from execdesk.reply import outbox
from execdesk.reply.service import draft_reply
from execdesk.web import actions
from execdesk.web.accounts import Principal
from execdesk.web.actions import case_id_of
from execdesk.web.api import api_router
from execdesk.web.api.cases import CaseRef, _row
from execdesk.web.api.schemas import ApproveIn, DraftIn, EditIn, OutboxEntry, ToneCheckIn, ToneReport
from execdesk.web.auth import APPROVERS, REPLIERS, StoreDep, require_role
from execdesk.web.errors import DeskError

router = api_router("replies")
Replier = Annotated[Principal, Depends(require_role(*REPLIERS))]
Approver = Annotated[Principal, Depends(require_role(*APPROVERS))]
OutboxId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Outbox entry number.")]


@router.post("/tone-check", response_model=ToneReport, summary="Run the tone guard on a text (nothing is stored)")
def tone_check(store: StoreDep, user: Replier, body: ToneCheckIn) -> dict[str, Any]:
    case_id = None
    if body.case:
        case_id = case_id_of(body.case)
        _row(store, case_id)
    return actions.tone_check(store, body.text, case_id=case_id).to_dict()


def _entry(store: Any, outbox_id: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        try:
            return outbox.get(conn, outbox_id)
        except outbox.ReplyError as exc:
            raise DeskError(404, "not_found", str(exc)) from exc


@router.post(
    "/cases/{ref}/replies",
    response_model=OutboxEntry,
    status_code=201,
    summary="Draft a reply (template, text or suggestion); the tone guard runs on it",
)
def create_draft(store: StoreDep, user: Replier, ref: CaseRef, body: DraftIn) -> dict[str, Any]:
    case_id = case_id_of(ref)
    _row(store, case_id)
    with store.transaction() as conn:
        return draft_reply(
            conn,
            store.settings,
            case_id,
            by=user.name,
            template=body.template,
            text=body.text,
            suggest=body.suggest,
            executive=body.executive,
        )


@router.get("/replies/{outbox_id}", response_model=OutboxEntry, summary="One outbox entry with its tone report")
def get_reply(store: StoreDep, user: Replier, outbox_id: OutboxId) -> dict[str, Any]:
    return _entry(store, outbox_id)


@router.patch("/replies/{outbox_id}", response_model=OutboxEntry, summary="New text: the guard runs again")
def edit_reply(store: StoreDep, user: Replier, outbox_id: OutboxId, body: EditIn) -> dict[str, Any]:
    _entry(store, outbox_id)
    with store.transaction() as conn:
        return outbox.edit_draft(conn, store.settings, outbox_id, body=body.text, actor=user.name)


@router.post(
    "/replies/{outbox_id}/approve",
    response_model=OutboxEntry,
    summary="A supervisor approves a blocked reply, with a written reason (audited)",
)
def approve_reply(store: StoreDep, user: Approver, outbox_id: OutboxId, body: ApproveIn) -> dict[str, Any]:
    _entry(store, outbox_id)
    with store.transaction() as conn:
        return outbox.approve(conn, store.settings, outbox_id, by=user.name, reason=body.reason, role=user.role)


@router.post(
    "/replies/{outbox_id}/send",
    response_model=OutboxEntry,
    summary="Queue a reply (refused while blocked) and send it when SMTP is configured",
)
def send_reply(store: StoreDep, user: Replier, outbox_id: OutboxId) -> dict[str, Any]:
    _entry(store, outbox_id)
    return actions.queue_and_send(store, outbox_id, actor=user.name)
