"""Several screens in the booted guest: the leader's link service in its sandbox,
and a follower over UDP changing phase with the kiosk.

The guest is made a leader as ``install.sh --leader`` does (a ``screens:``
section, ``poolside-link.service`` enabled) and paired from a folder standing
in for the USB stick. A follower runs beside it in the same guest, as a
follower Pi runs (its own ``poolside link``, following 127.0.0.1 through the
leader unit's sandbox, and ``poolside follow --headless``). A class by keys
on the kiosk, NEXT in it, then STOP: the follower must show the same phases
in the same order, each on time by its own clock. How far apart two screens
change is measured on real sockets by tests/benchmarks/follow_netns.py: in
this guest the kiosk draws 1920x1080 with llvmpipe on an emulated CPU, and
its frames trail its own schedule by seconds (its journal says when each
was drawn; the check reports it).
"""

from __future__ import annotations

import json
import re
import time

from .checks import BEGIN_HOLD_MS, Results, _settled
from .vm import Guest

POOLSIDE = "/opt/poolside/venv/bin/poolside"
FOLLOWER = "/var/lib/poolside-follower"  # the follower's folder, owned by the service user
# The follower takes each phase up within this of its moment, on its own clock: generous,
# as the guest's two emulated CPUs are shared with a kiosk drawing 1080p in software.
ON_TIME_MS = 500


def several_screens(guest: Guest, results: Results) -> None:
    guest.sh(
        "mkdir -p /root/stick && grep -q '^screens:' /etc/poolside/config.yaml || "
        "printf '\\nscreens:\\n  role: leader\\n' >> /etc/poolside/config.yaml"
    )
    status, out = guest.sh(
        f"cd / && {POOLSIDE} pair /root/stick && chown root:poolside /etc/poolside/link.key"
    )
    paired = status == 0 and "made a new key" in out
    guest.sh("systemctl enable --now poolside-link.service && systemctl restart poolside.service")
    link = guest.wait_unit("poolside-link.service", _settled, 120)
    guest.wait_unit("poolside.service", _settled, 300)
    guest.sh(
        f"mkdir -p {FOLLOWER} && cd {FOLLOWER} && "
        "printf 'screens:\\n  role: follower\\n  leader: 127.0.0.1\\n' > config.yaml && "
        f"cd / && {POOLSIDE} pair --config {FOLLOWER}/config.yaml /root/stick && "
        f"chown -R poolside:poolside {FOLLOWER}"
    )
    as_follower = "cd / && sudo -u poolside env SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy"
    guest.sh(
        f"{as_follower} setsid {POOLSIDE} link --config {FOLLOWER}/config.yaml "
        f"--socket {FOLLOWER}/link.sock > {FOLLOWER}/link.log 2>&1 < /dev/null &"
    )
    guest.sh(
        f"{as_follower} setsid {POOLSIDE} follow --headless --config {FOLLOWER}/config.yaml "
        f"--socket {FOLLOWER}/link.sock --events {FOLLOWER}/events "
        f"> {FOLLOWER}/follow.log 2>&1 < /dev/null &"
    )
    # The leader's class waiting on the follower's screen: the program's title, not "WAITING".
    following = _wait_log(guest, f"{FOLLOWER}/follow.log", "screen home: Jump & hop", 60)
    status, doctor = guest.sh(
        f"cd / && {POOLSIDE} doctor --non-interactive | grep -E '^\\S+ +(pairing|link):'"
    )
    shared = re.search(r"^OK +link: 1 follower\(s\) heard.*class is shared", doctor, re.M)
    results.record(
        "screens-link-up",
        paired and link.get("ActiveState") == "active" and following and shared is not None,
        f"paired from the stick folder: {paired}; poolside-link {link.get('ActiveState')}/"
        f"{link.get('SubState')}; the follower shows the leader's home: {following}; "
        f"doctor: {doctor.strip()!r}",
    )
    cursor = guest.cursor()
    guest.key("spc")
    guest.wait_screen(cursor, "checkin")
    guest.key("spc", hold_ms=BEGIN_HOLD_MS)
    guest.wait_screen(cursor, "running", 120)
    before = len(guest.screens_after(cursor))
    guest.key("n")  # NEXT: the command goes to the follower ahead of its moment
    _wait_more(guest, cursor, before, 60)
    guest.key("s")  # STOP ends the class
    guest.wait_screen(cursor, "finished", 60)
    _wait_log(guest, f"{FOLLOWER}/follow.log", "screen finished", 30)
    kiosk_phases = [
        line.split(": ", 1)[1]
        for line in guest.screens_after(cursor)
        if line.startswith("running: ")
    ]
    follower = _follower_phases(guest)
    lateness = [late * 1000 for _, _, late in follower]
    trailing = _kiosk_trailing(guest, follower)
    _, tracebacks = guest.sh(f"cat {FOLLOWER}/*.log | grep -c Traceback || true", quiet=True)
    exposures = {}
    for unit in ("poolside-link.service", "poolside-follow.service"):
        _, out = guest.sh(f"systemd-analyze security --no-pager {unit} | tail -1")
        found = re.search(r"exposure level for \S+: ([\d.]+)", out)
        exposures[unit] = found[1] if found else "?"
    _, killed = guest.sh(
        "journalctl -b -u poolside-link.service --no-pager -o cat | grep -cE 'SIGSYS|status=31' "
        "|| true",
        quiet=True,
    )
    results.record(
        "screens-follower-shows-the-class",
        bool(kiosk_phases)
        and [label for label, _, _ in follower] == kiosk_phases
        and max(lateness, default=ON_TIME_MS + 1) <= ON_TIME_MS
        and killed.strip() == "0"
        and tracebacks.strip() == "0",
        f"phases on the kiosk {kiosk_phases}, on the follower "
        f"{[label for label, _, _ in follower]}; the follower took each up this late on its "
        f"clock, ms: {', '.join(f'{late:.1f}' for late in lateness)}; the kiosk's frames "
        f"logged after the follower's, ms: {trailing} (1920x1080 drawn by llvmpipe on an "
        f"emulated CPU: the skew between screens is measured on real sockets by "
        f"tests/benchmarks/follow_netns.py); link unit killed by its filter: "
        f"{killed.strip()} time(s); tracebacks in the follower's logs: {tracebacks.strip()}; "
        f"exposure (systemd-analyze security, in the guest): {exposures}",
    )
    guest.sh(f"pkill -u poolside -f '{POOLSIDE} (link|follow)' || true", quiet=True)


def _wait_more(guest: Guest, cursor: int, had: int, timeout: float) -> None:
    """Until the kiosk logs a screen line more than ``had`` since ``cursor``."""
    deadline = time.monotonic() + timeout
    while len(guest.screens_after(cursor)) <= had and time.monotonic() < deadline:
        time.sleep(1)


def _wait_log(guest: Guest, path: str, text: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _ = guest.sh(f"grep -qF '{text}' {path}", quiet=True)
        if status == 0:
            return True
        time.sleep(1)
    return False


def _follower_phases(guest: Guest) -> list[tuple[str, float, float]]:
    """The follower's phase changes: (label, wall time, how late on its own clock)."""
    _, out = guest.sh(f"cat {FOLLOWER}/events", quiet=True)
    phases = []
    for line in out.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("type") == "phase":
            phases.append((event["label"], event["wall"], event.get("late", 0.0)))
    return phases


def _kiosk_trailing(guest: Guest, follower: list[tuple[str, float, float]]) -> str:
    """How long after the follower the kiosk logged each of the same phases (journal
    times: the kiosk logs a screen once its frame is drawn)."""
    _, out = guest.sh(
        "journalctl -b -u poolside.service -o short-unix --no-pager | grep -F 'screen running: '",
        quiet=True,
    )
    logged = {}
    for line in out.splitlines():
        found = re.match(r"^([\d.]+) .*screen running: (.+)$", line)
        if found:
            logged[found[2].strip()] = float(found[1])  # the latest: this class's
    return ", ".join(
        f"{label} {(logged[label] - wall) * 1000:.0f}"
        for label, wall, _ in follower
        if label in logged
    )
