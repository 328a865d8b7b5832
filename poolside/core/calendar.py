"""The span of dates and counts poolside works with, so that no typo reaches the
calendar's ends.

Python's dates stop at years 1 and 9999: a week's end, a Monday before, or a
program of ``--weeks 100000000`` from a date near either end overflows, and
a count that large allocates a list per participant per week. Every date an
operator or a file gives (``--start``, ``--as-of``, ``program_start``, a
roster's, closures' or excused days, a record's start) must lie in
[EARLIEST, LATEST], and every count of weeks or sessions within its maximum,
so that all arithmetic on them stays well inside the calendar.

    >>> in_span(date(2027, 1, 4)), in_span(date(9999, 12, 31))
    (True, False)
"""

from __future__ import annotations

from datetime import date

EARLIEST, LATEST = date(1970, 1, 1), date(2199, 12, 31)
MAX_WEEKS = 520  # ten years of weekly sessions: any program, any study
MAX_PER_WEEK = 21  # three sessions a day, every day
SPAN = f"from {EARLIEST} to {LATEST}"


def in_span(day: date) -> bool:
    return EARLIEST <= day <= LATEST
