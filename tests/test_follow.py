"""One class on several screens: the timeline a follower runs on, its estimate of the
leader's clock, and the messages it refuses. All on given times: no sockets, no
sleeping (the timing figures are tests/benchmarks/follow_skew.py's)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poolside.core.clocksync import ClockEstimate, Exchange
from poolside.core.engine import EventType, Session, State
from poolside.core.follow import QUIET_S, Command, Follower, Leader, Link, ahead
from poolside.core.link import Refusal, seal

from .conftest import program_from

KEY = bytes(range(32))
PROGRAM = program_from(
    {
        "name": "three",
        "phases": [
            {"kind": "work", "label": "JUMP", "duration": 30},
            {"kind": "rest", "label": "REST", "duration": 20},
            {"kind": "work", "label": "HOP", "duration": 30},
        ],
    }
)


class Skewed:
    """A Pi's clock against the host's: ``local = offset + (1 + rate) * host``."""

    def __init__(self, offset: float, rate: float) -> None:
        self.offset, self.rate = offset, rate

    def at(self, host: float) -> float:
        return self.offset + (1 + self.rate) * host


def _paired(leader_clock: Skewed, follower_clock: Skewed, host: float, pings: int = 3):
    """A leader and a follower that has had ``pings`` answers, one a second, 1 ms each way."""
    leader, follower = Leader(KEY), Follower(KEY)
    for _ in range(pings):
        ping = follower.ping(follower_clock.at(host))
        got = leader_clock.at(host + 0.001)
        answer = leader.answer(ping, got, got)
        assert follower.receive(answer, follower_clock.at(host + 0.002)) is None
        host += 1.0
    return leader, follower, host


# -- the timeline ---------------------------------------------------------------
def test_a_follower_on_the_leader_s_timeline_is_where_the_leader_is() -> None:
    leader, follower = Session(PROGRAM, 10), Session(PROGRAM, 10)
    leader.start(100.0)
    follower.follow(leader.timeline(100.2), 100.2)  # heard 0.2 s into the get-ready
    for now in (105.0, 110.0, 125.0, 139.9, 140.0, 175.0):
        assert follower.state(now) is leader.state(now)
        assert follower.position(now) == leader.position(now)
        assert follower.current_phase(now) == leader.current_phase(now)
    phase_at = [e.at_s for e in follower.poll(140.5) if e.type == EventType.PHASE]
    assert phase_at == [0.0, 30.0], "each phase change falls due at the leader's moment"


def test_a_pause_a_skip_and_a_stop_reach_the_follower_with_one_timeline_each() -> None:
    leader, follower = Session(PROGRAM, 0), Session(PROGRAM, 0)
    leader.start(0.0)
    follower.follow(leader.timeline(0.0), 0.0)
    follower.poll(12.0)
    leader.pause(12.0)
    follower.follow(leader.timeline(12.0), 12.001)
    assert follower.state(50.0) is State.PAUSED and follower.position(50.0) == 12.0
    leader.resume(50.0)
    leader.skip(51.0)  # to REST
    follower.follow(leader.timeline(51.0), 51.02)
    landed = [e for e in follower.poll(51.02) if e.type == EventType.PHASE]
    assert [e.phase.label for e in landed if e.phase] == ["REST"], "the phase a skip lands on"
    assert follower.position(60.0) == leader.position(60.0)
    leader.stop(60.0)
    follower.follow(leader.timeline(60.0), 60.0)
    assert follower.state(61.0) is State.STOPPED
    assert follower.completed_s(61.0) == leader.completed_s(61.0)


def test_a_small_correction_of_the_clock_neither_skips_nor_repeats_a_phase() -> None:
    leader, follower = Session(PROGRAM, 0), Session(PROGRAM, 0)
    leader.start(0.0)
    follower.follow(leader.timeline(0.0), 0.0)
    follower.poll(29.99)
    shifted = leader.timeline(29.99)
    follower.follow(shifted.__class__(shifted.origin + 0.004, None, None, 29.986, 29.986), 29.99)
    phases = [e for e in follower.poll(30.1) if e.type == EventType.PHASE]
    assert len(phases) == 1 and phases[0].at_s == 30.0


# -- the clock ------------------------------------------------------------------
def test_the_estimate_holds_the_leader_s_time_and_keeps_it_alone_for_a_minute() -> None:
    """Clocks an hour apart and 80 ppm apart in rate, each way 0.2 to 3 ms at random:
    after a minute of pings the error is under half a millisecond; after a minute
    with no answer it is still under 2 ms."""
    rng = random.Random(7)
    leader_clock, follower_clock = Skewed(3600.0, 40e-6), Skewed(12.5, -40e-6)
    estimate = ClockEstimate()
    host = 0.0
    for _ in range(60):
        there, back = rng.uniform(0.0002, 0.003), rng.uniform(0.0002, 0.003)
        t0, t3 = follower_clock.at(host), follower_clock.at(host + there + back)
        t1 = leader_clock.at(host + there)
        estimate.add(Exchange(t0, t1, t1 + 0.0001, t3 + 0.0001))
        host += 1.0

    def error(at_host: float) -> float:
        return abs(estimate.leader_time(follower_clock.at(at_host)) - leader_clock.at(at_host))

    assert error(host) < 0.0005
    assert error(host + 60.0) < 0.002, "a minute alone: the rate is known, not just the offset"
    leader_moment = leader_clock.at(host + 30.0)
    assert abs(estimate.local_time(leader_moment) - follower_clock.at(host + 30.0)) < 0.002


# -- trust ----------------------------------------------------------------------
def test_a_state_is_acted_on_once_and_only_from_the_run_that_answered() -> None:
    leader_clock = follower_clock = Skewed(0.0, 0.0)
    session = Session(PROGRAM, 10)
    session.start(5.0)
    stranger, unpaired = Leader(KEY), Follower(KEY)
    early = stranger.state(session, 5.0)
    assert unpaired.receive(early, 5.0) is None, "no ping answered yet: not acted on"
    assert unpaired.refused == {Refusal.OTHER_CLASS: 1}
    leader, follower, host = _paired(leader_clock, follower_clock, 6.0)
    sent = leader.state(session, host)
    assert follower.receive(sent, host + 0.001) is not None
    assert follower.receive(sent, host + 0.002) is None, "a duplicate"
    older, newer = leader.state(session, host + 1), leader.state(session, host + 1.1)
    assert follower.receive(newer, host + 1.101) is not None
    assert follower.receive(older, host + 1.102) is None, "overtaken on the way"
    assert follower.receive(stranger.state(session, host + 2), host + 2) is None
    late = leader.state(session, host + 3)
    assert follower.receive(late, host + 3 + 5.0) is None, "held back five seconds"
    assert follower.refused == {
        Refusal.OTHER_CLASS: 1,
        Refusal.REPLAYED: 2,
        Refusal.STALE: 1,
    }


def test_forged_altered_and_unasked_messages_are_refused_and_counted() -> None:
    clock = Skewed(0.0, 0.0)
    leader, follower, host = _paired(clock, clock, 0.0)
    session = Session(PROGRAM, 10)
    session.start(host)
    genuine = leader.state(session, host)
    altered = genuine[:-3] + b"9" + genuine[-2:]
    forged = Leader(bytes(32), leader.epoch).state(session, host)
    replayed_answer = leader.answer(follower.ping(host), host, host)
    follower.receive(replayed_answer, host)
    for data in (altered, forged, replayed_answer, b"", b"PSL1" + bytes(40), genuine * 10):
        assert follower.receive(data, host) is None
    ping = Follower(KEY).ping(host)  # another follower's ping: for the leader only
    assert follower.receive(ping, host) is None
    assert follower.refused == {
        Refusal.FORGED: 3,  # the seal is checked first: 40 zero bytes are a bad seal
        Refusal.UNASKED: 1,
        Refusal.MALFORMED: 2,  # empty, and too long to read
        Refusal.NOT_FOR_US: 1,
    }
    assert follower.receive(genuine, host) is not None, "the genuine one still is taken"


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=600), message=st.dictionaries(st.text(max_size=8), st.none()))
def test_no_bytes_and_no_sealed_nonsense_make_a_follower_act_or_raise(data, message) -> None:
    clock = Skewed(0.0, 0.0)
    leader, follower, host = _paired(clock, clock, 0.0)
    sealed_nonsense = seal(KEY, {**message, "kind": "state", "epoch": leader.epoch})
    assert follower.receive(data, host) is None
    assert follower.receive(sealed_nonsense, host) is None
    assert sum(follower.refused.values()) == 2


# -- a leader that goes quiet ---------------------------------------------------------
@pytest.mark.parametrize("restarted", [False, True], ids=["same run", "leader restarted"])
def test_a_follower_waits_follows_runs_alone_and_rejoins(restarted) -> None:
    clock = Skewed(0.0, 0.0)
    session = Session(PROGRAM, 10)
    leader, follower = Leader(KEY), Follower(KEY)
    assert follower.link(0.0) is Link.WAITING
    leader, follower, host = _paired(clock, clock, 0.0)
    session.start(host)
    follower.receive(leader.state(session, host), host)
    assert follower.link(host + 1.0) is Link.FOLLOWING
    quiet_from = host
    assert follower.link(quiet_from + QUIET_S + 0.1) is Link.ALONE
    back = quiet_from + 40.0
    if restarted:  # a new run of the leader: only once it has answered a ping
        leader = Leader(KEY)
        assert follower.receive(leader.state(session, back), back) is None
        follower.receive(leader.answer(follower.ping(back), back, back), back + 0.002)
    assert follower.receive(leader.state(session, back + 1.0), back + 1.0) is not None
    assert follower.link(back + 1.0) is Link.FOLLOWING, "rejoined within 2 s of its return"


def test_a_command_sent_ahead_takes_effect_on_the_follower_at_its_moment_not_on_arrival() -> None:
    """A skip pressed 20 s into JUMP takes effect 0.08 s later on every screen: a follower
    that hears of it 0.01 s after the press shows JUMP until that moment, then REST."""
    from poolside.core.follow import COMMAND_LEAD_S, Command, ahead

    clock = Skewed(0.0, 0.0)
    leader, follower, host = _paired(clock, clock, 0.0)
    session = Session(PROGRAM, 0)
    session.start(host)
    follower.receive(leader.state(session, host), host)
    pressed = host + 20.0
    moment = pressed + COMMAND_LEAD_S
    skip = ahead(session, Command.SKIP, moment)
    assert skip.since == moment and session.position(moment) < 30.0, "the leader's, untouched"
    assert follower.receive(leader.state(session, pressed, skip), pressed + 0.01) is not None
    before, after = follower.timeline(moment - 0.001), follower.timeline(moment)
    assert before is not None and after is not None
    assert moment - 0.001 - before.origin < 30.0, "until its moment: the phase it was in"
    assert moment - after.origin == 30.0, "from its moment: REST, on every screen at once"


@pytest.mark.parametrize("command", list(Command))
def test_a_command_tried_ahead_leaves_the_class_as_it_was(command: Command) -> None:
    """``ahead`` tries the command on a copy (in microseconds, at the press): the
    session itself, its position and the events it still owes, are untouched."""
    session, twin = Session(PROGRAM, 5), Session(PROGRAM, 5)
    for each in (session, twin):
        each.start(0.0)
        each.poll(3.0)
        each.pause(20.0)  # owes a PAUSE event, not yet polled
    ahead(session, command, 21.0)
    assert session.timeline(25.0) == twin.timeline(25.0)
    assert session.poll(30.0) == twin.poll(30.0)


def test_a_state_recorded_before_the_leader_first_answered_is_not_acted_on() -> None:
    """A follower that has acted on nothing yet has no sequence number to hold a
    replay to: a state the leader sent before it got the follower's first ping
    (recorded, and played back once the follower is answered) is refused."""
    clock = Skewed(0.0, 0.0)
    session = Session(PROGRAM, 10)
    session.start(5.0)
    leader, follower = Leader(KEY), Follower(KEY)
    recorded = leader.state(session, 10.0)  # out on the air before the follower asked
    ping = follower.ping(clock.at(10.5))
    follower.receive(leader.answer(ping, 10.5005, 10.5006), clock.at(10.501))
    assert follower.receive(recorded, clock.at(10.6)) is None  # within STALE_S, a newer seq
    assert follower.refused == {Refusal.REPLAYED: 1} and follower.acted == 0
    assert follower.receive(leader.state(session, 11.0), clock.at(11.0)) is not None
