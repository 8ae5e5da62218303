"""Campaigns over the API: list, one campaign, and the bulk actions (acknowledge, answer, close,
detach) through the same core and role policy as the campaign page (``web.campaign_ops``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from execdesk.web import campaign_ops
from execdesk.web.accounts import Principal
from execdesk.web.api import api_router
from execdesk.web.api.schemas import DbId, Open, Text
from execdesk.web.auth import APPROVERS, READERS, STAFF, StoreDep, require_role

router = api_router("campaigns")
Reader = Annotated[Principal, Depends(require_role(*READERS))]
Staff = Annotated[Principal, Depends(require_role(*STAFF))]
Supervisor = Annotated[Principal, Depends(require_role(*APPROVERS))]
CampaignId = Annotated[str, Path(description="Campaign id, e.g. cmp_902ba3cda1883801.", max_length=64)]


class CampaignSummary(Open):
    id: str
    title: str | None = None
    status: str
    size: int
    distinct_senders: int
    own_text_members: int
    first_seen: str | None = None
    last_seen: str | None = None
    trigger: dict[str, Any] | None = None
    arrivals: list[dict[str, Any]] = Field([])


class CampaignList(BaseModel):
    campaigns: list[CampaignSummary]


class CampaignDetail(CampaignSummary):
    representative_text: str | None = None
    member_details: list[dict[str, Any]]
    alerts: list[dict[str, Any]]


class BulkOut(Open):
    campaign_id: str
    action: str
    done: int = Field(description="Members acted on (mail queued, cases closed).")
    skipped: int = Field(description="Members left alone; skipped_items says why for each.")
    items: list[dict[str, Any]]
    skipped_items: list[dict[str, Any]]


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[Text, Field(min_length=1, max_length=campaign_ops.MAX_ANSWER_CHARS)] = Field(
        description="The reply; placeholders such as {customer_name} are filled in per sender."
    )
    reason: Annotated[Text, Field(max_length=2000)] = Field(
        "", description="A supervisor's written reason to send a text the tone guard blocks."
    )
    executive: bool = Field(False, description="Executive voice (short, signed by the executive).")


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[Text, Field(max_length=2000)] = ""
    include_own_text: bool = Field(False, description="Also close members who wrote text of their own.")


class DetachIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[Text, Field(max_length=2000)] = ""


class DetachOut(Open):
    campaign_id: str
    message_pk: int
    case: str | None = None
    status: Literal["detached"]


@router.get("/campaigns", response_model=CampaignList, summary="Campaigns, most recently active first")
def list_campaigns(
    store: StoreDep,
    user: Reader,
    status: Annotated[Literal["active", "closed", "merged", "all"], Query()] = "active",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    return {"campaigns": campaign_ops.listing(store, status=None if status == "all" else status, limit=limit)}


@router.get("/campaigns/{campaign_id}", response_model=CampaignDetail, summary="One campaign with its members")
def get_campaign(store: StoreDep, user: Reader, campaign_id: CampaignId) -> dict[str, Any]:
    return campaign_ops.detail(store, campaign_id)


@router.post("/campaigns/{campaign_id}/acknowledge", response_model=BulkOut, summary="Acknowledge every sender once")
def acknowledge(store: StoreDep, user: Staff, campaign_id: CampaignId) -> dict[str, Any]:
    return campaign_ops.acknowledge(store, campaign_id, user)


@router.post("/campaigns/{campaign_id}/answer", response_model=BulkOut, summary="Answer every sender once")
def answer(store: StoreDep, user: Staff, campaign_id: CampaignId, body: AnswerIn) -> dict[str, Any]:
    return campaign_ops.answer(store, campaign_id, user, text=body.text, reason=body.reason, executive=body.executive)


@router.post("/campaigns/{campaign_id}/close", response_model=BulkOut, summary="Close the campaign and its members")
def close(store: StoreDep, user: Supervisor, campaign_id: CampaignId, body: CloseIn) -> dict[str, Any]:
    result: dict[str, Any] = campaign_ops.close(
        store, campaign_id, user, reason=body.reason, include_own_text=body.include_own_text
    )
    return result


@router.post(
    "/campaigns/{campaign_id}/members/{message_pk}/detach",
    response_model=DetachOut,
    summary="Take one message out of the campaign",
)
def detach(
    store: StoreDep, user: Supervisor, campaign_id: CampaignId, message_pk: Annotated[DbId, Path()], body: DetachIn
) -> dict[str, Any]:
    return campaign_ops.detach(store, campaign_id, message_pk, user, reason=body.reason)
