"""The ``[webhooks]`` section of the settings: how alerts are delivered (endpoints live in the database)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WebhookSettings(BaseModel):
    """Signed webhook delivery of alerts (endpoints: ``execdesk webhooks add``)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Deliver alerts to the configured endpoints.")
    timeout_seconds: float = Field(10.0, description="Seconds before one delivery attempt times out.")
    max_attempts: int = Field(8, description="Attempts before a delivery is marked failed.")
    retry_base_seconds: float = Field(
        30.0, description="Delay after the first failed attempt; doubles with each further attempt."
    )
    retry_max_seconds: float = Field(3600.0, description="Longest delay between two attempts.")
    desk_url: str | None = Field(
        None, description="Public base URL of the web desk (https://desk.example.com): payloads link to the case."
    )
    background: bool = Field(
        True, description="Deliver in a background thread after an ingest commit (never blocks ingest)."
    )
