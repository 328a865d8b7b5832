"""The 24-week plan: which program (and how many of its blocks) each week runs.

A study team swaps in their own plan by editing YAML, not code::

    name: six-month
    weeks: 24
    sessions_per_week: 3
    schedule:
      - weeks: 1-2
        program: jump-and-hop-20
        blocks: 1
      - weeks: 3-24
        program: jump-and-hop-20
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from yaml.nodes import Node, ScalarNode, SequenceNode

from poolside.core import calendar, catalog
from poolside.core.program import Program, load_program
from poolside.core.yamlfile import FileProblems, Reader

_PLAN_KEYS = ("name", "title", "weeks", "sessions_per_week", "schedule")
_ENTRY_KEYS = ("weeks", "program", "blocks", "note")
_RANGE = re.compile(r"\s*([0-9]+)\s*-\s*([0-9]+)\s*")
MAX_WEEKS = calendar.MAX_WEEKS


@dataclass(frozen=True)
class PlanWeek:
    """What one week of the plan runs."""

    week: int
    program: Path
    blocks: int | None = None
    note: str = ""

    def load(self) -> Program:
        program = load_program(self.program)
        return program.with_blocks(self.blocks) if self.blocks else program


@dataclass(frozen=True)
class Plan:
    name: str
    weeks: int
    sessions_per_week: int
    schedule: tuple[PlanWeek, ...]  # schedule[n - 1] is week n
    title: str = ""

    @property
    def prescribed(self) -> int:
        """Sessions the plan prescribes in all (24 x 3 = 72 by default)."""
        return self.weeks * self.sessions_per_week

    def week_of(self, start: date, day: date) -> int | None:
        """Program week of ``day`` (week n is days start+7(n-1) .. start+7n-1).

        ``None`` before the start or after the last week.
        """
        days = (day - start).days
        if days < 0 or days >= self.weeks * 7:
            return None
        return days // 7 + 1

    def for_week(self, week: int) -> PlanWeek:
        return self.schedule[week - 1]


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan file and the programs it names."""
    reader = Reader(path)
    node = reader.load_file(path)
    plan = _read_plan(reader, node, Path(path).parent) if node is not None else None
    reader.raise_if_any()
    assert plan is not None
    return plan


def _read_plan(reader: Reader, node: Node, folder: Path) -> Plan | None:
    top = reader.fields(node, _PLAN_KEYS, required=("name", "weeks", "schedule"), what="the plan")
    if top is None:
        return None
    name = reader.text(top["name"], "name") if "name" in top else None
    title = reader.text(top["title"], "title") if "title" in top else None
    weeks = reader.whole(top["weeks"], "weeks", minimum=1) if "weeks" in top else None
    if weeks is not None and weeks > MAX_WEEKS:
        reader.problem(top["weeks"], f"weeks must be at most {MAX_WEEKS}")
        weeks = None
    per_week = 3
    if "sessions_per_week" in top:
        per_week = reader.whole(top["sessions_per_week"], "sessions_per_week", minimum=1) or 3
        if per_week > calendar.MAX_PER_WEEK:
            reader.problem(
                top["sessions_per_week"],
                f"sessions_per_week must be at most {calendar.MAX_PER_WEEK}",
            )
    entries = reader.items(top["schedule"], "schedule") if "schedule" in top else None
    if name is None or weeks is None or entries is None:
        return None

    by_week: dict[int, tuple[PlanWeek, Node]] = {}
    programs: dict[Path, Program | None] = {}
    for entry in entries:
        fields = reader.fields(
            entry, _ENTRY_KEYS, required=("weeks", "program"), what="a schedule entry"
        )
        if fields is None or "weeks" not in fields or "program" not in fields:
            continue
        numbers = _read_weeks(reader, fields["weeks"], weeks)
        program_path = _read_program_ref(reader, fields["program"], folder, programs)
        blocks = reader.whole(fields["blocks"], "blocks", minimum=1) if "blocks" in fields else None
        note = reader.text(fields["note"], "note") if "note" in fields else ""
        if numbers is None or program_path is None:
            continue
        program = programs.get(program_path)
        if blocks is not None and program is not None and blocks > program.block_count:
            reader.problem(
                fields["blocks"],
                f"{program.name} has {program.block_count} blocks, so blocks cannot be {blocks}",
            )
            continue
        for number in numbers:
            if number in by_week:
                first = by_week[number][1].start_mark.line + 1
                reader.problem(fields["weeks"], f"week {number} is already planned on line {first}")
                continue
            by_week[number] = (PlanWeek(number, program_path, blocks, note or ""), fields["weeks"])

    missing = [n for n in range(1, weeks + 1) if n not in by_week]
    if missing and not reader.problems:
        reader.problem(top["schedule"], f"no program planned for week(s) {_spans(missing)}")
    if reader.problems:
        return None
    return Plan(
        name=name,
        title=title or name,
        weeks=weeks,
        sessions_per_week=per_week,
        schedule=tuple(by_week[n][0] for n in range(1, weeks + 1)),
    )


def _read_weeks(reader: Reader, node: Node, weeks: int) -> list[int] | None:
    """``3``, ``3-4`` or ``[3, 4, 7]``: the week numbers an entry covers."""
    if isinstance(node, SequenceNode):
        numbers = [reader.whole(item, "week", minimum=1) for item in node.value]
        if any(n is None for n in numbers) or not numbers:
            if not numbers:
                reader.problem(node, "weeks is an empty list")
            return None
        result = [n for n in numbers if n is not None]
    elif _is_range(node):
        match = _RANGE.fullmatch(node.value)
        assert match is not None
        first, last = int(match[1]), int(match[2])
        if first < 1 or last < first:
            reader.problem(node, f"weeks '{node.value}' must run from a lower to a higher week")
            return None
        result = list(range(first, last + 1))
    else:
        number = reader.whole(node, "weeks", minimum=1)
        if number is None:
            return None
        result = [number]
    beyond = [n for n in result if n > weeks]
    if beyond:
        reader.problem(node, f"week {beyond[0]} is after the plan's last week ({weeks})")
        return None
    return result


def _is_range(node: Node) -> bool:
    """A plain ``3-4``: YAML reads it as text, the plan as a span of weeks."""
    return (
        isinstance(node, ScalarNode)
        and node.tag.endswith(":str")
        and _RANGE.fullmatch(node.value) is not None
    )


def _read_program_ref(
    reader: Reader, node: Node, folder: Path, programs: dict[Path, Program | None]
) -> Path | None:
    ref = reader.text(node, "program")
    if ref is None:
        return None
    try:
        path = catalog.resolve(ref, relative_to=folder)
    except catalog.UnknownProgram as err:
        reader.problem(node, str(err))
        return None
    if path not in programs:
        try:
            programs[path] = load_program(path)
        except FileProblems as err:
            programs[path] = None
            reader.problem(
                node, f"program '{ref}' has {len(err.problems)} problem(s): {err.problems[0]}"
            )
            return None
    return path if programs[path] is not None else None


def _spans(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3, 7"."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and spans[-1][1] == n - 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
