"""The test's hands and eyes on the guest's GPIO lines (gpio-sim), run in the guest.

Standard library only, run by the guest's own Python as root. A button is
a line pulled up at rest and pulled to ground while pressed, as the deck's
buttons are wired (wiring.md); gpio-sim's ``pull`` attribute is that outside
world. An output line's ``value`` attribute is what its consumer drives, so
the buzzer and the light are read back from the kernel. Every time printed
or logged is CLOCK_MONOTONIC in seconds, the clock the kiosk runs on.

    python3 gpio_guest.py press LINE [HOLD_S]        # prints the press time
    python3 gpio_guest.py bounce LINE                # a contact that chatters: time, spans
    python3 gpio_guest.py chord LINE LINE [HOLD_S]   # two buttons at once
    python3 gpio_guest.py record LOG LINE...         # until LOG.stop exists
    python3 gpio_guest.py quiet LOG LINE SECONDS     # until LINE was low that long
"""

from __future__ import annotations

import glob
import os
import sys
import time


def _line(number: int) -> str:
    found = glob.glob(f"/sys/devices/platform/gpio-sim.*/gpiochip*/sim_gpio{number}")
    if not found:
        raise SystemExit(f"no gpio-sim line {number}")
    return found[0]


def _pull(line: str, pressed: bool) -> float:
    """Pull the line as a button would; the time the kernel was told."""
    with open(f"{line}/pull", "w") as pull:
        at = time.monotonic()
        pull.write("pull-down" if pressed else "pull-up")
    return at


def press(number: int, hold: float = 0.15) -> float:
    line = _line(number)
    at = _pull(line, True)
    time.sleep(hold)
    _pull(line, False)
    return at


def bounce(number: int) -> tuple[float, float, float]:
    """A press whose contact chatters: 9 edges ending pressed, held 0.2 s, then
    a release that chatters for 5 edges more (14 in all). The edges of a burst
    are written back to back on one open file (no sleep between: under
    emulation a write alone takes a fraction of a millisecond or more); the
    press time and each burst's span, first edge to last, are returned, so the
    check can say whether the bursts were as short as a contact's."""
    fd = os.open(f"{_line(number)}/pull", os.O_WRONLY)
    try:
        at = time.monotonic()
        for edge in range(9):
            os.pwrite(fd, b"pull-down" if edge % 2 == 0 else b"pull-up", 0)
        pressed_span = time.monotonic() - at
        time.sleep(0.2)
        released = time.monotonic()
        for edge in range(5):
            os.pwrite(fd, b"pull-down" if edge % 2 == 1 else b"pull-up", 0)
        released_span = time.monotonic() - released
    finally:
        os.close(fd)
    return at, pressed_span, released_span


def chord(first: int, second: int, hold: float = 0.2) -> float:
    a, b = _line(first), _line(second)
    at = _pull(a, True)
    _pull(b, True)
    time.sleep(hold)
    _pull(a, False)
    _pull(b, False)
    return at


def record(log: str, numbers: list[int], every: float = 0.002) -> None:
    """Each change of the lines' values, with its time, until ``log``.stop appears.

    Light enough to leave the kiosk its CPU (an emulated one here): each
    look is one ``pread`` per line on a file kept open, then a sleep.
    """
    files = {n: os.open(f"{_line(n)}/value", os.O_RDONLY) for n in numbers}
    last: dict[int, bytes] = {}
    stop = log + ".stop"
    looks = 0
    with open(log, "w") as out:
        while True:
            looks += 1
            if looks % 100 == 0 and os.path.exists(stop):
                break
            for number, fd in files.items():
                now = os.pread(fd, 8, 0).strip()
                if last.get(number) != now:
                    out.write(f"{time.monotonic():.6f} {number} {now.decode()}\n")
                    out.flush()
                    last[number] = now
            time.sleep(every)


def quiet(log: str, number: int, seconds: float, timeout: float = 60.0) -> float:
    """Wait until ``record``'s LOG shows line ``number`` low for ``seconds`` (a cue
    played out, as the kernel saw it), at most ``timeout``; how long it took.
    Not a guess at how long a cue takes under emulation: its own end, read."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        last_at, last_value = 0.0, "0"
        with open(log) as lines:
            for row in lines:
                at, line, value = row.split()
                if int(line) == number:
                    last_at, last_value = float(at), value
        if last_value == "0" and time.monotonic() - last_at >= seconds:
            break
        time.sleep(0.05)
    return time.monotonic() - began


def main(argv: list[str]) -> int:
    verb, args = argv[0], argv[1:]
    if verb == "record":
        record(args[0], [int(n) for n in args[1:]])
        return 0
    if verb == "quiet":
        print(f"{quiet(args[0], int(args[1]), float(args[2])):.3f}")
        return 0
    numbers = [float(a) for a in args]
    if verb == "press":
        at = press(int(numbers[0]), *numbers[1:])
    elif verb == "bounce":
        at, pressed_span, released_span = bounce(int(numbers[0]))
        print(f"{pressed_span:.6f} {released_span:.6f}")
    elif verb == "chord":
        at = chord(int(numbers[0]), int(numbers[1]), *numbers[2:])
    else:
        raise SystemExit(__doc__)
    print(f"{at:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
