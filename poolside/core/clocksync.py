"""The leader's clock, as a follower screen estimates it from pings and answers.

A follower sends a ping at its own time ``t0``; the leader notes when it got
it (``t1``) and when it answered (``t2``), on its clock; the answer is back
at ``t3``. Half the round trip is the most the offset can be wrong by, so
only the quickest exchanges count: the quickest of each BUCKET_S, over the
last WINDOW_S, fitted with a straight line. Its slope is the two crystals'
difference in rate (tens of parts per million: 6 ms a minute at 100 ppm),
so a follower that stops hearing the leader keeps its time for minutes.

Pure: the times are given, nothing is sent here.

    >>> estimate = ClockEstimate()
    >>> for sent in (0.0, 10.0, 20.0):  # the leader is 5 s ahead; 2 ms each way
    ...     estimate.add(Exchange(sent, sent + 5.002, sent + 5.003, sent + 0.005))
    >>> round(estimate.leader_time(30.0), 6)
    35.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

BUCKET_S = 5.0  # the quickest exchange of each bucket of this length counts
WINDOW_S = 300.0  # and only from this far back: older ones no longer describe the rates
MAX_RATE = 500e-6  # crystals differ by far less; more is noise, not rate


@dataclass(frozen=True)
class Exchange:
    """One ping and its answer: ``t0`` sent and ``t3`` answered here, ``t1`` got and
    ``t2`` answered there (the leader's clock)."""

    t0: float
    t1: float
    t2: float
    t3: float

    @property
    def round_trip(self) -> float:
        return (self.t3 - self.t0) - (self.t2 - self.t1)

    @property
    def offset(self) -> float:
        """The leader's clock minus this one, wrong by at most half the round trip."""
        return ((self.t1 - self.t0) + (self.t2 - self.t3)) / 2

    @property
    def at(self) -> float:
        return (self.t0 + self.t3) / 2


@dataclass(frozen=True)
class Fit:
    """leader time = local time + offset + rate * (local time - at): the line the
    quickest exchanges were fitted with, which a follower's link service hands
    its screens (the same host clock), so they keep the leader's time."""

    at: float
    offset_at: float
    rate: float

    def offset(self, local: float) -> float:
        return self.offset_at + self.rate * (local - self.at)

    def leader_time(self, local: float) -> float:
        return local + self.offset(local)

    def local_time(self, leader: float) -> float:
        """The local time at which the leader's clock reads ``leader``."""
        return (leader - self.offset_at + self.rate * self.at) / (1 + self.rate)


SAME_CLOCK = Fit(0.0, 0.0, 0.0)  # a screen on the leader's own Pi


class ClockEstimate:
    """The leader's clock from the quickest exchanges: a :class:`Fit` (flat until two
    buckets have one)."""

    def __init__(self) -> None:
        self._best: dict[int, Exchange] = {}  # bucket -> its quickest exchange
        self.fit: Fit | None = None

    def add(self, exchange: Exchange) -> None:
        if exchange.round_trip < 0:  # clocks read out of order: not an exchange
            return
        bucket = int(exchange.at // BUCKET_S)
        kept = self._best.get(bucket)
        if kept is None or exchange.round_trip < kept.round_trip:
            self._best[bucket] = exchange
        newest = max(self._best)
        for old in [b for b in self._best if b < newest - WINDOW_S / BUCKET_S]:
            del self._best[old]
        self.fit = _line(list(self._best.values()))

    @property
    def synced(self) -> bool:
        return self.fit is not None

    @property
    def round_trip(self) -> float | None:
        """The quickest round trip counted: twice the most the estimate is wrong by."""
        return min((e.round_trip for e in self._best.values()), default=None)

    def offset(self, local: float) -> float:
        assert self.fit is not None, "no exchange yet"
        return self.fit.offset(local)

    def leader_time(self, local: float) -> float:
        assert self.fit is not None, "no exchange yet"
        return self.fit.leader_time(local)

    def local_time(self, leader: float) -> float:
        """The local time at which the leader's clock reads ``leader``."""
        assert self.fit is not None, "no exchange yet"
        return self.fit.local_time(leader)


def _line(points: list[Exchange]) -> Fit | None:
    """Least squares of offset over time."""
    if not points:
        return None
    mean_at = sum(p.at for p in points) / len(points)
    mean_offset = sum(p.offset for p in points) / len(points)
    spread = sum((p.at - mean_at) ** 2 for p in points)
    if len(points) < 2 or spread == 0:
        return Fit(mean_at, mean_offset, 0.0)
    rate = sum((p.at - mean_at) * (p.offset - mean_offset) for p in points) / spread
    return Fit(mean_at, mean_offset, max(-MAX_RATE, min(MAX_RATE, rate)))


class LeaderClock:
    """A follower's clock for the kiosk: the leader's time as fitted here (``fit``
    gives the latest fit, None before one), so its session falls due on the
    leader's schedule (``speed`` as the local one)."""

    speed = 1.0

    def __init__(self, fit: Callable[[], Fit | None], local: Callable[[], float]) -> None:
        self._fit = fit
        self._local = local

    def now(self) -> float:
        local, fit = self._local(), self._fit()
        return local if fit is None else fit.leader_time(local)
