"""The digest as data: built once (:mod:`execdesk.digest.build`), rendered by format, printed by ``--json``.

Every figure and every suggestion carries its reasons, so the executive can ask "why this one?"
and the answer is in the same object the page was rendered from.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Totals(BaseModel):
    """Inbound mail in the period against the period before."""

    messages: int = Field(description="Inbound messages written in the period (machine mail excluded).")
    previous_messages: int = Field(description="The same count for the previous period of equal length.")
    change_pct: float | None = Field(description="Change against the previous period, percent; None when it was 0.")
    new_cases: int = Field(description="Cases opened in the period (campaign members excluded).")
    campaign_messages: int = Field(description="Inbound messages in the period that belong to a campaign.")
    machine_messages: int = Field(description="Auto-replies, bounces and bulk mail in the period.")
    open_cases: int = Field(description="Open or pending cases at the end of the period (machine cases excluded).")
    quarantined: int = Field(description="Messages quarantined in the period.")


class Count(BaseModel):
    label: str
    count: int
    previous: int = 0


class CaseItem(BaseModel):
    """A case as the briefing shows it: one line of summary, the owner, and why it is listed."""

    ref: str
    case_id: int
    subject: str
    contact: str | None
    contact_name: str | None
    intent: str | None
    topic: str | None
    signals: list[str]
    priority: float
    owner: str
    summary: str
    reasons: list[str] = Field(default_factory=list)
    messages: int = 1
    last_inbound_at: datetime | None = None
    campaign_id: str | None = None
    campaign_role: str | None = None


class CampaignItem(BaseModel):
    """An active flood: size, growth, trigger, what it says, and the stance the rules suggest."""

    id: str
    title: str
    size: int
    in_period: int = Field(description="Members that arrived in the period.")
    previous_period: int = Field(description="Members that arrived in the previous period.")
    distinct_senders: int
    own_text_members: int
    first_seen: datetime | None
    last_seen: datetime | None
    peak_hour: str | None = Field(
        description="The hour with most arrivals (ISO) and its count, e.g. '2026-09-28T13:00 (61)'."
    )
    growth: str = Field(description="growing | steady | fading, from the last hours' arrivals.")
    trigger: CaseItem | None = None
    shared_links: list[str] = Field(default_factory=list)
    summary: str = ""
    form_summary: str = ""
    additions: list[str] = Field(default_factory=list)
    stance: list[str] = Field(default_factory=list, description="The suggested handling, one step a line.")
    stance_reasons: list[str] = Field(default_factory=list)
    related_to: str | None = Field(
        None, description="The larger campaign with the same trigger (the same event in other words), if any."
    )


class SlaFigures(BaseModel):
    """First-response attainment: answered within the target, late, overdue and still open."""

    source: str = Field(description="'sla' (the cases' SLA clocks) or 'first_response' (outbound mail times).")
    target_hours: float | None
    due: int
    met: int
    missed: int
    overdue_open: int
    attainment_pct: float | None
    median_first_response_hours: float | None


class AlertItem(BaseModel):
    kind: str
    severity: str
    title: str
    at: datetime
    campaign_id: str | None = None
    case_ref: str | None = None


class Lead(BaseModel):
    """A headline at the top of the briefing: the few things the executive must know first."""

    text: str
    kind: str  # campaign | case | alert | quiet
    ref: str | None = None


class Digest(BaseModel):
    """The executive briefing of one period."""

    title: str
    company: str
    executive: str
    period_start: datetime
    period_end: datetime
    period_label: str
    timezone: str = Field("UTC", description="IANA time zone the digest shows times in.")
    generated_at: datetime
    leads: list[Lead]
    totals: Totals
    themes: list[Count] = Field(description="Intents of the period's new cases, most frequent first.")
    topics: list[Count] = Field(description="Topics of the period's new cases, most frequent first.")
    volume: list[tuple[str, int, int]] = Field(
        description="Inbound messages per hour or day: [bucket start ISO, individual, campaign]."
    )
    campaigns: list[CampaignItem]
    high_risk: list[CaseItem]
    praise: list[CaseItem]
    personal_replies: list[CaseItem]
    sla: SlaFigures
    alerts: list[AlertItem]
