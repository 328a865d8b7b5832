"""The leader Pi's second HDMI output, in the booted guest: two heads, pixels from both.

The guest's virtio GPU has two outputs on one card, as a Pi 4 or 5 has two
HDMI connectors on vc4's one card; the second reads as disconnected unless
a screen is plugged in. After the other checks the appliance's disk boots
again with a screen on each (the second forced on from the kernel's
command line, as a monitor's hot-plug line would say), as a leader Pi
starts with two screens. The kiosk must open a window on each display
(poolside/devices/outputs.py) and read each frame back, as its own, before
READY. The check reads both heads as QEMU shows them (``screendump
head=N``, not the kiosk's word) on the home screen, the ramp-in and the
phase after NEXT: both must show the same screen, changing together.

A second screen forced on while the system runs (the connector's
``status`` file) was tried first, and is not a stand-in for one plugged in
at boot: Linux 6.1 sends no hot-plug event for it, so the console never
takes the connector, and SDL, which gives a display the first CRTC its
encoder may use without asking whether another display has it, put both
windows on the first CRTC.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from . import checks
from .checks import BEGIN_HOLD_MS, BLACK, KINDS, WHITE, Results, _settled
from .vm import Guest, Picture

CONNECTOR = "/sys/class/drm/card0-Virtual-2"
# A second screen on the second output, plugged in at boot: forced on by the kernel's
# command line, as a monitor's hot-plug line and EDID would say (vm.py has no EDID).
SECOND_SCREEN = "video=Virtual-2:1024x768e"


def two_outputs(
    disk: Path,
    kernel: Path,
    initrd: Path | None,
    arch: str,
    run: Path,
    results: Results,
    transcript: Callable[[str], None],
) -> None:
    """Boot the appliance's disk again with a screen on each output, and read both."""
    run.mkdir(parents=True, exist_ok=True)
    guest = Guest(run, transcript)
    try:
        guest.boot(disk, kernel, initrd, arch, append=SECOND_SCREEN)
        if not guest.wait_for_shell(900):
            results.record("two-outputs-ready", False, "no shell after booting with two screens")
            return
        guest.sh("dmesg -n 1")
        _on_two_screens(guest, results, run)
        guest.sh("systemctl poweroff", timeout=30, quiet=True)
        if guest.proc is not None:
            guest.proc.wait(120)
    finally:
        guest.quit()


def _on_two_screens(guest: Guest, results: Results, out: Path) -> None:
    _, plugged = guest.sh(f"cat {CONNECTOR}/status")
    state = guest.wait_unit("poolside.service", _settled, 600)
    _, log = guest.sh(
        "journalctl -b -u poolside.service -o cat --no-pager "
        "| grep -E 'poolside: (video driver|screen check)'",
        quiet=True,
    )
    driver = re.search(r"video driver (\S+), ([^;]+);", log)
    shown = re.search(r"screen check: (.*)", log)
    home = _heads(guest, out, "home")
    results.record(
        "two-outputs-ready",
        plugged.strip() == "connected"
        and state.get("ActiveState") == "active"
        and int(state.get("NRestarts") or 0) == 0
        and driver is not None
        and driver[2].endswith("(2 outputs)")
        and shown is not None
        and shown[1].startswith("the first frame is on the screen")
        and all(_home_like(head) for head in home),
        f"second connector {plugged.strip()!r}; kiosk {state.get('ActiveState')}, restarts "
        f"{state.get('NRestarts')}, {driver[0] if driver else 'no video driver line'}; screen "
        f"check: {shown[1] if shown else 'none logged'}; read from QEMU: head 0 "
        f"{_size(home[0])} black {home[0].share(BLACK):.0%} white {home[0].share(WHITE):.0%}, "
        f"head 1 {_size(home[1])} black {home[1].share(BLACK):.0%} white "
        f"{home[1].share(WHITE):.0%}",
    )
    seen = []
    cursor = guest.cursor()
    guest.key("spc")  # check in the first person on the roll
    guest.wait_screen(cursor, "checkin")
    guest.key("spc", hold_ms=BEGIN_HOLD_MS)  # held: begin
    lines = guest.wait_screen(cursor, "running", 180)
    for step in range(2):
        running = [line for line in lines if line.startswith("running: ")]
        word = running[-1].split(": ", 1)[1] if running else "?"
        heads = _heads(guest, out, f"phase-{step}")
        seen.append((word, *(_kind_of(head) for head in heads)))
        if step == 0:
            guest.key("n")  # NEXT: both screens on to the next phase
            lines = _wait_running(guest, cursor, len(running) + 1, 120)
    guest.key("s")  # STOP
    guest.wait_screen(cursor, "finished", 60)
    guest.sh("systemctl stop poolside.service", quiet=True)  # it logs its outputs' spread
    _, spread = guest.sh(
        "journalctl -b -u poolside.service -o cat --no-pager | grep -F 'outputs: the last' "
        "| tail -n 1",
        quiet=True,
    )
    results.record(
        "two-outputs-change-phase",
        len(seen) == 2
        and all(kind is not None and kind == other for _, kind, other in seen)
        and seen[0][1] != seen[1][1],
        "; ".join(f"{word}: head 0 {kind}, head 1 {other}" for word, kind, other in seen)
        + f"; {spread.strip().removeprefix('poolside: ') or 'no spread logged'}",
    )


def _seen(picture: Picture) -> dict:
    """A head's picture as the other checks' judges take a frame: the share of each
    colour they look for."""
    colours = (BLACK, WHITE, *KINDS.values())
    return {"colours": [[list(colour), picture.share(colour)] for colour in colours]}


def _home_like(picture: Picture) -> bool:
    return checks._home_like(_seen(picture))


def _kind_of(picture: Picture) -> str | None:
    """The phase kind whose background fills most of the picture, with text in it."""
    seen = _seen(picture)
    return next((kind for kind in KINDS if checks._phase(kind)(seen)), None)


def _heads(guest: Guest, out: Path, name: str) -> tuple[Picture, Picture]:
    return guest.screen(out / f"{name}-head0.ppm", 0), guest.screen(out / f"{name}-head1.ppm", 1)


def _size(picture: Picture) -> str:
    return f"{picture.width}x{picture.height}"


def _wait_running(guest: Guest, cursor: int, count: int, timeout: float) -> list[str]:
    """Screen lines after ``cursor`` once ``count`` phases have been logged running."""
    deadline = time.monotonic() + timeout
    while True:
        lines = guest.screens_after(cursor)
        if sum(line.startswith("running: ") for line in lines) >= count:
            return lines
        if time.monotonic() > deadline:
            return lines
        time.sleep(1)
