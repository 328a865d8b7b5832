"""The participant flow, CONSORT style: rostered, started, still attending at weeks
4, 8, 12 and 24, completed; and who left the flow at each step, and why.

The flow only narrows: someone counted out at a step is not counted in again
later, so each box is its previous one less its side box. "Still attending
at week N" means a session in week N-3 or any week after it, so a fortnight's
holiday does not drop anyone, and it is reckoned for those whose week N has
passed by the report's date; the others leave the flow as "not yet at week
N" (ongoing), so every box still adds up. Someone whose Pi's data ends
before week N, and not seen since week N-4, is "no data for week N yet", not
stopped. Withdrawals come from the
roster's ``withdrawn`` date and ``withdrawn_reason`` (the team's, not the
Pi's).

``disposition.csv`` has one row per participant and one column per box,
the participant's code where they are in it and empty where not; the side
boxes hold the reason. That is the layout R's ``consort`` package takes
(one row per participant, NA where not in a box; not run here, as CRAN is
out of this project's reach)::

    consort::consort_plot(read.csv("disposition.csv", na.strings = ""),
        orders = c(rostered = "Rostered", not_started = "Did not start", ...),
        side_box = c("not_started", "out_by_week_4", ...))
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

MILESTONES = (4, 8, 12)  # and the program's last week
ATTENDING_WINDOW = 4  # weeks: a session in week N-3 or later is "still attending" at N


@dataclass(frozen=True)
class Person:
    """What the flow needs of one participant."""

    code: str
    start: date
    weekly: Sequence[int]  # attended days, week by week
    weeks_due: int  # weeks over by the report's date
    known: int  # weeks with data (a Pi behind leaves the later ones not known)
    withdrawn: date | None = None
    withdrawn_reason: str = ""


def steps(weeks: int) -> list[int]:
    return [n for n in MILESTONES if n < weeks] + [weeks]


def columns(weeks: int) -> list[str]:
    """disposition.csv's columns, in the flow's order: box, side box, box ..."""
    names = ["participant", "rostered", "not_started", "started"]
    for n in steps(weeks):
        names += [f"out_by_week_{n}", f"attending_week_{n}"]
    return [*names, "completed"]


def disposition(people: Sequence[Person], weeks: int) -> list[dict[str, str]]:
    """One row per person, as disposition.csv has it."""
    return [_row(person, weeks) for person in people]


def _row(person: Person, weeks: int) -> dict[str, str]:
    code = person.code
    row = dict.fromkeys(columns(weeks), "")
    row.update(participant=code, rostered=code)
    attended = [i + 1 for i, days in enumerate(person.weekly) if days]
    if not attended:
        row["not_started"] = _withdrawn(person) or "never attended"
        return row
    row["started"] = code
    last = attended[-1]
    for n in steps(weeks):
        end_of_week = person.start + timedelta(days=7 * n - 1)
        if person.withdrawn is not None and person.withdrawn <= end_of_week:
            row[f"out_by_week_{n}"] = _withdrawn(person)
            return row
        if person.weeks_due < n:
            row[f"out_by_week_{n}"] = f"not yet at week {n}"
            return row
        if last < n - (ATTENDING_WINDOW - 1):
            gone = "stopped attending" if person.known >= n else f"no data for week {n} yet"
            row[f"out_by_week_{n}"] = gone
            return row
        row[f"attending_week_{n}"] = code
    row["completed"] = code
    return row


def _withdrawn(person: Person) -> str:
    if person.withdrawn is None:
        return ""
    return f"withdrew: {person.withdrawn_reason}" if person.withdrawn_reason else "withdrew"


def write_disposition(path: Path, rows: list[dict[str, str]], weeks: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns(weeks))
        writer.writeheader()
        writer.writerows(rows)


@dataclass(frozen=True)
class Step:
    """One box of the flow, with its leavers beside it (the report's template draws it)."""

    label: str
    count: int
    side_label: str = ""
    side_total: int = 0
    reasons: tuple[tuple[str, int], ...] = ()  # why they left, most first
    later: bool = False  # not reached yet: the flow ends here for now


def flow_steps(rows: list[dict[str, str]], weeks: int) -> list[Step]:
    """The flow as steps down the page; it stops at the first week nobody has reached."""
    found = [
        _step("Rostered", rows, "rostered", "not_started", "Did not start"),
        _step("Started", rows, "started", "", ""),
    ]
    for n in steps(weeks):
        side, attending = f"out_by_week_{n}", f"attending_week_{n}"
        if not any(row[attending] for row in rows) and all(
            row[side].startswith("not yet") for row in rows if row[side]
        ):  # nobody has reached week n yet: the flow ends here for now
            ongoing = sum(1 for row in rows if row[side])
            found.append(Step(f"Week {n} and after: not reached yet", ongoing, later=True))
            return found
        label = f"Still attending at week {n}" + (" (the last)" if n == weeks else "")
        found.append(_step(label, rows, attending, side, f"Out by week {n}"))
    found.append(_step("Completed", rows, "completed", "", ""))
    return found


def _step(label: str, rows: list[dict[str, str]], column: str, side: str, side_label: str) -> Step:
    count = sum(1 for row in rows if row[column])
    reasons = Counter(row[side] for row in rows if side and row[side])
    if not reasons:
        return Step(label, count)
    listed = tuple(sorted(reasons.items(), key=_order))
    return Step(label, count, side_label, sum(reasons.values()), listed)


def _order(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])
