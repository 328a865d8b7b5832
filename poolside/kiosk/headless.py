"""``poolside run --headless``: the kiosk with no window, GPIO or audio.

The same :class:`~poolside.kiosk.state.Kiosk` draws every frame onto an off-screen
surface, so scripts, tests and benchmarks exercise the real drawing code. It
sleeps until the next wake-up (scaled by ``--speed``), hands each event to
``emit`` as it falls due, and returns when the program finishes or stops.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

import pygame

from poolside.core.actions import Action
from poolside.core.clock import Clock
from poolside.core.engine import Event, EventType, State
from poolside.core.timefmt import clock_text
from poolside.devices.screen import Renderer
from poolside.devices.theme import COLOUR, Theme
from poolside.kiosk.build import CutOff, build_kiosk
from poolside.kiosk.loop import Loop
from poolside.kiosk.state import Display, Kiosk, Observer, Surroundings, each_event
from poolside.notify import Notifier
from poolside.selection import Choice

if TYPE_CHECKING:
    from poolside.link.local import LocalLink
    from poolside.records.attendance import Attendance


def offscreen_kiosk(
    choice: Choice,
    get_ready_s: float,
    size: tuple[int, int],
    emit: Callable[[Event], None],
    theme: Theme = COLOUR,
    records: Attendance | None = None,
    cut_off: CutOff | None = None,
    now: float = 0.0,
    followers: LocalLink | None = None,
) -> Kiosk:
    """A kiosk drawing off-screen, its class begun at ``now`` (or ``cut_off``
    continued, as its decision says); each event goes to the records, then ``emit``;
    ``followers``: the link service's socket, where other screens show the class."""
    surface = pygame.Surface(size)
    observers: list[Observer] = [records] if records is not None else []
    return build_kiosk(
        Display(lambda: [surface], Renderer(theme)),
        choice,
        get_ready_s,
        records=records,
        cut_off=cut_off,
        start=True,
        now=now,
        keep_going=False,
        observers=[*observers, each_event(emit)],  # records first, then the output
        outside=Surroundings(followers=followers),
    )


def run_offscreen(
    kiosk: Kiosk,
    clock: Clock,
    sleep: Callable[[float], None] = time.sleep,
    notifier: Notifier | None = None,
) -> State | None:
    """Run the class the kiosk began to its end in the kiosk's one
    :class:`~poolside.kiosk.loop.Loop`; Ctrl-C stops it cleanly.

    Under systemd (``notifier``) it says READY after the first frame and
    pings the watchdog from the loop, like the windowed kiosk.
    """

    def nothing_comes_in(seconds: float) -> tuple[()]:
        if seconds > 0:
            sleep(seconds)
        return ()

    def ended(wake: float | None) -> bool:
        return wake is None or kiosk.state(clock.now()) in (State.FINISHED, State.STOPPED)

    loop = Loop(
        kiosk,
        clock,
        notifier or Notifier({}),
        sleep=nothing_comes_in,
        done=ended,
        first_frame=lambda: "first frame drawn",
    )
    try:
        loop.run()
    except KeyboardInterrupt:
        kiosk.act(Action.STOP, clock.now())
        kiosk.tick(clock.now())
    return kiosk.state(clock.now())


def json_lines(stream: IO[str]) -> Callable[[Event], None]:
    """One JSON object per event, flushed at once so readers see it live."""

    def emit(event: Event) -> None:
        stream.write(json.dumps(event.as_dict(), ensure_ascii=False) + "\n")
        stream.flush()

    return emit


def readable_lines(stream: IO[str]) -> Callable[[Event], None]:
    """A line per phase start and at the end, for a person watching a terminal."""

    def emit(event: Event) -> None:
        phase = event.phase
        if event.type == EventType.PHASE and phase is not None:
            where = f"  block {phase.block} · {phase.round}/{phase.rounds}" if phase.block else ""
            move = f"  {phase.move}" if phase.move else ""
            stream.write(
                f"{clock_text(phase.start_s):>6}  {phase.label:<10} "
                f"{clock_text(phase.duration_s):>5}{move}{where}\n"
            )
        elif event.type in (EventType.FINISH, EventType.STOP):
            done = clock_text(event.completed_s or 0)
            word = "finished" if event.type == EventType.FINISH else "stopped"
            stream.write(f"{clock_text(event.at_s):>6}  {word}: {done} done\n")
        stream.flush()

    return emit
