"""Run the analyze stage again over stored messages (after ``execdesk train`` ships new models, or
a change to the analysis configuration), in message-id ranges, and store what it says now.

What is replaced and what is kept:

* each inbound message's analysis, priority, sentiment, intent and topic are recomputed from its
  raw bytes (parsed again, analysed with :func:`~execdesk.analyze.analyze_batch`, the same call
  as the ingest stage); a **person's correction** of the intent or topic (``execdesk correct``)
  stays: people outrank models;
* signals that were computed from the world as it was when the message arrived — the sender's
  history (``repeat_contact``) and campaign membership (rule ``campaigns``) — are carried over
  from the stored analysis — history signals weighed again by :func:`~execdesk.analyze.reprioritise`,
  campaign signals added back with the points the campaign stage gave them; history is not
  recomputed, because the sender's history *today* is not what it was then;
* each touched case's judgment moves by the difference between the analyzer's old and new view
  of its messages (folded the way the ingest ``cases`` stage folds them: the riskier message
  wins); what routing rules and campaigns added on top (their priority points and reasons)
  stays. Routing, SLA clocks and alerts are not re-run.

A message whose raw bytes are gone (retention) or that no longer parses is left as it was and
counted. Idempotent: running a range twice stores the same result.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from execdesk.analyze import AnalyzeConfig, analyze_batch, load_config, reprioritise
from execdesk.analyze.model import SignalHit
from execdesk.campaigns.service import with_signal
from execdesk.ingest.stages import merge_judgment
from execdesk.parse import ParseRefused, parse_message
from execdesk.store.blobs import BlobNotFound
from execdesk.store.db import Store, lock_case_writes
from execdesk.store.models import Case, Correction, Message, table_of

log = logging.getLogger("execdesk.reanalyze")

_messages = table_of(Message)
_cases = table_of(Case)
_corrections = table_of(Correction)
_UPDATE_MESSAGE = (
    update(_messages)
    .where(_messages.c.id == bindparam("pk"))
    .values(
        analysis=bindparam("analysis"),
        intent=bindparam("intent"),
        topic=bindparam("topic"),
        sentiment=bindparam("sentiment"),
        priority=bindparam("priority"),
    )
)
_UPDATE_CASE = (
    update(_cases)
    .where(_cases.c.id == bindparam("case_id"))
    .values(
        priority=bindparam("v_priority"),
        priority_reasons=bindparam("v_reasons"),
        intent=bindparam("v_intent"),
        topic=bindparam("v_topic"),
        signals=bindparam("v_signals"),
    )
)


@dataclass
class ReanalyzeResult:
    """Counts of one run over an id range."""

    first_id: int
    last_id: int
    messages: int = 0  # analysed again and stored
    changed: int = 0  # whose intent, topic or priority differs from before
    cases: int = 0  # whose judgment changed
    missing_raw: int = 0
    unparseable: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    def add(self, other: ReanalyzeResult) -> None:
        for name in ("messages", "changed", "cases", "missing_raw", "unparseable"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def id_bounds(store: Store) -> tuple[int, int] | None:
    """The smallest and largest stored message id, or None for an empty store."""
    with store.engine.connect() as conn:
        lo, hi = conn.execute(select(func.min(_messages.c.id), func.max(_messages.c.id))).one()
    return None if lo is None else (int(lo), int(hi))


def ranges(first: int, last: int, size: int) -> list[tuple[int, int]]:
    """``[first, last]`` cut into inclusive ranges of ``size`` ids (the unit of a task)."""
    size = max(1, size)
    return [(lo, min(lo + size - 1, last)) for lo in range(first, last + 1, size)]


def reanalyze_range(
    store: Store,
    first_id: int,
    last_id: int,
    *,
    config: AnalyzeConfig | None = None,
    chunk: int = 200,
    lock: bool = True,
) -> ReanalyzeResult:
    """Analyse the inbound messages with ``first_id <= id <= last_id`` again; one transaction per
    ``chunk`` messages. ``lock``: on PostgreSQL take the store-wide lock the ingest workers take
    before writing cases, so a case is never judged by a reanalysis and an ingest batch at once."""
    settings = store.settings
    cfg = config or load_config(home=settings.home)
    total = ReanalyzeResult(first_id, last_id)
    q = (
        select(_messages.c.id, _messages.c.raw_sha256, _messages.c.content_hash, _messages.c.analysis)
        .where(
            _messages.c.id >= bindparam("lo"),
            _messages.c.id <= last_id,
            _messages.c.direction == "in",
            _messages.c.status == "ok",
        )
        .order_by(_messages.c.id)
        .limit(max(1, chunk))
    )
    lo = first_id
    while lo <= last_id:
        with store.engine.connect() as conn:
            rows = list(conn.execute(q, {"lo": lo}).all())
        if not rows:
            break
        lo = int(rows[-1].id) + 1
        done = ReanalyzeResult(first_id, last_id)
        analysed = _analyse(store, rows, cfg, done)
        with store.transaction() as conn:
            if lock:
                lock_case_writes(conn)
            _store(conn, analysed, done)
        total.add(done)
    log.info("reanalysed messages %d..%d: %s", first_id, last_id, total.to_dict())
    return total


def _history_signals(stored: dict[str, Any] | None) -> list[SignalHit]:
    """The stored history signals (``repeat_contact``), for :func:`reprioritise` to weigh again."""
    return [
        SignalHit(str(s["name"]), float(s.get("strength", 1.0)), [], str(s["rule"]), str(s.get("detail", "")))
        for s in (stored or {}).get("signals", [])
        if str(s.get("rule", "")).startswith("history.")
    ]


def _with_campaign_signals(new: dict[str, Any], stored: dict[str, Any] | None, cfg: AnalyzeConfig) -> dict[str, Any]:
    """The campaign stage's signals of the stored analysis added again with the points they were given
    (the campaign stage's own arithmetic: uncapped, added to the score)."""
    stored = stored or {}
    points = {r.get("source"): float(r.get("points", 0.0)) for r in (stored.get("priority") or {}).get("reasons", [])}
    levels = cfg.raw["priority"].get("levels")
    for s in stored.get("signals", []):
        if s.get("rule") == "campaigns" and s.get("name"):
            weight = points.get(f"signal:{s['name']}", 0.0)
            new = with_signal(new, str(s["name"]), weight, str(s.get("detail", "")), levels)
    return new


def _analyse(
    store: Store, rows: list[Any], cfg: AnalyzeConfig, done: ReanalyzeResult
) -> dict[int, tuple[dict[str, Any], float, float]]:
    """Parse and analyse (pure, outside any transaction); message id -> the new stored analysis, its
    priority and sentiment at full precision (the columns hold them so, as the ingest stage writes them)."""
    limits = store.settings.limits.parse_limits()
    parsed, kept = [], []
    for r in rows:
        try:
            raw = store.blobs.get(r.raw_sha256)
        except BlobNotFound:
            done.missing_raw += 1
            continue
        try:
            parsed.append(parse_message(raw, limits, content_hash=r.content_hash))
        except ParseRefused:
            done.unparseable += 1
            continue
        kept.append(r)
    out: dict[int, tuple[dict[str, Any], float, float]] = {}
    for r, analysis in zip(kept, analyze_batch(parsed, None, cfg), strict=True):
        history = _history_signals(r.analysis)
        if history:
            analysis = reprioritise(analysis, history, cfg)
        plain = analysis.to_dict()
        stored = _with_campaign_signals(plain, r.analysis, cfg)
        priority = analysis.priority.score if stored is plain else float(stored["priority"]["score"])
        out[int(r.id)] = (stored, priority, analysis.sentiment.score)
    return out


def _judgment(priority: float | None, analysis: dict[str, Any] | None, intent: Any, topic: Any) -> dict[str, Any]:
    a = analysis or {}
    return {
        "priority": float(priority or 0.0),
        "priority_reasons": list((a.get("priority") or {}).get("reasons") or []),
        "intent": intent,
        "topic": topic,
        "signals": [s.get("name") for s in a.get("signals", []) if s.get("name")],
    }


def _fold(judgments: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    out = None
    for j in judgments:
        out = j if out is None else merge_judgment(out, j)
    return out


def _corrected(conn: Connection, pks: list[int]) -> dict[tuple[int, str], str | None]:
    """The latest person's correction of each (message, field)."""
    out: dict[tuple[int, str], str | None] = {}
    q = (
        select(_corrections.c.message_pk, _corrections.c.field, _corrections.c.new_value)
        .where(_corrections.c.message_pk.in_(pks), _corrections.c.field.in_(("intent", "topic")))
        .order_by(_corrections.c.at, _corrections.c.id)
    )
    for r in conn.execute(q):
        out[(int(r.message_pk), str(r.field))] = r.new_value
    return out


def _store(conn: Connection, analysed: dict[int, tuple[dict[str, Any], float, float]], done: ReanalyzeResult) -> None:
    if not analysed:
        return
    pks = sorted(analysed)
    corrections = _corrected(conn, pks)
    case_ids = {
        int(r.case_id)
        for r in conn.execute(select(_messages.c.case_id).where(_messages.c.id.in_(pks)))
        if r.case_id is not None
    }
    siblings = conn.execute(
        select(
            _messages.c.id,
            _messages.c.case_id,
            _messages.c.analysis,
            _messages.c.intent,
            _messages.c.topic,
            _messages.c.priority,
        )
        .where(_messages.c.case_id.in_(sorted(case_ids) or [-1]), _messages.c.direction == "in")
        .order_by(_messages.c.case_id, _messages.c.received_at, _messages.c.id)
    ).all()
    rows = {int(r.id): r for r in siblings}
    updates = []
    for pk in pks:
        a, priority, sentiment = analysed[pk]
        intent = corrections.get((pk, "intent"), a["intent"]["label"])
        topic = corrections.get((pk, "topic"), a["topic"]["label"])
        old = rows.get(pk)
        if old is None or (old.intent, old.topic, old.priority) != (intent, topic, priority):
            done.changed += 1
        updates.append(
            {"pk": pk, "analysis": a, "intent": intent, "topic": topic, "sentiment": sentiment, "priority": priority}
        )
    conn.execute(_UPDATE_MESSAGE, updates)
    done.messages += len(updates)
    new_of = {u["pk"]: u for u in updates}
    by_case: dict[int, list[Any]] = {}
    for r in siblings:
        by_case.setdefault(int(r.case_id), []).append(r)
    case_updates = [
        u for cid, members in by_case.items() if (u := _case_update(conn, cid, members, new_of)) is not None
    ]
    if case_updates:
        conn.execute(_UPDATE_CASE, case_updates)
    done.cases += len(case_updates)


def _case_update(
    conn: Connection, case_id: int, members: list[Any], new_of: dict[int, dict[str, Any]]
) -> dict[str, Any] | None:
    """Swap the analyzer's part of a case's judgment; what was added on top of it stays."""
    analysed = [r for r in members if r.analysis]
    old = _fold(_judgment(r.priority, r.analysis, r.intent, r.topic) for r in analysed)
    new = _fold(
        _judgment(*(new_of[int(r.id)][k] for k in ("priority", "analysis", "intent", "topic")))
        if int(r.id) in new_of
        else _judgment(r.priority, r.analysis, r.intent, r.topic)
        for r in members
        if r.analysis or int(r.id) in new_of
    )
    if new is None:
        return None
    c = conn.execute(
        select(_cases.c.priority, _cases.c.priority_reasons, _cases.c.signals, _cases.c.intent, _cases.c.topic).where(
            _cases.c.id == case_id
        )
    ).first()
    if c is None:
        return None
    base = float(c.priority or 0.0)
    reasons = list(c.priority_reasons or [])
    signals = list(c.signals or [])
    if old is not None:
        base -= float(old["priority"] or 0.0)
        for r in old["priority_reasons"]:  # each of the old view's reasons once: an equal reason added on top stays
            if r in reasons:
                reasons.remove(r)
        signals = [s for s in signals if s not in old["signals"]]
    reasons = sorted([*new["priority_reasons"], *reasons], key=lambda r: -abs(float((r or {}).get("points", 0))))
    values = {
        "v_priority": max(0.0, min(100.0, base + float(new["priority"] or 0.0))),
        "v_reasons": reasons,
        "v_intent": new["intent"],
        "v_topic": new["topic"],
        "v_signals": list(dict.fromkeys([*new["signals"], *signals])),
    }
    standing = (c.priority, c.priority_reasons, c.intent, c.topic, c.signals)
    if tuple(values.values()) == standing:
        return None
    return {"case_id": case_id, **values}
