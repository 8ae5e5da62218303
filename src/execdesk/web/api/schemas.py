"""Request and response bodies of the API. Text fields refuse NUL and unpaired surrogates (no
database stores them faithfully); responses allow extra keys so the core's records pass through."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _clean(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text must be valid Unicode (no unpaired surrogates)") from exc
    return value


Text = Annotated[str, AfterValidator(_clean)]
DbId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class Open(BaseModel):
    """A response that lets the core's extra keys through."""

    model_config = ConfigDict(extra="allow")


class CaseSummary(Open):
    id: str
    case_id: int
    subject: str
    status: str
    priority: float
    intent: str | None = None
    topic: str | None = None
    signals: list[str] = []
    assignee: str | None = None
    contact: str | None = None
    campaign_id: str | None = None
    campaign_role: str | None = None


class CaseList(BaseModel):
    cases: list[CaseSummary]
    more: bool = Field(description="Another page follows (use offset).")


class CaseDetail(Open):
    id: str
    case_id: int
    subject: str
    status: str
    thread: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    notes: list[dict[str, Any]]


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["open", "pending", "resolved", "closed"]
    reason: Annotated[Text, Field(max_length=2000)] = ""


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: Annotated[Text, Field(max_length=120)] | None = Field(None, description="Empty or null unassigns.")
    reason: Annotated[Text, Field(max_length=2000)] = ""


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: Annotated[Text, Field(min_length=1, max_length=20_000)]


class Note(BaseModel):
    id: int
    case_id: int
    author: str
    body: str
    created_at: str


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: Literal["intent", "topic"]
    value: Annotated[Text, Field(max_length=64)]
    reason: Annotated[Text, Field(max_length=2000)] = ""


class Correction(BaseModel):
    message_pk: int
    field: str
    to: str
    from_: str | None = Field(None, alias="from")


class ToneCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[Text, Field(max_length=50_000)]
    case: Annotated[Text, Field(max_length=40)] | None = Field(
        None, description="Case reference: its last inbound message is the context."
    )


class Finding(Open):
    rule: str
    severity: str
    start: int
    end: int
    text: str
    why: str
    suggestion: str


class ToneReport(Open):
    verdict: Literal["ok", "warn", "block"]
    front_page_score: int
    findings: list[Finding]


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template: Annotated[Text, Field(max_length=64)] | None = None
    text: Annotated[Text, Field(max_length=50_000)] | None = None
    suggest: bool = False
    executive: bool = False


class EditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[Text, Field(max_length=50_000)]


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[Text, Field(max_length=2000)]


class OutboxEntry(Open):
    id: int
    case: str
    status: str
    to: str
    subject: str
    body: str
    tone: ToneReport
    approved_by: str | None = None
    approval_reason: str | None = None


class Me(BaseModel):
    id: int
    name: str
    role: str


class UserOut(BaseModel):
    id: int
    name: str
    role: str
    active: bool
    created_at: str


class TokenOut(BaseModel):
    id: int
    user: str
    prefix: str
    label: str
    created_at: str
    last_used_at: str | None
    revoked: bool
