"""One QEMU guest, driven like a person at the pool and an installer at a console.

The guest's serial console is a root shell (autologin); :meth:`Guest.sh`
runs a command there and returns its exit status and output. QEMU's QMP
socket does what hands and plugs do: keys, a power cut, a USB stick in and
out, and a picture of the screen as scanned out.

Every wait polls for a state the guest reports (a prompt, a unit state, a
file), never a fixed sleep standing in for one, so a slow run is slower,
not red.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# A virtio GPU with two outputs, the first at 1920x1080: one card, one DRM
# master and two connectors, as a Pi 4 or 5's two HDMI outputs are driven by
# vc4. With no QEMU window the second output reads as disconnected, as an
# HDMI port with nothing plugged in; a boot with a second screen plugged in
# forces it on from the kernel's command line, at 1024x768 without EDID
# (tests/appliance/outputs_checks.py). Each head is read by ``screendump``
# (:meth:`Guest.screen`).
GPU = "gpu"
DISPLAY = ["-vga", "none", "-device"]
DISPLAY += [f"virtio-gpu-pci,id={GPU},max_outputs=2,xres=1920,yres=1080,edid=off"]
# The emulated CPU (TCG). Nehalem has the SSE4.1 the lgpio wheel uses (QEMU's
# default qemu64 has not: importing it kills the kiosk with SIGILL), and no
# AVX: with "-cpu max", Mesa's llvmpipe JIT crashes (SIGSEGV) as the kiosk's
# GLES renderer starts, while softpipe draws (tried in the booted guest).
CPU = "Nehalem"
KEY_PAUSE_S = 0.7  # after a key is released, before the next
SOCKET_TIMEOUT_S = 120  # a QMP answer (a 1920x1080 screendump included) or a console write


def _x86_64(kernel: Path, append: str = "") -> list[str]:
    """A q35 PC: a two-output virtio GPU, HDA sound, the i8042 keyboard."""
    accel = os.environ.get("POOLSIDE_VM_ACCEL", "tcg")
    accel_args = ["-enable-kvm", "-cpu", "host"] if accel == "kvm" else ["-accel", "tcg"]
    accel_args += [] if accel == "kvm" else ["-cpu", os.environ.get("POOLSIDE_VM_CPU", CPU)]
    return [
        "qemu-system-x86_64", "-machine", "q35", *accel_args,
        "-kernel", str(kernel),
        "-append", f"root=/dev/vda rw console=ttyS0,115200 consoleblank=0 quiet {append}".strip(),
        *DISPLAY,
        "-audiodev", "none,id=sound", "-device", "ich9-intel-hda",
        "-device", "hda-output,audiodev=sound",
        "-device", "qemu-xhci,id=usb",
    ]  # fmt: skip


# arm64: QEMU's "virt" board with a Pi 4's CPU core (Cortex-A72), the same
# two-output virtio GPU driven by virtio-gpu's KMS driver (a Pi's HDMI by vc4), a USB
# keyboard (virt has no PS/2), and no sound card (a Pi without a speaker hat).
ARM64_CPU = "cortex-a72"


def _arm64(kernel: Path, initrd: Path | None, append: str = "") -> list[str]:
    if initrd is None:
        raise ValueError("Debian's arm64 kernel boots with its initrd")
    return [
        "qemu-system-aarch64", "-machine", "virt", "-accel", "tcg",
        "-cpu", os.environ.get("POOLSIDE_VM_CPU", ARM64_CPU),
        "-kernel", str(kernel), "-initrd", str(initrd),
        "-append", f"root=/dev/vda rw console=ttyAMA0 consoleblank=0 quiet {append}".strip(),
        *DISPLAY[2:],
        "-device", "qemu-xhci,id=usb", "-device", "usb-kbd,bus=usb.0",
    ]  # fmt: skip


@dataclass(frozen=True)
class Picture:
    """A screendump: size and raw RGB bytes."""

    width: int
    height: int
    rgb: bytes

    def share(self, colour: tuple[int, int, int], tolerance: int = 24, step: int = 7) -> float:
        """Fraction of (sampled) pixels within ``tolerance`` of ``colour``."""
        r0, g0, b0 = colour
        hits = total = 0
        for i in range(0, len(self.rgb) - 2, 3 * step):
            r, g, b = self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]
            total += 1
            if abs(r - r0) <= tolerance and abs(g - g0) <= tolerance and abs(b - b0) <= tolerance:
                hits += 1
        return hits / total if total else 0.0


def read_ppm(path: Path) -> Picture:
    """QEMU's screendump format: binary PPM (P6, maxval 255)."""
    data = path.read_bytes()
    fields = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    if fields is None:
        raise ValueError(f"{path}: not a binary PPM")
    width, height = int(fields[1]), int(fields[2])
    return Picture(width, height, data[fields.end() : fields.end() + 3 * width * height])


class Guest:
    def __init__(self, run_dir: Path, transcript: Callable[[str], None]) -> None:
        self.dir = run_dir
        self.say = transcript
        self.proc: subprocess.Popen[bytes] | None = None
        self._buffer = ""
        self._lock = threading.Lock()
        self._qmp: socket.socket | None = None
        self._qmp_file = None
        self.serial_log = (run_dir / "serial.log").open("w", errors="replace")

    # -- life ------------------------------------------------------------------
    def boot(
        self,
        disk: Path,
        kernel: Path,
        initrd: Path | None = None,
        arch: str = "amd64",
        append: str = "",
    ) -> None:
        """Boot ``disk`` on ``kernel``: on x86_64 kernel.py's (everything built in, no
        initrd); on arm64 the image's own Debian kernel and initrd. ``append``: more
        of the kernel's command line."""
        serial, qmp = self.dir / "serial.sock", self.dir / "qmp.sock"
        machine = _x86_64(kernel, append) if arch == "amd64" else _arm64(kernel, initrd, append)
        command = [
            *machine, "-smp", "2", "-m", "2048",
            "-drive", f"file={disk},if=virtio,format=raw",
            "-display", "none",
            "-nic", "none",
            "-chardev", f"socket,id=console,path={serial},server=on,wait=off",
            "-serial", "chardev:console",
            "-qmp", f"unix:{qmp},server=on,wait=off",
        ]  # fmt: skip
        self.say("$ " + " ".join(command))
        log = (self.dir / "qemu.log").open("w")
        self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self._connect(serial, qmp)

    def _connect(self, serial: Path, qmp: Path) -> None:
        deadline = time.monotonic() + 30
        while not (serial.exists() and qmp.exists()):
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"qemu exited with {self.proc.returncode}: see qemu.log")
            if time.monotonic() > deadline:
                raise RuntimeError("qemu made no sockets within 30 s")
            time.sleep(0.05)
        # No read or write on either socket waits forever: a QEMU that stops
        # answering is a failed check (socket.timeout), not a stuck run.
        console = socket.socket(socket.AF_UNIX)
        console.settimeout(SOCKET_TIMEOUT_S)
        console.connect(str(serial))
        self._console = console
        threading.Thread(target=self._read_console, daemon=True).start()
        self._qmp = socket.socket(socket.AF_UNIX)
        self._qmp.settimeout(SOCKET_TIMEOUT_S)
        self._qmp.connect(str(qmp))
        self._qmp_file = self._qmp.makefile("rwb")
        self._qmp_file.readline()  # the greeting
        self.qmp("qmp_capabilities")

    def _read_console(self) -> None:
        while True:
            try:
                data = self._console.recv(65536)
            except TimeoutError:
                continue  # a quiet console: the guest has nothing to say
            except OSError:
                return
            if not data:
                return
            text = data.decode(errors="replace").replace("\r", "")
            self.serial_log.write(text)
            self.serial_log.flush()
            with self._lock:
                self._buffer += text

    def quit(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(OSError):
            self.qmp("quit")
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # our own QEMU, by its handle
            self.proc.wait()

    # -- the console -------------------------------------------------------------
    def wait_for_shell(self, timeout: float) -> bool:
        """Press Enter until the autologin shell answers a command."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self._console.sendall(b"\n")
            except TimeoutError:  # a guest not reading its serial port yet: still booting
                continue
            if self._wait_text(r"guest# ", 3) is not None:
                status, _ = self.sh("true", timeout=30, quiet=True)
                if status == 0:
                    return True
        return False

    def _wait_text(self, pattern: str, timeout: float) -> re.Match[str] | None:
        regex = re.compile(pattern, re.S)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                match = regex.search(self._buffer)
                if match:
                    self._buffer = self._buffer[match.end() :]
                    return match
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)

    def sh(self, command: str, timeout: float = 240, quiet: bool = False) -> tuple[int | None, str]:
        """Run ``command`` in the guest's shell: (exit status or None on time-out, output)."""
        token = secrets.token_hex(4)
        with self._lock:
            self._buffer = ""
        encoded = base64.b64encode(command.encode()).decode()
        # The command goes over as base64, so no quoting of it can go wrong.
        line = f"echo {token}-in; echo {encoded} | base64 -d | bash 2>&1; echo {token}-out $?\n"
        self._console.sendall(line.encode())
        match = self._wait_text(rf"{token}-in\n(.*?){token}-out (\d+)\n", timeout)
        if match is None:
            self.say(f"# {command}\n# (no answer within {timeout:.0f} s)")
            return None, ""
        output, status = match[1], int(match[2])
        if not quiet:
            self.say(f"# {command}\n{output}# exit {status}")
        return status, output

    def write_file(self, path: str, text: str) -> None:
        """Put ``text`` at ``path`` in the guest, in pieces a tty line can carry."""
        encoded = base64.b64encode(text.encode()).decode()
        self.sh(f"mkdir -p $(dirname {path}) && : > {path}.b64", quiet=True)
        for start in range(0, len(encoded), 1500):
            self.sh(f"echo {encoded[start : start + 1500]} >> {path}.b64", quiet=True)
        self.sh(f"base64 -d {path}.b64 > {path} && rm {path}.b64", quiet=True)

    def unit(self, name: str, *properties: str) -> dict[str, str]:
        _, out = self.sh(f"systemctl show {name} -p {','.join(properties)}", quiet=True)
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def wait_unit(
        self, name: str, done: Callable[[dict[str, str]], bool], timeout: float
    ) -> dict[str, str]:
        """Poll a unit's state until ``done`` says so; the last state seen."""
        keys = ("ActiveState", "SubState", "Result", "MainPID", "NRestarts", "ExecMainStatus")
        deadline = time.monotonic() + timeout
        state = self.unit(name, *keys)
        while not done(state) and time.monotonic() < deadline:
            time.sleep(1)
            state = self.unit(name, *keys)
        return state

    def cursor(self) -> int:
        """How many screen lines the kiosk has logged this boot: what it logs
        later comes after it."""
        return len(self._screen_lines())

    def screens_after(self, cursor: int) -> list[str]:
        """The kiosk's screen lines ("running: JUMP") logged after ``cursor``."""
        return self._screen_lines()[cursor:]

    def _screen_lines(self) -> list[str]:
        _, out = self.sh(
            "journalctl -b -u poolside.service -o cat --no-pager | grep -F 'poolside: screen '",
            quiet=True,
        )
        return [line.split("poolside: screen ", 1)[1] for line in out.splitlines() if line]

    def wait_screen(self, cursor: int, prefix: str, timeout: float = 60) -> list[str]:
        """Screen lines after ``cursor`` once one starts with ``prefix`` (all of them)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.screens_after(cursor)
            if any(line.startswith(prefix) for line in lines) or time.monotonic() > deadline:
                return lines
            time.sleep(1)

    # -- hands and plugs -----------------------------------------------------------
    def qmp(self, command: str, **arguments: object) -> dict:
        assert self._qmp_file is not None
        request = {"execute": command, **({"arguments": arguments} if arguments else {})}
        self._qmp_file.write(json.dumps(request).encode() + b"\n")
        self._qmp_file.flush()
        while True:
            reply = json.loads(self._qmp_file.readline() or b"{}")
            if "event" in reply:
                continue
            if "error" in reply:
                raise RuntimeError(f"qmp {command}: {reply['error']}")
            return reply

    def key(self, name: str, hold_ms: int | None = None) -> None:
        """Press and release a key, then pause as a person would.

        QMP's send-key returns at once, while the key is still down for its
        hold time (100 ms by default): a second key sent then lands inside
        the first one's hold, which a person's fingers never do.
        """
        keys = [{"type": "qcode", "data": name}]
        if hold_ms is None:
            self.qmp("send-key", keys=keys)
        else:
            self.qmp("send-key", keys=keys, **{"hold-time": hold_ms})
        self.say(f"(key {name}{f' held {hold_ms} ms' if hold_ms else ''})")
        time.sleep((hold_ms or 100) / 1000 + KEY_PAUSE_S)

    def screen(self, path: Path, head: int = 0) -> Picture:
        """The frame output ``head`` of the GPU shows, as QEMU has it."""
        path.unlink(missing_ok=True)
        self.qmp("screendump", filename=str(path), device=GPU, head=head)
        return read_ppm(path)

    def power_cut(self) -> None:
        self.say("(power cut: system_reset)")
        self.qmp("system_reset")

    def plug_stick(self, ident: str, image: Path) -> None:
        self.qmp(
            "blockdev-add",
            **{
                "node-name": ident,
                "driver": "raw",
                "file": {"driver": "file", "filename": str(image)},
            },
        )
        self.qmp("device_add", driver="usb-storage", bus="usb.0", drive=ident, id=ident)
        self.say(f"(USB stick {ident} plugged in: {image.name})")

    def unplug_stick(self, ident: str) -> None:
        self.qmp("device_del", id=ident)
        self.say(f"(USB stick {ident} pulled out)")
