r"""The interval engine: a session state machine driven by an injected clock.

Everything is computed from one number, the *origin*: the monotonic time at
which program second 0 falls. The position in the program is ``now - origin``;
a pause moves the origin forward by the length of the pause, skip and back
move it to a phase boundary. Nothing is counted tick by tick, so there is no
drift to accumulate, however long the session runs or however late ``poll``
is called.

The get-ready countdown is simply the negative part of the timeline: the
session starts at ``-get_ready_s``, and phase 0 starts at 0.

    >>> from poolside.core.program import parse_program
    >>> phases = b"phases: [{kind: work, duration: 30}, {kind: rest, duration: 30}]"
    >>> program = parse_program(b"name: demo\n" + phases)
    >>> session = Session(program, get_ready_s=10)
    >>> session.start(now=100.0)
    >>> [str(event.type) for event in session.poll(now=110.0)]  # due by then, in order
    ['start', 'next', 'countdown', 'countdown', 'countdown', 'phase']
    >>> session.next_deadline()  # the work's halfway cue, 15 s in
    125.0
    >>> session.pause(now=125.0)
    >>> session.state(now=200.0), session.position(now=200.0)  # a pause stops the clock
    (<State.PAUSED: 'paused'>, 15.0)
"""

from __future__ import annotations

import bisect
import copy
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from poolside.core.program import Phase, Program

NEXT_LEAD_S = 10
COUNTDOWN_FROM = 3
BACK_RESTARTS_AFTER_S = 3.0
DEFAULT_GET_READY_S = 10.0
# An event is due once the clock is within this of its deadline. Deadlines
# are origin + offset in floating point, and (origin + offset) - origin can
# come out a hair below offset: without the tolerance a loop that sleeps
# until next_deadline() would wake, find nothing due, and spin.
DUE_TOLERANCE_S = 1e-6
# A follower's position that moves by more than this between two of the leader's
# timelines has jumped (a skip, a back, a class joined late): events from this far
# behind it on still fall due (the phase a skip lands on), older ones do not.
# Smaller moves are the clock estimate settling: nothing is skipped or repeated.
FOLLOW_JUMP_S = 0.5

# Order of events that fall on the same second: a block ends, then the next
# phase starts (or the session finishes), then what is announced during it.
_ORDER = {"block_end": 0, "phase": 1, "finish": 1, "halfway": 2, "next": 3, "countdown": 4}


class State(StrEnum):
    IDLE = "idle"
    GET_READY = "get-ready"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"
    STOPPED = "stopped"


class EventType(StrEnum):
    """What happened; the value is the ``type`` of an ``--events`` line."""

    START = "start"  # the get-ready countdown began
    NEXT = "next"  # the next phase announced, NEXT_LEAD_S before it
    COUNTDOWN = "countdown"  # 3, 2, 1 before a phase
    PHASE = "phase"  # a phase began
    HALFWAY = "halfway"
    BLOCK_END = "block_end"
    PAUSE = "pause"
    RESUME = "resume"
    SKIP = "skip"  # NEXT: on to the next phase
    BACK = "back"  # NEXT held: back to this phase's start, or the one before
    FINISH = "finish"
    STOP = "stop"


@dataclass(frozen=True)
class Event:
    """Something the screen, the buzzer and the records react to.

    ``at_s`` is the program second the event belongs to (negative during the
    get-ready countdown). ``phase`` is the phase it concerns: the one
    starting, announced, counted down to, or half done.
    """

    type: EventType
    at_s: float
    phase: Phase | None = None
    count: int | None = None
    completed_s: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: the ``--events`` line format."""
        data: dict[str, Any] = {"type": str(self.type), "t": round(self.at_s, 3)}
        if self.phase is not None:
            phase = self.phase
            data.update(
                index=phase.index,
                kind=phase.kind,
                label=phase.label,
                move=phase.move,
                start_s=phase.start_s,
                duration_s=phase.duration_s,
            )
            if phase.block is not None:
                data.update(block=phase.block, round=phase.round, rounds=phase.rounds)
        if self.count is not None:
            data["count"] = self.count
        if self.completed_s is not None:
            data["completed_s"] = round(self.completed_s, 3)
        return data


def schedule(program: Program, get_ready_s: float = DEFAULT_GET_READY_S) -> list[Event]:
    """Every timed event of a program, in the order they fall due."""
    phases = program.phases
    events: list[Event] = []
    for phase in phases:
        previous_start = phases[phase.index - 1].start_s if phase.index else -get_ready_s
        events.append(Event(EventType.PHASE, phase.start_s, phase))
        announce_at = max(phase.start_s - NEXT_LEAD_S, previous_start)
        if phase.cues.next and announce_at < phase.start_s:
            events.append(Event(EventType.NEXT, announce_at, phase))
        if phase.cues.countdown:
            events.extend(_countdown(phase.start_s, previous_start, phase))
        if phase.cues.halfway:
            events.append(Event(EventType.HALFWAY, phase.start_s + phase.duration_s / 2, phase))
        if phase.ends_block:
            events.append(Event(EventType.BLOCK_END, phase.end_s, phase))
    end = program.duration_s
    events.extend(_countdown(end, phases[-1].start_s, None))
    events.append(Event(EventType.FINISH, end))
    events.sort(key=lambda e: (e.at_s, _ORDER[e.type]))
    return events


def _countdown(target: float, not_before: float, phase: Phase | None) -> list[Event]:
    return [
        Event(EventType.COUNTDOWN, target - n, phase, count=n)
        for n in range(COUNTDOWN_FROM, 0, -1)
        if target - n > not_before
    ]


@dataclass(frozen=True)
class Timeline:
    """Where a session is, as a second screen needs it: the origin (the clock time
    of program second 0; None before the start), when it paused, and how it ended
    with the position then. Clock times are the leader's (:meth:`Session.follow`)."""

    origin: float | None
    paused_at: float | None = None
    ended: State | None = None
    position: float = 0.0  # program seconds reached when it paused or ended
    done_s: float = 0.0
    since: float | None = None  # a command's: the clock time it takes effect on every screen

    def as_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "paused_at": self.paused_at,
            "ended": None if self.ended is None else str(self.ended),
            "position": self.position,
            "done_s": self.done_s,
            "since": self.since,
        }


class Session:
    """One run of a program, from start to finish or stop."""

    def __init__(self, program: Program, get_ready_s: float = DEFAULT_GET_READY_S) -> None:
        if not program.phases:
            raise ValueError("a program without phases cannot be run")
        self.program = program
        self.get_ready_s = max(0.0, float(get_ready_s))
        self._events = schedule(program, self.get_ready_s)
        self._keys = [(e.at_s, _ORDER[e.type]) for e in self._events]
        self._starts = [p.start_s for p in program.phases]
        self._cursor = 0
        self._pending: list[Event] = []
        self._origin: float | None = None
        self._paused_at: float | None = None
        self._ended: State | None = None
        self._done_s = 0.0  # program seconds run, up to _counted_to
        self._counted_to = -self.get_ready_s

    # -- where are we -----------------------------------------------------
    def state(self, now: float) -> State:
        if self._origin is None:
            return State.IDLE
        if self._ended is not None:
            return self._ended
        if self._paused_at is not None:
            return State.PAUSED
        return State.GET_READY if self.position(now) < 0 else State.RUNNING

    def position(self, now: float) -> float:
        """Program seconds reached: negative in get-ready, frozen when paused."""
        if self._origin is None:
            return -self.get_ready_s
        if self._ended is not None:
            return self._counted_to
        ref = self._paused_at if self._paused_at is not None else now
        return min(ref - self._origin, float(self.program.duration_s))

    def phase_index(self, now: float) -> int | None:
        """Index of the phase at ``now``; ``None`` before phase 0 starts."""
        position = self.position(now)
        if position < 0:
            return None
        return bisect.bisect_right(self._starts, position) - 1

    def current_phase(self, now: float) -> Phase | None:
        index = self.phase_index(now)
        return None if index is None else self.program.phases[index]

    def phase_remaining(self, now: float) -> float:
        """Seconds left in the current phase (in get-ready: until phase 0)."""
        position = self.position(now)
        phase = self.current_phase(now)
        return (0.0 - position) if phase is None else phase.end_s - position

    def blocks_done(self, now: float) -> int:
        """Blocks whose last phase has been reached the end of."""
        reached = self.position(now)
        return sum(1 for p in self.program.phases if p.ends_block and p.end_s <= reached)

    def paused_for(self, now: float) -> float:
        """Seconds the session has been paused so far (0 when not paused)."""
        return 0.0 if self._paused_at is None else now - self._paused_at

    def completed_s(self, now: float) -> float:
        """Program seconds actually done: pauses, get-ready and skips excluded."""
        if self._origin is None or self._ended is not None or self._paused_at is not None:
            return self._done_s
        return self._done_s + self._overlap(self._counted_to, self.position(now))

    def next_deadline(self) -> float | None:
        """Monotonic time of the next timed event, or ``None`` if none will come.

        The driving loop sleeps until then (or until input); when paused,
        idle or ended nothing is due.
        """
        if self._origin is None or self._paused_at is not None or self._ended is not None:
            return None
        if self._cursor >= len(self._events):
            return None
        return self._origin + self._events[self._cursor].at_s

    # -- driving ----------------------------------------------------------
    def poll(self, now: float) -> list[Event]:
        """Events due by ``now`` that were not returned before, in order."""
        due, self._pending = self._pending, []
        if self._origin is None or self._ended is not None:
            return due
        position = self.position(now)
        due_by = position + DUE_TOLERANCE_S
        while self._cursor < len(self._events) and self._events[self._cursor].at_s <= due_by:
            event = self._events[self._cursor]
            self._cursor += 1
            if event.type == EventType.FINISH:
                end = float(self.program.duration_s)
                self._done_s += self._overlap(self._counted_to, end)
                self._ended = State.FINISHED
                self._counted_to = end
                event = Event(EventType.FINISH, event.at_s, completed_s=self._done_s)
            due.append(event)
        return due

    def start(self, now: float) -> None:
        """Begin the get-ready countdown (or phase 0 when it is zero)."""
        if self._origin is not None:
            return
        self._origin = now + self.get_ready_s
        self._pending.append(Event(EventType.START, -self.get_ready_s))

    def resume_from(self, now: float, position_s: float, done_s: float) -> None:
        """Start where an interrupted run left off (after a crash or power cut).

        ``position_s`` is a checkpointed program second (a phase start) and
        ``done_s`` the time done before it; events from there on fall due as
        usual, the ones before it are not repeated.
        """
        if self._origin is not None:
            return
        target = min(max(position_s, 0.0), float(self.program.duration_s))
        self._origin = now - target
        self._counted_to, self._done_s = target, done_s
        self._cursor = bisect.bisect_left(self._keys, (target, _ORDER["phase"]))
        self._pending.append(Event(EventType.RESUME, target, self.current_phase(now)))

    def pause(self, now: float) -> None:
        if self._running():
            self._count(now)
            self._paused_at = now
            self._pending.append(
                Event(EventType.PAUSE, self.position(now), self.current_phase(now))
            )

    def resume(self, now: float) -> None:
        if self._origin is not None and self._ended is None and self._paused_at is not None:
            assert self._origin is not None
            self._origin += now - self._paused_at
            self._paused_at = None
            self._pending.append(
                Event(EventType.RESUME, self.position(now), self.current_phase(now))
            )

    def toggle(self, now: float) -> None:
        """The START/PAUSE button: start, pause or resume as fits."""
        if self._origin is None:
            self.start(now)
        elif self._paused_at is not None:
            self.resume(now)
        else:
            self.pause(now)

    def skip(self, now: float) -> None:
        """Jump to the start of the next phase (from get-ready: to phase 0)."""
        if not self._active():
            return
        index = self.phase_index(now)
        nxt = 0 if index is None else index + 1
        target = self._starts[nxt] if nxt < len(self._starts) else self.program.duration_s
        self._jump(now, float(target), EventType.SKIP)

    def back(self, now: float) -> None:
        """Restart the current phase, or go to the previous one near its start."""
        index = self.phase_index(now)
        if not self._active() or index is None:
            return
        into = self.position(now) - self._starts[index]
        if into <= BACK_RESTARTS_AFTER_S and index > 0:
            index -= 1
        self._jump(now, float(self._starts[index]), EventType.BACK)

    def stop(self, now: float) -> None:
        """End the session early; completed time so far is kept."""
        if not self._active():
            return
        self._count(now)
        position = self.position(now)
        self._ended = State.STOPPED
        self._counted_to = position
        phase = self.current_phase(now)
        self._pending.append(Event(EventType.STOP, position, phase, completed_s=self._done_s))

    # -- the same class on another screen -------------------------------------
    def copy(self) -> Session:
        """A copy to try a command on (:func:`poolside.core.follow.ahead`), in
        microseconds: the program and its schedule are shared, as nothing changes
        them; where it is, and its events still to hand out, are its own."""
        twin = copy.copy(self)
        twin._pending = list(self._pending)
        return twin

    def timeline(self, now: float) -> Timeline:
        """This session's timeline at ``now``, for followers (:meth:`follow`)."""
        return Timeline(
            self._origin,
            self._paused_at,
            self._ended,
            self.position(now),
            self.completed_s(now),
        )

    def follow(self, timeline: Timeline, now: float) -> None:
        """Take the leader's ``timeline``; this session's clock is the leader's as
        estimated here (:class:`poolside.core.clocksync.LeaderClock`), so every phase
        change falls due from the leader's origin, whatever messages were lost.
        Events already past at ``now`` are not repeated; the ones ahead fall due."""
        was = self.position(now) if self._origin is not None else None
        self._origin, self._paused_at = timeline.origin, timeline.paused_at
        self._ended = timeline.ended
        self._done_s = timeline.done_s
        self._counted_to = timeline.position
        self._pending = []
        if self._origin is None:
            self._cursor = 0
            return
        position = self.position(now)
        if was is None or abs(position - was) > FOLLOW_JUMP_S:  # joined, skipped or went back
            ahead = (e.at_s >= position - FOLLOW_JUMP_S for e in self._events)
            self._cursor = next((i for i, due in enumerate(ahead) if due), len(self._events))

    # -- internals ----------------------------------------------------------
    def _active(self) -> bool:
        return self._origin is not None and self._ended is None

    def _running(self) -> bool:
        return self._active() and self._paused_at is None

    def _overlap(self, start: float, end: float) -> float:
        """Length of [start, end] that lies inside the program."""
        low, high = max(start, 0.0), min(end, float(self.program.duration_s))
        return max(0.0, high - low)

    def _count(self, now: float) -> None:
        """Add the running time since the last count to the completed time."""
        if self._running():
            position = self.position(now)
            self._done_s += self._overlap(self._counted_to, position)
            self._counted_to = position

    def _jump(self, now: float, target: float, kind: EventType) -> None:
        self._count(now)
        ref = self._paused_at if self._paused_at is not None else now
        assert self._origin is not None
        self._origin = ref - target
        self._counted_to = target
        self._cursor = bisect.bisect_left(self._keys, (target, _ORDER["phase"]))
        phase = self.current_phase(now) if target < self.program.duration_s else None
        self._pending.append(Event(kind, target, phase))
