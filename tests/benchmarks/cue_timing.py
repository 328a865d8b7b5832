"""Benchmark: how late the buzzer pin changes after each engine deadline.

Runs a program of short phases in real time through the kiosk's own loop
pieces (engine, view, off-screen drawing, cue player) with gpiozero's mock
buzzer pin, and compares the time each cue's pin change happened with the
deadline of the event that caused it:

    python -m tests.benchmarks.cue_timing --seconds 30

The baseline, in the same run, is a loop that counts sleep(1) ticks, the way
many open-source timers keep time: its drift is what ours avoids.
"""

from __future__ import annotations

import argparse
import statistics
import time

import pygame
from gpiozero.pins.mock import MockFactory

import poolside  # noqa: F401  (quiets pygame's banner)
from poolside.app import Kiosk
from poolside.config import Buzzer
from poolside.core.cues import cue_name
from poolside.core.program import parse_program
from poolside.devices.screen import Renderer
from poolside.devices.sound import CuePlayer, open_buzzer
from poolside.selection import Choice

PROGRAM = b"""name: bench
phases:
  - block: B
    repeat: 100
    phases:
      - kind: work
        duration: 5
      - kind: rest
        duration: 3
"""


def ours(seconds: float) -> list[float]:
    factory = MockFactory()
    player = CuePlayer(open_buzzer(Buzzer(pin=18), factory), None)
    lateness: list[float] = []
    surface = pygame.Surface((1280, 720))
    deadline_box: list[float] = []

    def cue(events, session, now) -> None:
        if cue_name(events):
            player.play(cue_name(events))  # type: ignore[arg-type]
            lateness.append(time.monotonic() - deadline_box[-1])

    kiosk = Kiosk(lambda: surface, Renderer(), Choice(parse_program(PROGRAM)), 3, observers=[cue])
    kiosk.act("toggle", time.monotonic())
    end = time.monotonic() + seconds
    wake = time.monotonic()
    while time.monotonic() < end:
        deadline_box.append(wake)
        wake = kiosk.tick(time.monotonic()) or time.monotonic() + 1
        player.update()
        soon = min(x for x in (wake, player.next_deadline()) if x is not None)
        time.sleep(max(0.0, soon - time.monotonic()))
    return lateness


def tick_counting(seconds: int) -> float:
    """Drift of a sleep(1) loop over ``seconds`` ticks, with a little work each tick."""
    start = time.monotonic()
    surface = pygame.Surface((1280, 720))
    renderer = Renderer()
    from poolside.core.view import View

    for tick in range(seconds):
        renderer.draw(surface, View(screen="running", word="JUMP", big=str(tick)))
        time.sleep(1)
    return time.monotonic() - start - seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    pygame.font.init()
    late = sorted(ours(args.seconds))
    drift = tick_counting(args.seconds)
    p99 = late[min(len(late) - 1, int(len(late) * 0.99))]
    print(f"{len(late)} cues in {args.seconds} s of real time")
    print(
        f"  ours: buzzer pin change after the deadline: median "
        f"{statistics.median(late) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms, "
        f"max {late[-1] * 1000:.2f} ms"
    )
    print(
        f"  baseline sleep(1) tick counting: {drift * 1000:.1f} ms behind after "
        f"{args.seconds} ticks ({drift / args.seconds * 1200 * 1000:.0f} ms over 20 minutes)"
    )


if __name__ == "__main__":
    main()
