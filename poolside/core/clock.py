"""Clocks the engine can be driven by.

The engine never reads the time itself: the loop that drives it passes
``clock.now()`` in. Tests use :class:`ManualClock`; demos and end-to-end runs
use :class:`ScaledClock` to play a 20-minute program in seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds, and how many of them pass per real second."""

    speed: float

    def now(self) -> float: ...


class MonotonicClock:
    """Real time: ``time.monotonic()``, immune to wall-clock jumps."""

    speed = 1.0

    def now(self) -> float:
        return time.monotonic()


class ScaledClock:
    """Monotonic time running ``speed`` times faster (``--speed N``).

    >>> clock = ScaledClock(600)   # a 20-minute program in 2 seconds
    """

    def __init__(self, speed: float, source: Callable[[], float] = time.monotonic) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = float(speed)
        self._source = source
        self._base = source()

    def now(self) -> float:
        return (self._source() - self._base) * self.speed


class ManualClock:
    """A clock that only moves when told to; for tests and simulations."""

    speed = 1.0

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("a monotonic clock cannot go back")
        self._now += seconds
        return self._now

    def set(self, when: float) -> float:
        if when < self._now:
            raise ValueError("a monotonic clock cannot go back")
        self._now = when
        return self._now


def clock_for(speed: float) -> Clock:
    """Real time at speed 1, else a clock running ``speed`` times faster."""
    return MonotonicClock() if speed == 1.0 else ScaledClock(speed)
