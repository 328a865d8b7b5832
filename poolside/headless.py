"""``poolside run --headless``: the engine with no window, GPIO or audio.

Used by scripts, tests and demos: it sleeps until the engine's next deadline
(scaled by ``--speed``), hands every event to ``emit`` as it falls due, and
returns when the program finishes or is stopped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import IO

from poolside.core.clock import Clock
from poolside.core.engine import Event, Session, State
from poolside.core.timefmt import clock_text


def run_headless(
    session: Session,
    clock: Clock,
    emit: Callable[[Event], None],
    sleep: Callable[[float], None] = time.sleep,
) -> State:
    """Start ``session`` and drive it to the end; Ctrl-C stops it cleanly."""
    session.start(clock.now())
    try:
        while True:
            for event in session.poll(clock.now()):
                emit(event)
            deadline = session.next_deadline()
            if deadline is None:
                return session.state(clock.now())
            wait = (deadline - clock.now()) / clock.speed
            if wait > 0:
                sleep(wait)
    except KeyboardInterrupt:
        session.stop(clock.now())
        for event in session.poll(clock.now()):
            emit(event)
        return session.state(clock.now())


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
        if event.type == "phase" and phase is not None:
            where = f"  block {phase.block} · {phase.round}/{phase.rounds}" if phase.block else ""
            move = f"  {phase.move}" if phase.move else ""
            stream.write(
                f"{clock_text(phase.start_s):>6}  {phase.label:<10} "
                f"{clock_text(phase.duration_s):>5}{move}{where}\n"
            )
        elif event.type in ("finish", "stop"):
            done = clock_text(event.completed_s or 0)
            word = "finished" if event.type == "finish" else "stopped"
            stream.write(f"{clock_text(event.at_s):>6}  {word}: {done} done\n")
        stream.flush()

    return emit
