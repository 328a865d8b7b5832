"""The session state machine, driven by a manual clock: no sleeping anywhere."""

from __future__ import annotations

import pytest

from poolside.core.clock import ManualClock, ScaledClock
from poolside.core.engine import Session, State, schedule

from .conftest import drive, program_from

SHORT = {
    "name": "short",
    "phases": [
        {"kind": "ramp", "duration": 20, "move": "Bounce"},
        {
            "block": "B",
            "repeat": 2,
            "phases": [
                {"kind": "work", "duration": 30, "move": "Jump"},
                {"kind": "rest", "duration": 10},
            ],
        },
        {"kind": "ramp", "duration": 15},
    ],
}


@pytest.fixture
def session() -> Session:
    return Session(program_from(SHORT), get_ready_s=10)


def test_get_ready_countdown_then_phases_at_their_seconds(session: Session) -> None:
    clock = ManualClock(500.0)
    assert session.state(clock.now()) is State.IDLE
    assert session.next_deadline() is None
    session.start(clock.now())
    assert session.state(clock.now()) is State.GET_READY
    seen = drive(session, clock)
    timeline = [
        (round(t - 510.0, 6), e.type, e.count or (e.phase.index if e.phase else None))
        for t, e in seen
    ]
    assert timeline[:7] == [
        (-10.0, "start", None),
        (-10.0, "next", 0),
        (-3.0, "countdown", 3),
        (-2.0, "countdown", 2),
        (-1.0, "countdown", 1),
        (0.0, "phase", 0),
        (10.0, "next", 1),
    ]
    phase_starts = [(t, i) for t, kind, i in timeline if kind == "phase"]
    assert phase_starts == [(0.0, 0), (20.0, 1), (50.0, 2), (60.0, 3), (90.0, 4), (100.0, 5)]
    assert timeline[-4:] == [
        (112.0, "countdown", 3),
        (113.0, "countdown", 2),
        (114.0, "countdown", 1),
        (115.0, "finish", None),
    ]
    assert session.state(clock.now()) is State.FINISHED
    assert session.completed_s(clock.now()) == 115.0


def test_block_end_comes_before_the_next_phase_and_halfway_in_work(session: Session) -> None:
    kinds = [(e.at_s, e.type) for e in schedule(session.program, 10)]
    assert (100, "block_end") in kinds
    assert kinds.index((100, "block_end")) + 1 == kinds.index((100, "phase"))
    assert (35.0, "halfway") in kinds and (75.0, "halfway") in kinds
    assert not any(t == 55.0 and k == "halfway" for t, k in kinds), "no halfway in rest"


def test_short_phases_announce_no_earlier_than_the_phase_before() -> None:
    program = program_from(
        {
            "name": "tiny",
            "phases": [{"kind": "work", "duration": 2}, {"kind": "rest", "duration": 5}],
        }
    )
    events = [(e.at_s, e.type, e.count) for e in schedule(program, 0)]
    assert events == [
        (0, "phase", None),
        (0, "next", None),  # the rest is announced as the 2-second work starts
        (1.0, "halfway", None),
        (1, "countdown", 1),  # only the pip that falls inside the work phase
        (2, "phase", None),
        (4, "countdown", 3),
        (5, "countdown", 2),
        (6, "countdown", 1),
        (7, "finish", None),
    ]


def test_cue_overrides_silence_next_and_countdown() -> None:
    program = program_from(
        {
            "name": "quiet",
            "phases": [
                {"kind": "ramp", "duration": 30},
                {
                    "kind": "work",
                    "duration": 30,
                    "cues": {"next": False, "countdown": False, "halfway": False},
                },
            ],
        }
    )
    about_second = [e.type for e in schedule(program, 10) if e.phase and e.phase.index == 1]
    assert about_second == ["phase"]


def test_pause_freezes_the_phase_and_shifts_every_deadline(session: Session) -> None:
    clock = ManualClock(0.0)
    session.start(clock.now())
    clock.set(10 + 25.0)  # 5 s into the first work phase
    session.poll(clock.now())
    before = session.next_deadline()
    session.pause(clock.now())
    assert session.state(clock.now()) is State.PAUSED
    assert session.next_deadline() is None
    clock.advance(300)
    assert session.poll(clock.now())[0].type == "pause"
    assert session.phase_remaining(clock.now()) == 25.0
    assert session.completed_s(clock.now()) == 25.0
    session.resume(clock.now())
    assert session.next_deadline() == before + 300
    seen = drive(session, clock)
    assert seen[-1][1].type == "finish" and seen[-1][0] == 10 + 115 + 300
    assert session.completed_s(clock.now()) == 115.0


def test_toggle_starts_pauses_and_resumes(session: Session) -> None:
    clock = ManualClock()
    session.toggle(clock.now())
    assert session.state(clock.now()) is State.GET_READY
    session.toggle(clock.now())
    assert session.state(clock.now()) is State.PAUSED
    session.toggle(clock.now())
    assert session.state(clock.now()) is State.GET_READY


def test_skip_and_back_land_on_phase_boundaries(session: Session) -> None:
    clock = ManualClock(0.0)
    session.start(clock.now())
    session.skip(clock.now())  # out of get-ready straight into phase 0
    assert session.position(clock.now()) == 0.0
    events = session.poll(clock.now())
    assert [e.type for e in events] == ["start", "skip", "phase"]
    clock.advance(7)
    session.skip(clock.now())
    assert session.position(clock.now()) == 20.0
    assert [e.type for e in session.poll(clock.now())] == ["skip", "phase"]
    clock.advance(5)
    session.back(clock.now())  # 5 s in: restart the current phase
    assert session.position(clock.now()) == 20.0
    clock.advance(1)
    session.back(clock.now())  # 1 s in: go to the previous phase
    assert session.position(clock.now()) == 0.0
    assert session.current_phase(clock.now()).index == 0
    assert session.completed_s(clock.now()) == 7 + 5 + 1


def test_skip_while_paused_stays_paused_at_the_new_phase(session: Session) -> None:
    clock = ManualClock(0.0)
    session.start(clock.now())
    clock.set(15.0)
    session.pause(clock.now())
    session.skip(clock.now())
    assert session.state(clock.now()) is State.PAUSED
    assert session.position(clock.now()) == 20.0
    clock.advance(60)
    assert session.position(clock.now()) == 20.0
    assert [e.type for e in session.poll(clock.now())][-1] == "phase"


def test_skip_from_the_last_phase_finishes(session: Session) -> None:
    clock = ManualClock(0.0)
    session.start(clock.now())
    clock.set(10 + 101.0)
    session.poll(clock.now())
    session.skip(clock.now())
    events = session.poll(clock.now())
    assert [e.type for e in events] == ["skip", "finish"]
    assert session.state(clock.now()) is State.FINISHED
    assert events[-1].completed_s == 101.0


def test_stop_ends_the_session_and_keeps_what_was_done(session: Session) -> None:
    clock = ManualClock(0.0)
    session.start(clock.now())
    clock.set(10 + 42.5)
    session.poll(clock.now())
    session.stop(clock.now())
    (stop,) = session.poll(clock.now())
    assert (stop.type, stop.completed_s, stop.phase.index) == ("stop", 42.5, 1)
    assert session.state(clock.now()) is State.STOPPED
    assert session.next_deadline() is None
    clock.advance(1000)
    assert session.poll(clock.now()) == []
    assert session.completed_s(clock.now()) == 42.5


def test_late_poll_returns_everything_missed_in_order(session: Session) -> None:
    clock = ManualClock(0.0)
    session.start(clock.now())
    clock.set(10 + 55.0)
    events = session.poll(clock.now())
    assert [e.at_s for e in events] == sorted(e.at_s for e in events)
    assert [e.phase.index for e in events if e.type == "phase"] == [0, 1, 2]
    assert session.phase_remaining(clock.now()) == 5.0


def test_zero_get_ready_starts_phase_zero_at_once() -> None:
    session = Session(program_from(SHORT), get_ready_s=0)
    session.start(7.0)
    assert [e.type for e in session.poll(7.0)] == ["start", "phase"]


def test_scaled_clock_runs_n_times_faster() -> None:
    real = iter([100.0, 100.0, 101.5])
    clock = ScaledClock(600, source=lambda: next(real))
    assert clock.now() == 0.0
    assert clock.now() == 900.0
    with pytest.raises(ValueError):
        ScaledClock(0)


def test_manual_clock_never_goes_back() -> None:
    clock = ManualClock(5.0)
    with pytest.raises(ValueError):
        clock.set(4.0)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_an_event_is_due_at_its_own_deadline_after_a_fractional_pause() -> None:
    """(origin + 2) - origin < 2 in floating point when origin is 0.3.

    A loop that sleeps until next_deadline() must find the event due when it
    wakes; before the due tolerance it found nothing and spun forever.
    """
    program = program_from(
        {
            "name": "two",
            "phases": [{"kind": "work", "duration": 2}, {"kind": "rest", "duration": 2}],
        }
    )
    session = Session(program, get_ready_s=0)
    session.start(0.0)
    session.pause(0.0)
    session.resume(0.3)  # origin is now 0.3
    assert "phase" in [e.type for e in session.poll(0.3)]
    woke_at, polls = 0.3, 0
    while (deadline := session.next_deadline()) is not None:
        assert session.poll(deadline), f"woke at {deadline} and found nothing due"
        woke_at, polls = deadline, polls + 1
        assert polls < 20
    assert session.state(woke_at) is State.FINISHED
    assert woke_at == 0.3 + 4


def test_resume_from_a_checkpoint_continues_without_repeating(session: Session) -> None:
    clock = ManualClock(500.0)
    session.resume_from(clock.now(), position_s=50, done_s=50)
    events = session.poll(clock.now())
    assert [e.type for e in events] == ["resume", "phase", "next"]  # a 10 s rest: next at once
    assert events[1].phase.index == 2 and session.position(clock.now()) == 50
    seen = drive(session, clock)
    assert seen[-1][1].type == "finish"
    assert session.completed_s(clock.now()) == 115.0, "50 before the cut, 65 after"
    assert [e.phase.index for _, e in seen if e.type == "phase"] == [3, 4, 5]
