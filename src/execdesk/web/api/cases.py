"""Cases over the API: list and read, status and assignment, notes, corrections."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query

from execdesk.cases import queries as case_queries
from execdesk.cases import service
from execdesk.cases.refs import case_ref
from execdesk.web import actions, notes, queries
from execdesk.web.accounts import Principal
from execdesk.web.actions import case_id_of
from execdesk.web.api import api_router
from execdesk.web.api.schemas import (
    Assignment,
    CaseDetail,
    CaseList,
    CaseSummary,
    Correction,
    CorrectionIn,
    Note,
    NoteIn,
    StatusChange,
)
from execdesk.web.auth import READERS, STAFF, StoreDep, require_role
from execdesk.web.errors import DeskError

router = api_router("cases")
Reader = Annotated[Principal, Depends(require_role(*READERS))]
Staff = Annotated[Principal, Depends(require_role(*STAFF))]
CaseRef = Annotated[str, Path(description="Case reference: ED-000042, ed-42 or 42.", max_length=40)]


def _row(store: Any, case_id: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = queries.case_row(conn, case_id)
    if row is None:
        raise DeskError(404, "not_found", f"no case {case_ref(case_id)}")
    return row


@router.get("/cases", response_model=CaseList, summary="The queue, highest priority first")
def list_cases(
    store: StoreDep,
    user: Reader,
    status: Annotated[str, Query(pattern="^(active|all|open|pending|resolved|closed)$")] = "active",
    intent: Annotated[str | None, Query(max_length=64)] = None,
    topic: Annotated[str | None, Query(max_length=64)] = None,
    signal: Annotated[str | None, Query(max_length=64)] = None,
    campaign: Annotated[str | None, Query(max_length=64)] = None,
    assignee: Annotated[str | None, Query(max_length=120, description="A name, or - for unassigned.")] = None,
    members: Annotated[bool, Query(description="Include campaign members (hidden by default).")] = False,
    sla: Annotated[
        str | None, Query(pattern="^(breached|paused|running)$", description="SLA clock state (when routing is on).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    flt = queries.QueueFilter(
        status=status,
        intent=intent,
        topic=topic,
        signal=signal,
        campaign=campaign,
        assignee=assignee,
        include_members=members,
        sla=sla,
    )
    with store.engine.connect() as conn:
        rows, more = queries.queue_page(conn, flt, limit=limit, offset=offset)
    return {"cases": rows, "more": more}


@router.get("/cases/{ref}", response_model=CaseDetail, summary="One case: thread, evidence, history, notes, audit")
def get_case(store: StoreDep, user: Reader, ref: CaseRef) -> dict[str, Any]:
    case_id = case_id_of(ref)
    with store.engine.connect() as conn:
        detail = case_queries.case_detail(conn, case_id)
        if detail is None:
            raise DeskError(404, "not_found", f"no case {case_ref(case_id)}")
        return {**detail, **queries.case_extra(conn, case_id), "notes": notes.list_notes(conn, case_id)}


@router.post("/cases/{ref}/status", response_model=CaseSummary, summary="Set a case's status (audited)")
def set_status(store: StoreDep, user: Staff, ref: CaseRef, body: StatusChange) -> dict[str, Any]:
    case_id = case_id_of(ref)
    with store.transaction() as conn:
        service.set_status(conn, case_id=case_id, status=body.status, actor=user.name, reason=body.reason)
    return _row(store, case_id)


@router.post("/cases/{ref}/assign", response_model=CaseSummary, summary="Assign or unassign a case (audited)")
def assign(store: StoreDep, user: Staff, ref: CaseRef, body: Assignment) -> dict[str, Any]:
    case_id = case_id_of(ref)
    who = (body.assignee or "").strip() or None
    with store.transaction() as conn:
        service.assign(conn, case_id=case_id, assignee=who, actor=user.name, reason=body.reason)
    return _row(store, case_id)


@router.get("/cases/{ref}/notes", response_model=list[Note], summary="Internal notes on a case")
def list_case_notes(store: StoreDep, user: Reader, ref: CaseRef) -> list[dict[str, Any]]:
    case_id = case_id_of(ref)
    _row(store, case_id)
    with store.engine.connect() as conn:
        return notes.list_notes(conn, case_id)


@router.post("/cases/{ref}/notes", response_model=Note, status_code=201, summary="Add an internal note (audited)")
def add_case_note(store: StoreDep, user: Reader, ref: CaseRef, body: NoteIn) -> dict[str, Any]:
    case_id = case_id_of(ref)
    _row(store, case_id)
    with store.transaction() as conn:
        return notes.add_note(conn, case_id=case_id, body=body.body, author=user.name)


@router.post(
    "/messages/{message_pk}/corrections",
    response_model=Correction,
    summary="Correct a message's intent or topic (kept for retraining, audited)",
)
def correct(
    store: StoreDep, user: Staff, message_pk: Annotated[int, Path(ge=1, le=2**31 - 1)], body: CorrectionIn
) -> Any:
    allowed = actions.taxonomy(store)[body.field]
    with store.transaction() as conn:
        if queries.message_ref(conn, message_pk) is None:
            raise DeskError(404, "not_found", f"no message {message_pk}")
        return service.correct_judgment(
            conn,
            message_pk=message_pk,
            field=body.field,
            new_value=body.value,
            actor=user.name,
            reason=body.reason,
            allowed=allowed,
        )
