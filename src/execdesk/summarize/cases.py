"""A case's summary from its stored messages: the writer's own text and the stored signal evidence.

Reads the database (messages of the case) but judges nothing new: the sentences are scored with
the analysis stored at ingest (intent and signal evidence), so the summary points at the same
spans the "why" panel shows. The first inbound message states the matter and gets a small edge
over follow-ups, which mostly say "still waiting".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, select

from execdesk.store.models import Message, table_of
from execdesk.summarize.extractive import Evidence, Summary, summarize_text

_messages = table_of(Message)
_ANALYSED_SEPARATOR = "\n\n"  # analysis.text = subject + "\n\n" + new_text (analyze/text.py)
_MESSAGES_READ = 4


def evidence_of(analysis: Mapping[str, Any] | None, subject: str, body: str) -> list[Evidence]:
    """Signal evidence of a stored analysis, with offsets moved from the analysed text into ``body``.

    The offsets are kept only where they still point at the evidence text (the analysed text may have
    been cut or built from the whole body); otherwise the text alone is matched.
    """
    out: list[Evidence] = []
    shift = len(subject) + len(_ANALYSED_SEPARATOR)
    for sig in (analysis or {}).get("signals") or []:
        for ev in sig.get("evidence") or []:
            text = str(ev.get("text") or "")
            start, end = ev.get("start"), ev.get("end")
            if isinstance(start, int) and isinstance(end, int) and body[start - shift : end - shift] == text:
                out.append(Evidence(str(sig.get("name")), text, start - shift, end - shift))
            elif text:
                out.append(Evidence(str(sig.get("name")), text))
    return out


def summarize_message_row(row: Any, *, max_chars: int = 320) -> Summary:
    """Summary of one stored message (a row with subject, new_text, intent, analysis)."""
    body = row.new_text or ""
    analysis = row.analysis or {}
    intent = row.intent or ((analysis.get("intent") or {}).get("label") if isinstance(analysis, dict) else None)
    return summarize_text(
        body,
        subject=row.subject or "",
        intent=intent,
        evidence=evidence_of(analysis, row.subject or "", body),
        max_chars=max_chars,
    )


def summarize_case(conn: Connection, case_id: int, *, max_chars: int = 320) -> Summary:
    """What the customer of this case wants: from the first inbound message, or a later one that says more."""
    rows = conn.execute(
        select(
            _messages.c.id,
            _messages.c.subject,
            _messages.c.new_text,
            _messages.c.intent,
            _messages.c.analysis,
            _messages.c.machine_kind,
        )
        .where(_messages.c.case_id == case_id, _messages.c.direction == "in")
        .order_by(_messages.c.received_at, _messages.c.id)
        .limit(_MESSAGES_READ)
    ).all()
    return best_of(rows, max_chars=max_chars)


def best_of(rows: Iterable[Any], *, max_chars: int = 320) -> Summary:
    """The strongest summary among a thread's messages (the first message wins ties)."""
    best: Summary | None = None
    best_score = float("-inf")
    for i, row in enumerate(rows):
        if row.machine_kind:
            continue
        summary = summarize_message_row(row, max_chars=max_chars)
        if not summary.picks:
            best = best or summary
            continue
        score = max(p.score for p in summary.picks) - (0.3 if i else 0.0)
        if score > best_score:
            best, best_score = summary, score
    return best or Summary("")
