r"""The protocol as delivered: how much of a run's work was done, skipped, gone back to.

A study reports the dose people received, not only the dose prescribed (CERT
items 12-16): the session records carry, besides the time done, how many work
phases ran to their end, how many the instructor skipped with NEXT, how many
were gone back to with BACK, and how long the class stood paused. This
module counts them from the engine's events, which is all it needs; the
attendance observer adds each count to the records of the people in the
water at that moment, so a late arrival or an early leaver gets their own.

    >>> from poolside.core.engine import Session
    >>> from poolside.core.program import parse_program
    >>> work = b"{kind: work, duration: 30}, {kind: rest, duration: 30}"
    >>> session = Session(parse_program(b"name: d\nphases: [" + work + b", " + work + b"]"), 0)
    >>> tally = Tally()
    >>> session.start(0.0)
    >>> tally.observe(session.poll(0.0), 0.0)  # the first work phase begins
    {}
    >>> tally.observe(session.poll(30.0), 30.0)  # ran to its end: the rest begins
    {'work_done': 1}
    >>> session.pause(40.0); tally.observe(session.poll(40.0), 40.0)
    {}
    >>> session.resume(100.0); tally.observe(session.poll(100.0), 100.0)
    {'paused_s': 60.0}
    >>> session.skip(100.0); tally.observe(session.poll(100.0), 100.0)  # from the rest
    {}
    >>> session.skip(105.0); tally.observe(session.poll(105.0), 105.0)  # from the work
    {'work_skipped': 1}
"""

from __future__ import annotations

from collections.abc import Iterable

from poolside.core.engine import Event, EventType
from poolside.core.program import Phase

DELIVERY_FIELDS = ("work_done", "work_skipped", "work_repeated", "paused_s")


class Tally:
    """Counts for one run. :meth:`observe` returns what the events just added."""

    def __init__(self) -> None:
        self._in: Phase | None = None  # the phase entered in order (not by a jump)
        self._paused_at: float | None = None

    def observe(self, events: Iterable[Event], now: float) -> dict[str, float]:
        added: dict[str, float] = {}

        def add(field: str, amount: float = 1) -> None:
            added[field] = added.get(field, 0) + amount

        for event in events:
            if event.type in (EventType.PHASE, EventType.FINISH):
                if self._ran_work():
                    add("work_done")  # the phase before it ran to its end
                self._in = event.phase
            elif event.type == EventType.SKIP:
                if self._ran_work():
                    add("work_skipped")
                self._in = None  # the phase jumped to is entered by its own PHASE event
            elif event.type == EventType.BACK:
                if event.phase is not None and event.phase.kind == "work":
                    add("work_repeated")
                self._in = None
            elif event.type == EventType.PAUSE:
                self._paused_at = now
            elif event.type in (EventType.RESUME, EventType.STOP):
                if self._paused_at is not None:
                    add("paused_s", round(now - self._paused_at, 1))
                self._paused_at = None
                if event.type == EventType.STOP:
                    self._in = None  # a work phase cut off by STOP was not done
        return added

    def _ran_work(self) -> bool:
        return self._in is not None and self._in.kind == "work"
