"""Sessions that were not to be had: pool closures and excused absences, from the team's files.

A pool closed for a day, a class cancelled for weather or a lightning hold,
or an absence the study team excuses (an illness reported to them) is not a
missed session: each takes one session out of what is prescribed for the
week it falls in (see docs/attendance.md).

- ``--closures FILE``: CSV ``date,device,reason``; ``device`` empty means every
  pool, else only the participants with a session on that Pi.
- ``--excused FILE``: CSV ``participant,date,reason``.

Both are read whole (at most 1 MB, checked before reading); a row that
cannot be used is a line in problems.txt with its place, and the rest is used.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from poolside.core import calendar, csvtext
from poolside.core.bounded import Unreadable, read_bounded

MAX_BYTES = 1_000_000
MAX_LISTED = 5000  # closures kept for the report; a flood of them is counted
MAX_REASON = 120  # characters of a reason the report shows


@dataclass
class Excused:
    """Days on which a session was not to be had: for all, for a Pi's people, for one
    person. Each day is kept once, however often it is named (a kiosk may record
    the same closure many times)."""

    everyone: set[date] = field(default_factory=set)
    by_device: dict[str, set[date]] = field(default_factory=dict)
    by_participant: dict[str, set[date]] = field(default_factory=dict)
    listed: dict[tuple[date, str, str, str], None] = field(default_factory=dict)  # the report's
    unlisted: int = 0  # named past MAX_LISTED: counted, not kept
    # whether a Pi offered a class on a day (records/offered.py); unknown: yes
    offers: Callable[[str, date], bool] = lambda device, day: True

    def close(
        self, day: date, device: str, reason: str, source: str, takes_out: bool = True
    ) -> None:
        """A closure or cancelled class on ``day``: at one Pi, or every pool if ``device``
        is empty; ``source`` says where it was recorded. Not ``takes_out`` (a call-off
        with another class held or offered that day): listed only."""
        if takes_out:
            (self.by_device.setdefault(device, set()) if device else self.everyone).add(day)
        self._list((day, device or "every pool", reason[:MAX_REASON], source))

    def excuse(self, participant: str, day: date, reason: str) -> None:
        """An absence the study team excused."""
        self.by_participant.setdefault(participant, set()).add(day)
        self._list((day, participant, reason[:MAX_REASON], "excused"))

    def _list(self, entry: tuple[date, str, str, str]) -> None:
        if entry in self.listed:
            return
        if len(self.listed) < MAX_LISTED:
            self.listed[entry] = None
        else:
            self.unlisted += 1

    def days_for(self, participant: str, devices: set[str]) -> list[date]:
        """The days one participant's prescribed sessions are each one fewer: each day
        once, however many closures name it (the kiosk's and the team's file).

        A closure counts only on a day one of their Pis ``offers`` a class (its
        timetable's say; a person not yet seen anywhere: every closure counts);
        an excused absence always counts."""
        offers = self.offers
        days = set(self.by_participant.get(participant, set()))
        days |= {d for d in self.everyone if not devices or any(offers(p, d) for p in devices)}
        for device in devices:
            days |= {d for d in self.by_device.get(device, set()) if offers(device, d)}
        return sorted(days)


def read(closures: str | None, excused: str | None, problem: list[str]) -> Excused:
    """Both files into one :class:`Excused`; each unusable row appended to ``problem``."""
    found = Excused()
    for row, where in _rows(closures, ("date", "device", "reason"), problem):
        day = _day(row.get("date", ""), where, problem)
        if day is None:
            continue
        device = (row.get("device") or "").strip()
        found.close(day, device, (row.get("reason") or "").strip(), Path(closures or "").name)
    for row, where in _rows(excused, ("participant", "date", "reason"), problem):
        code = (row.get("participant") or "").strip()
        day = _day(row.get("date", ""), where, problem)
        if not code:
            problem.append(f"{where}: no participant; row not used")
        elif day is not None:
            found.excuse(code, day, (row.get("reason") or "").strip())
    return found


def _rows(
    path: str | None, columns: tuple[str, ...], problem: list[str]
) -> list[tuple[dict[str, str], str]]:
    if path is None:
        return []
    try:
        text = read_bounded(path, MAX_BYTES).decode("utf-8-sig")
    except (OSError, Unreadable, UnicodeDecodeError) as err:
        problem.append(f"{path}: cannot be read ({err}); not used")
        return []
    try:  # any line ending, any cell length; each row with the line it starts on
        numbered = list(csvtext.records(text))
    except csv.Error as err:
        problem.append(f"{path}:{getattr(err, 'line', 1)}: not CSV ({err}); not used")
        return []
    header = [cell.strip() for cell in numbered[0][1]] if numbered else []
    missing = [c for c in columns[:2] if c not in header]
    if missing:
        problem.append(f"{path}:1: needs the columns {', '.join(columns)}; not used")
        return []
    return [
        (dict(zip(header, row, strict=False)), f"{Path(path)}:{line}")
        for line, row in numbered[1:]
        if any(cell.strip() for cell in row)
    ]


def _day(text: str | None, where: str, problem: list[str]) -> date | None:
    try:
        day = date.fromisoformat((text or "").strip())
        if calendar.in_span(day):
            return day
        problem.append(f"{where}: date {text!r} is not {calendar.SPAN}; row not used")
        return None
    except ValueError:
        problem.append(f"{where}: date {text!r} is not YYYY-MM-DD; row not used")
        return None
