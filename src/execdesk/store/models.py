"""Database tables. Every schema change goes through an Alembic migration (store/migrations).

Timestamps are stored as timezone-aware UTC. JSON columns hold judgments with their
evidence (analysis, priority reasons) so that the UI and ``explain`` render the record
that was stored, not a recomputation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Always timezone-aware UTC in Python, whatever the database keeps (SQLite keeps none)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy's declared API
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Contact(Base):
    """A sender, identified by the normalised address, with their history."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(320))
    first_seen: Mapped[datetime | None]
    last_seen: Mapped[datetime | None]
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    vip: Mapped[bool] = mapped_column(Boolean, default=False)


class Case(Base):
    """A conversation the office works on: one or more messages from one contact."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    machine: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    priority_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    intent: Mapped[str | None] = mapped_column(String(32))
    topic: Mapped[str | None] = mapped_column(String(32))
    signals: Mapped[list[Any]] = mapped_column(JSON, default=list)
    assignee: Mapped[str | None] = mapped_column(String(120))
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_inbound_at: Mapped[datetime | None]
    last_outbound_at: Mapped[datetime | None]
    message_count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("ix_cases_status_priority", "status", "priority"),
        Index("ix_cases_contact_status", "contact_id", "status", "last_inbound_at"),
    )


class Message(Base):
    """One distinct message (inbound or outbound); raw bytes live in the blob store."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    raw_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    direction: Mapped[str] = mapped_column(String(3), default="in")
    status: Mapped[str] = mapped_column(String(16), default="ok")  # ok | quarantined
    subject: Mapped[str] = mapped_column(Text, default="")
    from_addr: Mapped[str | None] = mapped_column(String(320), index=True)
    from_name: Mapped[str | None] = mapped_column(Text)
    to_addrs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cc_addrs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    date: Mapped[datetime | None]
    received_at: Mapped[datetime]
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[list[Any]] = mapped_column(JSON, default=list)
    new_text: Mapped[str] = mapped_column(Text, default="")
    quoted_text: Mapped[str] = mapped_column(Text, default="")
    signature: Mapped[str] = mapped_column(Text, default="")
    has_html: Mapped[bool] = mapped_column(Boolean, default=False)
    machine_kind: Mapped[str | None] = mapped_column(String(32))
    machine_reason: Mapped[str | None] = mapped_column(Text)
    defects: Mapped[list[Any]] = mapped_column(JSON, default=list)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    intent: Mapped[str | None] = mapped_column(String(32))
    topic: Mapped[str | None] = mapped_column(String(32))
    sentiment: Mapped[float | None] = mapped_column(Float)
    priority: Mapped[float | None] = mapped_column(Float)


class Arrival(Base):
    """Each time a message reached us, from which source (duplicates included)."""

    __tablename__ = "arrivals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    source_kind: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str] = mapped_column(Text)
    arrived_at: Mapped[datetime]
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)


class Attachment(Base):
    """An attachment's metadata; its bytes are a blob. Never rendered or executed."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    filename: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    inline: Mapped[bool] = mapped_column(Boolean, default=False)


class QuarantineEntry(Base):
    """A message that failed a stage: kept, with the stage and the reason, replayable."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    resolved_at: Mapped[datetime | None]


class Checkpoint(Base):
    """Resumption state of a source (IMAP UIDVALIDITY/UID per mailbox...)."""

    __tablename__ = "checkpoints"

    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class Correction(Base):
    """A person's correction of an automated judgment; ``execdesk train`` learns from these."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    field: Mapped[str] = mapped_column(String(32))  # intent | topic | signal
    old_value: Mapped[str | None] = mapped_column(String(64))
    new_value: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")


class AuditEvent(Base):
    """Every state change, who did it and why. Append-only."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, typed as a Table (Core statements on the hot path use it)."""
    return cast(Table, model.__table__)


class OutboxEntry(Base):
    """An outgoing mail from draft to sent: the tone verdict it got, who approved it, each send attempt.

    The Message-ID is fixed when the entry is created, so a retry after a crash re-sends the
    same message (clients collapse duplicates by Message-ID) and never a different one.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    to_addr: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[list[Any]] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(String(16), default="reply")  # reply | ack | campaign
    # draft | blocked | approved | queued | sending | sent | failed | bounced
    status: Mapped[str] = mapped_column(String(16), default="draft")
    executive: Mapped[bool] = mapped_column(Boolean, default=False)
    tone_verdict: Mapped[str] = mapped_column(String(8), default="ok")
    tone_score: Mapped[int] = mapped_column(Integer, default=100)
    tone_findings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    notes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    approved_by: Mapped[str | None] = mapped_column(String(120))
    approval_reason: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    source_message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    sent_message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    queued_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_kind_to", "kind", "to_addr", "created_at"),
        Index("ix_outbox_kind_created", "kind", "created_at"),
    )
