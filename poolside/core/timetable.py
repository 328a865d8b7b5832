"""When a pool offers its classes: the days of the week and the start times.

The config's ``timetable:`` names them; every record the Pi writes carries
them as one line of text (docs/batch-format.md), so the study team's export
knows which days a class was offered at each Pi. A closure or a call-off then
takes out only an offered class, and a class offered with neither a record nor
a call-off is "not known", not everyone absent.

The text form, the same in the config's summary, in records and in the
report: each day with classes, Monday first, its times in order, days
separated by ``; ``::

    >>> table = Timetable.parse("mon 07:00 18:30; thu 18:30")
    >>> table.text
    'mon 07:00 18:30; thu 18:30'
    >>> from datetime import date
    >>> table.times_on(date(2027, 1, 4)), table.times_on(date(2027, 1, 5))
    (('07:00', '18:30'), ())
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
MAX_PER_DAY = 12  # more classes a day than any pool runs: a typo, refused
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
MAX_TEXT = len("; ".join(f"{d}" + " 00:00" * MAX_PER_DAY for d in DAYS))


class NotATimetable(ValueError):
    """Text that is not a timetable; the message says what is wrong."""


def class_time(text: str) -> str:
    """``7:00`` or ``07:00`` as ``07:00``; raises :class:`NotATimetable`."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise NotATimetable(f"'{text}' is not a time of day written HH:MM (07:00, 18:30)")
    return f"{int(match[1]):02d}:{match[2]}"


@dataclass(frozen=True)
class Timetable:
    """Start times of the classes offered, per weekday (Monday = 0)."""

    week: tuple[tuple[str, ...], ...]  # seven entries, each day's times in order

    @classmethod
    def of(cls, by_day: dict[str, list[str]]) -> Timetable:
        """From day names (``mon`` ... ``sun``) to their times, checked: every time
        a time of day, none twice in a day, at most MAX_PER_DAY a day."""
        week: list[tuple[str, ...]] = [() for _ in DAYS]
        for day, times in by_day.items():
            if day not in DAYS:
                raise NotATimetable(f"'{day}' is not a day: use {', '.join(DAYS)}")
            found = [class_time(t) for t in times]
            twice = sorted({t for t in found if found.count(t) > 1})
            if twice:
                raise NotATimetable(f"{day} names {', '.join(twice)} twice")
            if len(found) > MAX_PER_DAY:
                raise NotATimetable(f"{day} has {len(found)} classes: at most {MAX_PER_DAY}")
            week[DAYS.index(day)] = tuple(sorted(found))
        if not any(week):
            raise NotATimetable("a timetable needs at least one class")
        return cls(tuple(week))

    @classmethod
    def parse(cls, text: str) -> Timetable:
        """The text form back (as a record carries it); raises :class:`NotATimetable`."""
        if len(text) > MAX_TEXT:
            raise NotATimetable(f"a timetable is at most {MAX_TEXT} characters")
        by_day: dict[str, list[str]] = {}
        for part in text.split(";"):
            words = part.split()
            if not words:
                continue
            if words[0] in by_day:
                raise NotATimetable(f"{words[0]} is named twice")
            by_day[words[0]] = words[1:]
        return cls.of(by_day)

    @property
    def text(self) -> str:
        return "; ".join(
            " ".join((day, *times)) for day, times in zip(DAYS, self.week, strict=True) if times
        )

    def times_on(self, day: date) -> tuple[str, ...]:
        """The classes offered on ``day`` (none: the pool holds no class then)."""
        return self.week[day.weekday()]


def parse_or_none(text: object) -> Timetable | None:
    """A record's ``timetable`` field, or None where it is absent or not one (an
    older Pi's record, a damaged field): the export then knows no timetable."""
    if not isinstance(text, str):
        return None
    try:
        return Timetable.parse(text)
    except NotATimetable:
        return None
