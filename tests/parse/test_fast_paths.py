"""The fast paths give what the general (stdlib / regex) paths they short-cut would give."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime

import pytest

from execdesk.parse.headers import _strict_date, parse_date
from execdesk.parse.identity import _header_end
from execdesk.parse.mime import _boundaries


@pytest.mark.parametrize(
    "value",
    [
        "Mon, 12 Aug 2002 10:00:00 +0100",
        "12 Aug 2002 10:00:00 -0530 (EST)",
        "Thu, 1 Jan 2004 00:00:00 -0000",
        "Sun, 29 Feb 2004 23:59:59 +0000",
        "Tue, 31 Dec 9999 23:59:59 -1200",
    ],
)
def test_strict_date_matches_stdlib(value: str) -> None:
    assert _strict_date(value) == parsedate_to_datetime(value)
    assert _strict_date(value).tzinfo == parsedate_to_datetime(value).tzinfo  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "value", ["Mon, 31 Feb 2002 10:00:00 +0100", "Mon, 12 Aug 2002 25:00:00 +0100", "12 Aug 02 10:00 EST"]
)
def test_other_dates_take_the_stdlib_path(value: str) -> None:
    assert _strict_date(value) is None
    defects: list[str] = []
    slow = parse_date(value, defects)
    assert (slow is None) == bool(defects)


@pytest.mark.parametrize(
    "raw",
    [b"a: b\n\nbody", b"a: b\r\n\r\nbody", b"a: b\n\r\nx\n\ny", b"a\r\n\nb", b"no blank line", b"\n\nx", b"x\r\n\r"],
)
def test_header_end_matches_regex(raw: bytes) -> None:
    m = re.search(rb"\r?\n\r?\n", raw)
    assert _header_end(raw) == ((m.start(), m.end()) if m else (len(raw), len(raw)))


def test_boundaries_match_regex() -> None:
    body = b"pre\n--b1\nx\n--b1x\n--b1  \r\ny\n --b1\n--b1--\n--b1--junk\n--b1"
    pattern = re.compile(rb"^--" + re.escape(b"b1") + rb"(--)?[ \t]*\r?$", re.M)
    expected = [(m.start(), m.end(), m.group(1) is not None) for m in pattern.finditer(body)]
    assert _boundaries(body, "b1") == expected
