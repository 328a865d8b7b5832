"""The 24-week plan: weeks, programs per week, and located problems."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from poolside.core.plan import load_plan
from poolside.core.yamlfile import FileProblems

from .conftest import PROGRAMS


@pytest.fixture(scope="module")
def plan():
    return load_plan(PROGRAMS / "six-month.yaml")


def test_default_plan_follows_the_design(plan) -> None:
    assert (plan.weeks, plan.sessions_per_week, plan.prescribed) == (24, 3, 72)
    length = {w.week: w.load().duration_s for w in plan.schedule}
    blocks = {w.week: w.load().block_count for w in plan.schedule}
    assert blocks[1] == blocks[2] == 1 and blocks[3] == blocks[4] == 2
    assert all(blocks[w] == 3 for w in (5, 6, 7, 9, 24))
    assert length[5] == 1200 and length[1] == 480
    assert all(w.program.stem == "jump-and-hop-20-advanced" for w in plan.schedule[8:])
    assert [w.week for w in plan.schedule if w.note == "Lighter week"] == [8, 12, 16, 20]
    moves = {p.move for p in plan.for_week(9).load().phases}
    assert "Tuck jumps" in moves


@pytest.mark.parametrize(
    ("offset_days", "week"),
    [(-1, None), (0, 1), (6, 1), (7, 2), (13, 2), (14, 3), (167, 24), (168, None)],
)
def test_week_n_is_days_start_plus_7n_minus_7_to_start_plus_7n_minus_1(
    plan, offset_days: int, week: int | None
) -> None:
    start = date(2027, 1, 4)
    assert plan.week_of(start, start + timedelta(days=offset_days)) == week


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(FileProblems) as caught:
        load_plan(path)
    return [str(p).removeprefix(f"{path}:") for p in caught.value.problems]


def test_gaps_are_reported_as_week_ranges(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """name: gaps
weeks: 10
schedule:
  - weeks: 1-2
    program: jump-and-hop-20
  - weeks: [5, 6, 9]
    program: jump-and-hop-20
""",
    )
    assert _problems(path) == ["4:3: no program planned for week(s) 3-4, 7-8, 10"]


def test_overlaps_unknown_programs_and_too_many_blocks_are_located(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """name: wrong
weeks: 4
schedule:
  - weeks: 1-3
    program: jump-and-hop-20
    blocks: 4
  - weeks: 3-4
    program: jump-and-hop-21
  - weeks: 4
    program: jump-and-hop-20
  - weeks: [2, 4]
    program: jump-and-hop-30
  - weeks: 9
    program: jump-and-hop-20
  - weeks: 3-1
    program: jump-and-hop-20
""",
    )
    problems = _problems(path)
    assert problems[0] == "6:13: jump-and-hop-20 has 3 blocks, so blocks cannot be 4"
    assert problems[1].startswith("8:14: no file or bundled program named 'jump-and-hop-21'")
    assert problems[2:] == [
        "11:12: week 4 is already planned on line 9",
        "13:12: week 9 is after the plan's last week (4)",
        "15:12: weeks '3-1' must run from a lower to a higher week",
    ]


def test_a_plan_may_name_its_own_program_files_beside_it(tmp_path: Path) -> None:
    (tmp_path / "club.yaml").write_text(
        "name: club\nphases:\n  - kind: work\n    duration: 60\n", encoding="utf-8"
    )
    path = _write(
        tmp_path, "name: p\nweeks: 2\nschedule:\n  - weeks: 1-2\n    program: club.yaml\n"
    )
    assert load_plan(path).for_week(2).load().name == "club"


def test_a_broken_program_is_reported_where_the_plan_names_it(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("name: b\nphases: []\n", encoding="utf-8")
    path = _write(
        tmp_path, "name: p\nweeks: 1\nschedule:\n  - weeks: 1\n    program: broken.yaml\n"
    )
    (problem,) = _problems(path)
    assert problem.startswith("5:14: program 'broken.yaml' has 1 problem(s): ")
    assert problem.endswith("broken.yaml:2:9: a program needs at least one phase")
