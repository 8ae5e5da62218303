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
    func,
    literal_column,
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
    # The campaign this case's messages belong to, and the case's role in it: "member" (hidden
    # from the default queue: the campaign stands for it), "own_text" (a member who wrote
    # something of their own: surfaced) or "trigger" (the case the flood is about).
    campaign_id: Mapped[str | None] = mapped_column(String(24), index=True)
    campaign_role: Mapped[str | None] = mapped_column(String(16))
    # Routing and SLA (migration 0006; execdesk.routing): the team and why a rule chose it, the
    # SLA policy and its clocks. ``sla_due_at`` is the next deadline the breach sweep looks at.
    team: Mapped[str | None] = mapped_column(String(64), index=True)
    routing: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sla_policy: Mapped[str | None] = mapped_column(String(64))
    sla_started_at: Mapped[datetime | None]
    sla_first_response_due: Mapped[datetime | None]
    sla_first_response_at: Mapped[datetime | None]
    sla_next_response_due: Mapped[datetime | None]
    sla_resolution_due: Mapped[datetime | None]
    sla_due_at: Mapped[datetime | None] = mapped_column(index=True)
    sla_breached_at: Mapped[datetime | None]
    sla_paused_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_cases_status_priority", "status", "priority"),
        Index("ix_cases_contact_status", "contact_id", "status", "last_inbound_at"),
        Index("ix_cases_opened_at", "opened_at"),  # migration 0009: windows by opening time
        Index("ix_cases_last_inbound_at", "last_inbound_at"),  # 0009: the dashboard window's end
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
    # Order in which the campaign stage applied this message (the campaign index is a fold over
    # messages in this order; a restarted or second process catches up from it).
    campaign_seq: Mapped[int | None] = mapped_column(BigInteger, index=True, unique=True)


#: When a message was written: the Date header, else when it reached us. The dashboard, digest,
#: search and campaign trigger place mail in time by this one expression, which migration 0009
#: indexes; a query that spells it differently cannot use the index.
MESSAGE_TIME = func.coalesce(cast(Table, Message.__table__).c.date, cast(Table, Message.__table__).c.received_at)
Index("ix_messages_time", MESSAGE_TIME)


def unindexed_time(dialect: str) -> Any:
    """``MESSAGE_TIME`` spelled so that no index matches it, for ordering the candidates another index
    found (search results; the campaign trigger's earlier-link lookup, decision 0316). Ordered by the
    indexed expression, PostgreSQL walked ix_messages_time and tested every message against the text
    query: over a minute for a rare word at 100,000 messages (decision 1002). PostgreSQL folds a trailing
    NULL out of coalesce, so there the fence is adding a zero interval."""
    if dialect == "postgresql":
        return literal_column("coalesce(messages.date, messages.received_at) + interval '0 seconds'")
    messages = cast(Table, Message.__table__)
    return func.coalesce(messages.c.date, messages.c.received_at, None)


#: A campaign's trigger is found by the contact names its members mention (campaigns/trigger.py).
Index("ix_contacts_display_name_lower", func.lower(cast(Table, Contact.__table__).c.display_name))
#: Outbound messages, the predicate of migration 0010's partial index (campaigns/trigger.py reads our
#: latest replies through it). Written out, not a bound parameter: PostgreSQL plans a prepared
#: statement once for any parameter value after a few executions, and that generic plan cannot use a
#: partial index (it walked every inbound message).
OUTBOUND = cast(Table, Message.__table__).c.direction == literal_column("'out'")
Index("ix_messages_outbound", cast(Table, Message.__table__).c.id, sqlite_where=OUTBOUND, postgresql_where=OUTBOUND)


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


# -- campaigns (migration 0004) --------------------------------------------------------------


class Campaign(Base):
    """A flood of near-identical messages from many senders: one event with many voices.

    The detector's stable id (``cmp_`` + 16 hex) is the key; counts and the trigger evidence are
    refreshed as members arrive (see :mod:`execdesk.campaigns.service`).
    """

    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | closed
    family_id: Mapped[str | None] = mapped_column(String(24), index=True)
    representative_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    representative_text: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    distinct_senders: Mapped[int] = mapped_column(Integer, default=0)
    known_contacts: Mapped[int] = mapped_column(Integer, default=0)
    own_text_members: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime | None]
    last_seen: Mapped[datetime | None]
    arrivals: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[hour ISO, count], ...]
    shared_links: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[url, members], ...]
    shared_domains: Mapped[list[Any]] = mapped_column(JSON, default=list)
    shared_phrases: Mapped[list[Any]] = mapped_column(JSON, default=list)
    trigger_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    trigger_evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    evidence: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_campaigns_status_last", "status", "last_seen"),)


class CampaignMember(Base):
    """A message in a campaign (one campaign at most), with the detector's evidence."""

    __tablename__ = "campaign_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"))
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    joined_at: Mapped[datetime]
    similarity: Mapped[float] = mapped_column(Float, default=0.0)
    jaccard: Mapped[float] = mapped_column(Float, default=0.0)
    adds_own_text: Mapped[bool] = mapped_column(Boolean, default=False)
    own_text: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="member")  # member | detached

    __table_args__ = (Index("ix_campaign_members_campaign_status", "campaign_id", "status"),)


class Alert(Base):
    """Something the office should know now: a volume spike, a new campaign, an SLA breach, a
    new high-risk case. ``dedup_key`` makes raising the same alert twice a no-op; webhooks and the
    digest read alerts from here."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # spike | campaign | sla_breach | high_risk
    at: Mapped[datetime] = mapped_column(index=True)
    severity: Mapped[str] = mapped_column(String(16), default="warning")  # info | warning | critical
    title: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    campaign_id: Mapped[str | None] = mapped_column(String(24), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))
    acknowledged_at: Mapped[datetime | None]


# -- web desk (migration 0005) ---------------------------------------------------------------


class User(Base):
    """A person who signs in to the desk. ``role`` decides what they may see and do."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # agent | supervisor | executive | admin
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored here,
    so a leaked database does not hand out live sessions, and logout is a DELETE."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    last_seen_at: Mapped[datetime]
    ip: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    """A bearer token for scripts; stored as SHA-256, shown once at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # first characters, to tell tokens apart in lists
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginAttempt(Base):
    """Every sign-in attempt; the rate limit counts recent failures per account and per address
    here, so that several web processes agree."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    username: Mapped[str] = mapped_column(String(120))
    ip: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )


class CaseNote(Base):
    """An internal note on a case: staff only, never sent to the customer."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


# -- routing and SLA (migration 0006) ----------------------------------------------------------


class Team(Base):
    """A group of agents cases are routed to (``cases.team`` holds the name)."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    members: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RoutingRule(Base):
    """An ordered, named routing rule: conditions on a case, actions (team, assignee, priority)."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    match: Mapped[str] = mapped_column(String(8), default="all")  # all | any
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stop: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SlaPolicy(Base):
    """Response and resolution targets (business minutes) for the cases its conditions select."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    next_response_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer)
    calendar: Mapped[str | None] = mapped_column(String(64))  # business_hours.name; none: round the clock
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class BusinessHours(Base):
    """Working hours SLA targets count in: time zone, working days, one daily shift, holidays."""

    __tablename__ = "business_hours"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    working_days: Mapped[list[Any]] = mapped_column(JSON, default=list)
    day_start: Mapped[str] = mapped_column(String(5), default="09:00")
    day_end: Mapped[str] = mapped_column(String(5), default="17:00")
    holidays: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookEndpoint(Base):
    """Where alerts are POSTed, signed with a secret read from the environment or a file."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[Any]] = mapped_column(JSON, default=list)
    secret_env: Mapped[str | None] = mapped_column(String(200))
    secret_file: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # alerts raised before the endpoint existed are not sent to it
    start_after_alert_id: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One alert to one endpoint: attempts, backoff and the outcome (the delivery log)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    event: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ux_webhook_deliveries_endpoint_alert", "endpoint_id", "alert_id", unique=True),
        Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
    )


# -- operations: legal hold and retention (migration 0007; execdesk.ops) ----------------------


class LegalHold(Base):
    """A legal hold on a case or on a contact: retention and erasure never touch what it covers.

    Exactly one of ``case_id`` and ``contact_id`` is set. A released hold stays as a record of who
    held what and why (``released_at``/``released_by``); only rows without ``released_at`` apply.
    """

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    set_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text, default="")
    set_at: Mapped[datetime]
    released_by: Mapped[str | None] = mapped_column(String(120))
    release_reason: Mapped[str | None] = mapped_column(Text)
    released_at: Mapped[datetime | None]


class RetentionPurge(Base):
    """A message whose raw bytes and attachments retention deleted; the case summary stays."""

    __tablename__ = "retention_purges"

    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    purged_at: Mapped[datetime]
    rule: Mapped[str] = mapped_column(String(320))
    bytes_freed: Mapped[int] = mapped_column(BigInteger, default=0)
