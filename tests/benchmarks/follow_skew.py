"""Several screens, one time: how far apart a leader and three followers change phase.

    python -m tests.benchmarks.follow_skew [--seeds 10]

A simulation on one host clock, the ground truth: the real
:class:`~poolside.core.follow.Leader` and :class:`~poolside.core.follow.Follower`
exchange sealed messages through a relay that delays each packet (a LAN's
0.3 ms, random jitter, and now and then a 20 to 50 ms spike), drops 5 %,
duplicates 1 % and so reorders them. Each Pi's clock is off the host's by
an hour or so and runs fast or slow by up to 100 parts per million. The
leader runs jump-and-hop-20 with a pause and a skip; each follower pings
every second (every two once it has ten answers).

A phase change happens on a screen when its clock, as that Pi estimates the
leader's, reads the leader's origin plus the phase's start; its host time is
the ground truth compared. Reported: the skew between the first and last
screen at each change (p50, p99, max), a follower's drift after 60 s with
no leader, and how many of 10,000 hostile packets (forged, replayed,
reordered, from another leader run) a follower acted on.

What this does not measure: the frame a real screen is drawn in (the kiosk's
wake-up, tests/benchmarks/cue_timing.py) and real sockets in network
namespaces (to come: this is the protocol's share of the budget).
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from poolside.config import Config
from poolside.core.engine import Session
from poolside.core.follow import (
    CHANGE_COPIES,
    CHANGE_GAP_S,
    COMMAND_LEAD_S,
    STATE_EVERY_S,
    Command,
    Follower,
    Leader,
    ahead,
)
from poolside.selection import choose_program

KEY = bytes(range(32))
LOSS, DUPLICATE = 0.05, 0.01


@dataclass
class Pi:
    """A Pi's clock against the host's: ``local = offset + (1 + rate) * host``."""

    offset: float
    rate: float

    def at(self, host: float) -> float:
        return self.offset + (1 + self.rate) * host

    def host(self, local: float) -> float:
        return (local - self.offset) / (1 + self.rate)


class Simulation:
    """One class on the host clock: the leader's commands, its states, the followers'
    pings and answers, each a timed event; phase changes measured as they fall."""

    def __init__(self, seed: int) -> None:
        rng = self.rng = random.Random(seed)
        self.program = choose_program("jump-and-hop-20", Config(), date(2027, 1, 4)).program
        self.leader_pi = Pi(rng.uniform(1000, 5000), rng.uniform(-100e-6, 100e-6))
        self.pis = [Pi(rng.uniform(0, 9000), rng.uniform(-100e-6, 100e-6)) for _ in range(3)]
        self.leader, self.followers = Leader(KEY), [Follower(KEY) for _ in self.pis]
        self.answers = [0] * len(self.pis)
        self.session = Session(self.program, 10.0)
        self.events: list[tuple[float, int, str, object]] = []
        self.order = itertools.count()
        self.recorded: list[bytes] = []  # genuine states, for the replays after
        self.skews: list[float] = []
        self.version = 0  # the leader's timeline: probes of an older one are void
        self.changes: list[list[float]] = []  # each command's change: when on each screen
        self.late: list[tuple[float, Follower, Pi]] = []  # screens that had not heard of one
        self.quiet_from = 0.0

    def at(self, host: float, kind: str, payload: object = None) -> None:
        heapq.heappush(self.events, (host, next(self.order), kind, payload))

    def send(self, data: bytes, to: int, host: float) -> None:
        """Through the LAN: delay, jitter, now and then a spike; lost or duplicated."""
        rng = self.rng
        if rng.random() < LOSS:
            return
        for _ in range(2 if rng.random() < DUPLICATE else 1):
            delay = 0.0003 + rng.expovariate(1 / 0.001)
            if rng.random() < 0.01:
                delay += rng.uniform(0.02, 0.05)
            self.at(host + delay, "packet", (to, data))

    def run(self) -> list[float]:
        start = 30.0
        for host, command in ((start, "toggle"), (330.0, "pause"), (370.0, "resume"),
                              (730.0, "skip"), (1000.0, "back")):  # fmt: skip
            self.at(host, "command", command)
        self.quiet_from = start + 10 + self.program.duration_s + 40
        self.at(0.0, "tick")
        for index in range(len(self.pis)):
            self.at(self.rng.uniform(0, 1), "ping", index)
        while self.events:
            host, _, kind, payload = heapq.heappop(self.events)
            getattr(self, f"_{kind}")(host, payload)
        return self.skews + [max(c) - min(c) for c in self.changes]

    def _command(self, host: float, payload: object) -> None:
        """A press: its timeline goes out at once, saying when it takes effect; the
        leader's own session takes it then too."""
        command = Command(str(payload))
        when = host + COMMAND_LEAD_S
        timeline = ahead(self.session, command, self.leader_pi.at(when))
        for copy in range(CHANGE_COPIES):
            self.at(host + copy * CHANGE_GAP_S, "state", timeline)
        self.at(when, "apply", command)

    def _apply(self, host: float, payload: object) -> None:
        now = self.leader_pi.at(host)
        Command(str(payload)).apply(self.session, now)
        self.version += 1
        timeline = self.session.timeline(now)
        if self.version > 1:  # not the start: nothing was on screen to change
            self._change(host, now)  # the command's own change, on every screen
        if timeline.origin is not None and timeline.paused_at is None:
            for phase in self.program.phases:  # when the leader changes phase, unless moved
                leader_time = timeline.origin + phase.start_s
                if leader_time > now:
                    self.at(self.leader_pi.host(leader_time), "probe", (self.version, phase))

    def _change(self, host: float, leader_time: float) -> None:
        """Each follower makes the command's change when its timeline in effect is the
        leader's: at the command's moment by its clock, or when the state reaches it."""
        moments = [host]
        for follower, pi in zip(self.followers, self.pis, strict=True):
            state = follower.state
            if state is None or state.timeline.since != leader_time:
                self.late.append((host, follower, pi))  # not there yet: when it is
                continue
            moments.append(pi.host(follower.estimate.local_time(leader_time)))
        self.changes.append(moments)

    def _tick(self, host: float, _: object) -> None:
        if host < self.quiet_from:
            self._state(host, None)
            self.at(host + STATE_EVERY_S, "tick")

    def _state(self, host: float, timeline: object) -> None:
        now = self.leader_pi.at(host)
        data = self.leader.state(self.session, now, timeline)  # type: ignore[arg-type]
        self.recorded.append(data)
        for index in range(len(self.pis)):
            self.send(data, index, host)

    def _ping(self, host: float, index: object) -> None:
        assert isinstance(index, int)
        if host < self.quiet_from:
            self.send(self.followers[index].ping(self.pis[index].at(host)), -1 - index, host)
            self.at(host + (2.0 if self.answers[index] >= 10 else 1.0), "ping", index)

    def _packet(self, host: float, payload: object) -> None:
        to, data = payload  # type: ignore[misc]
        if to < 0:  # a ping to the leader, from follower -1 - to
            got = self.leader_pi.at(host)
            answer = self.leader.answer(data, got, got + 0.0001)
            self.send(answer, -1 - to, host + 0.0001)
            return
        follower = self.followers[to]
        trips = follower.estimate.round_trip
        state = follower.receive(data, self.pis[to].at(host))
        if follower.estimate.round_trip != trips:
            self.answers[to] += 1
        for late in [x for x in self.late if x[1] is follower and state is not None]:
            self.late.remove(late)  # it hears of a change already made elsewhere: now
            self.changes[-1].append(host)

    def _probe(self, host: float, payload: object) -> None:
        """The leader changes phase now: when does each follower, by its own timeline
        and its estimate of the leader's clock as they stand?"""
        version, phase = payload  # type: ignore[misc]
        if version != self.version:
            return
        moments = [host]
        for follower, pi in zip(self.followers, self.pis, strict=True):
            if not follower.estimate.synced:
                return  # not following yet: counted by the link, not by the skew
            leader_now = follower.estimate.leader_time(pi.at(host))
            timeline = follower.timeline(leader_now)  # in effect there (a command may be near)
            if timeline is None or timeline.origin is None:
                return
            leader_time = timeline.origin + phase.start_s
            moments.append(pi.host(follower.estimate.local_time(leader_time)))
        self.skews.append(max(moments) - min(moments))


def run(seed: int) -> dict[str, Any]:
    """One class: every change's skew, the drift alone, the hostile packets acted on."""
    simulation = Simulation(seed)
    skews = simulation.run()
    end = simulation.quiet_from + 60.0  # a minute with nothing heard
    truth = simulation.leader_pi.at(end)
    drift = [
        abs(f.estimate.leader_time(pi.at(end)) - truth)
        for f, pi in zip(simulation.followers, simulation.pis, strict=True)
    ]
    acted = _hostile(simulation.followers[0], simulation.pis[0], simulation.recorded, end)
    return {"skews_ms": [1000 * x for x in skews], "drift_ms": [1000 * x for x in drift],
            "acted_on": acted}  # fmt: skip


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _hostile(follower: Follower, pi: Pi, recorded: list[bytes], host: float) -> int:
    """10,000 packets no follower may act on: forged, replayed, reordered, another run's."""
    other_key, other_run = Leader(bytes(32)), Leader(KEY)
    session = Session(choose_program("jump-and-hop-20", Config(), date(2027, 1, 4)).program, 10)
    session.start(0.0)
    acted, rng = 0, random.Random(host)
    for n in range(10_000):
        kind = n % 4
        if kind == 0:
            data = other_key.state(session, rng.uniform(0, 2000))
        elif kind == 1:
            data = rng.choice(recorded)  # played back later
        elif kind == 2:
            data = recorded[-1 - rng.randrange(1, 50)]  # an older one after a newer
        else:
            data = other_run.state(session, rng.uniform(0, 2000))
        if follower.receive(data, pi.at(host + n * 0.001)) is not None:
            acted += 1
    return acted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="classes simulated")
    seeds = parser.parse_args().seeds
    rows = [run(seed) for seed in range(seeds)]
    skews = [x for row in rows for x in row["skews_ms"]]
    drift = [x for row in rows for x in row["drift_ms"]]
    result = {
        "classes": seeds,
        "changes": len(skews),
        "skew_p50_ms": round(_quantile(skews, 0.5), 3),
        "skew_p99_ms": round(_quantile(skews, 0.99), 3),
        "skew_max_ms": round(max(skews), 3),
        "alone_60s_drift_max_ms": round(max(drift), 3),
        "hostile_acted_on": sum(row["acted_on"] for row in rows),
        "hostile_sent": 10_000 * seeds,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
