"""The ``[digest]`` settings section: who gets the briefing, when, and what it holds.

Kept beside the digest (imported by :mod:`execdesk.settings`), and free of other execdesk
imports so that loading the settings never loads the digest's renderers.
"""

from __future__ import annotations

import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_SINCE = re.compile(r"^\s*\d+(?:\.\d+)?\s*(?:m|min|h|d|w)\s*$", re.I)


class DigestSettings(BaseModel):
    """The executive briefing (``execdesk digest``) and its scheduled sending."""

    model_config = ConfigDict(extra="forbid")

    recipients: list[str] = Field(
        default_factory=list, description="Addresses the scheduled digest is sent to; empty: nothing is sent."
    )
    send_time: str = Field("07:00", description="Local time (HH:MM) the daily digest is due, in `timezone`.")
    timezone: str = Field("UTC", description="IANA time zone of `send_time` and of the times shown in the digest.")
    since: str = Field("24h", description="The period each scheduled digest covers, back from its send time (24h, 7d).")
    from_address: str | None = Field(
        None, description="From address of the digest mail; default: reply.from_address (SMTP from [reply])."
    )
    subject: str = Field(
        "{company}: executive briefing for {date}",
        description="Subject of the digest mail; {company}, {date} and {period} are filled in.",
    )
    attach_pdf: bool = Field(False, description="Attach the PDF rendering to the digest mail as well.")
    page_size: Literal["A4", "Letter"] = Field("A4", description="Paper size of the one-page PDF (A4 or Letter).")
    max_high_risk: int = Field(8, description="Most high-risk cases listed.")
    max_praise: int = Field(3, description="Most praise messages listed.")
    personal_replies: int = Field(5, description="Most messages suggested for a personal reply by the executive.")
    first_response_hours: float = Field(
        24.0, description="First-response target used for SLA attainment when cases carry no SLA clocks."
    )
    send_lease_seconds: float = Field(
        600.0, description="A digest claimed for sending this long ago without a result is tried again."
    )

    @field_validator("send_time")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError(f"send_time must be HH:MM (24-hour), not {value!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as America/Chicago)") from exc
        return value

    @field_validator("since")
    @classmethod
    def _since(cls, value: str) -> str:
        if not _SINCE.match(value):
            raise ValueError(f"since must be a duration such as 24h or 7d, not {value!r}")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
