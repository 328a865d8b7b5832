"""Dates and counts at the calendar's ends, everywhere they are computed.

Every way a date or a count gets in (``--start``, ``--as-of``, ``--date``,
``--weeks``, ``--per-week``, a config's ``program_start``, a plan's weeks and
sessions, a roster's, closures' or excused days, a record's start and its
clock correction) is driven over the whole calendar, years 1 to 9999, and
counts up to 10**12: each gives an answer or a located message, never a
traceback, and none takes long (no list as long as a typo).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from poolside.cli import main
from poolside.core import calendar

pytestmark = pytest.mark.slow  # some two hundred exports and checks over the calendar

any_day = st.dates(min_value=date.min, max_value=date.max)
any_count = st.integers(min_value=-5, max_value=10**12)
quick = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _run(*argv: str) -> int:
    """``poolside ARGV`` in this process: its exit status (argparse's 2 included)."""
    try:
        return main(list(argv))
    except SystemExit as stop:
        return int(stop.code or 0)


@pytest.fixture(scope="module")
def batches(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("in")
    lines = [
        json.dumps({"id": f"r{n}", "type": "session", "device": "pool-a", "seq": n,
                    "participant": f"P{n % 3}", "started_at": f"2027-01-{4 + n:02d}T09:00:00+00:00",
                    "clock_synced": True, "program": "j", "week": None, "mode": "class",
                    "planned_s": 1200, "completed_s": 1200})
        for n in range(1, 10)
    ]  # fmt: skip
    (folder / "b.jsonl").write_text("\n".join(lines) + "\n")
    return folder


@quick
@given(start=any_day, as_of=any_day, weeks=any_count, per_week=any_count)
@example(start=date.max, as_of=date.max, weeks=calendar.MAX_WEEKS, per_week=3)
@example(start=calendar.LATEST, as_of=calendar.EARLIEST, weeks=calendar.MAX_WEEKS, per_week=21)
@example(start=date.min, as_of=date.min, weeks=10**12, per_week=10**12)
def test_the_export_s_dates_and_counts(
    start: date, as_of: date, weeks: int, per_week: int, batches: Path, tmp_path: Path, capsys
) -> None:
    status = _run(
        "export", str(batches), "--out", str(tmp_path / "out"), "--tz", "UTC",
        "--start", start.isoformat(), "--as-of", as_of.isoformat(),
        "--weeks", str(weeks), "--per-week", str(per_week),
    )  # fmt: skip
    said = capsys.readouterr().err
    fits = calendar.in_span(start) and calendar.in_span(as_of)
    fits = fits and 1 <= weeks <= calendar.MAX_WEEKS and 1 <= per_week <= calendar.MAX_PER_WEEK
    assert status == (0 if fits else 2), said
    assert "Traceback" not in said


@quick
@given(start=any_day, today=any_day)
@example(start=date.max, today=date.max)
@example(start=date.min, today=date.min)
def test_plan_and_today_dates(start: date, today: date, capsys) -> None:
    fits = calendar.in_span(start) and calendar.in_span(today)
    assert _run("plan", "six-month", "--start", start.isoformat()) == (
        0 if calendar.in_span(start) else 2
    )
    status = _run("today", "--start", start.isoformat(), "--date", today.isoformat())
    assert status == (0 if fits else 2)
    assert "Traceback" not in capsys.readouterr().err


@quick
@given(day=any_day)
@example(day=date.max)
@example(day=date(9999, 12, 31) - timedelta(days=3))
def test_dates_in_files_are_located_when_out_of_reach(day: date, tmp_path: Path, capsys) -> None:
    """A config's program_start and a roster's start: checked, with their places."""
    config = tmp_path / "config.yaml"
    config.write_text(f"program_start: {day.isoformat()}\n")
    roster = tmp_path / "roster.csv"
    roster.write_text(f"code,start\nP1,{day.isoformat()}\n")
    status = _run("check", str(config), str(roster))
    said = capsys.readouterr().err
    if calendar.in_span(day):
        assert status == 0, said
        assert _run("today", "--config", str(config)) == 0
    else:
        assert status == 1
        assert f"{config}:1:16: program_start {day.isoformat()} is not a date" in said
        assert f"{roster}:2:4: start {day.isoformat()} is not a date poolside works with" in said


@quick
@given(count=any_count)
@example(count=10**12)
def test_a_plan_s_weeks_and_sessions(count: int, tmp_path: Path, capsys) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        f"name: p\ntitle: P\nweeks: {count}\nsessions_per_week: {count}\n"
        f"schedule:\n  - weeks: 1-{count}\n    program: jump-and-hop-20\n"
    )
    status = _run("check", str(plan))
    assert status == (0 if 1 <= count <= calendar.MAX_PER_WEEK else 1)
    assert "Traceback" not in capsys.readouterr().err


@quick
@given(
    written=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    offset=st.sampled_from(["+00:00", "+14:00", "-12:00"]),
    monotonic=st.floats(-1e18, 1e18),
)
@example(written=datetime(9999, 12, 30, 23), offset="-12:00", monotonic=1e18)
def test_records_at_the_calendar_s_ends_are_skipped_or_corrected_never_a_crash(
    written, offset: str, monotonic: float, tmp_path: Path, capsys
) -> None:
    """A record written at any time, with an unset clock whose correction lands
    anywhere: exported, or skipped with a problem."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    stamp = written.isoformat(timespec="seconds") + offset
    records = [
        {"id": "synced", "type": "session", "device": "pool-a", "seq": 1, "participant": "P1",
         "started_at": "2027-01-04T09:00:00+00:00", "clock_synced": True, "program": "j",
         "week": None, "mode": "class", "planned_s": 1200, "completed_s": 1200,
         "boot_id": "b", "monotonic_s": 100.0},
        {"id": "unset", "type": "session", "device": "pool-a", "seq": 2, "participant": "P2",
         "started_at": stamp, "clock_synced": False, "program": "j", "week": None,
         "mode": "class", "planned_s": 1200, "completed_s": 1200, "boot_id": "b",
         "monotonic_s": monotonic},
    ]  # fmt: skip
    (folder / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    status = _run("export", str(folder), "--out", str(tmp_path / "out"), "--tz", "UTC")
    assert status == 0, capsys.readouterr().err
