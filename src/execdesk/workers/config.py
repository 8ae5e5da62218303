"""The ``queue`` settings: whether sources enqueue ingest tasks for workers, and how workers run."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class QueueSettings(BaseModel):
    """Off by default: the embedded desk (SQLite, one process) ingests inline, as it always did."""

    model_config = ConfigDict(extra="forbid")

    backend: Literal["none", "procrastinate"] = Field(
        "none",
        description=(
            "none: sources ingest inline. procrastinate: sources store the raw bytes and enqueue a task in "
            "PostgreSQL (database_url must be PostgreSQL); `execdesk worker` processes (docs/decisions/1000)."
        ),
    )
    ingest_queue: str = Field("ingest", description="Queue name of ingest tasks.")
    tasks_queue: str = Field(
        "tasks",
        description="Queue name of the other tasks: outbox send, digest, SLA sweep, reanalysis (docs/decisions/1001).",
    )
    stalled_after_s: float = Field(
        30.0,
        description=(
            "A worker silent (no heartbeat) this long is taken for dead: its running tasks are handed to "
            "another worker. Keep it above heartbeat_s."
        ),
    )
    heartbeat_s: float = Field(10.0, description="How often a worker records that it is alive.")
    keep_finished_jobs: bool = Field(
        False, description="Keep finished task rows in PostgreSQL (for inspection); off deletes them when done."
    )
