"""``poolside check``'s warning for text the screen could only draw as empty boxes.

Every text of a program or plan file (titles, labels, moves, coaching lines)
and every name in a roster is looked up in the fonts the kiosk would use on
this machine (:mod:`poolside.devices.fonts`). A character none of them has
is a warning with its place, ``file:line:col``: the file is still valid, but
at the pool that text would be empty boxes. Install the fonts and check
again.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import yaml

from poolside.core import csvtext
from poolside.core.bounded import read_bounded
from poolside.core.yamlfile import MAX_FILE_BYTES

MAX_WARNINGS = 50


def warnings_for(path: Path) -> list[str]:
    """The located warnings for ``path``, a file that has already passed its check."""
    from poolside.devices.fonts import INSTALL_HINT, machine_fonts

    fonts = machine_fonts()
    found = []
    for line, column, text in _texts(path):
        if text.isascii():
            continue  # the bundled font has every printable ASCII character
        missing = fonts.missing(text)
        if missing:
            found.append(
                f"{path}:{line}:{column}: warning: {text!r} has characters no font here can"
                f" draw ({missing}): they would show as empty boxes; {INSTALL_HINT}"
            )
        if len(found) >= MAX_WARNINGS:
            found.append(f"{path}: warning: stopped after {MAX_WARNINGS} texts")
            break
    return found


def _texts(path: Path) -> Iterator[tuple[int, int, str]]:
    """(line, column, text) of each text in the file, 1-based."""
    data = read_bounded(path, MAX_FILE_BYTES).decode("utf-8-sig", "replace")
    if path.suffix.lower() == ".csv":
        yield from _roster_names(data)
        return
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    stack = [yaml.compose(data, Loader=loader)]  # valid and within the limits already
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode) and isinstance(node.value, str):
            yield node.start_mark.line + 1, node.start_mark.column + 1, node.value
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                stack.extend((value, key))


def _roster_names(data: str) -> Iterator[tuple[int, int, str]]:
    """Each name's line and column, counted as the roster's own reader counts them
    (core/csvtext.py); a file that is not CSV has nothing to warn about here
    (the roster's check says what is wrong with it)."""
    lines = csvtext.lines(data)
    try:
        for number, row in csvtext.records(data):
            raw = lines[number - 1] if number <= len(lines) else ""
            for cell in row:
                if not cell.isascii():
                    yield number, raw.find(cell.split("\n")[0]) + 1 or 1, cell
    except csv.Error:
        return
