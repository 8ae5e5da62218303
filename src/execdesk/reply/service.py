"""Drafting a reply on a case, end to end: pick the text (template, own text, or a precedent),
sign it, run the guard, store it in the outbox. CLI, web and API call :func:`draft_reply`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from execdesk.reply.drafting import DraftError, case_context, compose, get_template, render, variables_for
from execdesk.reply.outbox import create_draft
from execdesk.reply.similar import suggest_replies
from execdesk.settings import Settings

EXECUTIVE_TEMPLATE = "executive_note"


def draft_reply(
    conn: Connection,
    settings: Settings,
    case_id: int,
    *,
    by: str,
    template: str | None = None,
    text: str | None = None,
    suggest: bool = False,
    executive: bool = False,
) -> dict[str, Any]:
    """Create a draft on the case from exactly one source; returns the outbox entry (with its tone report).

    ``template``: a shipped or organisation template, variables filled and signed (by the
    executive in executive voice). ``text``: the agent's own words, stored as typed (executive
    voice adds the executive's signature when missing). ``suggest``: the reply of the most
    similar resolved case, its similarity kept in the entry's notes.
    """
    sources = [s for s in (template is not None, text is not None, suggest) if s]
    if len(sources) > 1:
        raise DraftError("choose one of a template, a text or a suggestion")
    if not sources:
        if not executive:
            raise DraftError("choose one of a template, a text or a suggestion")
        template = EXECUTIVE_TEMPLATE
    ctx = case_context(conn, case_id)
    variables = variables_for(ctx, settings, by)
    notes: dict[str, Any] = {"source": "text"}
    if template is not None:
        tpl = get_template(settings, template)
        body, voice = compose(render(tpl.body, variables), settings, variables, executive=executive)
        notes = {"source": "template", "template": tpl.name, "template_origin": tpl.origin, **voice}
    elif suggest:
        found = suggest_replies(conn, case_id, limit=3)
        if not found:
            raise DraftError(f"no resolved case similar to {ctx.ref} has a reply to suggest")
        best = found[0]
        body, voice = compose(best.reply_text, settings, variables, executive=executive, sign=executive)
        notes = {
            "source": "suggestion",
            "precedent": best.case_ref,
            "similarity": best.similarity,
            "alternatives": [{"case": s.case_ref, "similarity": s.similarity} for s in found[1:]],
            **voice,
        }
    else:
        assert text is not None
        body, voice = compose(text, settings, variables, executive=executive, sign=executive)
        notes.update(voice)
    return create_draft(
        conn, settings, case_id=case_id, body=body, created_by=by, executive=executive, notes=notes, ctx=ctx
    )
