"""The ``[retention]`` and ``[ops]`` settings sections."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class RetentionRule(BaseModel):
    """How long the raw mail of closed cases sent to one mailbox is kept."""

    model_config = ConfigDict(extra="forbid")

    mailbox: str = Field(
        "*", description="Recipient address (To/Cc of the case's inbound mail), @domain, or * for any."
    )
    closed_days: int = Field(
        ..., ge=0, description="Delete raw messages and attachments this many days after the case was closed."
    )


class RetentionSettings(BaseModel):
    """Retention of raw mail: the case summary stays, the raw bytes and attachments go."""

    model_config = ConfigDict(extra="forbid")

    rules: list[RetentionRule] = Field(
        default_factory=list,
        description="Ordered rules; the first whose mailbox matches a case applies. Empty: keep everything.",
    )
    statuses: list[str] = Field(
        default_factory=lambda: ["closed", "resolved"],
        description="Case statuses retention may act on (counted from the case's last update).",
    )


class OpsSettings(BaseModel):
    """Observability and checks: the metrics endpoint and ``execdesk doctor``."""

    model_config = ConfigDict(extra="forbid")

    metrics_token: SecretStr | None = Field(
        None,
        description="Bearer token for /metrics (prefer EXECDESK_OPS__METRICS_TOKEN or metrics_token_file); "
        "without one /metrics answers only loopback clients.",
    )
    metrics_token_file: Path | None = Field(
        None, description="File holding the metrics token (first line); must not be readable by group or others."
    )
    min_free_disk_mb: int = Field(1024, description="doctor warns when the home's disk has less free space (MiB).")
    blob_sample: int = Field(200, description="Blobs doctor reads back and checks against their SHA-256.")
    check_timeout_s: float = Field(10.0, description="Seconds doctor waits for IMAP and SMTP servers.")
