"""Business-time arithmetic: weekends, holidays, clock changes, shifts past midnight, long spans.

Each case is written as local wall-clock times in the calendar's zone, worked out by hand
(2026: 29 March and 25 October are the EU clock changes; 8 March and 1 November the US ones).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from execdesk.routing import calendar as calendar_module
from execdesk.routing.calendar import BusinessCalendar, CalendarError, add_time, shared_calendar, time_between


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)


BERLIN = "Europe/Berlin"
OFFICE = BusinessCalendar(BERLIN, ("mon", "tue", "wed", "thu", "fri"), "09:00", "17:00", ["2026-12-25", "2026-12-28"])
NIGHT = BusinessCalendar(BERLIN, ("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "22:00", "06:00")
NEW_YORK = BusinessCalendar("America/New_York", ("mon", "tue", "wed", "thu", "fri"), "08:30", "17:30")

ADD_CASES = [
    # (calendar, start (local), minutes, expected (local), why)
    (OFFICE, (2026, 10, 1, 10, 0), 60, (2026, 10, 1, 11, 0), "inside one working day"),
    (OFFICE, (2026, 10, 1, 16, 30), 60, (2026, 10, 2, 9, 30), "past closing time: the rest next morning"),
    (OFFICE, (2026, 10, 2, 16, 0), 120, (2026, 10, 5, 10, 0), "Friday afternoon to Monday: the weekend counts nothing"),
    (OFFICE, (2026, 10, 3, 12, 0), 30, (2026, 10, 5, 9, 30), "arriving on a Saturday: the clock starts Monday 09:00"),
    (OFFICE, (2026, 10, 1, 7, 0), 30, (2026, 10, 1, 9, 30), "arriving before opening"),
    (OFFICE, (2026, 10, 1, 17, 0), 1, (2026, 10, 2, 9, 1), "arriving exactly at closing"),
    (OFFICE, (2026, 12, 24, 16, 0), 120, (2026, 12, 29, 10, 0), "Christmas Day and the 28th are holidays"),
    (OFFICE, (2026, 10, 1, 9, 0), 5 * 480, (2026, 10, 7, 17, 0), "five working days span a weekend"),
    (OFFICE, (2026, 3, 27, 16, 0), 120, (2026, 3, 30, 10, 0), "across the spring clock change (a Sunday)"),
    (OFFICE, (2026, 10, 23, 16, 0), 120, (2026, 10, 26, 10, 0), "across the autumn clock change"),
    (NIGHT, (2026, 10, 1, 23, 0), 60, (2026, 10, 2, 0, 0), "a night shift runs past midnight"),
    (NIGHT, (2026, 10, 2, 5, 30), 60, (2026, 10, 2, 22, 30), "the night shift's end: the rest next night"),
    (NIGHT, (2026, 10, 2, 12, 0), 10, (2026, 10, 2, 22, 10), "daytime is outside the night shift"),
    (NEW_YORK, (2026, 3, 6, 17, 0), 60, (2026, 3, 9, 9, 0), "US spring change on the weekend between"),
]


@pytest.mark.parametrize(("cal", "start", "minutes", "expected", "why"), ADD_CASES, ids=[c[-1] for c in ADD_CASES])
def test_add_working_minutes(cal: BusinessCalendar, start: tuple, minutes: int, expected: tuple, why: str) -> None:  # type: ignore[type-arg]
    got = cal.add(local(cal.timezone, *start), minutes)
    assert got.tzinfo is UTC or got.utcoffset() == timedelta(0)
    assert got == local(cal.timezone, *expected), why


def test_night_shift_on_the_autumn_change_night_is_nine_real_hours() -> None:
    """22:00 Saturday 24 Oct to 06:00 Sunday: clocks go back at 03:00, so the shift is 9 hours long."""
    start = local(BERLIN, 2026, 10, 24, 22, 0)
    end = local(BERLIN, 2026, 10, 25, 6, 0)
    assert end - start == timedelta(hours=9)
    assert NIGHT.between(start, end) == timedelta(hours=9)
    assert NIGHT.add(start, 9 * 60) == end
    spring = NIGHT.between(local(BERLIN, 2026, 3, 28, 22, 0), local(BERLIN, 2026, 3, 29, 6, 0))
    assert spring == timedelta(hours=7)


def test_a_shift_starting_inside_the_spring_gap_starts_when_the_clock_resumes() -> None:
    """02:30 does not exist on 29 March 2026 in Berlin (02:00 -> 03:00)."""
    cal = BusinessCalendar(BERLIN, ("sun",), "02:30", "05:00")
    start = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)  # 01:00 local, before the gap
    assert cal.add(start, 1) == local(BERLIN, 2026, 3, 29, 3, 1)
    assert cal.between(start, local(BERLIN, 2026, 3, 29, 5, 0)) == timedelta(hours=2)


def test_between_counts_only_working_time_and_is_signed() -> None:
    a = local(BERLIN, 2026, 10, 2, 16, 0)  # Friday
    b = local(BERLIN, 2026, 10, 5, 10, 0)  # Monday
    assert OFFICE.between(a, b) == timedelta(hours=2)
    assert OFFICE.between(b, a) == -timedelta(hours=2)
    assert OFFICE.between(a, a) == timedelta(0)


def test_round_the_clock_without_a_calendar() -> None:
    start = datetime(2026, 10, 3, 12, 0, tzinfo=UTC)
    assert add_time(None, start, 90) == start + timedelta(minutes=90)
    assert time_between(None, start, start + timedelta(hours=5)) == timedelta(hours=5)


def test_bad_calendars_are_refused_with_the_reason() -> None:
    with pytest.raises(CalendarError, match="time zone"):
        BusinessCalendar("Mars/Olympus")
    with pytest.raises(CalendarError, match="working day"):
        BusinessCalendar("UTC", ("mon", "fryday"))
    with pytest.raises(CalendarError, match="HH:MM"):
        BusinessCalendar("UTC", ("mon",), "9am")
    with pytest.raises(CalendarError, match="no working time"):
        BusinessCalendar("UTC", ("mon",), holidays=[f"2026-{m:02d}-{d:02d}" for m in (1,) for d in (5,)]).add(
            datetime(2026, 1, 5, tzinfo=UTC) + timedelta(days=7 * 200), 10**7
        )


instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC))


@settings(max_examples=150, deadline=None)
@given(start=instants, minutes=st.integers(min_value=1, max_value=20 * 480))
def test_add_and_between_agree(start: datetime, minutes: int) -> None:
    """Adding n working minutes and counting them back gives n, whatever the start (any calendar here)."""
    for cal in (OFFICE, NIGHT, NEW_YORK):
        end = cal.add(start, minutes)
        assert end > start
        assert cal.between(start, end) == timedelta(minutes=minutes)
        assert cal.is_working(end - timedelta(seconds=1))


def test_remembered_shifts_are_the_computed_ones_across_clock_changes_and_cache_resets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A calendar remembers each day's shift; with a tiny memory (reset every 5 days) and without one,
    deadlines over two years of London and New York days, clock changes included, are the same."""
    monkeypatch.setattr(calendar_module, "SHIFT_CACHE_DAYS", 5)
    small = [BusinessCalendar(*args) for args in (LONDON_NIGHT, NY_OFFICE)]
    for cal in small:
        day = datetime(2026, 1, 1).date()
        for _ in range(730):
            assert cal._shift(day) == cal._compute_shift(day)
            day += timedelta(days=1)
        assert len(cal._shifts) <= 5
    start = datetime(2026, 3, 1, 7, 30, tzinfo=UTC)
    for cal in small:
        fresh = BusinessCalendar(cal.timezone, cal.days, cal.start, cal.end, cal.holidays)
        for hours in range(0, 24 * 300, 13):
            at = start + timedelta(hours=hours)
            assert cal.add(at, 4800) == fresh.add(at, 4800)
            assert cal.between(at, at + timedelta(days=9)) == fresh.between(at, at + timedelta(days=9))


def test_one_calendar_per_definition_is_shared() -> None:
    a = shared_calendar("Europe/London", ("mon", "tue"), "22:00", "06:00", ("2026-12-25",))
    assert shared_calendar("Europe/London", ("mon", "tue"), "22:00", "06:00", ("2026-12-25",)) is a
    assert shared_calendar("Europe/London", ("mon", "tue"), "22:00", "07:00", ("2026-12-25",)) is not a


LONDON_NIGHT = ("Europe/London", ("mon", "tue", "wed", "thu", "fri", "sun"), "22:00", "06:00", ("2026-12-25",))
NY_OFFICE = ("America/New_York", ("mon", "tue", "wed", "thu", "fri"), "09:00", "17:00", ())
