"""The dashboard's figures over the API: the same dict the dashboard page draws."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict

from execdesk.cases.dashboard import MAX_DAYS
from execdesk.web.accounts import Principal
from execdesk.web.api import api_router
from execdesk.web.auth import READERS, StoreDep, require_role
from execdesk.web.routes.dashboard import load

router = api_router("dashboard")
Reader = Annotated[Principal, Depends(require_role(*READERS))]


class Dashboard(BaseModel):
    model_config = ConfigDict(extra="allow")
    window: dict[str, Any]
    volume: dict[str, Any]
    sentiment: dict[str, Any]
    risk: dict[str, Any]
    sla: dict[str, Any]
    campaigns: dict[str, Any]


@router.get("/dashboard", response_model=Dashboard, summary="Volume, sentiment, risk, SLA and campaigns by day")
def get_dashboard(
    store: StoreDep,
    user: Reader,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="Days back from the newest inbound message.")] = 30,
) -> dict[str, Any]:
    return load(store, days)
