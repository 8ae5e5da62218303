"""The ingest pipeline's stages and their order (the one place it is written down).

parse -> history -> analyze -> cases -> record.

``parse`` and ``analyze`` are pure and run per message; ``history`` reads each sender's
history in bulk (for repeat_contact); ``cases`` (contacts, threading, case rows) and
``record`` (message rows, attachments, audit events) write the whole batch with a few bulk
statements. :class:`~execdesk.pipeline.Pipeline` checks that each stage's inputs
exist before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update

from execdesk.analyze import AnalyzeConfig, analyze_message
from execdesk.cases import service
from execdesk.cases.contacts import normalise_address
from execdesk.cases.history import histories
from execdesk.cases.intake import ContactSeen, ThreadItem, assign_cases, touch_contacts
from execdesk.ingest.work import MessageWork, StageFailed
from execdesk.parse import ParseRefused, parse_message
from execdesk.parse.model import ParsedMessage
from execdesk.pipeline import Pipeline, Stage, per_message
from execdesk.settings import Settings
from execdesk.store.blobs import BlobStore
from execdesk.store.db import allocate_ids
from execdesk.store.models import Attachment, Message, table_of

_messages = table_of(Message)
_attachments = table_of(Attachment)

_INSERT_MESSAGES = insert(_messages)
_INSERT_ATTACHMENTS = insert(_attachments)
_UPDATE_MESSAGE = update(_messages).where(_messages.c.id == bindparam("pk"))

ACTOR = "system:ingest"
MAX_FUTURE = timedelta(days=1)


@dataclass(slots=True)
class StageEnv:
    """What stages may touch: settings, the blob store, and the current transaction."""

    settings: Settings
    blobs: BlobStore
    conn: Connection
    analyze_config: AnalyzeConfig | None = None


def effective_time(parsed: ParsedMessage | None, received_at: datetime) -> datetime:
    """The message's own Date when plausible (historical imports), else when we received it."""
    if parsed is not None and parsed.date is not None and parsed.date <= received_at + MAX_FUTURE:
        return parsed.date
    return received_at


def parse_one(work: MessageWork, env: StageEnv) -> None:
    try:
        work.parsed = parse_message(
            work.raw, env.settings.limits.parse_limits(), content_hash=work.identity.content_hash
        )
    except ParseRefused as refused:
        raise StageFailed("parse", refused.code, refused.reason) from None


def history_batch(works: list[MessageWork], env: StageEnv) -> None:
    """Each sender's history before their message (read-only; counted in arrival order)."""
    todo = [w for w in works if w.failure is None]
    senders = []
    for w in todo:
        assert w.parsed is not None
        senders.append((normalise_address(w.parsed.from_addr), effective_time(w.parsed, w.received_at)))
    for w, h in zip(todo, histories(env.conn, senders), strict=True):
        w.history = h


def analyze_one(work: MessageWork, env: StageEnv) -> None:
    assert work.parsed is not None
    work.analysis = analyze_message(work.parsed, work.history, env.analyze_config)


def _message_values(work: MessageWork, address: str | None) -> dict[str, Any]:
    parsed = work.parsed
    assert parsed is not None
    analysis = work.analysis
    return {
        "status": "ok",
        "subject": parsed.subject,
        "from_addr": (address or parsed.from_addr or None) and (address or parsed.from_addr or "")[:320],
        "from_name": parsed.from_name,
        "to_addrs": parsed.to_addrs,
        "cc_addrs": parsed.cc_addrs,
        "date": parsed.date,
        "in_reply_to": parsed.in_reply_to[:998] if parsed.in_reply_to else None,
        "references": parsed.references,
        "new_text": parsed.new_text,
        "quoted_text": parsed.quoted_text,
        "signature": parsed.signature,
        "has_html": parsed.html is not None,
        "machine_kind": parsed.machine.kind if parsed.machine else None,
        "machine_reason": parsed.machine.reason if parsed.machine else None,
        "defects": parsed.defects,
        "headers": parsed.headers,
        "contact_id": work.contact_id,
        "case_id": work.case_id,
        "analysis": _analysis_dict(work) if analysis is not None else None,
        "intent": analysis.intent.label if analysis is not None else None,
        "topic": analysis.topic.label if analysis is not None else None,
        "sentiment": analysis.sentiment.score if analysis is not None else None,
        "priority": analysis.priority.score if analysis is not None else None,
    }


def cases_batch(works: list[MessageWork], env: StageEnv) -> None:
    """Contacts, then thread the batch into cases (opening cases as needed) and store each case's
    judgment. Message ids are allocated here so that message rows are written once, with their case."""
    todo = [w for w in works if w.failure is None]
    if not todo:
        return
    addresses = [normalise_address(w.parsed.from_addr) if w.parsed else None for w in todo]
    seen = [
        ContactSeen(addr, w.parsed.from_name, effective_time(w.parsed, w.received_at))
        for w, addr in zip(todo, addresses, strict=True)
        if addr is not None and w.parsed is not None
    ]
    contact_ids = iter(touch_contacts(env.conn, seen))
    for w, addr in zip(todo, addresses, strict=True):
        w.contact_id = next(contact_ids) if addr is not None else None
        w.extra["from_addr"] = addr
    new = [w for w in todo if w.existing_pk is None]
    for w, pk in zip(new, allocate_ids(env.conn, _messages, len(new)), strict=True):
        w.message_pk = pk
    for w in todo:
        if w.existing_pk is not None:
            w.message_pk = w.existing_pk
    items = []
    for w in todo:
        parsed = w.parsed
        assert parsed is not None and w.message_pk is not None
        refs: list[str] = []
        for ref in [parsed.in_reply_to, *reversed(parsed.references)]:
            if ref and ref not in refs and ref != parsed.message_id:
                refs.append(ref[:998])
        items.append(
            ThreadItem(
                message_pk=w.message_pk,
                message_id=parsed.message_id,
                refs=refs[:50],
                subject=parsed.subject,
                contact_id=w.contact_id,
                at=effective_time(parsed, w.received_at),
                machine=parsed.machine is not None,
            )
        )
    events = assign_cases(
        env.conn,
        items,
        by_sender=env.settings.ingest.thread_by_sender,
        window=timedelta(hours=env.settings.ingest.sender_window_hours),
        actor=ACTOR,
    )
    by_pk: dict[int, list[dict[str, Any]]] = {}
    for e in events:
        by_pk.setdefault(e["message_pk"], []).append(e)
    judgments: dict[int, dict[str, Any]] = {}  # the latest message of each case sets its judgment
    for w, it in zip(todo, items, strict=True):
        w.case_id, w.thread_reason = it.case_id, it.reason
        w.extra["audit"] = by_pk.get(it.message_pk, [])
        if w.analysis is not None and w.case_id is not None:
            d = _analysis_dict(w)
            judgments[w.case_id] = {
                "case_id": w.case_id,
                "priority": w.analysis.priority.score,
                "priority_reasons": d["priority"]["reasons"],
                "intent": w.analysis.intent.label,
                "topic": w.analysis.topic.label,
                "signals": [sig.name for sig in w.analysis.signals],
            }
    service.set_judgments(env.conn, list(judgments.values()))


def record_batch(works: list[MessageWork], env: StageEnv) -> None:
    """Write the batch's message rows (with their case), attachments (bytes as blobs) and the
    audit events of the case changes (which reference the message rows)."""
    todo = [w for w in works if w.failure is None]
    rows: list[dict[str, Any]] = []
    for w in todo:
        assert w.parsed is not None and w.message_pk is not None
        values = _message_values(w, w.extra.get("from_addr"))
        if w.existing_pk is not None:  # a replay from quarantine: the row exists
            env.conn.execute(_UPDATE_MESSAGE, {"pk": w.existing_pk, **values})
            continue
        values.update(
            id=w.message_pk,
            raw_sha256=w.identity.raw_sha256,
            content_hash=w.identity.content_hash,
            message_id=w.parsed.message_id[:998] if w.parsed.message_id else None,
            size=len(w.raw),
            direction="in",
            received_at=w.received_at,
        )
        rows.append(values)
    if rows:
        env.conn.execute(_INSERT_MESSAGES, rows)
    attachments = []
    for w in todo:
        assert w.parsed is not None
        for att in w.parsed.attachments:
            env.blobs.put(att.data, att.sha256)
            attachments.append(
                {
                    "message_pk": w.message_pk,
                    "filename": att.filename,
                    "content_type": att.content_type,
                    "size": att.size,
                    "sha256": att.sha256,
                    "inline": att.inline,
                }
            )
    if attachments:
        env.conn.execute(_INSERT_ATTACHMENTS, attachments)
    service.record_audits(env.conn, [e for w in todo for e in w.extra.get("audit", [])])


def _analysis_dict(work: MessageWork) -> dict[str, Any]:
    """``Analysis.to_dict()`` once per message (it is stored and also feeds the case's reasons)."""
    if "analysis_dict" not in work.extra:
        work.extra["analysis_dict"] = work.analysis.to_dict()
    d: dict[str, Any] = work.extra["analysis_dict"]
    return d


INGEST_STAGES = [
    Stage(
        "parse",
        ("raw", "identity"),
        ("parsed",),
        per_message("parse", parse_one),
        "MIME, text, quotes, attachments, machine mail",
        pure=True,
    ),
    Stage("history", ("parsed",), ("history",), history_batch, "each sender's history before the message (read-only)"),
    Stage(
        "analyze",
        ("parsed", "history"),
        ("analysis",),
        per_message("analyze", analyze_one),
        "intent, topic, signals, sentiment, priority, with evidence",
        pure=True,
    ),
    Stage(
        "cases",
        ("parsed",),  # uses the analysis when the pipeline has one
        ("contact_id", "message_pk", "case_id"),
        cases_batch,
        "contacts; thread into cases or open them; case judgments",
    ),
    Stage("record", ("parsed", "message_pk", "case_id"), (), record_batch, "message rows, attachments, audit events"),
]


def default_pipeline() -> Pipeline:
    return Pipeline(INGEST_STAGES)
