"""Which classes each Pi offered, and what became of each: the classes-held table.

Every record carries its Pi's timetable (core/timetable.py). Read back per
device, it says on which days a class was offered there, so that

- a closure or a call-off takes out only a day that offered a class at that
  participant's Pi (a closure for every pool on a day one pool holds no class
  changes nothing for that pool's people);
- a call-off takes out a day only when every class offered that day was
  called off (the second class of a day can still run);
- each offered class is held, called off, closed, or "not known" (neither a
  record nor a call-off), counted per Pi for the report, never read as
  everyone absent.

A Pi whose records carry no timetable (an older version, no ``timetable:``
in its config) is taken as before: every day may hold a class.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from poolside.core.timetable import Timetable, parse_or_none


@dataclass(frozen=True)
class Span:
    """One timetable seen in a device's records, from its first to its last day."""

    first: int  # date ordinals
    last: int
    timetable: Timetable | None


@dataclass
class Offered:
    """The timetables each device's records carry, with the days they were seen."""

    spans: dict[str, list[Span]] = field(default_factory=dict)

    def timetable(self, device: str, day: date) -> Timetable | None:
        """The timetable in force at ``device`` on ``day``: the latest one first
        seen on or before it, else (before its first record) its first one."""
        spans = self.spans.get(device)
        if not spans:
            return None
        ordinal = day.toordinal()
        before = [s for s in spans if s.first <= ordinal]
        return (before[-1] if before else spans[0]).timetable

    def times_on(self, device: str, day: date) -> tuple[str, ...] | None:
        """The classes offered at ``device`` on ``day``; None where no timetable is known."""
        timetable = self.timetable(device, day)
        return None if timetable is None else timetable.times_on(day)

    def offers(self, device: str, day: date) -> bool:
        """Whether a class may have been offered there that day (yes, unless a
        timetable says no)."""
        times = self.times_on(device, day)
        return times is None or bool(times)

    def known(self) -> list[str]:
        """The devices whose records carry a timetable."""
        return sorted(d for d, spans in self.spans.items() if any(s.timetable for s in spans))


def read(db: sqlite3.Connection) -> Offered:
    """Each device's timetables from the export's ``rec`` table, in the order first seen."""
    offered = Offered()
    rows = db.execute(
        "SELECT device, timetable, MIN(day), MAX(day) FROM rec"
        " WHERE device IS NOT NULL AND day IS NOT NULL"
        " GROUP BY device, timetable ORDER BY device, MIN(day)"
    )
    for device, text, first, last in rows:
        span = Span(first, last, parse_or_none(text))
        offered.spans.setdefault(str(device), []).append(span)
    return offered


def runs_by_day(db: sqlite3.Connection) -> Counter[tuple[str, int]]:
    """Classes (and solo swims) held per (device, day): starts closer together than
    the program's length are one class (a late joiner's record starts later)."""
    runs: Counter[tuple[str, int]] = Counter()
    rows = db.execute(
        "SELECT device, day, CAST(strftime('%s', local_start) AS INTEGER), MAX(planned_s)"
        " FROM rec WHERE type IN ('session', 'headcount') AND device IS NOT NULL"
        " AND day IS NOT NULL GROUP BY device, local_start ORDER BY device, local_start"
    )
    for (device, day), starts in itertools.groupby(rows, key=lambda row: (row[0], row[1])):
        ends = -1
        for _, _, second, planned in starts:
            if second is None or second > ends:
                runs[(device, day)] += 1
                ends = (second or 0) + int(planned or 0)
    return runs


@dataclass
class Held:
    """One Pi's offered classes, by what became of them."""

    offered: int = 0
    held: int = 0
    called_off: int = 0
    closed: int = 0
    not_known: int = 0
    no_data: int = 0  # after the Pi's data ends: its stick not brought in yet
    extra: int = 0  # held on a day or beyond the number the timetable offers


def classes_held(
    offered: Offered,
    days: range,
    runs: Counter[tuple[str, int]],
    called_off: Counter[tuple[str, int]],
    closed: dict[str, set[int]],
    data_ends: dict[str, int],
) -> dict[str, Held]:
    """Per device with a timetable, each class offered on ``days`` (ordinals, from
    the device's first record on): held (a class ran), called off on the kiosk,
    closed (the team's closures: ``closed`` by device, ``""`` for every pool),
    "no data" (after ``data_ends``), else not known."""
    table = {}
    for device in offered.known():
        counts = Held()
        first = offered.spans[device][0].first
        shut = closed.get(device, set()) | closed.get("", set())
        for ordinal in days:
            if ordinal < first:
                continue
            times = offered.times_on(device, date.fromordinal(ordinal)) or ()
            ran = runs.get((device, ordinal), 0)
            slots = len(times)
            counts.offered += slots
            counts.held += min(ran, slots)
            counts.extra += max(0, ran - slots)
            left = slots - min(ran, slots)
            calls = min(called_off.get((device, ordinal), 0), left)
            counts.called_off += calls
            left -= calls
            if ordinal in shut:
                counts.closed += left
            elif ordinal > data_ends.get(device, ordinal):
                counts.no_data += left
            else:
                counts.not_known += left
        table[device] = counts
    return table
