"""The kiosk's one loop: the window's and ``--headless``'s alike.

Each turn it steps the kiosk (the engine's events to the cues, the records
and ``--events``; a redraw if the view changed), pings systemd's watchdog,
and sleeps until the kiosk's next deadline, or sooner if something else
needs a look (a button held, a buzzer pattern, the watchdog). What sleeping
means is given: in the window, :class:`~poolside.devices.wakeup.Waker`
blocks until then or an input; headless, a plain sleep. What the inputs do
is given too; headless there are none.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from poolside.core.clock import Clock
from poolside.core.presses import earliest
from poolside.notify import Notifier

IDLE_LOOK_S = 1.0  # with nothing due at all, look again this often (real seconds)


class Steps(Protocol):
    """What the loop turns: the kiosk, stepped to ``now``; its next wake-up."""

    def tick(self, now: float) -> float | None: ...


@dataclass
class Loop:
    """``sleep(seconds)`` returns the inputs that ended it (maybe none);
    ``soon()`` is the earliest other real-time deadline, if any;
    ``handle(inputs)`` returns an exit status to end the loop with, or ``None``;
    ``done(wake)`` ends it (with ``None``) after a step, given the kiosk's next
    wake-up: a headless run that finished, or has nothing more to wait for;
    ``first_frame()``, called once the first frame is presented, says what
    READY reports, or raises when that frame is not on the screen after all
    (then READY is never sent)."""

    kiosk: Steps
    clock: Clock
    notifier: Notifier
    sleep: Callable[[float], Sequence[Any]]
    handle: Callable[[Sequence[Any]], int | None] = lambda inputs: None
    soon: Callable[[], float | None] = lambda: None
    done: Callable[[float | None], bool] = lambda wake: False
    first_frame: Callable[[], str] = lambda: "first frame on screen"
    wakes: int = field(default=0, init=False)  # turns taken: for tests and benchmarks

    def run(self) -> int | None:
        """Draw the first frame, say READY, then turn until ``handle`` or ``done`` ends it."""
        self.kiosk.tick(self.clock.now())
        self.notifier.ready(self.first_frame())
        while True:
            wake = self.kiosk.tick(self.clock.now())
            self.notifier.watchdog()  # from this loop only: a hung loop stops the pings
            if self.done(wake):
                return None
            inputs = self.sleep(self._timeout(wake))
            self.wakes += 1
            status = self.handle(inputs)
            if status is not None:
                return status

    def _timeout(self, wake: float | None) -> float:
        """Real seconds until the next thing due: the kiosk's (on its clock), or sooner."""
        clock = self.clock
        timeout = IDLE_LOOK_S if wake is None else (wake - clock.now()) / clock.speed
        soon = earliest([self.soon(), *self._ping()])
        if soon is not None:
            timeout = min(timeout, soon - time.monotonic())
        return max(0.0, timeout)

    def _ping(self) -> list[float | None]:
        every = self.notifier.ping_every
        return [time.monotonic() + every] if every is not None else []
