"""``check`` and the kiosk agree, and every CSV reader reads a file the same way.

Text that YAML unescapes ("\\0", "\\x1b") is judged after parsing, in every
text field of programs, plans, locales, rosters and the config: ``check``
refuses what the kiosk could not draw, at its place, and what it accepts, the
kiosk draws. Every CSV reader takes any line ending and cell length and says
the line a record starts on.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pygame
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from poolside.config import Config, load_config
from poolside.core.clock import ManualClock
from poolside.core.plan import load_plan
from poolside.core.program import load_program
from poolside.core.words import load_locale
from poolside.core.yamlfile import FileProblems
from poolside.glyphs import warnings_for
from poolside.kiosk.headless import offscreen_kiosk, run_offscreen
from poolside.records import excused
from poolside.records.roster import load_roster
from poolside.selection import choose_program

from .conftest import run_poolside

NOTHING_SHOWS = "a control character nothing can show"
LOCALE = "name: X\nvoice: en\nwords:\n"
PLAN = "weeks: 24\nschedule:\n  - weeks: 1-24\n    program: jump-and-hop-20\n"
CONTROLS = "\0\x07\t\n\x0b\x1b\r\x7f\x85\u2028"  # drawn in among any other text
UNSHOWABLE = ("\0", "\x07", "\x1b", "\r", "\x7f", "\x85", "\ud800")
PROGRAM = """name: {name}
title: {title}
phases:
  - kind: work
    duration: 30
    label: {label}
    coach: {coach}
"""


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar holding ``text`` (JSON's escapes are YAML's)."""
    return json.dumps(text)


def _program(folder: Path, **texts: str) -> Path:
    fields = {"name": "p", "title": "T", "label": "JUMP", "coach": "go"} | texts
    path = folder / "p.yaml"
    path.write_text(PROGRAM.format(**{k: _quoted(v) for k, v in fields.items()}))
    return path


FIELDS = {
    "program name": (lambda d, t: _program(d, name=f"a{t}b"), load_program, "name"),
    "program title": (lambda d, t: _program(d, title=f"a{t}b"), load_program, "title"),
    "phase label": (lambda d, t: _program(d, label=f"a{t}b"), load_program, "label"),
    "coach line": (lambda d, t: _program(d, coach=f"a{t}b"), load_program, "coach"),
    "locale word": (
        lambda d, t: _write(d / "xx.yaml", f"{LOCALE}  run.paused: {_quoted(f'P{t}Q')}\n"),
        load_locale,
        "run.paused",
    ),
    "plan title": (
        lambda d, t: _write(
            d / "plan.yaml",
            f"name: p\ntitle: {_quoted(f'T{t}U')}\n{PLAN}",
        ),
        load_plan,
        "title",
    ),
    "config site": (
        lambda d, t: _write(d / "config.yaml", f"site: {_quoted(f'North{t}pool')}\n"),
        load_config,
        "site",
    ),
}  # fmt: skip


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


@pytest.mark.parametrize("character", UNSHOWABLE, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("field", FIELDS)
def test_check_refuses_a_control_character_an_escape_puts_in_any_text(
    field: str, character: str, tmp_path: Path
) -> None:
    make, load, said = FIELDS[field]
    path = make(tmp_path, character)
    with pytest.raises(FileProblems) as refused:
        load(path)
    (problem,) = refused.value.problems
    if character == "\ud800":  # the YAML reader's own refusal, at the escape
        assert "half a surrogate pair" in problem.message
    else:
        assert problem.message == f"{said} holds U+{ord(character):04X}, {NOTHING_SHOWS}"


def test_check_on_the_command_line_locates_it_and_the_roster_too(tmp_path: Path) -> None:
    program = _program(tmp_path, label="JUMP\0NOW")
    roster = tmp_path / "roster.csv"
    roster.write_bytes(b'code,name\r\nP001,Ann\r\nP002,"Bo\x1b[2J"\r\n')
    result = run_poolside("check", str(program), str(roster))
    assert result.returncode == 1
    assert f"{program}:6:12: label holds U+0000" in result.stderr
    assert f"{roster}:3:6: name holds U+001B" in result.stderr


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(label=st.text(st.sampled_from(CONTROLS) | st.characters(), min_size=1, max_size=12))
@example(label="JUMP\0NOW")  # a NUL stops pygame's text drawing: the crash this guards
@example(label="\x1b[2J")
def test_what_check_accepts_the_kiosk_draws(label: str, tmp_path_factory) -> None:
    """Any label: refused by check, or drawn on every screen of a real (off-screen)
    class from start to end."""
    folder = tmp_path_factory.mktemp("label")
    path = _program(folder, label=label)
    try:
        load_program(path)
    except FileProblems:
        return  # refused, with its place: the kiosk is never asked to draw it
    pygame.init()
    choice = choose_program(str(path), Config(), date(2027, 1, 4))
    clock = ManualClock()
    kiosk = offscreen_kiosk(choice, 0, (320, 200), lambda event: None)
    run_offscreen(kiosk, clock, sleep=clock.advance)


# -- every CSV reader ---------------------------------------------------------------------
ENDINGS = {"LF": "\n", "CRLF": "\r\n", "CR": "\r"}


@pytest.mark.parametrize("ending", ENDINGS)
def test_every_csv_reader_takes_any_line_ending_long_cells_and_says_the_starting_line(
    ending: str, tmp_path: Path
) -> None:
    """A roster and a closures file, each with a quoted cell that spans two lines
    (a line break in a cell, as spreadsheets write it), a long cell, then a bad
    date: each reader reads every row and names the bad one by the line it starts
    on (5), in any line ending; the font check re-reads the roster the same way."""
    end = ENDINGS[ending]
    long = "x" * 300_000
    roster = tmp_path / "roster.csv"
    rows = ["code,name,start", 'P001,"Ann\nLee",2027-01-04', f"P002,{long},", "P003,Cy,2027-13-01"]
    roster.write_text(end.join([*rows, ""]), newline="")
    with pytest.raises(FileProblems) as refused:
        load_roster(roster)
    (problem,) = refused.value.problems
    assert problem.line == 5 and problem.message.startswith("start must be a date"), problem
    roster.write_text(end.join([*rows[:3], "P003,Cy,2027-02-01", ""]), newline="")
    assert [m.name for m in load_roster(roster).members] == ["Ann\nLee", long, "Cy"]
    assert all(w.startswith(f"{roster}:") for w in warnings_for(roster))
    closures = tmp_path / "closures.csv"
    rows = ["date,device,reason", '2027-01-06,,"burst\npipe"', f"2027-01-07,,{long}"]
    closures.write_text(end.join([*rows, "2027-13-01,,typo", ""]), newline="")
    problems: list[str] = []
    found = excused.read(str(closures), None, problems)
    assert found.everyone == {date(2027, 1, 6), date(2027, 1, 7)}
    assert problems == [f"{closures}:5: date '2027-13-01' is not YYYY-MM-DD; row not used"]
