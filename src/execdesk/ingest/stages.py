"""The ingest pipeline's stages and their order (the one place it is written down).

parse -> history -> analyze -> cases -> record -> campaigns -> route.

``parse`` and ``analyze`` are pure and run per message; ``history`` reads each sender's
history in bulk (for repeat_contact); ``cases`` (contacts, threading, case rows) and
``record`` (message rows, attachments, audit events) write the whole batch with a few bulk
statements. :class:`~execdesk.pipeline.Pipeline` checks that each stage's inputs
exist before it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from execdesk.analyze import AnalyzeConfig, analyze_batch, analyze_message
from execdesk.campaigns.model import CampaignDoc
from execdesk.campaigns.runtime import runtime_for
from execdesk.campaigns.service import Arrived, Related, Weights, record_assignments
from execdesk.campaigns.spikes import SpikeAlert
from execdesk.cases import service
from execdesk.cases.contacts import normalise_address
from execdesk.cases.history import histories
from execdesk.cases.intake import ContactSeen, ThreadItem, assign_cases, touch_contacts
from execdesk.ingest.work import MessageWork, StageFailed, message_time
from execdesk.parse import ParseRefused, parse_message
from execdesk.parse.model import ParsedMessage
from execdesk.pipeline import Pipeline, Stage, per_message
from execdesk.routing.stage import route_batch
from execdesk.settings import Settings
from execdesk.store.blobs import BlobStore
from execdesk.store.db import allocate_ids
from execdesk.store.models import Attachment, Case, Message, table_of

_messages = table_of(Message)
_cases = table_of(Case)
_attachments = table_of(Attachment)

_INSERT_MESSAGES = insert(_messages)
_INSERT_ATTACHMENTS = insert(_attachments)
_UPDATE_MESSAGE = update(_messages).where(_messages.c.id == bindparam("pk"))

ACTOR = "system:ingest"


@dataclass(slots=True)
class SessionHooks:
    """What a stage keeping state outside the database must hear about its transaction.

    ``rollback`` callbacks run when a savepoint or the transaction is rolled back (the state
    they guard may now be ahead of the database); ``commit`` callbacks after a commit.
    """

    rollback: dict[str, Callable[[], None]] = field(default_factory=dict)
    commit: dict[str, Callable[[], None]] = field(default_factory=dict)

    def rolled_back(self) -> None:
        for fn in list(self.rollback.values()):
            fn()

    def committed(self) -> None:
        for fn in list(self.commit.values()):
            fn()


@dataclass(slots=True)
class StageEnv:
    """What stages may touch: settings, the blob store, and the current transaction."""

    settings: Settings
    blobs: BlobStore
    conn: Connection
    analyze_config: AnalyzeConfig | None = None
    hooks: SessionHooks = field(default_factory=SessionHooks)


def effective_time(parsed: ParsedMessage | None, received_at: datetime) -> datetime:
    """The message's own Date when plausible (historical imports), else when we received it."""
    return message_time(parsed.date if parsed is not None else None, received_at)


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


def analyze_stage(works: list[MessageWork], env: StageEnv) -> None:
    """The batch's messages in one ``analyze_batch`` call (same results as one by one, faster).

    On an exception the batch is analysed again message by message, so the one bad message is
    quarantined alone and the rest go on.
    """
    todo = [w for w in works if w.failure is None]
    if not todo:
        return
    try:
        parsed = [w.parsed for w in todo]
        assert all(p is not None for p in parsed)
        results = analyze_batch(parsed, [w.history for w in todo], env.analyze_config)  # type: ignore[arg-type]
    except Exception:  # the per-message run logs the failing message with its context
        per_message("analyze", analyze_one)(todo, env)
        return
    for w, analysis in zip(todo, results, strict=True):
        w.analysis = analysis


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
        "campaign_seq": decision.seq if (decision := work.extra.get("campaign")) is not None else None,
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
            previous = judgments.get(w.case_id)
            judgments[w.case_id] = {
                "case_id": w.case_id,
                "priority": w.analysis.priority.score,
                "priority_reasons": d["priority"]["reasons"],
                "intent": w.analysis.intent.label,
                "topic": w.analysis.topic.label,
                "signals": [sig.name for sig in w.analysis.signals],
            }
            if previous is not None:  # two messages of one case in this batch: keep the riskier judgment
                judgments[w.case_id] = merge_judgment(previous, judgments[w.case_id])
    service.set_judgments(env.conn, _keep_thread_risk(env.conn, judgments))


def _keep_thread_risk(conn: Connection, judgments: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """A case's judgment after a new message: the higher-priority of the case's standing judgment and the
    new message's, with the signals of both. A follow-up ("any news?") must not bury the press inquiry
    or the legal threat that opened the thread."""
    if not judgments:
        return []
    standing = conn.execute(
        select(
            _cases.c.id, _cases.c.priority, _cases.c.priority_reasons, _cases.c.intent, _cases.c.topic, _cases.c.signals
        ).where(_cases.c.id.in_(list(judgments)), _cases.c.intent.is_not(None))
    ).all()
    for c in standing:
        old = {
            "priority": c.priority,
            "priority_reasons": c.priority_reasons or [],
            "intent": c.intent,
            "topic": c.topic,
            "signals": c.signals or [],
        }
        judgments[int(c.id)] = merge_judgment(old, judgments[int(c.id)])
    return list(judgments.values())


def merge_judgment(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The higher-priority judgment, with the signals of both."""
    out = dict(new)
    if float(old["priority"] or 0.0) > float(new["priority"] or 0.0):
        out.update({k: old[k] for k in ("priority", "priority_reasons", "intent", "topic")})
    out["signals"] = list(dict.fromkeys([*new["signals"], *old["signals"]]))
    return out


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


@dataclass(frozen=True, slots=True)
class CampaignDecision:
    """What ``campaign_assign`` decided for one message, kept for ``record`` (the sequence number goes
    into the row) and ``campaigns`` (the rows it writes reference that row)."""

    seq: int
    arrived: Arrived
    related: Related | None
    spikes: list[SpikeAlert]


def campaign_assign_batch(works: list[MessageWork], env: StageEnv) -> None:
    """Assign each new message to a campaign (or none) in arrival order, before its row is written.

    The detector lives in memory (:mod:`execdesk.campaigns.runtime`); it catches up with the
    database first and is dropped if this transaction rolls back. Each applied message gets its
    ``campaign_seq`` here, so that the record stage inserts it with the row: setting it afterwards
    was a second write of every message row (and of all its indexes, the full-text one included).
    """
    cs = env.settings.campaigns
    if not cs.enabled:
        return
    rt = runtime_for(env.settings.db_url, env.settings.home, cs, env.settings.spikes)
    env.hooks.rollback["campaigns"] = rt.invalidate
    env.hooks.commit["campaigns"] = rt.after_commit
    todo = [w for w in works if w.failure is None and w.parsed is not None and w.message_pk is not None]
    with rt.lock:
        detector = rt.ensure(env.conn)
        for w in todo:
            parsed = w.parsed
            assert parsed is not None and w.message_pk is not None
            if parsed.machine is not None and parsed.machine.kind in cs.skip_machine_kinds:
                continue
            at = effective_time(parsed, w.received_at).astimezone(UTC)
            sender = (w.extra.get("from_addr") or parsed.from_addr or "")[:320]
            doc = CampaignDoc(str(w.message_pk), parsed.new_text or "", parsed.subject or "", sender, at)
            assignment = detector.assign(doc)
            related = None
            if assignment.campaign_id is None and assignment.family_id is not None and w.analysis is not None:
                kept = [sig.name for sig in w.analysis.signals if sig.name in cs.keep_individual_signals]
                if kept:  # same trigger, but the message matters on its own: not absorbed by words alone
                    related = Related(
                        w.message_pk, w.case_id, assignment.family_id, assignment.family_evidence, tuple(kept)
                    )
                    assignment = dataclasses.replace(assignment, family_id=None, family_evidence="")
            topic = w.analysis.topic.label if w.analysis is not None else None
            w.extra["campaign"] = CampaignDecision(
                seq=rt.next_seq(w.message_pk),
                arrived=Arrived(w.message_pk, w.case_id, w.contact_id, at, assignment),
                related=related,
                spikes=rt.spikes.observe(at, topic),
            )


def campaigns_batch(works: list[MessageWork], env: StageEnv) -> None:
    """Record the batch's campaign decisions (members, promotions, triggers, spikes): the rows they
    reference exist now."""
    cs = env.settings.campaigns
    if not cs.enabled:
        return
    decisions: list[CampaignDecision] = [
        w.extra["campaign"] for w in works if w.failure is None and "campaign" in w.extra
    ]
    arrived = [d.arrived for d in decisions]
    related = [d.related for d in decisions if d.related is not None]
    spikes = [s for d in decisions for s in d.spikes]
    weights = Weights.from_config(env.analyze_config.raw if env.analyze_config is not None else None)
    audits = record_assignments(
        env.conn,
        cs,
        arrived,
        spikes,
        related=related,
        weights=weights,
        batch_case_ids=[w.case_id for w in works if w.failure is None and w.case_id is not None],
    )
    service.record_audits(env.conn, audits)


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
        analyze_stage,
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
    Stage(
        "campaign_assign",
        ("parsed", "message_pk", "case_id"),
        (),
        campaign_assign_batch,
        "near-identical floods: each message's campaign decision, in arrival order",
    ),
    Stage("record", ("parsed", "message_pk", "case_id"), (), record_batch, "message rows, attachments, audit events"),
    Stage(
        "campaigns",
        ("parsed", "message_pk", "case_id"),
        (),
        campaigns_batch,
        "campaign records: members, promotions, trigger cases; spike alerts",
    ),
    Stage("route", ("parsed", "case_id"), (), route_batch, "teams, owners and priority by rule; SLA clocks; alerts"),
]


def default_pipeline() -> Pipeline:
    return Pipeline(INGEST_STAGES)
