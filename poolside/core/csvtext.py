"""CSV files as the team's spreadsheets write them, read one way everywhere.

Rosters, closures and excused absences come from Excel, LibreOffice or a text
editor: lines end in LF, CRLF or a lone CR; a quoted cell may hold a line
break, so a record can span lines; a cell may be as long as the file. Every
reader (the roster, the export's files, the font check that re-reads names)
goes through :func:`records`, which gives each record with the line of the
file it starts on, so a problem is reported where the file's own editor
shows it.

    >>> list(records('code,name\\r\\nP1,"Ann\\nLee"\\rP2,Bo\\n'))
    [(1, ['code', 'name']), (2, ['P1', 'Ann\\nLee']), (4, ['P2', 'Bo'])]
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

# The inputs are size-checked before reading (a megabyte or so): a cell may be
# any part of that. csv's own limit (128 KiB) would refuse a long one as not CSV.
csv.field_size_limit(2**31 - 1)
_LINE_END = re.compile(r"\r\n|\r|\n")


def records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each record of ``text`` and the line it starts on (1-based); raises
    ``csv.Error`` for text that is not CSV, with ``line`` set on it."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            err.line = reader.line_num  # type: ignore[attr-defined]
            raise
        yield start, row
        start = reader.line_num + 1


def lines(text: str) -> list[str]:
    """The file's lines as :func:`records` counts them (CR, LF and CRLF each end one)."""
    return _LINE_END.split(text)
