"""The leader Pi's second HDMI output, in the booted guest: two heads, pixels from both.

The guest's virtio GPU has two outputs on one card, as a Pi 4 or 5 has two
HDMI connectors on vc4's one card; the second reads as disconnected until
a screen is plugged in. Plugging one in is forcing its connector on through
the kernel's ``status`` file; the kiosk, restarted as a Pi's is at boot,
then opens a window on each display (poolside/devices/outputs.py) and
reads each frame back before READY. The check reads both heads as QEMU
shows them (``screendump head=N``, not the kiosk's word) on the home
screen, the ramp-in and the phase after NEXT: both must show the same
screen, changing together. Afterwards the connector is let go and the
kiosk restarted on one screen, as it was.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from .checks import BEGIN_HOLD_MS, BLACK, KINDS, WHITE, Results, _settled
from .vm import Guest, Picture

CONNECTOR = "/sys/class/drm/card0-Virtual-2"


def _restart_kiosk(guest: Guest) -> tuple[dict[str, str], str]:
    """The kiosk started afresh; its state and what it logged at this start."""
    _, before = guest.sh("journalctl -u poolside.service -o cat --no-pager | wc -l", quiet=True)
    guest.sh("systemctl reset-failed poolside.service; systemctl restart poolside.service")
    state = guest.wait_unit("poolside.service", _settled, 600)
    skip = int(before.strip() or 0)
    _, log = guest.sh(
        f"journalctl -u poolside.service -o cat --no-pager | tail -n +{skip + 1} "
        "| grep -E 'poolside: (video driver|screen check)'",
        quiet=True,
    )
    return state, log


def _home_like(picture: Picture) -> bool:
    return picture.share(BLACK) > 0.5 and picture.share(WHITE) > 0.01


def _kind_of(picture: Picture) -> str | None:
    """The phase kind whose background fills most of the picture, with text in it."""
    for kind, colour in KINDS.items():
        if 0.5 < picture.share(colour) < 0.99:
            return kind
    return None


def _heads(guest: Guest, out: Path, name: str) -> tuple[Picture, Picture]:
    return guest.screen(out / f"{name}-head0.ppm", 0), guest.screen(out / f"{name}-head1.ppm", 1)


def _size(picture: Picture) -> str:
    return f"{picture.width}x{picture.height}"


def two_outputs(guest: Guest, results: Results, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    _, plugged = guest.sh(f"echo on > {CONNECTOR}/status && cat {CONNECTOR}/status")
    state, log = _restart_kiosk(guest)
    driver = re.search(r"video driver (\S+), ([^;]+);", log)
    shown = re.search(r"screen check: (.*)", log)
    home = _heads(guest, out, "home")
    results.record(
        "two-outputs-ready",
        plugged.strip().endswith("connected")
        and state.get("ActiveState") == "active"
        and driver is not None
        and driver[2].endswith("(2 outputs)")
        and shown is not None
        and shown[1].startswith("the first frame is on the screen")
        and all(_home_like(head) for head in home),
        f"second connector: {plugged.strip()!r}; kiosk {state.get('ActiveState')}, "
        f"{driver[0] if driver else 'no video driver line'}; screen check: "
        f"{shown[1] if shown else 'none logged'}; read from QEMU: head 0 {_size(home[0])} "
        f"black {home[0].share(BLACK):.0%}, head 1 {_size(home[1])} "
        f"black {home[1].share(BLACK):.0%}",
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
            had = len(running)
            guest.key("n")  # NEXT: both screens on to the next phase
            lines = _wait_running(guest, cursor, had + 1, 120)
    guest.key("s")  # STOP
    guest.wait_screen(cursor, "finished", 60)
    guest.sh(f"echo detect > {CONNECTOR}/status", quiet=True)
    after, _ = _restart_kiosk(guest)  # stopping it logs how far apart the outputs presented
    _, spread = guest.sh(
        "journalctl -u poolside.service -o cat --no-pager | grep -F 'outputs: the last' "
        "| tail -n 1",
        quiet=True,
    )
    kinds_changed = len(seen) == 2 and seen[0][1] != seen[1][1]
    results.record(
        "two-outputs-change-phase",
        len(seen) == 2
        and all(kind is not None and kind == other for _, kind, other in seen)
        and kinds_changed
        and after.get("ActiveState") == "active",
        "; ".join(f"{word}: head 0 {kind}, head 1 {other}" for word, kind, other in seen)
        + f"; {spread.strip().removeprefix('poolside: ') or 'no spread logged'}"
        f"; back on one screen: kiosk {after.get('ActiveState')}",
    )


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
