"""Program files: the bundled ones load, and every bad file gets a located message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from poolside.core.program import Cues, load_program, parse_program
from poolside.core.yamlfile import FileProblems

from .conftest import PROGRAMS

BAD = Path(__file__).parent / "bad_programs"
EXPECT = re.compile(rb"# expect: (\d+):(\d+): (.*)")


def _expected(path: Path) -> tuple[int, int, str]:
    match = EXPECT.match(path.read_bytes().splitlines()[0])
    assert match, f"{path.name} lacks an '# expect:' first line"
    return int(match[1]), int(match[2]), match[3].decode()


@pytest.mark.parametrize("path", sorted(BAD.glob("*.yaml")), ids=lambda p: p.stem)
def test_bad_program_gets_one_located_message(path: Path) -> None:
    line, col, message = _expected(path)
    with pytest.raises(FileProblems) as caught:
        load_program(path)
    assert [str(p) for p in caught.value.problems] == [f"{path}:{line}:{col}: {message}"]


def test_every_problem_in_a_file_is_reported_at_once() -> None:
    data = b"""name: many
phases:
  - kind: wrok
    duration: 1:30
  - kind: rest
    duration: 30
    duration: 40
  - block: B
    repeat: 0
    phases:
      - kind: work
        duration: "x"
"""
    with pytest.raises(FileProblems) as caught:
        parse_program(data, "many.yaml")
    located = [(p.line, p.col) for p in caught.value.problems]
    assert located == [(3, 11), (4, 15), (7, 5), (9, 13), (12, 19)]


def test_default_program_is_the_20_minute_core_of_the_design() -> None:
    program = load_program(PROGRAMS / "jump-and-hop-20.yaml")
    assert program.duration_s == 20 * 60
    outline = [(p.start_s, p.kind, p.duration_s) for p in program.phases if p.block is None]
    assert outline == [
        (0, "ramp", 120),
        (360, "recovery", 120),
        (720, "recovery", 120),
        (1080, "ramp", 120),
    ]
    for block, start in ((1, 120), (2, 480), (3, 840)):
        steps = [p for p in program.phases if p.block == block]
        assert [(p.kind, p.duration_s) for p in steps] == [("work", 30), ("rest", 30)] * 4
        assert steps[0].start_s == start
        assert steps[-1].ends_block and not any(p.ends_block for p in steps[:-1])
        moves = [p.move for p in steps if p.kind == "work"]
        assert len(set(moves)) == 4, "moves rotate inside each block"


def test_thirty_minute_session_wraps_the_same_core() -> None:
    core = load_program(PROGRAMS / "jump-and-hop-20.yaml")
    session = load_program(PROGRAMS / "jump-and-hop-30.yaml")
    assert session.duration_s == 30 * 60
    assert (session.phases[0].kind, session.phases[0].duration_s) == ("warm-up", 300)
    assert (session.phases[-1].kind, session.phases[-1].duration_s) == ("cool-down", 300)
    inner = [(p.start_s - 300, p.kind, p.duration_s, p.move) for p in session.phases[1:-1]]
    assert inner == [(p.start_s, p.kind, p.duration_s, p.move) for p in core.phases]


def test_moves_rotate_round_by_round_with_their_own_coaching_line() -> None:
    program = parse_program(
        b"""name: rotate
phases:
  - block: B
    repeat: 5
    phases:
      - kind: work
        coach: Default line
        moves:
          - Jumps
          - move: Hops
            coach: Left then right
        duration: 20
"""
    )
    assert [(p.move, p.coach) for p in program.phases] == [
        ("Jumps", "Default line"),
        ("Hops", "Left then right"),
        ("Jumps", "Default line"),
        ("Hops", "Left then right"),
        ("Jumps", "Default line"),
    ]
    assert [p.round for p in program.phases] == [1, 2, 3, 4, 5]


def test_non_ascii_labels_quoted_durations_and_cue_overrides() -> None:
    program = parse_program(
        """name: saltos
phases:
  - kind: work
    label: Sprünge
    move: Saltos con los brazos
    duration: "1:05"
    cues: {halfway: false, countdown: false}
  - kind: rest
    label: no
    duration: 45
""".encode()
    )
    first, second = program.phases
    assert (first.label, first.move, first.duration_s) == ("Sprünge", "Saltos con los brazos", 65)
    assert first.cues == Cues(next=True, countdown=False, halfway=False)
    assert second.label == "no", "a label is kept as written, not read as a boolean"
    assert second.cues == Cues(halfway=False) and second.start_s == 65


def test_default_labels_and_halfway_for_work() -> None:
    program = parse_program(
        b"name: d\nphases:\n  - kind: recovery\n    duration: 60\n"
        b"  - kind: work\n    duration: 30\n"
    )
    assert [p.label for p in program.phases] == ["RECOVER", "WORK"]
    assert [p.cues.halfway for p in program.phases] == [False, True]


def test_with_blocks_keeps_the_first_blocks_and_the_ramp_out() -> None:
    program = load_program(PROGRAMS / "jump-and-hop-20.yaml")
    one = program.with_blocks(1)
    assert one.duration_s == 120 + 240 + 120
    assert [p.label for p in one.phases][-2:] == ["REST", "RAMP-OUT"]
    assert [p.index for p in one.phases] == list(range(len(one.phases)))
    two = program.with_blocks(2)
    assert two.duration_s == 120 + 240 + 120 + 240 + 120
    assert two.block_count == 2 and two.phases[-1].start_s == 720
    assert program.with_blocks(3) is program
    with pytest.raises(ValueError):
        program.with_blocks(4)
