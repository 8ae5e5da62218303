"""The routing and SLA sections of the settings (``[routing]``, ``[sla]`` in execdesk.toml).

Rules, SLA policies and business hours live in the database (the desk's supervisors edit them);
what lives here is what an operator sets once: which signals make a case high-risk, and how
deadlines are reported.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RoutingSettings(BaseModel):
    """Routing of new cases to teams and the high-risk alert."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Run the route stage on ingest (teams, owners, SLA clocks, alerts).")
    high_risk_signals: list[str] = Field(
        default_factory=lambda: ["legal_threat", "regulator", "going_public", "media", "safety"],
        description="A case with any of these signals is high-risk: a high_risk alert, the high-risk SLA policy.",
    )
    high_risk_intents: list[str] = Field(
        default_factory=lambda: ["legal_notice", "media_inquiry"],
        description="A case with one of these intents is high-risk too.",
    )


class SlaSettings(BaseModel):
    """How SLA deadlines are reported (the policies and business hours are in the database)."""

    model_config = ConfigDict(extra="forbid")

    due_soon_minutes: float = Field(60.0, description="A deadline closer than this (real minutes) is due_soon.")
    breach_alert_max_age_hours: float = Field(
        72.0,
        description="Breaches older than this when first seen (imports of old mail) are recorded but raise no alert.",
    )
    sweep_seconds: float = Field(60.0, description="How often execdesk serve and workers run the breach sweep.")
