"""Erasure on request: ``forget(address)`` removes a person from the desk and leaves no trace.

What goes, in one transaction: the contact; their cases and every message in them (inbound and
our replies), their messages in other people's threads, our outbox entries to them; the rows
hanging off those messages and cases (arrivals, attachments, quarantine, corrections, notes,
campaign memberships, alerts and their webhook deliveries, audit events); the search index
entries. Audit events elsewhere whose details mention the address have it replaced by its hash.
After the commit: the raw messages and attachments are zero-filled in the blob segments (a blob
another message still references stays), the campaign snapshot is deleted (it holds texts; it
is rebuilt from the database; other running processes drop their campaign state at their next
batch, see ``campaigns.runtime``), and SQLite's free pages and WAL are wiped (``secure_delete``,
``VACUUM``, a truncating checkpoint) so that the bytes are gone from the files, not only unlinked.

What stays: one ``erasure`` audit event with the SHA-256 of the normalised address, the counts,
who asked and why — proof that the request was handled, without personal data.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Text, cast, delete, func, or_, select, update

from execdesk.campaigns.runtime import bump_state_epoch, forget_runtime
from execdesk.cases.contacts import normalise_address
from execdesk.cases.service import record_audit
from execdesk.ops.holds import contact_held, held_case_ids
from execdesk.store.db import Store
from execdesk.store.models import (
    Alert,
    Arrival,
    Attachment,
    AuditEvent,
    Campaign,
    CampaignMember,
    Case,
    CaseNote,
    Contact,
    Correction,
    LegalHold,
    Message,
    OutboxEntry,
    QuarantineEntry,
    RetentionPurge,
    WebhookDelivery,
    table_of,
)

log = logging.getLogger("execdesk.ops")

_messages = table_of(Message)
_cases = table_of(Case)
_contacts = table_of(Contact)
_outbox = table_of(OutboxEntry)
_members = table_of(CampaignMember)
_campaigns = table_of(Campaign)
_audit = table_of(AuditEvent)
_alerts = table_of(Alert)
_deliveries = table_of(WebhookDelivery)
_attachments = table_of(Attachment)
_holds = table_of(LegalHold)


class ErasureRefused(RuntimeError):
    """Erasure cannot proceed (a legal hold applies, or nothing is known about the address)."""


@dataclass
class ErasurePlan:
    """What an erasure removes (the dry run shows this; the real run does it)."""

    address_sha256: str
    contact_id: int | None = None
    case_ids: list[int] = field(default_factory=list)
    message_pks: list[int] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)
    blobs: list[str] = field(default_factory=list)
    campaigns: dict[str, int] = field(default_factory=dict)  # campaign id -> members removed

    def summary(self) -> dict[str, Any]:
        return {
            "address_sha256": self.address_sha256,
            "contact": self.contact_id is not None,
            "cases": len(self.case_ids),
            "messages": len(self.message_pks),
            "outbox_entries": len(self.outbox_ids),
            "blobs": len(self.blobs),
            "campaigns": dict(sorted(self.campaigns.items())),
        }


def address_hash(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()


def _ids(conn: Connection, q: Any) -> set[int]:
    return {int(x) for x in conn.execute(q).scalars() if x is not None}


def plan_erasure(conn: Connection, address: str) -> ErasurePlan:
    """Find everything that belongs to ``address``; raises ErasureRefused under a legal hold."""
    addr = normalise_address(address)
    if addr is None:
        raise ErasureRefused(f"{address!r} is not an e-mail address")
    plan = ErasurePlan(address_hash(addr))
    contact = conn.execute(select(_contacts.c.id).where(_contacts.c.address == addr)).scalar()
    plan.contact_id = int(contact) if contact is not None else None
    cases: set[int] = set()
    msgs = _ids(conn, select(_messages.c.id).where(_messages.c.from_addr == addr))
    if plan.contact_id is not None:
        if contact_held(conn, plan.contact_id):
            raise ErasureRefused("a legal hold applies to this contact or one of their cases: release it first")
        cases = _ids(conn, select(_cases.c.id).where(_cases.c.contact_id == plan.contact_id))
        msgs |= _ids(conn, select(_messages.c.id).where(_messages.c.contact_id == plan.contact_id))
    if cases:
        msgs |= _ids(conn, select(_messages.c.id).where(_messages.c.case_id.in_(sorted(cases))))
    outbox = _ids(conn, select(_outbox.c.id).where(func.lower(_outbox.c.to_addr) == addr))
    if cases:
        outbox |= _ids(conn, select(_outbox.c.id).where(_outbox.c.case_id.in_(sorted(cases))))
    if outbox:
        for r in conn.execute(select(_outbox.c.sent_message_pk).where(_outbox.c.id.in_(sorted(outbox)))):
            if r.sent_message_pk is not None:
                msgs.add(int(r.sent_message_pk))
    msg_cases = _ids(conn, select(_messages.c.case_id).where(_messages.c.id.in_(sorted(msgs)))) if msgs else set()
    held = held_case_ids(conn, cases | msg_cases)
    if held:
        raise ErasureRefused(
            f"a legal hold applies to {len(held)} case(s) holding this person's mail: release it first"
        )
    if plan.contact_id is None and not msgs and not outbox:
        raise ErasureRefused("nothing is stored for this address")
    plan.case_ids, plan.message_pks, plan.outbox_ids = sorted(cases), sorted(msgs), sorted(outbox)
    if msgs:
        pks = plan.message_pks
        blobs = set(conn.execute(select(_messages.c.raw_sha256).where(_messages.c.id.in_(pks))).scalars())
        att = set(conn.execute(select(_attachments.c.sha256).where(_attachments.c.message_pk.in_(pks))).scalars())
        shared = set(
            conn.execute(
                select(_attachments.c.sha256).where(
                    _attachments.c.sha256.in_(sorted(att)), _attachments.c.message_pk.not_in(pks)
                )
            ).scalars()
        )
        plan.blobs = sorted(blobs | (att - shared))
        for r in conn.execute(
            select(_members.c.campaign_id, func.count())
            .where(_members.c.message_pk.in_(pks))
            .group_by(_members.c.campaign_id)
        ):
            plan.campaigns[r[0]] = int(r[1])
    return plan


def _scrub_json(value: Any, addr: str, replacement: str) -> Any:
    text = json.dumps(value, ensure_ascii=False)
    if addr not in text.lower():
        return value
    import re

    return json.loads(re.sub(re.escape(addr), replacement, text, flags=re.IGNORECASE))


def _apply(conn: Connection, plan: ErasurePlan, addr: str, *, by: str, reason: str) -> None:
    pks, cases = plan.message_pks, plan.case_ids
    alert_ids = _ids(conn, select(_alerts.c.id).where(_alerts.c.case_id.in_(cases))) if cases else set()
    if plan.outbox_ids:
        conn.execute(delete(_outbox).where(_outbox.c.id.in_(plan.outbox_ids)))
    if pks:
        # replies of ours that remain (to other people) must not point at erased messages
        conn.execute(update(_outbox).where(_outbox.c.source_message_pk.in_(pks)).values(source_message_pk=None))
        conn.execute(update(_outbox).where(_outbox.c.sent_message_pk.in_(pks)).values(sent_message_pk=None))
        for model in (Arrival, Attachment, QuarantineEntry, Correction, RetentionPurge):
            t = table_of(model)
            conn.execute(delete(t).where(t.c.message_pk.in_(pks)))
        conn.execute(delete(_audit).where(_audit.c.message_pk.in_(pks)))
        _remove_campaign_members(conn, plan)
        bump_state_epoch(conn, "erasure")  # other processes' campaign state holds these texts
    if cases:
        conn.execute(delete(table_of(CaseNote)).where(table_of(CaseNote).c.case_id.in_(cases)))
        conn.execute(delete(_audit).where(_audit.c.case_id.in_(cases)))
        conn.execute(delete(_holds).where(_holds.c.case_id.in_(cases)))  # released holds only (held refuses)
        conn.execute(update(_campaigns).where(_campaigns.c.trigger_case_id.in_(cases)).values(trigger_case_id=None))
        conn.execute(update(_members).where(_members.c.case_id.in_(cases)).values(case_id=None))
    if alert_ids:
        conn.execute(delete(_deliveries).where(_deliveries.c.alert_id.in_(sorted(alert_ids))))
        conn.execute(delete(_alerts).where(_alerts.c.id.in_(sorted(alert_ids))))
    if pks:
        _remove_from_search(conn, pks)
        survivors = _ids(conn, select(_messages.c.case_id).where(_messages.c.id.in_(pks))) - set(cases)
        conn.execute(delete(_messages).where(_messages.c.id.in_(pks)))
        for cid in survivors:  # other people's threads the person wrote in
            n = conn.execute(select(func.count()).where(_messages.c.case_id == cid, _messages.c.direction == "in"))
            conn.execute(update(_cases).where(_cases.c.id == cid).values(message_count=int(n.scalar_one())))
    if cases:
        conn.execute(delete(_cases).where(_cases.c.id.in_(cases)))
    if plan.contact_id is not None:
        conn.execute(delete(_holds).where(_holds.c.contact_id == plan.contact_id))
        conn.execute(update(_members).where(_members.c.contact_id == plan.contact_id).values(contact_id=None))
        conn.execute(delete(_contacts).where(_contacts.c.id == plan.contact_id))
    _scrub_audit(conn, addr, plan.address_sha256)
    record_audit(
        conn,
        actor=by,
        action="erasure",
        details={"address_sha256": plan.address_sha256, "reason": reason, **plan.summary()},
    )


def _remove_campaign_members(conn: Connection, plan: ErasurePlan) -> None:
    """Drop memberships and bring each campaign's counts down with them."""
    rows = conn.execute(select(_members).where(_members.c.message_pk.in_(plan.message_pks))).all()
    conn.execute(delete(_members).where(_members.c.message_pk.in_(plan.message_pks)))
    for cid in {r.campaign_id for r in rows}:
        gone = [r for r in rows if r.campaign_id == cid]
        c = conn.execute(select(_campaigns).where(_campaigns.c.id == cid)).one()
        left_contacts = set(conn.execute(select(_members.c.contact_id).where(_members.c.campaign_id == cid)).scalars())
        lost_senders = {r.contact_id for r in gone if r.contact_id is not None} - left_contacts
        lost_senders_anon = sum(1 for r in gone if r.contact_id is None)
        values: dict[str, Any] = {
            "size": max(0, c.size - len(gone)),
            "distinct_senders": max(0, c.distinct_senders - len(lost_senders) - lost_senders_anon),
            "own_text_members": max(0, c.own_text_members - sum(1 for r in gone if r.adds_own_text)),
            "known_contacts": min(c.known_contacts, max(0, c.distinct_senders - len(lost_senders))),
        }
        if c.representative_pk in plan.message_pks:
            rep = conn.execute(
                select(_messages.c.id, _messages.c.new_text)
                .join(_members, _members.c.message_pk == _messages.c.id)
                .where(_members.c.campaign_id == cid)
                .order_by(_messages.c.id)
                .limit(1)
            ).first()
            values["representative_pk"] = rep.id if rep else None
            values["representative_text"] = rep.new_text if rep else ""
        conn.execute(update(_campaigns).where(_campaigns.c.id == cid).values(**values))


def _remove_from_search(conn: Connection, pks: list[int]) -> None:
    """The full-text index (execdesk.search), when this build has it."""
    if importlib.util.find_spec("execdesk.search") is None:  # TODO(search): always present once merged
        return
    from execdesk.search import index

    index.remove(conn, pks)


def _scrub_audit(conn: Connection, addr: str, digest: str) -> None:
    """Audit events that remain but mention the address get its hash instead."""
    like = f"%{addr}%"
    details_text = func.lower(cast(_audit.c.details, Text))
    for r in conn.execute(select(_audit.c.id, _audit.c.details).where(details_text.like(like))).all():
        conn.execute(
            update(_audit).where(_audit.c.id == r.id).values(details=_scrub_json(r.details, addr, f"sha256:{digest}"))
        )
    for a in conn.execute(
        select(_alerts.c.id, _alerts.c.details, _alerts.c.title).where(
            or_(func.lower(_alerts.c.title).like(like), func.lower(cast(_alerts.c.details, Text)).like(like))
        )
    ).all():
        conn.execute(
            update(_alerts)
            .where(_alerts.c.id == a.id)
            .values(
                title=_scrub_json(a.title, addr, "(erased)"), details=_scrub_json(a.details, addr, f"sha256:{digest}")
            )
        )


def forget(store: Store, address: str, *, by: str, reason: str, dry_run: bool = False) -> dict[str, Any]:
    """Erase everything about ``address`` (see the module docstring). Returns the summary."""
    sqlite = store.engine.dialect.name == "sqlite"
    with store.write_connection() as conn, conn.begin():
        if sqlite:  # deleted rows' bytes are overwritten, not only unlinked
            conn.exec_driver_sql("PRAGMA secure_delete = ON")
        plan = plan_erasure(conn, address)
        if not dry_run:
            _apply(conn, plan, normalise_address(address) or address, by=by, reason=reason)
    summary = {**plan.summary(), "dry_run": dry_run}
    if dry_run:
        return summary
    for sha in plan.blobs:
        store.blobs.delete(sha)
    forget_runtime(store.settings.db_url, store.settings.home, delete_snapshot=True)
    if sqlite:
        _wipe_sqlite(store)
    else:
        _vacuum_postgres(store)
    log.info("erasure done: %d messages, %d cases", len(plan.message_pks), len(plan.case_ids))
    return summary


def _vacuum_postgres(store: Store) -> None:
    """Dead row versions keep erased text until VACUUM; do it now for the tables that held it."""
    tables = "messages, contacts, cases, outbox, audit_events, campaign_members, attachments, arrivals"
    try:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM {tables}")
    except Exception:
        log.warning("could not VACUUM after an erasure; autovacuum will reclaim the rows later")


def _wipe_sqlite(store: Store) -> None:
    """Rewrite the database file without free pages and empty the WAL (best effort under load)."""
    raw = store.engine.raw_connection()  # autocommit (see store.db): VACUUM cannot run in a transaction
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA secure_delete = ON")
        if cur.execute("select 1 from sqlite_master where name = 'messages_fts'").fetchone():
            cur.execute("INSERT INTO messages_fts(messages_fts) VALUES ('optimize')")
        cur.execute("VACUUM")
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except Exception:  # a busy database: the rows are gone and secure_delete zeroed their pages
        log.warning(
            "could not vacuum the database after an erasure; VACUUM the database file when the desk is idle",
            exc_info=True,
        )
    finally:
        raw.close()
    store.engine.dispose()
