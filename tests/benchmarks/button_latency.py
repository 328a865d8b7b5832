"""Benchmark: from a button released to the frame that shows its effect.

    python -m tests.benchmarks.button_latency --presses 30

The real kiosk loop (``run_screen``) runs in this process with the SDL dummy
display and gpiozero's mock pins; another thread presses START (down, then
up 80 ms later: a short press acts on release) every 0.5 s, which toggles
home, get-ready, paused, running ... Each press is timed from the release
to the end of the first frame drawn after it.

Baseline, in the same session: the loop most pygame timers use, polling
events once a frame with ``clock.tick(60)`` and redrawing every frame.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import threading
import time
from datetime import date
from typing import ClassVar

import poolside  # noqa: F401  (quiets pygame's banner)

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("GPIOZERO_PIN_FACTORY", "mock")
import pygame
from gpiozero import Device

import poolside.kiosk.window as app
from poolside.config import Config, Sound
from poolside.core.view import Context, build_view
from poolside.devices.screen import Renderer
from poolside.selection import choose_program

START_PIN = 17
HOLD_S = 0.08


class _Timed(Renderer):
    frames: ClassVar[list[float]] = []  # the kiosk makes its own renderer: times go here

    def draw(self, surface, view) -> None:
        super().draw(surface, view)
        _Timed.frames.append(time.monotonic())


def _press_every(gap_s: float, presses: int, released: list[float], done) -> None:
    time.sleep(1.0)  # the kiosk is up
    pin = Device.pin_factory.pin(START_PIN)
    for _ in range(presses):
        pin.drive_low()
        time.sleep(HOLD_S)
        released.append(time.monotonic())
        pin.drive_high()
        time.sleep(gap_s)
    done()


def _latencies(released: list[float], frames: list[float]) -> list[float]:
    return [min((f for f in frames if f >= r), default=float("nan")) - r for r in released]


def ours(presses: int) -> list[float]:
    _Timed.frames = []
    released: list[float] = []
    args = app.WindowOptions(windowed=True, size=(800, 480))
    config = Config(sound=Sound(speaker=False))
    choice = choose_program("jump-and-hop-20", config, date.today())
    app.Renderer = _Timed  # type: ignore[misc]  (the kiosk draws with the timed renderer)
    stop = lambda: os.kill(os.getpid(), signal.SIGTERM)  # noqa: E731
    presser = threading.Thread(target=_press_every, args=(0.5, presses, released, stop))
    presser.start()
    app.run_screen(args, config, choice, 10)
    presser.join()
    return _latencies(released, _Timed.frames)


def naive(presses: int) -> list[float]:
    from poolside.devices.buttons import GpioButtons, classifiers

    pygame.display.init()
    surface = pygame.display.set_mode((800, 480))
    config = Config()
    choice = choose_program("jump-and-hop-20", config, date.today())
    from poolside.core.engine import Session

    session = Session(choice.program, 10)
    classify = classifiers(config.buttons)
    edges: list[tuple[str, bool, float]] = []
    buttons = GpioButtons(config.buttons, lambda *edge: edges.append(edge))
    renderer, ticker, frames, released = Renderer(), pygame.time.Clock(), [], []
    finished = threading.Event()
    presser = threading.Thread(target=_press_every, args=(0.5, presses, released, finished.set))
    presser.start()
    while not finished.is_set():
        pygame.event.get()
        while edges:
            role, pressed, when = edges.pop(0)
            if classify[role].edge(pressed, when) == "toggle":
                session.toggle(time.monotonic())
        now = time.monotonic()
        session.poll(now)
        renderer.draw(surface, build_view(session, now, Context()))
        frames.append(time.monotonic())
        ticker.tick(60)
    presser.join()
    buttons.close()
    pygame.display.quit()
    return _latencies(released, frames)


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(v for v in values if v == v)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=30)
    args = parser.parse_args()
    a, b = summary(ours(args.presses)), summary(naive(args.presses))
    print(
        f"button to screen, ours: median {a['median_ms']:.1f} ms, p99 {a['p99_ms']:.1f} ms, "
        f"max {a['max_ms']:.1f} ms"
    )
    print(
        f"           naive 60 fps: median {b['median_ms']:.1f} ms, p99 {b['p99_ms']:.1f} ms, "
        f"max {b['max_ms']:.1f} ms"
    )


if __name__ == "__main__":
    main()
