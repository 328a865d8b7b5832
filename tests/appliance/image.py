"""Build a bootable Debian 12 image the way a user installs poolside.

The steps are the README's own: the shell block after ``<!-- pi-install -->``
in "Installing on a Raspberry Pi" is run line by line, as written, as root in
a chroot of a fresh debootstrap. Only ``<this repository>`` is replaced, by a
clone of the checkout's committed HEAD. Nothing else of poolside is put into
the image by this module, so a step the README forgets fails here.

What is not the README's is the machine around it: a kernel and initramfs,
a root file system on the first virtio disk, root's autologin on the serial
console (the test drives the guest through it), a persistent journal (so the
logs survive the power cut), and for the build only the host's CA bundle for
pip and the host's resolver (the guest itself has no network).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
# A minimal bootable system; everything poolside needs comes from the README.
BASE_PACKAGES = (
    "systemd,systemd-sysv,udev,dbus,kmod,linux-image-amd64,initramfs-tools,"
    "sudo,ca-certificates,procps,util-linux,sqlite3,mtools"
)
IMAGE_SIZE = "4G"
PLACEHOLDER = "<this repository>"
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")


@dataclass(frozen=True)
class Image:
    disk: Path
    kernel: Path
    initrd: Path
    steps: list[tuple[str, int, float]]  # README line, exit status, seconds
    log: Path


def readme_block(readme: Path, marker: str) -> list[str]:
    """The commands of the ```sh block after ``<!-- marker -->``, one per logical line."""
    text = readme.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {re.escape(marker)} -->\s*```sh\n(.*?)\n\s*```", text, re.S)
    if match is None:
        raise SystemExit(f"README.md has no ```sh block after <!-- {marker} -->")
    lines = [line.strip() for line in match[1].replace("\\\n", " ").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def build(checkout: Path, work: Path, log: callable) -> Image:
    """debootstrap (cached in ``work/base``), the README's steps, then the disk image."""
    base, root = work / "base", work / "root"
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    if not (base / ".complete").exists():
        log(f"debootstrap {SUITE} into {base}")
        shutil.rmtree(base, ignore_errors=True)
        debootstrap = ["debootstrap", "--variant=minbase", f"--include={BASE_PACKAGES}"]
        _run([*debootstrap, SUITE, str(base), MIRROR], logs / "debootstrap.log")
        (base / ".complete").touch()
    log("fresh root from the debootstrap base")
    if root.exists():
        shutil.rmtree(root)  # loudly: cp -a into a leftover folder would nest the copy
    _run(["cp", "-a", str(base), str(root)], logs / "copy.log")
    _machine(root)
    clone = root / "root" / "poolside.git"
    _run(["git", "clone", "--quiet", "--bare", str(checkout), str(clone)], logs / "clone.log")
    steps = _readme_steps(checkout / "README.md", root, logs / "readme-steps.log", log)
    _after_build(root)
    boot = work / "boot"
    boot.mkdir(exist_ok=True)
    shutil.copy(root / "vmlinuz", boot / "vmlinuz")
    shutil.copy(root / "initrd.img", boot / "initrd.img")
    disk = work / "disk.img"
    disk.unlink(missing_ok=True)
    log("mkfs.ext4 -d (the disk image)")
    _run(["mkfs.ext4", "-q", "-F", "-L", "root", "-d", str(root), str(disk), IMAGE_SIZE], None)
    return Image(disk, boot / "vmlinuz", boot / "initrd.img", steps, logs / "readme-steps.log")


def _machine(root: Path) -> None:
    """The machine around poolside: fstab, names, serial autologin, journal."""
    (root / "etc/fstab").write_text("/dev/vda / ext4 rw,errors=remount-ro 0 1\n")
    (root / "etc/hostname").write_text("poolside-test\n")
    (root / "etc/hosts").write_text("127.0.0.1 localhost\n127.0.1.1 poolside-test\n")
    (root / "etc/apt/sources.list").write_text(
        f"deb {MIRROR} {SUITE} main\ndeb {MIRROR} {SUITE}-updates main\n"
    )
    shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")
    # pip (under sudo, which clears the environment) reads /etc/pip.conf.
    shutil.copy(HOST_CA, root / "root/build-ca.crt")
    (root / "etc/pip.conf").write_text(
        "[global]\ncert = /root/build-ca.crt\ndefault-timeout = 180\n"
    )
    (root / "var/log/journal").mkdir(parents=True, exist_ok=True)
    getty = root / "etc/systemd/system/serial-getty@ttyS0.service.d"
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
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "-", root, command],
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        check=False,
    )
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
