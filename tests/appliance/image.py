"""Build a bootable Debian image (12 or 13) the way a user installs poolside.

The steps are the README's own: the shell block after ``<!-- pi-install -->``
in "Installing on a Raspberry Pi" is run line by line, as written, as root in
a chroot of a fresh debootstrap. Only ``<this repository>`` is replaced, by a
clone of the checkout's committed HEAD. Nothing else of poolside is put into
the image by this module, so a step the README forgets fails here.

What is not the README's is the machine around it: a root file system on
the first virtio disk (the kernel is ``kernel.py``'s, booted from outside),
root's autologin on the serial console (the test drives the guest through
it), a persistent journal (so the logs survive the power cut), and for the
build only the host's CA bundle for pip and the host's resolver (the guest
itself has no network).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

# What the test boots: a Debian release, on x86_64 by default; "-arm64" for
# the Pi's own instruction set (a Debian arm64 userland under QEMU's "virt"
# machine, its chroot steps run by qemu-user).
SUITES = {
    "bookworm": "Debian 12",
    "trixie": "Debian 13",
    "trixie-arm64": "Debian 13 on arm64",
}
DEFAULT_SUITES = ("bookworm", "trixie")  # CI's run; arm64 is a command of its own
MIRROR = "http://deb.debian.org/debian"
# A minimal system; everything poolside needs comes from the README. On x86_64
# the kernel is booted from outside the image (kernel.py), so none is
# installed; on arm64 the guest boots Debian's own arm64 kernel and initrd,
# taken from the image (Debian's arm64 kernel has no gpio-sim, so the GPIO
# checks run on x86_64 only, and the stand-ins for the Pi's board with them).
BASE_PACKAGES = (
    "systemd,systemd-sysv,udev,dbus,kmod,sudo,ca-certificates,procps,util-linux,sqlite3,mtools"
)
ARM64_KERNEL = "linux-image-arm64"
BINFMT = Path("/usr/lib/binfmt.d/qemu-aarch64.conf")  # Debian's qemu-user-static
BINFMT_FS = Path("/proc/sys/fs/binfmt_misc")
IMAGE_SIZE = "4G"
STEP_TIMEOUT_S = 1800  # one README step in the chroot (arm64 under qemu-user: 677 s for all)
PLACEHOLDER = "<this repository>"
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")


@dataclass(frozen=True)
class Image:
    disk: Path
    steps: list[tuple[str, int, float]]  # README line, exit status, seconds
    log: Path
    kernel: Path | None = None  # arm64: the image's own kernel and initrd
    initrd: Path | None = None


def release(target: str) -> tuple[str, str]:
    """A target's Debian suite and architecture: "trixie-arm64" -> ("trixie", "arm64")."""
    suite, _, arch = target.partition("-")
    return suite, arch or "amd64"


def foreign(arch: str) -> bool:
    """Whether ``arch``'s programs need qemu-user to run here."""
    host = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
    return arch != host


def binfmt_for_arm64() -> None:
    """Let this host run arm64 programs in a chroot: Debian's qemu-user-static
    entry, registered with the kernel (its F flag opens the interpreter now, so
    the chroot needs no copy of it). systemd-binfmt does this at boot where it
    runs; a container or CI machine may have neither it nor the mount."""
    if (BINFMT_FS / "qemu-aarch64").exists():
        return
    if not (BINFMT_FS / "register").exists():
        subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT_FS)], check=True)
    if not BINFMT.exists():
        raise SystemExit(f"{BINFMT} is missing: install qemu-user-static")
    (BINFMT_FS / "register").write_text(BINFMT.read_text().strip() + "\n")


def readme_block(readme: Path, marker: str) -> list[str]:
    """The commands of the ```sh block after ``<!-- marker -->``, one per logical line."""
    text = readme.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {re.escape(marker)} -->\s*```sh\n(.*?)\n\s*```", text, re.S)
    if match is None:
        raise SystemExit(f"README.md has no ```sh block after <!-- {marker} -->")
    lines = [line.strip() for line in match[1].replace("\\\n", " ").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def debootstrap(target: str, base: Path, logs: Path, log: callable) -> None:
    """The base system for ``target``, made once and kept in ``base``."""
    if (base / ".complete").exists():
        return
    suite, arch = release(target)
    log(f"debootstrap {suite} ({arch}) into {base}")
    shutil.rmtree(base, ignore_errors=True)
    packages = BASE_PACKAGES + (f",{ARM64_KERNEL}" if arch == "arm64" else "")
    command = ["debootstrap", "--variant=minbase", f"--arch={arch}", f"--include={packages}"]
    _run([*command, suite, str(base), MIRROR], logs / f"debootstrap-{target}.log")
    (base / ".complete").touch()


def build(checkout: Path, work: Path, target: str, log: callable) -> Image:
    """debootstrap (cached in ``work/../base-TARGET``), the README's steps, then the disk image.

    ``work`` is this target's own folder; the base is kept beside it.
    """
    suite, arch = release(target)
    if arch == "arm64" and foreign(arch):
        binfmt_for_arm64()
    base, root = work.parent / f"base-{target}", work / "root"
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    debootstrap(target, base, logs, log)
    log("fresh root from the debootstrap base")
    if root.exists():
        shutil.rmtree(root)  # loudly: cp -a into a leftover folder would nest the copy
    _run(["cp", "-a", str(base), str(root)], logs / "copy.log")
    _machine(root, suite, SERIAL[arch])
    if arch == "amd64":
        _pi_board(root)
    clone = root / "root" / "poolside.git"
    _run(["git", "clone", "--quiet", "--bare", str(checkout), str(clone)], logs / "clone.log")
    steps = _readme_steps(checkout / "README.md", root, logs / "readme-steps.log", log)
    if arch == "amd64" and all(status == 0 for _, status, _ in steps):
        steps += _pi_packages(root, logs / "pi-packages.log", log)
    _after_build(root)
    disk = work / "disk.img"
    disk.unlink(missing_ok=True)
    log("mkfs.ext4 -d (the disk image)")
    _run(["mkfs.ext4", "-q", "-F", "-L", "root", "-d", str(root), str(disk), IMAGE_SIZE], None)
    kernel = initrd = None
    if arch == "arm64":
        kernel, initrd = work / "vmlinuz", work / "initrd.img"
        shutil.copy(root / "vmlinuz", kernel)  # Debian's links to the installed kernel
        shutil.copy(root / "initrd.img", initrd)
    return Image(disk, steps, logs / "readme-steps.log", kernel, initrd)


SERIAL = {"amd64": "ttyS0", "arm64": "ttyAMA0"}  # the console QEMU's machine gives


def _machine(root: Path, suite: str, console: str) -> None:
    """The machine around poolside: fstab, names, serial autologin, journal."""
    (root / "etc/fstab").write_text("/dev/vda / ext4 rw,errors=remount-ro 0 1\n")
    (root / "etc/hostname").write_text("poolside-test\n")
    (root / "etc/hosts").write_text("127.0.0.1 localhost\n127.0.1.1 poolside-test\n")
    (root / "etc/apt/sources.list").write_text(
        f"deb {MIRROR} {suite} main\ndeb {MIRROR} {suite}-updates main\n"
    )
    shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")
    # pip (under sudo, which clears the environment) reads /etc/pip.conf.
    shutil.copy(HOST_CA, root / "root/build-ca.crt")
    (root / "etc/pip.conf").write_text(
        "[global]\ncert = /root/build-ca.crt\ndefault-timeout = 180\n"
    )
    (root / "var/log/journal").mkdir(parents=True, exist_ok=True)
    getty = root / f"etc/systemd/system/serial-getty@{console}.service.d"
    getty.mkdir(parents=True, exist_ok=True)
    (getty / "autologin.conf").write_text(
        "[Service]\nExecStart=\n"
        "ExecStart=-/sbin/agetty --autologin root --keep-baud 115200 %I dumb\n"
    )
    # A quiet shell for the test's commands: no echo, no pager, a known prompt.
    with (root / "root/.bashrc").open("a") as rc:
        rc.write(
            "export SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 PAGER=cat TERM=dumb LANG=C.UTF-8\n"
            "stty -echo cols 200 rows 50 2>/dev/null\nPS1='guest# '\n"
        )


# -- What a Raspberry Pi has and plain Debian has not: the test's only stand-ins --
# Each is named here and in README "The appliance test"; nothing else of the
# Pi is faked. The GPIO lines themselves are real: gpio-sim in kernel.py's
# kernel, driven through the kernel's GPIO character device.
PI_CPUINFO = (  # gpiozero learns the board from /proc/cpuinfo (no device tree on x86)
    "processor\t: 0\nHardware\t: BCM2835\nRevision\t: c03111\n"
    "Serial\t\t: 10000000deadbeef\nModel\t\t: Raspberry Pi 4 Model B Rev 1.1\n"
)
# Raspberry Pi OS's udev rule (raspberrypi-sys-mods) and its gpio group.
PI_GPIO_RULE = 'SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"\n'
# A gpio-sim chip shaped like the Pi's header, made at boot before the kiosk.
GPIO_SIM_SCRIPT = """#!/bin/sh
set -eu
chip=/sys/kernel/config/gpio-sim/header
mkdir -p $chip/bank0
echo 28 > $chip/bank0/num_lines
for n in $(seq 0 27); do
  mkdir -p $chip/bank0/line$n
  echo GPIO$n > $chip/bank0/line$n/name
done
echo 1 > $chip/live
udevadm settle
# The board's identity for commands run from a shell (doctor); the kiosk's
# unit gets the same file by a drop-in (its /proc is a private instance).
mount --bind /etc/poolside-test/cpuinfo /proc/cpuinfo
"""
GPIO_SIM_UNIT = """[Unit]
Description=test stand-in: a gpio-sim chip shaped like a Raspberry Pi's header
DefaultDependencies=no
After=sys-kernel-config.mount systemd-udevd.service
Before=poolside.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/poolside-test-gpio-sim
[Install]
WantedBy=multi-user.target
"""
BOARD_DROP_IN = "[Service]\nBindReadOnlyPaths=/etc/poolside-test/cpuinfo:/proc/cpuinfo\n"
# Raspberry Pi OS's python3-lgpio, which Debian's archive lacks: the same
# library from PyPI into the venv install.sh made, its wheel where one
# exists (Python 3.11), else built from its source with the C library
# linked in (PYPI=1, as its wheels are built; Python 3.13).
LGPIO = "lgpio==0.2.2.0"
PI_PACKAGES = [
    f"/opt/poolside/venv/bin/pip install --only-binary=:all: {LGPIO} || "
    "{ apt-get install -y -q --no-install-recommends gcc libc6-dev swig python3-dev && "
    f"PYPI=1 /opt/poolside/venv/bin/pip install --no-binary=lgpio {LGPIO}; }}",
]
# The light the GPIO checks read back (a flash lamp on its default pin).
LIGHT_CONFIG = "\nlight:\n  kind: flash\n  pin: 23\n"


def with_light(config: str) -> str:
    """``config`` with a flash lamp on pin 23: the example's ``light:`` section set to
    flash (its pin is 23), or the section added where the config has none."""
    lines = config.splitlines(keepends=True)
    section = [i for i, line in enumerate(lines) if line.split("#")[0].rstrip() == "light:"]
    if not section:
        return config + LIGHT_CONFIG
    for index in range(section[0] + 1, len(lines)):
        line = lines[index]
        if line.strip() and not line.startswith(" "):
            break  # the next section: the light's has no kind
        if line.lstrip().startswith("kind:"):
            lines[index] = "  kind: flash\n"
            return "".join(lines)
    lines.insert(section[0] + 1, "  kind: flash\n")
    return "".join(lines)


def _pi_board(root: Path) -> None:
    """Before install.sh: the gpio group and its udev rule, the board's identity,
    and the gpio-sim chip made at each boot."""
    subprocess.run(["chroot", str(root), "groupadd", "--system", "gpio"], check=True)
    (root / "etc/udev/rules.d").mkdir(parents=True, exist_ok=True)
    (root / "etc/udev/rules.d/60-gpio.rules").write_text(PI_GPIO_RULE)
    (root / "etc/poolside-test").mkdir(parents=True, exist_ok=True)
    (root / "etc/poolside-test/cpuinfo").write_text(PI_CPUINFO)
    script = root / "usr/local/sbin/poolside-test-gpio-sim"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(GPIO_SIM_SCRIPT)
    script.chmod(0o755)
    units = root / "etc/systemd/system"
    (units / "poolside-test-gpio-sim.service").write_text(GPIO_SIM_UNIT)
    wants = units / "multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    (wants / "poolside-test-gpio-sim.service").symlink_to(
        "/etc/systemd/system/poolside-test-gpio-sim.service"
    )
    drop_in = units / "poolside.service.d"
    drop_in.mkdir(parents=True, exist_ok=True)
    (drop_in / "pi-board.conf").write_text(BOARD_DROP_IN)


def _pi_packages(root: Path, log_file: Path, log: callable) -> list:
    """After the README's steps: lgpio into the venv, and a light in the config."""
    steps = []
    with log_file.open("w") as out:
        for command in PI_PACKAGES:
            log(f"stand-in: {command}")
            t0 = time.monotonic()
            status = _chroot(root, command, out)
            steps.append((f"(stand-in) {command}", status, time.monotonic() - t0))
    config = root / "etc/poolside/config.yaml"
    config.write_text(with_light(config.read_text()))
    return steps


def _readme_steps(readme: Path, root: Path, log_file: Path, log: callable) -> list:
    """Each README line in the chroot, as root, with its exit status and time."""
    steps = []
    with log_file.open("w") as out:
        for line in readme_block(readme, "pi-install"):
            command = line.replace(PLACEHOLDER, "/root/poolside.git")
            log(f"README step: {line}")
            out.write(f"\n$ {line}\n")
            out.flush()
            t0 = time.monotonic()
            status = _chroot(root, command, out)
            seconds = time.monotonic() - t0
            out.write(f"# exit {status} after {seconds:.0f} s\n")
            steps.append((line, status, seconds))
            if status != 0:
                log(f"README step failed (exit {status}): {line} (see {log_file})")
                break
    return steps


def _chroot(root: Path, command: str, out) -> int:
    """``command`` by bash in the chroot, with /proc, /sys, /dev and a /run of its own."""
    script = (
        'mount -t proc proc "$1/proc" && mount -t sysfs sys "$1/sys" && '
        'mount --rbind /dev "$1/dev" && mount -t tmpfs tmpfs "$1/run" && '
        'exec chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root '
        'LANG=C.UTF-8 /bin/bash -c "$2"'
    )
    unshare = ["unshare", "--mount", "--propagation", "private"]
    try:
        result = subprocess.run(
            [*unshare, "sh", "-c", script, "-", root, command],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            check=False,
            timeout=STEP_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return 124  # as timeout(1) says it: a step that hangs fails, it does not stall the run
    return result.returncode


def _after_build(root: Path) -> None:
    """The guest has no network: drop the build's resolver, CA bundle and pip.conf."""
    (root / "etc/resolv.conf").write_text("")
    (root / "root/build-ca.crt").unlink()
    (root / "etc/pip.conf").unlink()


def _run(command: list[str], log_file: Path | None) -> None:
    out = log_file.open("w") if log_file else subprocess.DEVNULL
    try:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    finally:
        if log_file:
            out.close()
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} failed (exit {result.returncode}); see {log_file}")
