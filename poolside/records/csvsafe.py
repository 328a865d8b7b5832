"""CSV that is safe to open in Excel, LibreOffice and Google Sheets.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is read by a spreadsheet as a formula, and a participant code, a
program name or a file name in a batch can come from anyone's files. As the
OWASP guidance on CSV injection says, such a cell gets a leading ``'``,
which the spreadsheet shows as text and does not run. Numbers are never
touched (``-3`` stays a number).

    >>> neutral("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutral(-3)
    -3
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose every text cell goes through :func:`neutral`."""

    def __init__(self, handle: IO[str]) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutral(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
