"""Retention: the raw mail of closed cases goes after N days; the case and its summary stay.

A rule (settings ``[retention]``) matches a case by the mailbox its inbound mail was sent to
(To/Cc). For a matching case closed (or resolved) longer than ``closed_days`` ago, every message
loses its raw bytes and attachments (zero-filled in the blob store) and its body text; the
message row keeps subject, sender, dates and the analysis, so the queue, history and digest
still make sense. Held cases (legal hold on the case or its contact) are never touched, and a
dry run lists what would go without changing anything. The campaign state holds normalised texts:
a purge deletes its snapshot and makes every process rebuild it from what remains (a replay of the
stored messages, ~3 min per million; decision 0314).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, delete, insert, select, update

from execdesk.campaigns.runtime import bump_state_epoch, forget_runtime
from execdesk.cases.refs import case_ref
from execdesk.cases.service import record_audit
from execdesk.ops.config import RetentionRule
from execdesk.ops.holds import held_case_ids
from execdesk.store.db import Store, utcnow
from execdesk.store.models import Attachment, Case, Message, RetentionPurge, table_of

_cases = table_of(Case)
_messages = table_of(Message)
_attachments = table_of(Attachment)
_purges = table_of(RetentionPurge)


def rule_for(rules: list[RetentionRule], mailboxes: set[str]) -> RetentionRule | None:
    """The first rule matching any of the case's mailboxes (address, @domain or *)."""
    for rule in rules:
        pat = rule.mailbox.lower()
        if pat == "*" or any(m == pat or (pat.startswith("@") and m.endswith(pat)) for m in mailboxes):
            return rule
    return None


def _mailboxes(conn: Connection, case_ids: list[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {c: set() for c in case_ids}
    q = select(_messages.c.case_id, _messages.c.to_addrs, _messages.c.cc_addrs).where(
        _messages.c.case_id.in_(case_ids), _messages.c.direction == "in"
    )
    for r in conn.execute(q):
        for a in [*(r.to_addrs or []), *(r.cc_addrs or [])]:
            addr = a[1] if isinstance(a, list | tuple) else a
            if isinstance(addr, str):
                out[int(r.case_id)].add(addr.lower())
    return out


def plan(conn: Connection, settings_rules: list[RetentionRule], statuses: list[str], now: datetime) -> dict[str, Any]:
    """What retention would delete now: cases, messages, bytes; and the held cases it skips."""
    if not settings_rules:
        return {"cases": [], "held": [], "messages": 0, "bytes": 0}
    oldest = min(r.closed_days for r in settings_rules)
    candidates = [
        int(c)
        for c in conn.execute(
            select(_cases.c.id).where(
                _cases.c.status.in_(statuses), _cases.c.updated_at <= now - timedelta(days=oldest)
            )
        ).scalars()
    ]
    boxes = _mailboxes(conn, candidates)
    updated = dict(conn.execute(select(_cases.c.id, _cases.c.updated_at).where(_cases.c.id.in_(candidates))).all())
    due: dict[int, RetentionRule] = {}
    for cid in candidates:
        rule = rule_for(settings_rules, boxes.get(cid, set()))
        if rule is not None and updated[cid] <= now - timedelta(days=rule.closed_days):
            due[cid] = rule
    held = held_case_ids(conn, due)
    purged = select(_purges.c.message_pk)
    rows = conn.execute(
        select(_messages.c.id, _messages.c.case_id, _messages.c.size).where(
            _messages.c.case_id.in_(sorted(set(due) - held)), _messages.c.id.not_in(purged)
        )
    ).all()
    by_case: dict[int, list[Any]] = {}
    for r in rows:
        by_case.setdefault(int(r.case_id), []).append(r)
    cases = [
        {
            "case": case_ref(cid),
            "case_id": cid,
            "rule": due[cid].mailbox,
            "messages": [int(r.id) for r in msgs],
            "sizes": [int(r.size) for r in msgs],
            "bytes": sum(int(r.size) for r in msgs),
        }
        for cid, msgs in sorted(by_case.items())
    ]
    return {
        "cases": cases,
        "held": [case_ref(c) for c in sorted(held)],
        "messages": sum(len(cast(list[int], c["messages"])) for c in cases),
        "bytes": sum(cast(int, c["bytes"]) for c in cases),
    }


def run(store: Store, *, dry_run: bool = True, now: datetime | None = None, actor: str = "retention") -> dict[str, Any]:
    """Apply (or with ``dry_run`` only show) the retention rules. Returns the plan with ``dry_run``."""
    now = now or utcnow()
    cfg = store.settings.retention
    with store.write_connection() as conn, conn.begin():
        result = plan(conn, cfg.rules, cfg.statuses, now)
        if dry_run or not result["cases"]:
            return {**result, "dry_run": dry_run}
        # The plan was made inside this writing transaction: a hold set before it began is seen.
        blobs: list[str] = []
        for c in result["cases"]:
            pks = c["messages"]
            blobs += list(conn.execute(select(_messages.c.raw_sha256).where(_messages.c.id.in_(pks))).scalars())
            blobs += list(
                conn.execute(select(_attachments.c.sha256).where(_attachments.c.message_pk.in_(pks))).scalars()
            )
            conn.execute(delete(_attachments).where(_attachments.c.message_pk.in_(pks)))
            conn.execute(
                update(_messages)
                .where(_messages.c.id.in_(pks))
                .values(new_text="", quoted_text="", signature="", headers={})
            )
            conn.execute(
                insert(_purges),
                [
                    {"message_pk": pk, "purged_at": now, "rule": c["rule"], "bytes_freed": size}
                    for pk, size in zip(pks, c["sizes"], strict=True)
                ],
            )
            record_audit(
                conn,
                actor=actor,
                action="retention_purge",
                case_id=c["case_id"],
                details={"rule": c["rule"], "messages": len(pks), "bytes": c["bytes"]},
            )
        still_referenced = set(
            conn.execute(select(_attachments.c.sha256).where(_attachments.c.sha256.in_(blobs))).scalars()
        )
        bump_state_epoch(conn, "retention")  # the campaign state holds the purged texts: rebuilt everywhere
    for sha in set(blobs) - still_referenced:
        store.blobs.delete(sha)
    forget_runtime(store.settings.db_url, store.settings.home, delete_snapshot=True)
    return {**result, "dry_run": False}
