"""The period a digest covers, and the period before it (for the trend).

``--since`` takes a duration back from the end (``24h``, ``7d``, ``90m``, ``2w``) or an ISO date or
time (``2026-09-28``, ``2026-09-28T08:00-04:00``; no offset means the digest's time zone). The end
is now unless given. The previous period is the same length, ending where this one starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.I)
_UNIT_SECONDS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class PeriodError(ValueError):
    """The user's period does not parse or is empty: their fault, said in one sentence."""


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def previous(self) -> Period:
        return Period(self.start - self.length, self.start)

    def label(self, tz: tzinfo = UTC) -> str:
        s, e = self.start.astimezone(tz), self.end.astimezone(tz)
        hours = self.length.total_seconds() / 3600
        span = f"{hours:g} hours" if hours < 48 else f"{hours / 24:g} days"
        fmt = "%a %d %b %Y %H:%M"
        return f"{s.strftime(fmt)} – {e.strftime(fmt)} {e.strftime('%Z') or ''} ({span})".replace(" (", " (", 1)


def parse_when(text: str, tz: tzinfo = UTC) -> datetime:
    """An ISO date or date-time; a date means its midnight, no offset means ``tz``."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(datetime.fromisoformat(value).date(), time(0), tzinfo=tz)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PeriodError(f"{text!r} is neither a duration (24h, 7d) nor an ISO date or time (2026-09-28)") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def parse_duration(text: str) -> timedelta | None:
    m = _DURATION.match(text)
    if not m:
        return None
    return timedelta(seconds=float(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()])


def parse_period(since: str, *, until: str | datetime | None = None, now: datetime, tz: tzinfo = UTC) -> Period:
    """The period from ``since`` (a duration back from the end, or a start time) to ``until`` (default now)."""
    end = until if isinstance(until, datetime) else parse_when(until, tz) if until else now
    if end.tzinfo is None:
        end = end.replace(tzinfo=tz)
    duration = parse_duration(since)
    start = end - duration if duration is not None else parse_when(since, tz)
    if start >= end:
        raise PeriodError(f"the period is empty: {start.isoformat()} is not before {end.isoformat()}")
    return Period(start.astimezone(UTC), end.astimezone(UTC))
