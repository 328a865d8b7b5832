"""One class on several screens: what the leader says and how a follower keeps time.

The kiosk that runs the class leads. About once a second it sends its
session's :class:`Timeline` (the clock time of program second 0, a pause, an
end) with the program's hash. A follower does not wait for a message per
phase: it runs the same program on the leader's clock as it estimates it
(:mod:`poolside.core.clocksync`), so each phase changes there at the leader's
moment, and a lost message changes nothing visible.

A command (pause, resume, skip, back, stop) takes effect COMMAND_LEAD_S after
the press, on the leader too: its timeline is sent at once, CHANGE_COPIES
times, saying when it takes effect (:func:`ahead`), so every screen changes
at that one moment instead of when a packet happens to arrive.

Trust: every message is sealed with the pairing key (:mod:`poolside.core.link`).
A follower acts on a state only from the leader run that answered one of its
own pings (a fresh nonce each time), sent after that run first got one, and
only on a newer one than it has (a sequence number per run), sent within
STALE_S of the leader's time now.
So a recorded message played back later, a duplicate, a reordered one, or
one from another leader run is refused and counted, never acted on.

Pure: bytes and times in, bytes and decisions out; the sockets are elsewhere.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from poolside.core.clocksync import ClockEstimate, Exchange
from poolside.core.engine import Session, State, Timeline
from poolside.core.link import Refusal, Refused, field, seal, unseal

STATE_EVERY_S = 1.0  # the leader's state goes out this often, whatever happens
COMMAND_LEAD_S = 0.08  # a command takes effect this long after the press, everywhere
CHANGE_COPIES = 3  # and at once on a pause, resume, skip or stop, this many times,
CHANGE_GAP_S = 0.02  # this far apart: a command lost on the way to a screen is a 1-in-8,000
STALE_S = 2.0  # a state sent further than this from the leader's time now is stale
QUIET_S = 2.5  # no state for this long: the follower runs alone and says so
ASKED_KEPT = 16  # pings awaiting an answer, at most (the oldest is forgotten)


class Link(StrEnum):
    """A follower's word for its leader."""

    WAITING = "waiting"  # no leader heard yet: "waiting for the leader"
    FOLLOWING = "following"
    ALONE = "alone"  # the leader went quiet: the class runs on from its own schedule


@dataclass(frozen=True)
class Shared:
    """The class as its leader shares it: the program (its content hash: a screen
    runs its own copy of the same program), the get-ready, and the timeline."""

    program: str
    get_ready_s: float
    timeline: Timeline

    @classmethod
    def of(cls, session: Session, now: float, timeline: Timeline | None = None) -> Shared:
        """``session``'s class at ``now`` (``timeline``: a command's, from :func:`ahead`)."""
        program = session.program.content_hash
        return cls(program, session.get_ready_s, timeline or session.timeline(now))

    def as_dict(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "get_ready": self.get_ready_s,
            "timeline": self.timeline.as_dict(),
        }

    @classmethod
    def from_dict(cls, message: dict[str, Any]) -> Shared:
        """Read back from :meth:`as_dict`; :class:`Refused` as malformed if it is not."""
        timeline = timeline_from(field(message, "timeline", dict))
        return cls(field(message, "program", str), field(message, "get_ready", float), timeline)


@dataclass(frozen=True)
class LeaderState:
    """What a follower needs to show the class as the leader does."""

    epoch: str  # the leader's run: random at its start
    seq: int
    sent: float  # the leader's clock
    shared: Shared

    @property
    def timeline(self) -> Timeline:
        return self.shared.timeline


class Leader:
    """The kiosk that runs the class: its states and its answers to pings."""

    def __init__(self, key: bytes, epoch: str | None = None) -> None:
        self._key = key
        self.epoch = epoch or secrets.token_hex(8)
        self._seq = 0

    def state(self, session: Session, now: float, timeline: Timeline | None = None) -> bytes:
        """The session's state now, or ``timeline`` (a command's, from :func:`ahead`)."""
        return self.share(Shared.of(session, now, timeline), now)

    def share(self, shared: Shared, now: float) -> bytes:
        """``shared`` sealed, as sent at ``now``, under the next sequence number."""
        self._seq += 1
        message = {"kind": "state", "epoch": self.epoch, "seq": self._seq, "sent": now}
        return seal(self._key, {**message, **shared.as_dict()})

    def answer(self, data: bytes, got: float, now: float) -> bytes:
        """The answer to a follower's ping that came in at ``got``; :class:`Refused`
        for anything else."""
        ping = unseal(self._key, data)
        if ping["kind"] != "ping":
            raise Refused(Refusal.NOT_FOR_US)
        nonce, sent = field(ping, "nonce", str), field(ping, "t0", float)
        answer = {"kind": "pong", "epoch": self.epoch, "nonce": nonce, "t0": sent}
        return seal(self._key, {**answer, "t1": got, "t2": now})


class Follower:
    """A screen that shows the leader's class: the messages it acts on, its estimate
    of the leader's clock, and the refusals it counted."""

    def __init__(self, key: bytes, nonce: Callable[[], str] = lambda: secrets.token_hex(16)):
        self._key = key
        self._nonce = nonce
        self.estimate = ClockEstimate()
        self.refused: Counter[Refusal] = Counter()
        self.state: LeaderState | None = None
        self.heard_at: float | None = None  # local time of the last state acted on
        self.acted = 0  # states acted on, of this leader run and every one before
        self._asked: dict[str, float] = {}  # nonce -> when it was sent (local)
        self._before: Timeline | None = None  # in effect until the state's command takes effect
        self._fresh: str | None = None  # the leader run that last answered a ping of ours
        self._fresh_since = 0.0  # when it got that first ping (its clock): states before are old

    def ping(self, now: float) -> bytes:
        nonce = self._nonce()
        self._asked[nonce] = now
        while len(self._asked) > ASKED_KEPT:
            del self._asked[next(iter(self._asked))]
        return seal(self._key, {"kind": "ping", "nonce": nonce, "t0": now})

    def receive(self, data: bytes, now: float) -> LeaderState | None:
        """Act on ``data`` that came in at local time ``now``: a new state (returned),
        an answer to a ping (the clock estimate), or a refusal, counted."""
        try:
            message = unseal(self._key, data)
            if message["kind"] == "pong":
                self._answered(message, now)
                return None
            if message["kind"] != "state":
                raise Refused(Refusal.NOT_FOR_US)
            return self._took(_leader_state(message), now)
        except Refused as refused:
            self.refused[refused.why] += 1
            return None

    def timeline(self, leader_now: float) -> Timeline | None:
        """The leader's timeline in effect at ``leader_now`` (the leader's clock): a
        command's once its moment has come, the one before until then."""
        state = self.state
        return None if state is None else in_effect(state.timeline, self._before, leader_now)

    @property
    def before(self) -> Timeline | None:
        """The timeline in effect until the latest one's command takes effect."""
        return self._before

    def link(self, now: float) -> Link:
        if self.heard_at is None:
            return Link.WAITING
        return Link.FOLLOWING if now - self.heard_at <= QUIET_S else Link.ALONE

    def _answered(self, pong: dict[str, Any], now: float) -> None:
        nonce = field(pong, "nonce", str)
        sent = self._asked.pop(nonce, None)
        if sent is None or sent != field(pong, "t0", float):
            raise Refused(Refusal.UNASKED)
        got, answered = field(pong, "t1", float), field(pong, "t2", float)
        epoch = field(pong, "epoch", str)
        if epoch != self._fresh:  # the leader started again: its clock starts afresh
            self.estimate = ClockEstimate()
            self._fresh, self._fresh_since = epoch, got
        self.estimate.add(Exchange(sent, got, answered, now))

    def _took(self, state: LeaderState, now: float) -> LeaderState:
        if state.epoch != self._fresh:
            raise Refused(Refusal.OTHER_CLASS)
        last = self.state
        if last is not None and last.epoch == state.epoch and state.seq <= last.seq:
            raise Refused(Refusal.REPLAYED)
        if state.sent < self._fresh_since:  # recorded before this run first answered us
            raise Refused(Refusal.REPLAYED)
        leader_now = self.estimate.leader_time(now)
        if abs(state.sent - leader_now) > STALE_S:
            raise Refused(Refusal.STALE)
        if last is None or state.timeline != last.timeline:
            self._before = self.timeline(leader_now)
        self.state, self.heard_at = state, now
        self.acted += 1
        return state


class Command(StrEnum):
    """What the instructor does to a class under way (each a :class:`Session` method)."""

    TOGGLE = "toggle"
    PAUSE = "pause"
    RESUME = "resume"
    SKIP = "skip"
    BACK = "back"
    STOP = "stop"

    def apply(self, session: Session, at: float) -> None:
        done: dict[Command, Callable[[Session, float], None]] = {
            Command.TOGGLE: Session.toggle,
            Command.PAUSE: Session.pause,
            Command.RESUME: Session.resume,
            Command.SKIP: Session.skip,
            Command.BACK: Session.back,
            Command.STOP: Session.stop,
        }
        done[self](session, at)


def ahead(session: Session, command: Command, at: float) -> Timeline:
    """The timeline ``session`` will have once ``command`` is done at ``at``, saying
    so: sent to the followers before then, so that every screen changes at ``at``."""
    after = session.copy()
    command.apply(after, at)
    return replace(after.timeline(at), since=at)


def in_effect(timeline: Timeline, before: Timeline | None, leader_now: float) -> Timeline | None:
    """Of a command's ``timeline`` and the one ``before`` it, the one in effect at
    ``leader_now``: the command's from its moment (``since``) on."""
    since = timeline.since
    return before if since is not None and leader_now < since else timeline


def timeline_from(raw: dict[str, Any]) -> Timeline:
    """A timeline read back from :meth:`Timeline.as_dict`; :class:`Refused` as
    malformed where a field is missing or of the wrong kind."""
    ended = raw.get("ended")
    if ended not in (None, State.FINISHED, State.STOPPED):
        raise Refused(Refusal.MALFORMED)

    def maybe(name: str) -> float | None:
        return None if raw.get(name) is None else field(raw, name, float)

    return Timeline(
        maybe("origin"),
        maybe("paused_at"),
        None if ended is None else State(ended),
        field(raw, "position", float),
        field(raw, "done_s", float),
        maybe("since"),
    )


def _leader_state(message: dict[str, Any]) -> LeaderState:
    return LeaderState(
        field(message, "epoch", str),
        field(message, "seq", int),
        field(message, "sent", float),
        Shared.from_dict(message),
    )
