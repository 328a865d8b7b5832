"""The poolside command, run as a real child process."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import PROGRAMS, run_poolside

BAD = Path(__file__).parent / "bad_programs"


def test_version_and_help() -> None:
    from poolside import __version__

    assert run_poolside("--version").stdout.strip() == f"poolside {__version__}"
    for command in ("check", "plan", "run", "today"):
        result = run_poolside(command, "--help")
        assert result.returncode == 0 and "usage: poolside " + command in result.stdout


def test_usage_errors_exit_2() -> None:
    assert run_poolside().returncode == 2
    assert run_poolside("check").returncode == 2
    assert run_poolside("run", "--speed", "fast").returncode == 2
    assert run_poolside("frobnicate").returncode == 2


def test_check_passes_the_bundled_files() -> None:
    result = run_poolside("check", str(PROGRAMS))
    assert result.returncode == 0, result.stderr
    assert "jump-and-hop-20.yaml: ok (program jump-and-hop-20, 20:00)" in result.stdout
    assert "six-month.yaml: ok (plan six-month, 24 weeks x 3)" in result.stdout


def test_check_prints_every_bad_file_as_one_located_line_and_exits_1() -> None:
    bad = sorted(BAD.glob("*.yaml"))
    result = run_poolside("check", *map(str, bad), str(PROGRAMS / "jump-and-hop-20.yaml"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == len(bad)
    for path, line in zip(bad, lines, strict=True):
        assert line.startswith(f"{path}:") and line.split(":")[1].isdigit()
    assert "jump-and-hop-20.yaml: ok" in result.stdout


def test_check_of_a_missing_file_is_bad_input(tmp_path: Path) -> None:
    result = run_poolside("check", str(tmp_path / "nope.yaml"))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{tmp_path / 'nope.yaml'}:1:1: cannot read:")


def test_check_validates_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("program: jump-and-hop-20\nprogram_start: 2027-13-01\nget_redy: 5\n")
    result = run_poolside("check", str(config))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{config}:2:16: program_start must be a date written YYYY-MM-DD, got '2027-13-01'",
        f"{config}:3:1: unknown key 'get_redy' in the config; did you mean 'get_ready'?",
    ]


def test_check_reads_a_locale_file_and_names_what_it_leaves_in_english(tmp_path: Path) -> None:
    from poolside.core.words import BUNDLED, english

    every = len(english().words)

    mine = tmp_path / "fr.yaml"
    mine.write_text(
        "name: Français\nvoice: fr\nwords:\n  run.paused: EN PAUSE\n  run.left: il reste {time}\n"
    )
    result = run_poolside("check", str(mine), str(BUNDLED))
    assert result.returncode == 0, result.stderr
    assert f"{mine}: ok (locale Français, 2 of {every} texts, voice fr)" in result.stdout
    assert f"es.yaml: ok (locale Español, {every} of {every} texts, voice es)" in result.stdout
    warned = result.stderr.splitlines()
    assert f"{mine}: warning: home.length is not given: said in English" in warned
    assert warned[-1] == f"{mine}: warning: and {every - 2 - 20} more"
    mine.write_text("name: Français\nvoice: fr\nwords:\n  run.left: il reste {temps}\n")
    refused = run_poolside("check", str(mine))
    assert refused.returncode == 1
    assert refused.stderr == f"{mine}:4:13: run.left takes the fields {{time}}, as in English\n"


def test_plan_json_is_the_20_minute_structure() -> None:
    result = run_poolside("plan", "jump-and-hop-20", "--json")
    assert result.returncode == 0
    plan = json.loads(result.stdout)
    assert plan["name"] == "jump-and-hop-20" and plan["duration_s"] == 1200
    phases = plan["phases"]
    assert [p["index"] for p in phases] == list(range(28))
    assert set(phases[0]) == {"index", "start_s", "duration_s", "kind", "label", "move"}
    assert [p["start_s"] for p in phases if p["kind"] in ("ramp", "recovery")] == [
        0,
        360,
        720,
        1080,
    ]
    assert sum(p["duration_s"] for p in phases) == 1200
    assert all(
        b["start_s"] == a["start_s"] + a["duration_s"] for a, b in itertools.pairwise(phases)
    )


def test_plan_table_reads_like_a_class_plan() -> None:
    result = run_poolside("plan", str(PROGRAMS / "jump-and-hop-30.yaml"))
    lines = result.stdout.splitlines()
    assert lines[0] == "jump-and-hop-30: Jump & hop · 30-minute session (30:00)"
    assert re.fullmatch(r"protocol [0-9a-f]{16} \(a session record's program_hash\)", lines[1])
    assert lines[4].split() == [
        "0:00",
        "WARM",
        "UP",
        "Walk",
        "and",
        "jog",
        "through",
        "the",
        "water",
        "5:00",
        "5:00",
    ]
    assert lines[-1].split() == ["30:00", "END"]


def test_plan_of_an_unknown_program_names_the_bundled_ones() -> None:
    result = run_poolside("plan", "jump-and-hop-99")
    assert result.returncode == 1
    assert "no file or bundled program named 'jump-and-hop-99'" in result.stderr
    assert "jump-and-hop-20" in result.stderr and "Traceback" not in result.stderr


def test_today_knows_the_week_and_program(tmp_path: Path) -> None:
    result = run_poolside("today", "--start", "2027-01-04", "--date", "2027-01-19")
    assert result.stdout.strip() == (
        "2027-01-19: week 3 of 24 · jump-and-hop-20, 2 block(s) (14:00) · Two blocks"
    )
    config = tmp_path / "config.yaml"
    config.write_text("program_start: 2027-01-04\n")
    result = run_poolside("today", "--config", str(config), "--date", "2027-03-01")
    assert "week 9 of 24 · jump-and-hop-20-advanced (20:00)" in result.stdout
    before = run_poolside("today", "--config", str(config), "--date", "2027-01-03")
    assert "before the program starts" in before.stdout
    missing = run_poolside("today")
    assert missing.returncode == 1 and "program start date" in missing.stderr


def test_headless_run_prints_every_phase_and_finishes_fast() -> None:
    began = time.monotonic()
    result = run_poolside(
        "run", "jump-and-hop-20", "--headless", "--start", "--speed", "600", "--events", "-"
    )
    took = time.monotonic() - began
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    phases = [e for e in events if e["type"] == "phase"]
    assert [(p["index"], p["start_s"]) for p in phases] == [
        (p["index"], p["start_s"])
        for p in json.loads(run_poolside("plan", "jump-and-hop-20", "--json").stdout)["phases"]
    ]
    assert all({"kind", "label"} <= set(p) for p in phases)
    assert events[0]["type"] == "start" and events[-1]["type"] == "finish"
    assert events[-1]["completed_s"] == 1200
    types = {e["type"] for e in events}
    assert {"next", "countdown", "halfway", "block_end"} <= types
    assert 1.9 < took < 15, f"took {took:.1f} s for a 2 s run"


def test_events_are_written_as_they_happen() -> None:
    """The first phase line arrives while the run is still going."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "poolside",
            "run",
            "jump-and-hop-20",
            "--headless",
            "--start",
            "--speed",
            "10",
            "--get-ready",
            "1",
            "--events",
            "-",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if json.loads(line)["type"] == "phase":
                break
        assert child.poll() is None, "the run ended before its first phase was read"
    finally:
        child.kill()
        child.wait()


def test_events_to_a_file_and_readable_lines_without_events(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    program = tmp_path / "short.yaml"
    program.write_text(
        "name: short\nphases:\n  - kind: work\n    label: Sprünge\n"
        "    duration: 3\n  - kind: rest\n    duration: 2\n",
        encoding="utf-8",
    )
    result = run_poolside(
        "run",
        str(program),
        "--headless",
        "--start",
        "--speed",
        "50",
        "--get-ready",
        "0",
        "--events",
        str(out),
    )
    assert result.returncode == 0 and result.stdout == ""
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [e["label"] for e in lines if e["type"] == "phase"] == ["Sprünge", "REST"]
    readable = run_poolside("run", str(program), "--headless", "--start", "--speed", "50")
    assert readable.stdout.splitlines() == [
        "  0:00  Sprünge     0:03",
        "  0:03  REST        0:02",
        "  0:05  finished: 0:05 done",
    ]


def test_headless_run_needs_start_and_reports_bad_programs() -> None:
    result = run_poolside("run", "--headless")
    assert result.returncode == 1 and "--start" in result.stderr
    bad = BAD / "sexagesimal.yaml"
    result = run_poolside("run", str(bad), "--headless", "--start")
    assert result.returncode == 1
    assert result.stderr.startswith(f"{bad}:5:15: duration 1:30 must be quoted")


def test_python_dash_m_and_the_console_script_agree() -> None:
    script = Path(sys.executable).with_name("poolside")
    if not script.exists():
        return
    result = subprocess.run(
        [str(script), "plan", "jump-and-hop-20", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(result.stdout) == json.loads(
        run_poolside("plan", "jump-and-hop-20", "--json").stdout
    )


def test_run_with_no_display_says_so_instead_of_an_invisible_window(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "DISPLAY")}
    env["WAYLAND_DISPLAY"] = "none-here"
    result = run_poolside("run", "--data", str(tmp_path), env=env, timeout=60)
    assert result.returncode == 1
    assert "no display" in result.stderr and "--headless" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--screen", "running", "--at", "5000"], "runs from 0 to 1200 s (20:00); --at 5000"),
        (["--screen", "running", "--at", "-3"], "--at -3 is not in it"),
        (["--screen", "paused", "--at", "nan"], "--at must be a number of seconds, got nan"),
        (["--screen", "get-ready", "--at", "4"], "countdown is from -10 to 0 s; --at 4"),
        (["--screen", "home", "--at", "30"], "--at has no meaning for the home screen"),
    ],
)
def test_render_refuses_a_moment_its_screen_cannot_be_at(tmp_path, args, said) -> None:
    out = tmp_path / "screen.png"
    result = run_poolside("render", "jump-and-hop-20", "--out", str(out), *args)
    assert result.returncode == 1 and said in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and not out.exists()


@pytest.mark.parametrize("screen", ["running", "get-ready", "home", "finished"])
def test_render_draws_each_screen_at_its_default_moment(tmp_path, screen) -> None:
    out = tmp_path / f"{screen}.png"
    result = run_poolside("render", "jump-and-hop-20", "--screen", screen, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow  # real children for seconds: run by CI with -m slow
def test_the_config_s_program_and_plan_are_found_from_its_folder_by_run_and_doctor(
    tmp_path: Path,
) -> None:
    """``program:`` and ``plan:`` are paths from the config file's folder, as
    ``roster:`` is, wherever poolside is started from (the plan was looked
    for in the current folder, the doctor's program too)."""
    setup = tmp_path / "setup"
    setup.mkdir()
    (setup / "mine.yaml").write_text(
        "name: mine\nphases:\n  - {kind: work, label: JUMP, duration: 5}\n"
    )
    (setup / "myplan.yaml").write_text(
        "name: myplan\nweeks: 2\nsessions_per_week: 3\n"
        "schedule:\n  - {weeks: 1-2, program: mine.yaml}\n"
    )
    config = setup / "config.yaml"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    data = str(tmp_path / "data")
    today = time.strftime("%Y-%m-%d")
    for body, name in [
        ("program: mine.yaml\n", "mine"),
        (f"plan: myplan.yaml\nprogram_start: {today}\n", "mine"),
    ]:
        config.write_text(body)
        run = run_poolside(
            "run", "--config", str(config), "--headless", "--start", "--get-ready", "0",
            "--speed", "100", "--data", data, cwd=elsewhere,
        )  # fmt: skip
        assert run.returncode == 0 and "JUMP" in run.stdout, (body, run.stdout, run.stderr)
        doctor = run_poolside(
            "doctor", "--config", str(config), "--data", data, "--non-interactive", cwd=elsewhere
        )
        said = doctor.stdout + doctor.stderr
        assert f"program: {name}" in said and "PROBLEM  plan" not in said, said


def test_plan_prints_the_six_month_plan_week_by_week_with_its_dates() -> None:
    table = run_poolside("plan", "six-month", "--start", "2027-01-04")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert "24 weeks x 3 sessions = 72, week 1 from 2027-01-04" in lines[0]
    week_8 = next(line for line in lines if line.startswith("   8  "))
    assert "2027-02-22 to 2027-02-28" in week_8 and "Lighter week" in week_8
    assert len([line for line in lines if line[:4].strip().isdigit()]) == 24
    as_json = json.loads(run_poolside("plan", "six-month", "--json").stdout)
    weeks = as_json["weeks"]
    assert len(weeks) == 24 and weeks[0]["from"] is None, "no start: no dates"
    assert [w["week"] for w in weeks if w["note"] == "Lighter week"] == [8, 12, 16, 20]
    assert weeks[0]["blocks"] == 1 and weeks[4]["duration_s"] == 1200


def test_a_headless_solo_swim_is_the_swimmers_own_plan_week(tmp_path: Path) -> None:
    """``run --headless --participant`` as the kiosk's solo swim: the roster's start for
    that swimmer sets the plan week recorded, not the Pi's program_start."""
    from datetime import date, timedelta

    from poolside.records.outbox import outbox_dir

    today = date.today()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"program_start: {(today - timedelta(weeks=10)).isoformat()}\nroster: roster.csv\n"
    )
    (tmp_path / "roster.csv").write_text(f"code,name,start\nP001,Ann,{today.isoformat()}\n")
    data = tmp_path / "data"
    result = run_poolside(
        *("run", "--headless", "--start", "--participant", "P001", "--speed", "2000"),
        *("--get-ready", "0", "--data", str(data)),
        env={**os.environ, "POOLSIDE_CONFIG": str(config)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    (batch,) = outbox_dir(data).rglob("*.jsonl")
    (record,) = [json.loads(line) for line in batch.read_text().splitlines()]
    assert (record["week"], record["program"], record["blocks_planned"]) == (
        1,
        "jump-and-hop-20",
        1,
    )
