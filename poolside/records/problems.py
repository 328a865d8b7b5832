"""What went wrong in an export, by kind, for problems.txt and the report."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

LISTED = 200  # lines per kind of problem in problems.txt; the rest are counted


@dataclass
class Problems:
    """What went wrong, by kind; each kind lists LISTED lines and counts the rest."""

    kinds: dict[str, list[str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, line: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        listed = self.kinds.setdefault(kind, [])
        if len(listed) < LISTED:
            listed.append(line)

    def write(self, stream: IO[str]) -> None:
        if not self.counts:
            stream.write("no problems found\n")
        for kind, listed in self.kinds.items():
            stream.write(f"## {kind}: {self.counts[kind]}\n")
            stream.writelines(f"{line}\n" for line in listed)
            if self.counts[kind] > len(listed):
                stream.write(f"... and {self.counts[kind] - len(listed)} more\n")
            stream.write("\n")

    def extend(self, other: Problems) -> None:
        """``other``'s problems after these (what a second reader found, in its order)."""
        for kind, listed in other.kinds.items():
            self.counts[kind] = self.counts.get(kind, 0) + other.counts[kind]
            mine = self.kinds.setdefault(kind, [])
            mine.extend(listed[: LISTED - len(mine)])


def where(files: list[Path], origin: int) -> str:
    """``file:line`` of a record, from the compact origin the export keeps for it
    (the file's index in ``files``, then the line number, in one integer)."""
    return f"{shown(files[origin >> 32])}:{origin & 0xFFFFFFFF}"


_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}


def shown(path: Path) -> str:
    """A file's name as text for a report, whatever bytes it was made of: bytes
    that are not UTF-8 as ``\\xff`` and control characters (a newline in a name)
    as ``\\x0a``, so that every line of problems.txt and every CSV cell is one
    line of valid text that still tells the file apart."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return text.translate(_CONTROLS)
