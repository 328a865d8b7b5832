"""The roster: who may be checked in, as a CSV a coordinator keeps in a spreadsheet.

::

    code,name,start
    P001,Ann,2027-01-04
    P002,,2027-01-11

``code`` is the pseudonymous participant code that goes into every record.
``name`` is optional and shown on the deck screen only: it never leaves the
Pi in a sync batch or an export. ``start`` is the participant's own program
start date, when it differs from the config's ``program_start``.
``withdrawn`` (a date) and ``withdrawn_reason`` are the study team's, for
someone who left the study: the export's flow and disposition.csv use them.

Mistakes come back as ``file:line:col: message`` like every other file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from poolside.core import calendar, csvtext
from poolside.core.bounded import Unreadable, read_bounded
from poolside.core.yamlfile import (
    MAX_FILE_BYTES,
    FileProblems,
    Problem,
    did_you_mean,
    unshowable,
)
from poolside.records.attendance import PARTICIPANT_CODE

COLUMNS = ("code", "name", "start", "withdrawn", "withdrawn_reason")
_DATES = ("start", "withdrawn")


@dataclass(frozen=True)
class Member:
    code: str
    name: str = ""
    start: date | None = None
    withdrawn: date | None = None
    withdrawn_reason: str = ""

    @property
    def shown(self) -> str:
        """What the deck screen shows: the name if there is one, else the code."""
        return self.name or self.code


@dataclass(frozen=True)
class Roster:
    members: tuple[Member, ...]

    def find(self, code: str) -> Member | None:
        """The member with this code (as typed or scanned), or ``None``."""
        wanted = code.strip().upper()
        return next((m for m in self.members if m.code.upper() == wanted), None)


def load_roster(path: str | Path) -> Roster:
    """Read and validate a roster CSV; raises :class:`FileProblems`."""
    name = str(path)
    try:
        data = read_bounded(path, MAX_FILE_BYTES)
    except Unreadable as err:
        raise FileProblems([Problem(name, 1, 1, f"cannot read: {err}")]) from None
    except OSError as err:
        raise FileProblems([Problem(name, 1, 1, f"cannot read: {err.strerror}")]) from None
    try:
        text = data.decode("utf-8-sig")  # spreadsheets often add a byte-order mark
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise FileProblems(
            [Problem(name, line, 1, "file is not UTF-8 text (save it as CSV UTF-8)")]
        ) from None
    return _parse(name, text)


def _parse(name: str, text: str) -> Roster:
    problems: list[Problem] = []
    try:  # any line ending, any cell length; each record with the line it starts on
        numbered = list(csvtext.records(text))
    except csv.Error as err:
        line = max(1, getattr(err, "line", 1))
        raise FileProblems([Problem(name, line, 1, f"not CSV: {err}")]) from None
    rows = [row for _, row in numbered]
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise FileProblems(
            [Problem(name, 1, 1, "the first line must name the columns: code,name,start")]
        )
    header = [cell.strip().lower() for cell in rows[0]]
    for index, column in enumerate(header):
        if column not in COLUMNS:
            problems.append(
                Problem(
                    name,
                    1,
                    _col(rows[0], index),
                    f"unknown column '{column}'{did_you_mean(column, COLUMNS)}",
                )
            )
    if "code" not in header:
        problems.append(Problem(name, 1, 1, "the roster needs a 'code' column"))
    if problems:
        raise FileProblems(problems)
    members: list[Member] = []
    first_line: dict[str, int] = {}
    for number, row in numbered[1:]:
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(header, (cell.strip() for cell in row), strict=False))
        hidden = [(column, c) for column, value in cells.items() for c in value if unshowable(c)]
        if hidden:  # a NUL or an escape code: the deck screen could not draw it
            column, character = hidden[0]
            problems.append(
                Problem(
                    name,
                    number,
                    _col(row, header.index(column)),
                    f"{column} holds U+{ord(character):04X}, a control character nothing can show",
                )
            )
            continue
        code = cells.get("code", "")
        where = _col(row, header.index("code"))
        if not PARTICIPANT_CODE.fullmatch(code):
            problems.append(
                Problem(
                    name,
                    number,
                    where,
                    f"code '{code}' must be letters, digits, - and _ (e.g. P001)",
                )
            )
            continue
        if code.upper() in first_line:
            problems.append(
                Problem(
                    name,
                    number,
                    where,
                    f"code {code} is already on line {first_line[code.upper()]}",
                )
            )
            continue
        first_line[code.upper()] = number
        days: dict[str, date | None] = {}
        dated = True
        for column in _DATES:
            days[column] = None
            if cells.get(column):
                try:
                    found: date | None = date.fromisoformat(cells[column])
                except ValueError:
                    found = None
                if found is None:
                    wrong = f"{column} must be a date written YYYY-MM-DD, got '{cells[column]}'"
                elif not calendar.in_span(found):
                    wrong = f"{column} {found} is not a date poolside works with ({calendar.SPAN})"
                else:
                    days[column] = found
                    continue
                problems.append(Problem(name, number, _col(row, header.index(column)), wrong))
                dated = False
        if not dated:
            continue
        members.append(
            Member(
                code,
                cells.get("name", ""),
                days["start"],
                days["withdrawn"],
                cells.get("withdrawn_reason", ""),
            )
        )
    if problems:
        raise FileProblems(problems)
    return Roster(tuple(members))


def _col(row: list[str], index: int) -> int:
    """1-based column of cell ``index`` in a CSV line (plain cells, no quotes)."""
    return sum(len(cell) + 1 for cell in row[:index]) + 1
