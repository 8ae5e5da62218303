"""The payload of an ingest task: where the raw bytes are and where they came from (no content)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REF_LIMIT = 2000  # the arrival keeps this much of the source reference (ingest core)


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """One message in an ingest task: the bytes are in the blob store under ``sha256``."""

    sha256: str
    kind: str
    ref: str
    received_at: str  # ISO 8601, UTC

    def to_json(self) -> dict[str, str]:
        return {"sha256": self.sha256, "kind": self.kind, "ref": self.ref, "received_at": self.received_at}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> QueuedMessage:
        return cls(str(d["sha256"]), str(d["kind"]), str(d["ref"]), str(d["received_at"]))
