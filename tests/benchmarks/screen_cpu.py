"""Benchmark: CPU per minute of the kiosk loop against a naive 60 fps loop.

Runs in real time, both loops in this one process at the same size, so the
figure that matters is the ratio (these machines are shared and noisy):

    python -m tests.benchmarks.screen_cpu --seconds 30 --size 1920x1080 --state running

Ours sleeps until the next deadline or visible change and redraws only a
changed view. The naive loop is how most pygame timers are written: redraw
everything every frame with ``clock.tick(60)``. Also reported: the delay
from each deadline our loop woke for to the end of the frame drawn for it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date

import poolside  # noqa: F401  (quiets pygame's banner)

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
import pygame

from poolside.app import Kiosk
from poolside.config import Config
from poolside.core.clock import MonotonicClock
from poolside.core.engine import Session
from poolside.core.view import Context, build_view
from poolside.devices.screen import Renderer
from poolside.selection import choose_program

STATES = ("running", "paused", "idle")


def ours(seconds: float, size: tuple[int, int], state: str = "running") -> dict[str, float]:
    """Our loop in ``state``: a class running, paused, or the home screen (idle)."""
    choice = choose_program("jump-and-hop-20", Config(), date.today())
    surface = pygame.Surface(size)
    kiosk = Kiosk(lambda: surface, Renderer(), choice, get_ready_s=3)
    clock = MonotonicClock()
    if state != "idle":
        kiosk.act("toggle", clock.now())
    if state == "paused":
        kiosk.tick(clock.now())
        kiosk.act("toggle", clock.now())
    delays: list[float] = []
    cpu0, end = time.process_time(), clock.now() + seconds
    wake: float | None = None
    while clock.now() < end:
        frames = kiosk.frames
        next_wake = kiosk.tick(clock.now())
        if wake is not None and kiosk.frames > frames:
            delays.append(clock.now() - wake)
        wake = next_wake
        if wake is not None and wake > clock.now():
            time.sleep(wake - clock.now())
    cpu = time.process_time() - cpu0
    return {
        "cpu_s_per_min": cpu / seconds * 60,
        "frames": kiosk.frames,
        "delay_median_ms": statistics.median(delays) * 1000 if delays else 0.0,
        "delay_max_ms": max(delays) * 1000 if delays else 0.0,
    }


def naive(seconds: float, size: tuple[int, int], state: str = "running") -> dict[str, float]:
    choice = choose_program("jump-and-hop-20", Config(), date.today())
    surface = pygame.Surface(size)
    renderer = Renderer()
    session = Session(choice.program, get_ready_s=3)
    ticker = pygame.time.Clock()
    if state != "idle":
        session.start(time.monotonic())
    if state == "paused":
        session.pause(time.monotonic())
    frames, cpu0, end = 0, time.process_time(), time.monotonic() + seconds
    while time.monotonic() < end:
        now = time.monotonic()
        session.poll(now)
        renderer.draw(surface, build_view(session, now, Context()))
        frames += 1
        ticker.tick(60)
    cpu = time.process_time() - cpu0
    return {"cpu_s_per_min": cpu / seconds * 60, "frames": frames}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--state", choices=STATES, default="running")
    args = parser.parse_args()
    size = tuple(int(p) for p in args.size.split("x"))
    pygame.font.init()
    a = ours(args.seconds, size, args.state)  # type: ignore[arg-type]
    b = naive(args.seconds, size, args.state)  # type: ignore[arg-type]
    print(f"screen {args.size}, {args.state}, {args.seconds:.0f} s of real time each")
    print(
        f"  ours : {a['cpu_s_per_min']:.2f} CPU s/min, {a['frames']} frames, deadline to "
        f"frame median {a['delay_median_ms']:.2f} ms, max {a['delay_max_ms']:.2f} ms"
    )
    print(f"  naive: {b['cpu_s_per_min']:.2f} CPU s/min, {b['frames']} frames (clock.tick(60))")
    print(f"  ratio: ours uses {a['cpu_s_per_min'] / b['cpu_s_per_min']:.3f} of the naive CPU")


if __name__ == "__main__":
    main()
