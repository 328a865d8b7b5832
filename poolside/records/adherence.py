"""Adherence to the six-month program, at any day of it: the definitions, as code.

Pure: dates and counts in, figures out; the export writes them to files.
``docs/attendance.md`` states the same definitions for the study team.

- **Week n** of a participant's program runs from ``start + 7(n-1)`` to
  ``start + 7n - 1``; the start is the participant's own (roster), else the
  program's.
- A week is **due** once it has ended (its 7th day is on or before the
  as-of day). The week under way is not due yet: its sessions are neither
  prescribed nor missed so far, and the days attended in it count once it
  ends (and in the end-of-program figures at once).
- **Prescribed** per week = sessions per week, one fewer for each excused day
  in it (a pool closure, a cancelled class, an excused absence).
- **Prescribed to date** = the prescribed sessions of the weeks due;
  **attended to date** = the attended days in the weeks due.
- **Adherence** = 100 x min(attended, prescribed) / prescribed, to date and
  at the end (prescribed = per week x all weeks); to date it is blank (None)
  while no week is due.
- **Missed sessions**: in each week due, the sessions short of the
  prescribed number; the longest run of them in a row, and how many runs
  are INTERRUPTION_RUN or longer.

    >>> from datetime import date
    >>> weeks_due(date(2027, 1, 4), 24, as_of=date(2027, 2, 10))  # week 6 under way
    5
    >>> adherence_pct(15, 15), adherence_pct(16, 72)
    (100.0, 22.2)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

INTERRUPTION_RUN = 3  # consecutive missed sessions that make an interruption


def weeks_due(start: date, weeks: int, as_of: date) -> int:
    """How many of the program's weeks have ended by ``as_of`` (0 to ``weeks``)."""
    ended = ((as_of - start).days + 1) // 7
    return max(0, min(weeks, ended))


def weeks_started(start: date, weeks: int, as_of: date) -> int:
    """How many weeks have begun by ``as_of``: those due, and the one under way."""
    begun = (as_of - start).days // 7 + 1 if as_of >= start else 0
    return max(0, min(weeks, begun))


def adherence_pct(attended: int, prescribed: int) -> float | None:
    """100 x min(attended, prescribed) / prescribed, to one decimal; None for nothing prescribed."""
    if prescribed <= 0:
        return None
    return round(100 * min(attended, prescribed) / prescribed, 1)


def prescribed_weeks(per_week: int, weeks: int, start: date, excused: Sequence[date]) -> list[int]:
    """Sessions prescribed week by week: ``per_week``, one fewer for each excused
    day (a closure, a cancelled class, an excused absence) in that week."""
    prescribed = [per_week] * weeks
    for day in excused:
        week = (day - start).days // 7
        if 0 <= week < weeks:
            prescribed[week] = max(0, prescribed[week] - 1)
    return prescribed


def missed_runs(weekly: Sequence[int], prescribed: Sequence[int], due: int) -> list[int]:
    """The runs of missed sessions, in order, over the first ``due`` weeks.

    A week's attended days fill its prescribed sessions first; the ones short
    are missed, so two weeks of 1 of 3 make runs of 2 and 2 ... in sequence.
    """
    runs, run = [], 0
    for days, wanted in zip(weekly[:due], prescribed[:due], strict=True):
        done = min(days, wanted)
        for attended in [True] * done + [False] * (wanted - done):
            if attended:
                if run:
                    runs.append(run)
                run = 0
            else:
                run += 1
    if run:
        runs.append(run)
    return runs
