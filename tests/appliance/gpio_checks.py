"""A class run from GPIO lines: the deck's buttons pulled on a gpio-sim chip, the
buzzer and light read back from the kernel, with gpiozero's real default pin
factory (lgpio) inside the kiosk's own unit and sandbox.

The guest side is ``gpio_guest.py``: it pulls a line as a button does and
records the output lines' values with CLOCK_MONOTONIC times, the clock the
kiosk runs on, so a press and the cue it causes are timed on one clock.
Figures under QEMU's TCG are emulation's, not a Pi's.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from poolside.core.cues import PATTERNS

from .vm import Guest

GUEST_SCRIPT = Path(__file__).with_name("gpio_guest.py")
START, NEXT, STOP, BUZZER, LIGHT = 17, 27, 22, 18, 23  # config.example.yaml; light: image.py
LOG = "/root/gpio-lines.log"
TOLERANCE_S = 0.1  # a tone's length as read back, under emulation (2 ms looks)
TAP_S = 0.15  # a short press: NEXT acts on its release
# The lamp lights with the buzzer: their onsets this close. Inside the window in
# which a flash and a beep are seen and heard as one (about 100 ms); under emulation
# the interpreter can pass to the drawing thread between the two writes (median
# 1 ms; 11.7 ms seen on Debian 13 alone, 29.9 ms with the host's two cores also
# running a test suite).
TOGETHER_MS = 50
CUE_WITHIN_S = 5  # a NEXT's cue begins this soon after the release (1.1-1.9 s seen)
QUIET_S = 1.0  # the buzzer this long low: the last cue has played out
STOP_HELD_S = 2.5  # STOP is held this long to end a class


HANDS = "chrt -f 50 python3 /root/gpio_guest.py"  # SCHED_FIFO: on time, whatever the kiosk does


def _hand(guest: Guest, verb: str, *args: object) -> float:
    _, out = guest.sh(f"{HANDS} {verb} {' '.join(map(str, args))}", 60)
    try:
        return float(out.split()[-1])
    except (ValueError, IndexError):
        return float("nan")


def _played_out(guest: Guest) -> None:
    """Until the buzzer has been low for QUIET_S, as the recorder saw it: the next
    press comes after the last cue, however slow emulation is that minute."""
    guest.sh(f"python3 /root/gpio_guest.py quiet {LOG} {BUZZER} {QUIET_S}", 90)


def gpio_class(guest: Guest, results) -> None:
    guest.write_file("/root/gpio_guest.py", GUEST_SCRIPT.read_text())
    guest.sh("systemctl restart poolside.service")
    guest.wait_unit("poolside.service", lambda s: s.get("ActiveState") == "active", 300)
    # The recorder runs SCHED_FIFO, above the kiosk: under emulation the kiosk's
    # frames keep both CPUs busy, and a starved recorder would see edges late.
    guest.sh(f"rm -f {LOG} {LOG}.stop; ({HANDS} record {LOG} "
             f"{BUZZER} {LIGHT} </dev/null >/dev/null 2>&1 &)")  # fmt: skip
    steps: list[tuple[str, bool]] = []

    def step(name: str, prefix: str, act: Callable[[], float]) -> float:
        cursor = guest.cursor()
        at = act()
        lines = guest.wait_screen(cursor, prefix)
        steps.append((name, any(line.startswith(prefix) for line in lines)))
        return at

    step("START: check-in", "checkin", lambda: _hand(guest, "press", START))
    step("START held: begin", "running: RAMP-IN", lambda: _hand(guest, "press", START, 1.6))
    step("START: pause", "paused", lambda: _hand(guest, "press", START))
    step("START: go on", "running", lambda: _hand(guest, "press", START))
    releases = []  # NEXT acts on release: its cue is timed from there
    for _ in range(6):
        releases.append(step("NEXT", "running", lambda: _hand(guest, "press", NEXT, TAP_S)) + TAP_S)
        _played_out(guest)
    cursor = guest.cursor()
    _hand(guest, "chord", START, NEXT)
    time.sleep(3)
    after_chord = guest.screens_after(cursor)
    steps.append(("START+NEXT together: neither pause nor skip", after_chord == []))
    stop_at = step(
        "STOP held 2.5 s: stop", "finished", lambda: _hand(guest, "press", STOP, STOP_HELD_S)
    )
    _played_out(guest)
    cursor = guest.cursor()
    for _ in range(4):  # START past the questions after a class, to the check-in
        _hand(guest, "press", START)
        if any(line.startswith("checkin") for line in guest.wait_screen(cursor, "checkin", 10)):
            break
    steps.append(("START: home", any(s.startswith("checkin") for s in guest.screens_after(cursor))))
    # A chattering START is one press: the person shown checked in or out once.
    cursor = guest.cursor()
    _, out = guest.sh(f"{HANDS} bounce {START}", 60)
    spans = [float(n) * 1000 for n in out.split()[:2] if n.replace(".", "", 1).isdigit()]
    guest.wait_screen(cursor, "checkin")
    time.sleep(3)
    bounced = guest.screens_after(cursor)
    results.record(
        "gpio-bounce",
        len(bounced) == 1 and bounced[0].startswith("checkin") and max(spans, default=99) <= 5,
        f"START chattering on the check-in (9 edges, then 0.2 s later 5 more; bursts "
        f"{' and '.join(f'{ms:.1f}' for ms in spans)} ms long, at most 5 for the check to "
        f"stand): screens after it {bounced}",
    )
    guest.sh(f"touch {LOG}.stop")
    time.sleep(1)
    _, log = guest.sh(f"cat {LOG}", quiet=True)
    changes = _changes(log)
    failed = [name for name, ok in steps if not ok]
    results.record(
        "gpio-class",
        not failed,
        f"by lines pulled on gpio-sim: {', '.join(name for name, _ in steps)}; "
        f"failed: {failed or 'none'}",
    )
    _cue_figures(results, changes, releases, stop_at)


def _changes(log: str) -> dict[int, list[tuple[float, int]]]:
    lines: dict[int, list[tuple[float, int]]] = {BUZZER: [], LIGHT: []}
    for row in log.splitlines():
        parts = row.split()
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) in lines:
            lines[int(parts[1])].append((float(parts[0]), int(parts[2])))
    return lines


def _tones(changes: list[tuple[float, int]]) -> list[tuple[float, float]]:
    """(onset, length) of each time the line was high."""
    tones, since = [], None
    for at, value in changes:
        if value and since is None:
            since = at
        elif not value and since is not None:
            tones.append((since, at - since))
            since = None
    return tones


def _cues(tones: list[tuple[float, float]], gap: float = 0.12) -> list[list[tuple[float, float]]]:
    """Tones grouped into cues: a silence longer than ``gap`` ends a cue."""
    cues: list[list[tuple[float, float]]] = []
    for onset, length in tones:
        if cues and onset - (cues[-1][-1][0] + cues[-1][-1][1]) <= gap:
            cues[-1].append((onset, length))
        else:
            cues.append([(onset, length)])
    return cues


def _off(cue: list[tuple[float, float]], name: str) -> float | None:
    """How far the cue's sounding lengths are from pattern ``name``'s (summed), or
    None where a tone is missing, extra, or more than TOLERANCE_S off."""
    lengths = [length for _, length in cue]
    wanted = [tone.seconds for tone in PATTERNS[name] if tone.hz]
    if len(wanted) != len(lengths):
        return None
    off = [abs(a - b) for a, b in zip(wanted, lengths, strict=True)]
    return sum(off) if max(off) <= TOLERANCE_S else None


def _fits(cue: list[tuple[float, float]], *names: str) -> bool:
    """Whether the cue is one of these patterns, within TOLERANCE_S."""
    return any(_off(cue, name) is not None for name in names)


def _named(cue: list[tuple[float, float]]) -> str | None:
    """The pattern the cue is nearest, within TOLERANCE_S ("phase", 0.5 s, and
    "stop", 0.6 s, are one tone each, 0.1 s apart: a name to read, while the
    checks ask whether the cue fits the patterns expected where it sounds)."""
    fits = [(off, name) for name in PATTERNS if (off := _off(cue, name)) is not None]
    return min(fits)[1] if fits else None


def _cue_figures(results, changes: dict, releases: list[float], stop_at: float) -> None:
    buzzer, light = _tones(changes[BUZZER]), _tones(changes[LIGHT])
    cues = _cues(buzzer)
    names = [_named(cue) for cue in cues]
    unknown = [
        [round(length, 3) for _, length in cue]
        for cue, name in zip(cues, names, strict=True)
        if name is None
    ]
    # NEXT: the cue of the phase it moves to (the first after the release: each press
    # waited for the last cue to play out), its onset timed from the release.
    latencies, after_next = [], []
    for release in releases:
        cue = next((cue for cue in cues if cue[0][0] >= release), None)
        if cue is not None and cue[0][0] - release < CUE_WITHIN_S:
            latencies.append((cue[0][0] - release) * 1000)
            after_next.append(cue)
    phase_starts = ("work", "rest", "phase", "block_end")
    # STOP acts once held STOP_HELD_S: its cue begins within CUE_WITHIN_S of that.
    after_stop = [cue for cue in cues if 0 <= cue[0][0] - stop_at < STOP_HELD_S + CUE_WITHIN_S]
    stop_cue = [(_named(cue), [round(length, 3) for _, length in cue]) for cue in after_stop]
    figures = _spread(latencies)
    results.record(
        "gpio-cues",
        bool(cues)
        and not unknown
        and len(latencies) == len(releases)
        and all(_fits(cue, *phase_starts) for cue in after_next)
        and any(_fits(cue, "stop") for cue in after_stop),
        f"{len(cues)} cues on the buzzer line, as played: {names}; not a known pattern: "
        f"{unknown or 'none'}; NEXT released to the cue's onset, ms: {figures}; "
        f"after STOP (name, lengths): {stop_cue}",
    )
    # The flash lamp lights with the buzzer: every tone's onset on both lines.
    skews = []
    for onset, _ in buzzer:
        nearest = min((abs(lit - onset) for lit, _ in light), default=None)
        if nearest is not None:
            skews.append(nearest * 1000)
    results.record(
        "gpio-light",
        bool(buzzer) and len(light) == len(buzzer) and max(skews, default=99) <= TOGETHER_MS,
        f"{len(buzzer)} buzzer tones, {len(light)} light flashes; onset apart, ms: "
        f"{_spread(skews)}",
    )


def _spread(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered):.1f}, p99 {p99:.1f}, max {ordered[-1]:.1f} "
        f"(n={len(ordered)})"
    )


def gpio_doctor(guest: Guest, results) -> None:
    """doctor while the kiosk holds the lines: the factory the service got, its lines
    as the kernel sees them, and no lgpio files left where doctor was run."""
    guest.sh("mkdir -p /root/doctor-here")
    status, out = guest.sh(
        "cd /root/doctor-here && sudo /opt/poolside/venv/bin/poolside doctor --non-interactive",
        300,
    )
    gpio = re.findall(r"^(\S+) +GPIO(?: lines)?: (.*)$", out, re.M)
    _, left = guest.sh("ls -A /root/doctor-here; find / -xdev -name '.lgd-nfy*' 2>/dev/null")
    results.record(
        "gpio-doctor",
        status == 0
        and any(s == "OK" and "LGPIOFactory on /dev/gpiochip0" in d for s, d in gpio)
        and any(s == "OK" and d.startswith("all 5 held") for s, d in gpio)
        and not left.strip(),
        f"exit {status}; {gpio}; lgpio files outside the kiosk's runtime folder: "
        f"{left.split() or 'none'}",
    )
