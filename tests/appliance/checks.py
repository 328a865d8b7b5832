"""The appliance's behaviours, each checked for real in the booted guest.

Each check records PASS or FAIL with what was seen. The order is a day at
the pool: boot, the kiosk up, the installer's doctor, a class through every
screen, a power cut mid-class, resuming, a frozen kiosk, USB sticks, the
error screen, the sandbox. Screens are judged from the frame the display
scans out, read in the guest by ``poolside/devices/scanout.py`` (standard
library only, run by the guest's own Python), never from the kiosk's word.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .gpio_checks import gpio_class, gpio_doctor
from .vm import Guest

SCREEN_SCRIPT = Path(__file__).resolve().parents[2] / "poolside/devices/scanout.py"
BLACK, WHITE, YELLOW = (0, 0, 0), (255, 255, 255), (240, 228, 66)
# The phase backgrounds of devices/theme.py's colour theme, and the error's.
KINDS = {
    "ramp": (224, 176, 208),
    "work": (230, 159, 0),
    "rest": (86, 180, 233),
    "recovery": (0, 84, 62),
}
ERROR_RED = (122, 0, 0)
PRESENT_GREEN = (0, 84, 62)  # the check-in's colour for a person checked in (theme.marks)
# START held begins a class after 1 s (devices/buttons.py); held 3 s here, because a
# host as loaded as CI's can starve the guest's CPU for a second between a key's
# press and its release, and the kiosk would then time a tap.
BEGIN_HOLD_MS = 3000
SESSION_IDS = "select id from records where type = 'session' order by id"
DB = "/var/lib/poolside/attendance.sqlite3"


@dataclass
class Results:
    say: Callable[[str], None]
    rows: list[dict] = field(default_factory=list)
    prefix: str = ""  # the Debian release the checks ran on

    def record(self, name: str, ok: bool, detail: str) -> bool:
        verdict = "PASS" if ok else "FAIL"
        name = self.prefix + name
        self.rows.append({"check": name, "result": verdict, "detail": detail})
        self.say(f"{verdict:5} {name}: {detail}")
        return ok

    @property
    def failed(self) -> list[dict]:
        return [row for row in self.rows if row["result"] == "FAIL"]


def run_all(guest: Guest, out: Path, results: Results, sticks: list[tuple[str, Path]]) -> None:
    if not _booted(guest, results):
        return
    kiosk_up(guest, results)
    installed_package(guest, results)
    doctor(guest, results)
    class_and_power_cut(guest, results)
    watchdog(guest, results)
    usb_sticks(guest, results, sticks)
    error_screen(guest, results)
    gpio_doctor(guest, results)
    gpio_class(guest, results)
    sandbox(guest, results)


def _booted_ok(results: Results) -> bool:
    """The guest booted and its kiosk came up: later checks have something to check."""
    booted = results.prefix + "boot"
    return any(row["check"] == booted and row["result"] == "PASS" for row in results.rows)


def run_arm64(guest: Guest, results: Results) -> None:
    """On arm64: installed, READY with pixels, a class by keys, a power cut.

    The rest (sticks, watchdog, sandbox, GPIO) is the same code on either
    instruction set and is checked on x86_64, where the test's own kernel has
    gpio-sim (Debian's arm64 kernel, which this guest boots, has not).
    """
    if not _booted(guest, results):
        return
    kiosk_up(guest, results)
    installed_package(guest, results)
    class_and_power_cut(guest, results)


def _booted(guest: Guest, results: Results) -> bool:
    t0 = time.monotonic()
    if not results.record("boot", guest.wait_for_shell(900), "serial shell answers"):
        return False
    results.rows[-1]["detail"] += f" after {time.monotonic() - t0:.0f} s"
    guest.sh("dmesg -n 1")
    guest.write_file("/root/scanout.py", SCREEN_SCRIPT.read_text())
    return True


def _active(state: dict[str, str]) -> bool:
    return state.get("ActiveState") == "active"


def _settled(state: dict[str, str]) -> bool:
    restarts = state.get("NRestarts", "0")
    return _active(state) or state.get("ActiveState") == "failed" or int(restarts or 0) >= 3


def kiosk_up(guest: Guest, results: Results) -> None:
    state = guest.wait_unit("poolside.service", _settled, 600)
    _, times = guest.sh(
        "systemctl show poolside.service -p ActiveEnterTimestampMonotonic "
        "-p ExecMainStartTimestampMonotonic --value"
    )
    numbers = [int(n) / 1e6 for n in times.split() if n.isdigit()]
    ready = f"READY=1 {numbers[0]:.1f} s after boot" if numbers and numbers[0] else "no READY"
    _, journal = guest.sh("journalctl -b -u poolside.service --no-pager -o cat | grep poolside:")
    driver = re.search(r"video driver (\S+), (\d+x\d+)", journal)
    if int(state.get("NRestarts") or 0):  # say why, in the transcript: systemd's own lines
        guest.sh(
            "journalctl -b -u poolside.service --no-pager -o short-monotonic"
            " | grep -v 'ALSA lib' | tail -n 30"
        )
    restarts = int(state.get("NRestarts") or 0)  # a first boot that needs two starts is a bug
    # READY=1 follows the kiosk's read-back of the scanned-out frame (app.first_frame_shown).
    shown = re.search(r"screen check: (.*)", journal)
    results.record(
        "service-ready",
        _active(state)
        and driver is not None
        and driver[1] == "KMSDRM"
        and restarts == 0
        and shown is not None
        and shown[1].startswith("the first frame is on the screen"),
        f"{state.get('ActiveState')}/{state.get('SubState')}, {ready}, "
        f"{driver[0] if driver else 'no video driver line'}, restarts {state.get('NRestarts')}; "
        f"screen check: {shown[1] if shown else 'none logged'}",
    )
    screen(guest, results, "screen-home", "home", _home_like)
    kiosk_idles(guest, results)


IDLE_S = 20  # the home screen is watched this long
IDLE_WAKEUPS_PER_S = 2.0  # docs/developing.md's goal for an idle kiosk


def kiosk_idles(guest: Guest, results: Results) -> None:
    """On the home screen the kiosk's loop sleeps until a key or its next deadline:
    what it says it sleeps on, and its wake-ups a second (the main thread's
    voluntary context switches, counted over IDLE_S by the guest's own clock)."""
    pid = guest.unit("poolside.service", "MainPID").get("MainPID", "0")
    _, journal = guest.sh(
        "journalctl -b -u poolside.service --no-pager -o cat | grep -o 'idle on .*' | tail -n 1",
        quiet=True,
    )
    counter = f"/proc/{pid}/task/{pid}/status"
    _, counts = guest.sh(
        f"grep ^voluntary_ctxt_switches {counter}; sleep {IDLE_S}; "
        f"grep ^voluntary_ctxt_switches {counter}",
        timeout=IDLE_S + 120,
    )
    numbers = [int(n) for n in re.findall(r"voluntary_ctxt_switches:\s+(\d+)", counts)]
    rate = (numbers[1] - numbers[0]) / IDLE_S if len(numbers) == 2 else None
    results.record(
        "kiosk-idles",
        "input device(s)" in journal and rate is not None and rate <= IDLE_WAKEUPS_PER_S,
        f"{journal.strip() or 'no idle line'}; main thread woke "
        f"{'?' if rate is None else f'{rate:.2f}'} times a second over {IDLE_S} s on the home "
        f"screen (goal <= {IDLE_WAKEUPS_PER_S:.0f})",
    )


def _home_like(seen: dict) -> bool:
    """Black with white text: the home, get-ready, finished and resume-offer screens, and
    the check-in showing someone not yet checked in."""
    return _share(seen, BLACK) > 0.5 and _share(seen, WHITE) > 0.01


def _checked_in(seen: dict) -> bool:
    """The check-in with the person shown checked in: green, with white text and a tick."""
    return _share(seen, PRESENT_GREEN) > 0.5 and _share(seen, WHITE) > 0.01


def _phase(kind: str) -> Callable[[dict], bool]:
    """Mostly the phase kind's background, with text in it."""
    return lambda seen: _share(seen, KINDS[kind]) > 0.5 and _share(seen, KINDS[kind]) < 0.99


def _paused(seen: dict) -> bool:
    """Yellow and black stripes round a black panel."""
    return _share(seen, YELLOW) > 0.1 and _share(seen, BLACK) > 0.4


def _error(seen: dict) -> bool:
    return _share(seen, ERROR_RED) > 0.5 and _share(seen, WHITE) > 0.005


def scanout(guest: Guest, saved: str) -> tuple[dict, str]:
    """The scanned-out frame's colours, read in the guest (and saved there); what went wrong."""
    status, out = guest.sh(f"python3 /root/scanout.py --save /root/screens/{saved}.ppm", 120)
    try:
        seen = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}, f"scanout reader failed (exit {status}): {out[-300:]}"
    return seen, "" if status == 0 else f"exit {status}: {seen.get('error')}"


def describe(seen: dict) -> str:
    top = ", ".join(f"{tuple(c)} {share:.1%}" for c, share in seen.get("colours", [])[:3])
    return f"{seen.get('width')}x{seen.get('height')}: {top}"


def screen(
    guest: Guest, results: Results, name: str, saved: str, looks_right: Callable[[dict], bool]
) -> bool:
    """The scanned-out frame, read in the guest; ``looks_right`` judges its colours."""
    seen, failed = scanout(guest, saved)
    if failed:
        return results.record(name, False, failed)
    return results.record(name, looks_right(seen), describe(seen))


def _share(seen: dict, colour: tuple[int, int, int], tolerance: int = 24) -> float:
    return sum(
        share
        for c, share in seen.get("colours", [])
        if all(abs(a - b) <= tolerance for a, b in zip(c, colour, strict=True))
    )


def installed_package(guest: Guest, results: Results) -> None:
    status, out = guest.sh(
        "cd / && /opt/poolside/venv/bin/python -c 'import poolside.kiosk.window, "
        "poolside.records.export, poolside.devices.screen, poolside.stick, "
        "importlib.metadata as m; "
        'print(m.distribution("poolside").read_text("direct_url.json"))\''
    )
    editable = '"editable": true' in out
    results.record(
        "installed-not-editable",
        status == 0 and not editable,
        f"every subpackage imports from the venv (exit {status}); editable: {editable}",
    )


DIES_DROP_IN = "/etc/systemd/system/poolside.service.d/test-dies.conf"


def doctor(guest: Guest, results: Results) -> None:
    command = "sudo /opt/poolside/venv/bin/poolside doctor --non-interactive"
    status, out = guest.sh(f"cd / && {command}", 300)
    problems = re.findall(r"^PROBLEM.*$", out, re.M)
    results.record(
        "doctor-as-installer",
        status == 0 and re.search(r"^(OK|NOTE) +service: poolside.service running", out, re.M),
        f"exit {status}; {len(problems)} PROBLEM line(s) {problems[:3]}",
    )
    status, out = guest.sh(f"cd /root && sudo -u poolside {command.split(' ', 1)[1]}", 300)
    problems = re.findall(r"^PROBLEM.*$", out, re.M)
    results.record(
        "doctor-from-unreadable-folder",
        status == 0 and "Traceback" not in out and not problems,
        f"as poolside in /root: exit {status}, traceback: {'Traceback' in out}, "
        f"{len(problems)} PROBLEM line(s) {problems[:3]}",
    )
    # A kiosk that dies by a signal at start-up must not pass the doctor.
    guest.write_file(
        DIES_DROP_IN,
        "[Service]\nExecStart=\nExecStart=/bin/sh -c 'kill -KILL $$$$'\n",
    )
    guest.sh("systemctl daemon-reload && systemctl restart poolside.service; sleep 3")
    status, out = guest.sh(f"cd / && {command}", 300)
    service_line = next((line for line in out.splitlines() if "service:" in line), "")
    results.record(
        "doctor-sees-a-dying-kiosk",
        status == 1
        and service_line.startswith("PROBLEM")
        and ("SIGKILL" in service_line or "killed by a signal" in service_line),
        f"exit {status}: {service_line}",
    )
    guest.sh(f"rm {DIES_DROP_IN} && systemctl daemon-reload")
    guest.sh("systemctl reset-failed poolside.service; systemctl restart poolside.service")
    guest.wait_unit("poolside.service", _settled, 300)


def class_and_power_cut(guest: Guest, results: Results) -> None:
    """Two check-ins and a class by keys through every screen kind, cut mid-class."""
    guest.key("spc")  # check in the first person on the roll
    first = _wait_journal(guest, "screen checkin: CHECK-IN", 60, contains="1 present")
    screen(guest, results, "screen-checkin", "checkin", _checked_in)
    guest.key("n")  # the next person on the roll
    guest.key("spc")  # checked in too
    second = _wait_journal(guest, "screen checkin: CHECK-IN", 60, contains="2 present")
    guest.key("spc", hold_ms=BEGIN_HOLD_MS)  # held: begin the class
    ready = _wait_journal(guest, "screen get-ready", 120)
    if ready:
        screen(guest, results, "screen-get-ready", "get-ready", _home_like)
    else:
        results.record("screen-get-ready", False, "the get-ready countdown never showed")
    ramp = _wait_journal(guest, "screen running: RAMP-IN", 120)
    ids = _session_ids(guest)
    results.record(
        "class-by-keys",
        first and second and ready and ramp and len(ids) == 2,
        f"Space (1 present: {first}), N, Space (2 present: {second}), Space held 3 s "
        f"(get-ready shows: {ready}), the ramp-in shows: {ramp}; session records saved: "
        f"{len(ids)} of 2",
    )
    screen(guest, results, "screen-ramp", "ramp", _phase("ramp"))
    _phase_screens(guest, results)
    guest.key("spc")  # pause
    if _wait_journal(guest, "screen paused", 60):
        screen(guest, results, "screen-paused", "paused", _paused)
    else:
        results.record("screen-paused", False, "Space in class: the paused screen never showed")
    guest.key("spc")  # and go on
    _wait_journal(guest, "screen running", 60, after="screen paused")
    # The power cut: no sync first. What the kiosk confirmed must already be on the disk.
    guest.power_cut()
    if not guest.wait_for_shell(600):
        results.record("power-cut", False, "no shell after the reset")
        return
    guest.sh("dmesg -n 1")
    state = guest.wait_unit("poolside.service", _settled, 600)
    _, check = guest.sh(f"sqlite3 {DB} 'pragma integrity_check'")
    after = _session_ids(guest)
    offer = _wait_journal(guest, "screen resume-offer: RESUME THE CLASS?", 120)
    results.record(
        "power-cut",
        _active(state) and check.split()[:1] == ["ok"] and after == ids and len(ids) == 2 and offer,
        f"reset with no sync first; kiosk {state.get('ActiveState')}; database "
        f"{check.split()[:1]}; the class's session records {len(ids)} before, {len(after)} "
        f"after, the same ids: {after == ids}; resume offer shown: {offer}",
    )
    guest.write_file("/root/scanout.py", SCREEN_SCRIPT.read_text())
    screen(guest, results, "screen-resume-offer", "offer", _home_like)
    guest.key("spc")  # resume
    resumed = _wait_journal(guest, "screen running", 120)
    guest.key("s", hold_ms=2500)  # stop the class (STOP is held)
    stopped = _wait_journal(guest, "screen finished", 60)
    if stopped:
        screen(guest, results, "screen-finished", "finished", _home_like)
    else:
        results.record("screen-finished", False, "S held: the finished screen never showed")
    for _ in range(6):  # skip the questions: back home, and the class's batch is sealed
        guest.key("spc")
        if _wait_journal(guest, "screen home", 5, after="screen finished"):
            break
    sealed = _sealed_batches(guest, 60)
    in_batches = sorted(set(ids) & set(sealed["ids"]))
    results.record(
        "resume-and-seal",
        resumed and stopped and sealed["verified"] and in_batches == ids and len(ids) == 2,
        f"resumed {resumed}, stopped {stopped}; batches {sealed['batches']}, sidecars verified "
        f"by sha256sum: {sealed['verified']}; the class's {len(ids)} records in them: "
        f"{len(in_batches)}",
    )


def _phase_screens(guest: Guest, results: Results) -> None:
    """NEXT through the phases until each kind's screen has been read off the display."""
    seen_kinds: dict[str, str] = {"ramp": "RAMP-IN"}
    words: list[str] = []
    for step in range(14):
        if set(KINDS) <= set(seen_kinds):
            break
        logged_before = _screen_lines(guest, "running")
        guest.key("n")
        word = _wait_new_line(guest, "running", len(logged_before), 60)
        if word is None:
            break
        words.append(word)
        seen, _ = scanout(guest, f"phase-{step + 1}")
        kind = next((k for k in KINDS if _phase(k)(seen)), None)
        if kind is not None and kind not in seen_kinds:
            seen_kinds[kind] = word
            results.record(f"screen-{kind}", True, f"{word}: {describe(seen)}")
    for kind in KINDS:
        if kind not in seen_kinds:
            results.record(f"screen-{kind}", False, f"not seen on the display after N: {words}")


def _screen_lines(guest: Guest, name: str) -> list[str]:
    _, log = guest.sh(
        f"journalctl -b -u poolside.service -o cat --no-pager | grep -F 'screen {name}: '",
        quiet=True,
    )
    return [line.split(": ", 2)[-1] for line in log.splitlines()]


def _wait_new_line(guest: Guest, name: str, had: int, timeout: float) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = _screen_lines(guest, name)
        if len(lines) > had:
            return lines[-1]
        time.sleep(1)
    return None


def _session_ids(guest: Guest) -> list[str]:
    _, out = guest.sh(f'sqlite3 {DB} "{SESSION_IDS}"', quiet=True)
    return sorted(out.split())


def _sealed_batches(guest: Guest, timeout: float) -> dict:
    """The outbox's batches (``*.jsonl``, not their sidecars), their sidecars checked by
    ``sha256sum -c``, and the record ids inside them."""
    deadline = time.monotonic() + timeout
    while True:
        _, listing = guest.sh("cd /var/lib/poolside/outbox && ls", quiet=True)
        batches = [name for name in listing.split() if name.endswith(".jsonl")]
        if batches or time.monotonic() > deadline:
            break
        time.sleep(2)
    sidecars = [name for name in listing.split() if name.endswith(".jsonl.sha256")]
    status, _ = guest.sh(
        'cd /var/lib/poolside/outbox && for f in *.jsonl; do sha256sum -c --quiet "$f.sha256" '
        "|| exit 1; done"
    )
    _, lines = guest.sh("cat /var/lib/poolside/outbox/*.jsonl", quiet=True)
    ids = []
    for line in lines.splitlines():
        try:
            ids.append(json.loads(line)["id"])
        except (ValueError, KeyError, TypeError):
            continue
    return {
        "batches": len(batches),
        "verified": bool(batches) and len(sidecars) == len(batches) and status == 0,
        "ids": ids,
    }


def _wait_journal(
    guest: Guest, text: str, timeout: float, after: str = "", contains: str = ""
) -> bool:
    """Wait for the kiosk to log ``text`` (each screen it shows is in the journal),
    after the last line that says ``after`` if given, on a line that also has
    ``contains`` if given."""
    deadline = time.monotonic() + timeout
    since = f" | tac | sed '/{after}/q'" if after else ""
    also = f" | grep -F '{contains}'" if contains else ""
    while time.monotonic() < deadline:
        status, _ = guest.sh(
            f"journalctl -b -u poolside.service -o cat --no-pager{since} | grep -F '{text}'"
            f"{also} | grep -q .",
            quiet=True,
        )
        if status == 0:
            return True
        time.sleep(2)
    return False


def watchdog(guest: Guest, results: Results) -> None:
    pid = guest.unit("poolside.service", "MainPID").get("MainPID", "0")
    guest.sh(f"kill -STOP {pid}")
    t0 = time.monotonic()
    state = guest.wait_unit(
        "poolside.service",
        lambda s: s.get("MainPID") not in (pid, "0") and _active(s),
        300,
    )
    took = time.monotonic() - t0
    results.record(
        "watchdog",
        state.get("MainPID") not in (pid, "0") and _active(state),
        f"kiosk frozen (SIGSTOP pid {pid}): new pid {state.get('MainPID')} ready {took:.0f} s "
        "later (WatchdogSec=30)",
    )


def make_sticks(folder: Path) -> list[tuple[str, Path]]:
    """A partitioned FAT32 stick and an unpartitioned exFAT one, both labelled POOLSIDE."""
    fat, exfat = folder / "stick-fat32.img", folder / "stick-exfat.img"
    for image in (fat, exfat):
        image.unlink(missing_ok=True)
        subprocess.run(["truncate", "-s", "64M", str(image)], check=True)
    subprocess.run(
        ["sfdisk", "-q", str(fat)], input="label: dos\nstart=2048, type=c\n", text=True, check=True
    )
    blocks = str((64 * 2**20 - 2048 * 512) // 1024)
    subprocess.run(
        ["mkfs.vfat", "-F", "32", "-n", "POOLSIDE", "--offset", "2048", str(fat), blocks],
        check=True,
        capture_output=True,
    )
    subprocess.run(["mkfs.exfat", "-L", "POOLSIDE", str(exfat)], check=True, capture_output=True)
    return [("fat32", fat), ("exfat", exfat)]


def usb_sticks(guest: Guest, results: Results, sticks: list[tuple[str, Path]]) -> None:
    """Both sticks at once: each its own unit and mount point, batches on both."""
    for ident, image in sticks:
        guest.plug_stick(ident, image)
    names = _labelled_poolside(guest, len(sticks), 120)
    units = [f"poolside-usb-sync@{name}.service" for name in names]
    # A finished oneshot with nothing referring to it is unloaded, and its state
    # with it: what systemd logged ("Finished ...", "Failed ...") is the record.
    ended: dict[str, str] = {}
    deadline = time.monotonic() + 300
    while len(ended) < len(units) and time.monotonic() < deadline:
        for unit in units:
            _, log = guest.sh(f"journalctl -b -u {unit} -o cat --no-pager", quiet=True)
            outcome = re.search(r"^(Finished|Failed to start) ", log, re.M)
            if outcome:
                ended[unit] = "finished" if outcome[1] == "Finished" else "failed"
        time.sleep(2)
    _, journal = guest.sh(
        "journalctl -b --no-pager -o cat -u 'poolside-usb-sync@*' -u 'poolside-usb-mount@*' | "
        "tail -30"
    )
    mounted = _wait_unmounted(guest, 60)
    _, batches = guest.sh("cd /var/lib/poolside/outbox && ls *.jsonl")
    expected = sorted(batches.split())
    found = {}
    for name in names:
        _, listing = guest.sh(
            f"mkdir -p /mnt/check && mount -o ro -t $(blkid -p -o value -s TYPE /dev/{name}) "
            f"/dev/{name} /mnt/check && "
            "(cd /mnt/check && find . -name '*.jsonl' | xargs -r -n1 basename | sort); "
            "umount /mnt/check"
        )
        found[name] = listing.split()
    for ident, _ in sticks:
        guest.unplug_stick(ident)
    ok = (
        len(names) == len(sticks)
        and all(outcome == "finished" for outcome in ended.values())
        and len(ended) == len(units)
        and not mounted
        and bool(expected)
        and all(set(expected) <= set(listed) for listed in found.values())
    )
    results.record(
        "usb-sticks",
        ok,
        f"sticks {names}: units {ended}; batches in the outbox {len(expected)}, on each stick "
        f"{ {k: len(v) for k, v in found.items()} }; still mounted: {mounted or 'none'}",
    )
    if not ok:
        results.say(journal)


def _labelled_poolside(guest: Guest, count: int, timeout: float) -> list[str]:
    """Kernel names of the block devices labelled POOLSIDE, once ``count`` are there."""
    deadline = time.monotonic() + timeout
    names: list[str] = []
    while time.monotonic() < deadline:
        _, out = guest.sh("lsblk -rno NAME,LABEL | awk '$2 == \"POOLSIDE\" {print $1}'", quiet=True)
        names = sorted(out.split())
        if len(names) >= count:
            break
        time.sleep(2)
    return names


def _wait_unmounted(guest: Guest, timeout: float) -> list[str]:
    """Mount points still under /run/poolside-usb once the mount units had time to stop."""
    deadline = time.monotonic() + timeout
    while True:
        _, out = guest.sh("findmnt -rn -o TARGET | grep '^/run/poolside-usb' || true", quiet=True)
        if not out.split() or time.monotonic() > deadline:
            return out.split()
        time.sleep(2)


ERROR_DROP_IN = "/etc/systemd/system/poolside.service.d/test-broken-program.conf"
BROKEN_PROGRAM = "name: broken\nphases:\n  - kind: work\n    duration: 1:30\n"


def error_screen(guest: Guest, results: Results) -> None:
    """A program file with a YAML trap: the kiosk shows the error screen, not nothing."""
    guest.write_file("/etc/poolside/broken.yaml", BROKEN_PROGRAM)
    guest.write_file(
        ERROR_DROP_IN,
        "[Service]\nExecStart=\n"
        "ExecStart=/opt/poolside/venv/bin/poolside run --fullscreen /etc/poolside/broken.yaml\n",
    )
    guest.sh("systemctl daemon-reload && systemctl restart poolside.service")
    shown = _wait_journal(guest, "screen error", 120)
    if shown:
        screen(guest, results, "screen-error", "error", _error)
    else:
        results.record("screen-error", False, "a broken program: the error screen never showed")
    guest.sh(f"rm {ERROR_DROP_IN} /etc/poolside/broken.yaml && systemctl daemon-reload")
    guest.sh("systemctl reset-failed poolside.service; systemctl restart poolside.service")
    guest.wait_unit("poolside.service", _settled, 300)


KILL_DROP_IN = "/etc/systemd/system/poolside.service.d/test-filter-kills.conf"


def sandbox(guest: Guest, results: Results) -> None:
    """No system call outside the kiosk's filter, in a class by keys.

    The unit answers such a call with EPERM, which leaves no trace, so a
    drop-in turns the filter's answer into a kill for this check: any call
    outside it then ends the kiosk with SIGSYS, which the journal shows.
    """
    guest.write_file(KILL_DROP_IN, "[Service]\nSystemCallErrorNumber=kill\n")
    guest.sh("systemctl daemon-reload && systemctl restart poolside.service")
    state = guest.wait_unit("poolside.service", _settled, 300)
    pid = state.get("MainPID")
    cursor = guest.cursor()
    guest.key("spc")
    checked_in = any(line.startswith("checkin") for line in guest.wait_screen(cursor, "checkin"))
    guest.key("spc", hold_ms=BEGIN_HOLD_MS)
    running = any(line.startswith("running") for line in guest.wait_screen(cursor, "running", 120))
    for key in ("n", "spc", "spc", "s"):  # next, pause, go on, stop
        guest.key(key)
        time.sleep(2)
    stopped = any(line.startswith("finished") for line in guest.wait_screen(cursor, "finished"))
    after = guest.unit("poolside.service", "MainPID", "ActiveState", "NRestarts")
    _, journal = guest.sh(
        "journalctl -b --no-pager -o cat | grep -E 'SIGSYS|status=31/SYS|SIGSEGV' || true"
    )
    guest.sh(f"rm {KILL_DROP_IN} && systemctl daemon-reload && systemctl restart poolside.service")
    guest.wait_unit("poolside.service", _settled, 300)
    exposures = {}
    for unit in (
        "poolside.service",
        "poolside-sync.service",
        "poolside-usb-mount@sda1.service",
        "poolside-usb-sync@sda1.service",
    ):
        _, out = guest.sh(f"systemd-analyze security --no-pager {unit} | tail -1")
        found = re.search(r"exposure level for \S+: ([\d.]+)", out)
        exposures[unit] = found[1] if found else "?"
    results.record(
        "sandbox",
        checked_in
        and running
        and stopped
        and after.get("MainPID") == pid
        and _active(after)
        and not journal.strip(),
        f"with SystemCallErrorNumber=kill: check-in {checked_in}, class {running}, N, pause, "
        f"go on, stop {stopped}; same kiosk throughout: {after.get('MainPID') == pid}; "
        f"SIGSYS/SIGSEGV in the journal: {journal.strip()[:200] or 'none'}; exposure "
        f"(systemd-analyze security, in the guest): {exposures}",
    )
