"""The records that flow through ingest: where a message came from, its work-in-progress, the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from execdesk.parse.identity import Identity
from execdesk.parse.model import ParsedMessage

MAX_FUTURE = timedelta(days=1)
# Before this a Date is a forgery or a reset clock (spam dated 1 January 1970, or year 1), not a
# historical import: e-mail as we know it (RFC 822) is from 1982.
EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)


def message_time(date: datetime | None, received_at: datetime) -> datetime:
    """When a message happened: its own Date when plausible (historical imports keep their dates),
    else when we received it. Stages and the campaign replay use this one rule."""
    return date if date is not None and EARLIEST <= date <= received_at + MAX_FUTURE else received_at


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where one copy of a message came from: ``kind`` (file, mbox, maildir, imap, smtp, api)
    and a reference a person can follow (path and offset, IMAP URL with UID...)."""

    kind: str
    ref: str


@dataclass(frozen=True, slots=True)
class IngestResult:
    status: Literal["imported", "duplicate", "quarantined"]
    message_pk: int
    case_id: int | None = None
    stage: str | None = None
    code: str | None = None
    reason: str | None = None

    @property
    def case_ref(self) -> str | None:
        from execdesk.cases.refs import case_ref

        return case_ref(self.case_id) if self.case_id is not None else None


class StageFailed(Exception):
    """A stage could not handle this message; ``their_fault`` separates bad input from our bugs."""

    def __init__(self, stage: str, code: str, reason: str, *, their_fault: bool = True) -> None:
        super().__init__(f"{stage}: {code}: {reason}")
        self.stage, self.code, self.reason, self.their_fault = stage, code, reason, their_fault


@dataclass(slots=True)
class MessageWork:
    """One message on its way through the stages; each stage fills in what it provides.

    ``existing_pk`` is set when a stored (quarantined) message is replayed: the record
    stage then updates that row instead of inserting one.
    """

    raw: bytes
    identity: Identity
    source: SourceRef
    received_at: datetime
    existing_pk: int | None = None
    message_pk: int | None = None
    parsed: ParsedMessage | None = None
    analysis: Any = None
    history: Any = None
    campaign: Any = None
    contact_id: int | None = None
    case_id: int | None = None
    thread_reason: str | None = None
    failure: StageFailed | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.failure is None
