"""Properties of the engine that hold for any valid program."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from poolside.core.clock import ManualClock
from poolside.core.engine import DUE_TOLERANCE_S, Session, State, schedule
from poolside.core.program import PHASE_KINDS, Program

from .conftest import drive, program_from

phase = st.fixed_dictionaries(
    {"kind": st.sampled_from(PHASE_KINDS), "duration": st.integers(1, 900)}
)
block = st.fixed_dictionaries(
    {
        "block": st.just("Block"),
        "repeat": st.integers(1, 4),
        "phases": st.lists(
            st.fixed_dictionaries(
                {"kind": st.sampled_from(PHASE_KINDS), "duration": st.integers(1, 120)}
            ),
            min_size=1,
            max_size=3,
        ),
    }
)
programs = st.lists(st.one_of(phase, block), min_size=1, max_size=6).map(
    lambda items: program_from({"name": "generated", "phases": items})
)
get_ready = st.sampled_from([0, 3, 10])


def _written_total(program: Program) -> int:
    return sum(p.duration_s for p in program.phases)


@settings(max_examples=150, deadline=None)
@given(programs, get_ready, st.lists(st.floats(0.02, 3.0), min_size=1, max_size=50))
def test_events_fall_due_at_their_offsets_however_the_loop_polls(
    program: Program, ready: int, steps: list[float]
) -> None:
    clock = ManualClock(1000.0)
    session = Session(program, get_ready_s=ready)
    session.start(clock.now())
    origin = clock.now() + ready
    seen = []
    previous = float("-inf")  # events due at the start come on the first poll
    # Steps are fractions of a 50th of the run: from many polls per event to
    # polls that each miss several events, in at most 2,500 polls.
    unit = (program.duration_s + ready) / 50
    step = itertools.cycle([f * unit for f in steps])
    while session.state(clock.now()) is not State.FINISHED:
        for event in session.poll(clock.now()):
            if event.type != "start":
                deadline = origin + event.at_s
                assert previous < deadline - DUE_TOLERANCE_S <= clock.now()
            seen.append(event)
        previous = clock.now()  # what falls due later was not due at this poll
        clock.advance(next(step))
    phases = [e for e in seen if e.type == "phase"]
    assert [e.phase.index for e in phases] == list(range(len(program.phases)))
    assert [e.at_s for e in phases] == [p.start_s for p in program.phases]
    assert [e.type for e in seen].count("finish") == 1
    assert seen[-1].at_s == program.duration_s == _written_total(program)
    assert seen[-1].completed_s == program.duration_s


@settings(max_examples=150, deadline=None)
@given(programs, get_ready, st.floats(0, 1.0), st.floats(0.001, 5000))
def test_a_pause_shifts_every_later_deadline_by_its_length(
    program: Program, ready: int, where: float, length: float
) -> None:
    reference = [t for t, _ in drive(_started(program, ready, 0.0), ManualClock(0.0))]
    clock = ManualClock(0.0)
    session = _started(program, ready, 0.0)
    pause_at = -ready + where * (program.duration_s + ready)
    clock.set(pause_at + ready)
    early = [clock.now() for _ in session.poll(clock.now())]
    session.pause(clock.now())
    clock.advance(length)
    session.resume(clock.now())
    late = [t for t, e in drive(session, clock) if e.type not in ("pause", "resume")]
    expected = reference[len(early) :]
    assert len(late) == len(expected)
    for got, want in zip(late, expected, strict=True):
        assert abs(got - (want + length)) < 1e-6
    assert abs(session.completed_s(clock.now()) - program.duration_s) < 1e-6


@settings(max_examples=150, deadline=None)
@given(
    programs,
    get_ready,
    st.lists(
        st.tuples(st.sampled_from(["skip", "back", "pause", "resume"]), st.floats(0, 200)),
        max_size=30,
    ),
)
def test_skip_and_back_land_on_phase_boundaries(
    program: Program, ready: int, actions: list[tuple[str, float]]
) -> None:
    clock = ManualClock(0.0)
    session = _started(program, ready, clock.now())
    boundaries = {float(p.start_s) for p in program.phases} | {float(program.duration_s)}
    running_s = 0.0
    for action, wait in actions:
        if session.state(clock.now()) is not State.PAUSED:
            running_s += wait
        clock.advance(wait)
        session.poll(clock.now())
        if session.state(clock.now()) in (State.FINISHED, State.STOPPED):
            break
        before = session.position(clock.now())
        getattr(session, action)(clock.now())
        after = session.position(clock.now())
        if action in ("skip", "back") and not (action == "back" and before < 0):
            assert after in boundaries
            assert (after > before) if action == "skip" else (after <= before)
    done = session.completed_s(clock.now())
    assert 0 <= done <= running_s + 1e-6  # back repeats work, so it may pass duration_s


@given(programs, get_ready)
def test_schedule_is_sorted_and_ends_with_the_finish(program: Program, ready: int) -> None:
    events = schedule(program, ready)
    assert [e.at_s for e in events] == sorted(e.at_s for e in events)
    assert events[-1].type == "finish" and events[-1].at_s == program.duration_s
    assert all(e.at_s >= -ready for e in events)


def _started(program: Program, ready: int, now: float) -> Session:
    session = Session(program, get_ready_s=ready)
    session.start(now)
    return session
