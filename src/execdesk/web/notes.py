"""Internal notes on a case: staff-only text, never sent. Adding one is audited like any change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from execdesk.cases.service import CaseError, record_audit
from execdesk.store.db import utcnow
from execdesk.store.models import Case, CaseNote, table_of

_notes = table_of(CaseNote)
_cases = table_of(Case)
MAX_NOTE_CHARS = 20_000


def add_note(conn: Connection, *, case_id: int, body: str, author: str) -> dict[str, Any]:
    body = (body or "").strip()
    if not body:
        raise CaseError("the note is empty")
    if len(body) > MAX_NOTE_CHARS:
        raise CaseError(f"a note holds at most {MAX_NOTE_CHARS} characters")
    if conn.execute(select(_cases.c.id).where(_cases.c.id == case_id)).first() is None:
        raise CaseError(f"no case {case_id}")
    now = utcnow()
    note_id = conn.execute(
        insert(_notes).values(case_id=case_id, author=author, body=body, created_at=now).returning(_notes.c.id)
    ).scalar_one()
    record_audit(conn, actor=author, action="case.note", case_id=case_id, details={"note_id": int(note_id)}, at=now)
    return {"id": int(note_id), "case_id": case_id, "author": author, "body": body, "created_at": now.isoformat()}


def list_notes(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    return [
        {"id": r.id, "case_id": r.case_id, "author": r.author, "body": r.body, "created_at": r.created_at.isoformat()}
        for r in conn.execute(select(_notes).where(_notes.c.case_id == case_id).order_by(_notes.c.id))
    ]
