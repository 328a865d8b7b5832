"""The reference the export's speed is held against: only the dedupe and the weekly
counts, in plain Python with orjson, as a short script a data manager would write.

    python -m tests.benchmarks.export_reference FOLDER START

Reads every ``*.jsonl`` below FOLDER, keeps the first record of each ``id``,
and counts each participant's attended days per week from START (a Monday);
prints how many participants and attended days it found. No checks, no
outputs but that line: the floor an export with all its work is compared to.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import orjson


def weekly_days(folder: Path, start: date) -> dict[str, dict[int, set[int]]]:
    """participant -> week -> attended day ordinals, from the first copy of each id."""
    seen: set[str] = set()
    days: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    first = start.toordinal()
    for path in sorted(folder.rglob("*.jsonl")):
        with open(path, "rb") as stream:
            for line in stream:
                record = orjson.loads(line)
                if record["id"] in seen or record.get("type") != "session":
                    continue
                seen.add(record["id"])
                day = date.fromisoformat(record["started_at"][:10]).toordinal()
                days[record["participant"]][(day - first) // 7 + 1].add(day)
    return days


def main() -> None:
    folder, start = Path(sys.argv[1]), date.fromisoformat(sys.argv[2])
    days = weekly_days(folder, start)
    attended = sum(len(d) for weeks in days.values() for d in weeks.values())
    print(f"{len(days)} participants, {attended} attended days")


if __name__ == "__main__":
    main()
