"""Case references as people see them (``ED-000042``) and back."""

from __future__ import annotations

import re

PREFIX = "ED-"
_REF = re.compile(r"^\s*(?:ED-)?0*(\d+)\s*$", re.IGNORECASE)
SUBJECT_TAG = re.compile(r"\[ED-(\d{6,})\]")


def case_ref(case_id: int) -> str:
    return f"{PREFIX}{case_id:06d}"


def parse_case_ref(text: str) -> int | None:
    """``ED-000042``, ``ed-42`` or ``42`` -> 42; anything else -> None."""
    m = _REF.match(text)
    return int(m.group(1)) if m else None
