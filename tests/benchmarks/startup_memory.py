"""Benchmark: start-up time to the first frame, and memory over many classes.

    python -m tests.benchmarks.startup_memory --runs 5 --classes 50

Start-up: from starting ``poolside run --windowed`` (SDL dummy driver) to
its READY=1 on a notify socket, which it sends once the first frame is
drawn. Baseline, in the same session: a bare Python that imports pygame and
opens a window of the same size, the least any pygame kiosk can do.

Memory: one kiosk process runs ``--classes`` whole programs back to back on
a manual clock, each recording two participants into a real SQLite store
and going back home, as a Pi would over months. RSS is read after the first
class and after the last: flat means nothing accumulates.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import poolside  # noqa: F401  (quiets pygame's banner)

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("GPIOZERO_PIN_FACTORY", "mock")

BARE = "import pygame; pygame.display.init(); pygame.display.set_mode((800, 480))"


def to_ready(folder: Path) -> float:
    """Seconds from starting the kiosk to its READY=1."""
    path = folder / "notify.sock"
    path.unlink(missing_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(60)
    env = dict(os.environ, NOTIFY_SOCKET=str(path), POOLSIDE_DATA=str(folder / "data"))
    # As installed: pip compiles the package to bytecode, so the kiosk on a Pi
    # reads .pyc files; a checkout run with PYTHONDONTWRITEBYTECODE would
    # compile every module on every start (about 0.15 s here) instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "poolside", "run", "--windowed", "--size", "800x480"]
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    try:
        while not sock.recv(4096).startswith(b"READY=1"):
            pass
        return time.perf_counter() - started
    finally:
        child.terminate()
        child.wait(timeout=30)
        sock.close()


def bare_window() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE], check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def startup(runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        to_ready(Path(scratch))  # writes the bytecode and the data folder, as a first boot does
        ours = [to_ready(Path(scratch)) for _ in range(runs)]
    bare = [bare_window() for _ in range(runs)]
    return {"ours_s": statistics.median(ours), "bare_s": statistics.median(bare)}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def memory(classes: int) -> dict[str, float]:
    import pygame

    from poolside.config import Config
    from poolside.core.checkin import Person, Roll
    from poolside.core.clock import ManualClock
    from poolside.core.engine import State
    from poolside.devices.screen import Renderer
    from poolside.kiosk.build import build_kiosk
    from poolside.kiosk.state import Display
    from poolside.records.attendance import open_attendance
    from poolside.records.store import Store
    from poolside.selection import choose_program

    pygame.font.init()
    choice = choose_program("jump-and-hop-20", Config(), date.today())
    readings = []
    with tempfile.TemporaryDirectory() as scratch:
        store = Store(Path(scratch))
        roll = Roll([Person("P001", "Ann"), Person("P002", "Bo")], "class")
        records, _ = open_attendance(store, roll, choice.program.name, 1)
        surface = pygame.Surface((1280, 720))
        clock = ManualClock(0.0)
        kiosk = build_kiosk(
            Display(lambda: [surface], Renderer()),
            choice,
            10,
            observers=[records],
            roll=roll,
            records=records,
        )
        for _ in range(classes):
            kiosk.tick(clock.now())
            for code in ("P001", "P002"):
                change = roll.scan(code)
                if change is not None:
                    roll.confirm(change, records.mark(change))
            kiosk.act("hold", clock.now())
            while kiosk.state(clock.now()) is not State.FINISHED:
                wake = kiosk.tick(clock.now())
                clock.set(max(wake or clock.now() + 1, clock.now()))
            kiosk.act("toggle", clock.now())
            kiosk.tick(clock.now())
            readings.append(rss_mb())
        records_made = len(store.records())
        store.close()
    return {
        "first_mb": readings[0],
        "tenth_mb": readings[min(9, len(readings) - 1)],
        "last_mb": readings[-1],
        "classes": classes,
        "records": records_made,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--classes", type=int, default=50)
    args = parser.parse_args()
    times = startup(args.runs)
    print(
        f"start-up to first frame (READY): {times['ours_s']:.2f} s, "
        f"bare pygame window {times['bare_s']:.2f} s (median of {args.runs})"
    )
    mem = memory(args.classes)
    print(
        f"RSS after class 1: {mem['first_mb']:.1f} MB, class 10: {mem['tenth_mb']:.1f} MB, "
        f"class {mem['classes']:.0f}: "
        f"{mem['last_mb']:.1f} MB ({mem['records']:.0f} records saved)"
    )


if __name__ == "__main__":
    main()
