"""Business time: adding working minutes to an instant, and counting them between two instants.

A :class:`BusinessCalendar` is a time zone, the working days, one daily shift (``start`` to
``end`` in local wall-clock time; a shift whose end is at or before its start runs past
midnight into the next day) and holidays (local dates; a shift belongs to the date it starts
on). Instants in and out are timezone-aware UTC; each day's shift is turned into a UTC interval
with :mod:`zoneinfo`, so a shift on the day clocks change lasts what the wall clock says it
lasts minus or plus the hour (09:00-17:00 is 8 hours every day; a 22:00-06:00 night shift is 7 or
9 real hours on a change night). A wall-clock time that does not exist on a spring-forward day
is read as the instant after the gap (``fold=0`` semantics of :mod:`zoneinfo`).

Pure and dependency-free; ``None`` as a calendar means round the clock (24x7).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: How far ahead the calculator looks for working time before it calls the calendar empty.
MAX_DAYS = 3 * 366
#: Shifts a calendar remembers (a few years of days; then it starts over, bounding memory).
SHIFT_CACHE_DAYS = 4096


class CalendarError(ValueError):
    """The calendar cannot be used (no working days, unknown zone, bad time)."""


def parse_hhmm(value: str) -> time:
    try:
        hh, mm = value.strip().split(":")
        h, m = int(hh), int(mm)
    except ValueError:
        raise CalendarError(f"time {value!r} is not HH:MM") from None
    if h == 24 and m == 0:
        return time(0, 0)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise CalendarError(f"time {value!r} is out of range")
    return time(h, m)


class BusinessCalendar:
    """Working hours of one office; immutable once built."""

    __slots__ = ("_end", "_shifts", "_start", "_weekdays", "_zone", "days", "end", "holidays", "start", "timezone")

    def __init__(
        self,
        timezone: str = "UTC",
        days: Iterable[str] = ("mon", "tue", "wed", "thu", "fri"),
        start: str = "09:00",
        end: str = "17:00",
        holidays: Iterable[date | str] = (),
    ) -> None:
        try:
            self._zone = ZoneInfo(timezone)
        except Exception:
            raise CalendarError(f"unknown time zone {timezone!r}") from None
        self.timezone = timezone
        self.days = tuple(d.strip().lower()[:3] for d in days)
        bad = [d for d in self.days if d not in DAY_NAMES]
        if bad:
            raise CalendarError(f"unknown working day(s) {', '.join(bad)}; use {', '.join(DAY_NAMES)}")
        if not self.days:
            raise CalendarError("a business calendar needs at least one working day")
        self.start, self.end = start, end
        self._start, self._end = parse_hhmm(start), parse_hhmm(end)
        self._weekdays = frozenset(DAY_NAMES.index(d) for d in self.days)
        try:
            self.holidays = frozenset(h if isinstance(h, date) else date.fromisoformat(str(h)) for h in holidays)
        except ValueError as exc:
            raise CalendarError(f"holiday is not a date (YYYY-MM-DD): {exc}") from None
        self._shifts: dict[date, tuple[datetime, datetime] | None] = {}

    def __repr__(self) -> str:
        hours = f"{self.start}-{self.end}"
        return f"BusinessCalendar({self.timezone!r}, {self.days!r}, {hours!r}, {len(self.holidays)} holidays)"

    # -- the shifts ------------------------------------------------------------------------
    def _shift(self, day: date) -> tuple[datetime, datetime] | None:
        """The UTC interval of the shift starting on local ``day`` (None: not a working day).

        Remembered per day: an SLA deadline walks every day up to it, two zone conversions each, and
        the cases of an import share their days (the calendar is immutable, so each day's answer is)."""
        try:
            return self._shifts[day]
        except KeyError:
            pass
        if len(self._shifts) >= SHIFT_CACHE_DAYS:
            self._shifts.clear()
        shift = self._shifts[day] = self._compute_shift(day)
        return shift

    def _compute_shift(self, day: date) -> tuple[datetime, datetime] | None:
        if day.weekday() not in self._weekdays or day in self.holidays:
            return None
        end_day = day if self._end > self._start else day + timedelta(days=1)
        a = _resolve(datetime.combine(day, self._start, self._zone))
        b = _resolve(datetime.combine(end_day, self._end, self._zone))
        return (a, b) if b > a else None

    def shifts_from(self, instant: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals (UTC) that end after ``instant``, in order, clipped to start at it."""
        instant = _utc(instant)
        day = instant.astimezone(self._zone).date() - timedelta(days=1)  # yesterday's night shift may still run
        for _ in range(MAX_DAYS):
            shift = self._shift(day)
            day += timedelta(days=1)
            if shift is None or shift[1] <= instant:
                continue
            yield max(shift[0], instant), shift[1]
        raise CalendarError(f"no working time within {MAX_DAYS} days after {instant.isoformat()}")

    # -- arithmetic ------------------------------------------------------------------------
    def add(self, instant: datetime, minutes: float) -> datetime:
        """The instant when ``minutes`` of working time have passed after ``instant``.

        Zero minutes from outside working hours is the instant itself (nothing is owed yet)."""
        if minutes <= 0:
            return _utc(instant)
        left = timedelta(minutes=minutes)
        for a, b in self.shifts_from(instant):
            if b - a >= left:
                return a + left
            left -= b - a
        raise AssertionError("unreachable: shifts_from raises when it runs out")

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
        a, b = _utc(a), _utc(b)
        if b < a:
            return -self.between(b, a)
        total = timedelta(0)
        for s, e in self.shifts_from(a):
            if s >= b:
                break
            total += min(e, b) - s
        return total

    def is_working(self, instant: datetime) -> bool:
        s, _e = next(self.shifts_from(instant))
        return s <= _utc(instant)


@lru_cache(maxsize=64)
def shared_calendar(
    timezone: str, days: tuple[str, ...], start: str, end: str, holidays: tuple[date | str, ...]
) -> BusinessCalendar:
    """One calendar per definition for the whole process, so that the shifts it remembers serve every
    batch and every request (the route stage reads the calendars again for each batch)."""
    return BusinessCalendar(timezone, days, start, end, holidays)


def add_time(calendar: BusinessCalendar | None, instant: datetime, minutes: float) -> datetime:
    """``calendar.add`` or plain elapsed time when there is no calendar (24x7)."""
    if calendar is None:
        return _utc(instant) + timedelta(minutes=minutes)
    return calendar.add(instant, minutes)


def time_between(calendar: BusinessCalendar | None, a: datetime, b: datetime) -> timedelta:
    if calendar is None:
        return _utc(b) - _utc(a)
    return calendar.between(a, b)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _resolve(local: datetime) -> datetime:
    """A local wall-clock time as UTC; a time inside a spring-forward gap becomes the gap's end."""
    utc = local.astimezone(UTC)
    back = utc.astimezone(local.tzinfo)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):  # did not exist: clocks jumped over it
        # fold=0 maps it using the offset before the change, which lands after the gap; take the gap's end
        return _gap_end(local)
    return utc


def _gap_end(local: datetime) -> datetime:
    """The first existing instant after a non-existent local time (found minute by minute, gaps < 3 h)."""
    probe = local.replace(tzinfo=None)
    zone = local.tzinfo
    for _ in range(180):
        probe += timedelta(minutes=1)
        candidate = probe.replace(tzinfo=zone)
        if candidate.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == probe:
            return candidate.astimezone(UTC)
    return local.astimezone(UTC)
