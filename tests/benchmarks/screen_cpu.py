"""Benchmark: CPU and wake-ups of the real kiosk loop against a naive 60 fps loop.

    python -m tests.benchmarks.screen_cpu --seconds 30 --size 1920x1080 --state running

Ours is ``run_screen`` itself, in this process, with the SDL dummy display
and gpiozero's mock pins: the loop a Pi runs, sleeping in
:class:`~poolside.devices.wakeup.Waker` until the next deadline or input
and redrawing only a changed view. A thread measures the loop's own thread
from ``/proc`` (CPU time and voluntary context switches: each is one
wake-up) over ``--seconds`` once the state is reached, then ends it with
SIGTERM, as systemd would. The naive loop, in the same session and size,
is how most pygame timers are written: redraw every frame with
``clock.tick(60)``. These machines are shared and noisy: compare ratios.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
from datetime import date
from pathlib import Path

import poolside  # noqa: F401  (quiets pygame's banner)

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("GPIOZERO_PIN_FACTORY", "mock")
import pygame
from gpiozero import Device

import poolside.kiosk.window as app
from poolside.config import Config, Sound
from poolside.core.engine import Session
from poolside.core.view import Context, build_view
from poolside.devices.screen import Renderer
from poolside.selection import choose_program

STATES = ("running", "paused", "idle")
GET_READY_S = 3.0
START_PIN = 17
TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def thread_counters(tid: int) -> tuple[float, int]:
    """(CPU seconds, voluntary context switches) of one thread of this process."""
    task = Path(f"/proc/self/task/{tid}")
    fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) * TICK_S  # utime, stime
    status = (task / "status").read_text()
    switches = int(status.split("voluntary_ctxt_switches:")[1].split()[0])
    return cpu, switches


def _press_start() -> None:
    pin = Device.pin_factory.pin(START_PIN)
    pin.drive_low()
    time.sleep(0.08)  # a short press acts on release
    pin.drive_high()


def ours(seconds: float, size: tuple[int, int], state: str = "running") -> dict[str, float]:
    """The real loop in ``state``: a class running, paused, or the home screen (idle)."""
    config = Config(sound=Sound(speaker=False))
    choice = choose_program("jump-and-hop-20", config, date.today())
    args = app.WindowOptions(windowed=True, size=size, start=state != "idle")
    loop_tid, result = threading.get_native_id(), {}

    def measure() -> None:
        time.sleep(GET_READY_S + 1.0 if state != "idle" else 1.0)  # into the state
        if state == "paused":
            _press_start()
            time.sleep(1.0)
        cpu0, woke0 = thread_counters(loop_tid)
        time.sleep(seconds)
        cpu1, woke1 = thread_counters(loop_tid)
        result.update(
            cpu_s_per_min=(cpu1 - cpu0) / seconds * 60, wakeups_per_s=(woke1 - woke0) / seconds
        )
        os.kill(os.getpid(), signal.SIGTERM)

    meter = threading.Thread(target=measure)
    meter.start()
    app.run_screen(args, config, choice, GET_READY_S)
    meter.join()
    return result


def naive(seconds: float, size: tuple[int, int], state: str = "running") -> dict[str, float]:
    """Redraw everything every frame at 60 fps: the usual pygame timer."""
    pygame.display.init()
    surface = pygame.display.set_mode(size)
    choice = choose_program("jump-and-hop-20", Config(), date.today())
    renderer = Renderer()
    session = Session(choice.program, get_ready_s=GET_READY_S)
    ticker = pygame.time.Clock()
    if state != "idle":
        session.start(time.monotonic())
    if state == "paused":
        session.pause(time.monotonic())
    tid = threading.get_native_id()
    (cpu0, woke0), end = thread_counters(tid), time.monotonic() + seconds
    while time.monotonic() < end:
        pygame.event.get()
        now = time.monotonic()
        session.poll(now)
        renderer.draw(surface, build_view(session, now, Context()))
        pygame.display.flip()
        ticker.tick(60)
    cpu1, woke1 = thread_counters(tid)
    pygame.display.quit()
    return {
        "cpu_s_per_min": (cpu1 - cpu0) / seconds * 60,
        "wakeups_per_s": (woke1 - woke0) / seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--state", choices=STATES, default="running")
    args = parser.parse_args()
    size = tuple(int(p) for p in args.size.split("x"))
    a = ours(args.seconds, size, args.state)  # type: ignore[arg-type]
    b = naive(args.seconds, size, args.state)  # type: ignore[arg-type]
    print(f"screen {args.size}, {args.state}, {args.seconds:.0f} s of real time each")
    print(f"  ours : {a['cpu_s_per_min']:.2f} CPU s/min, {a['wakeups_per_s']:.1f} wake-ups/s")
    print(f"  naive: {b['cpu_s_per_min']:.2f} CPU s/min, {b['wakeups_per_s']:.1f} wake-ups/s")
    print(f"  ratio: ours uses {a['cpu_s_per_min'] / b['cpu_s_per_min']:.3f} of the naive CPU")


if __name__ == "__main__":
    main()
