"""Mounting a USB stick labelled POOLSIDE for ``poolside-usb-sync@.service``.

``poolside-usb-mount@.service`` runs ``poolside stick mount sda1`` as root
before the sandboxed ``poolside sync`` starts, and ``poolside stick unmount
sda1`` once the sync no longer needs the stick.
Each stick gets its own mount point, ``/run/poolside-usb/<kernel name>``, so
two sticks plugged in at once never share one. The file system type is
asked of ``blkid`` and passed to ``mount -t``: without it, ``mount`` only
tries the types whose modules are already loaded, and a fresh Pi has no
vfat module loaded. Options are chosen per type, because ``flush`` is
vfat's alone and exFAT refuses it.

    >>> mount_options("vfat", uid=1001, gid=1001)
    'uid=1001,gid=1001,umask=0077,nosuid,nodev,noexec,flush'
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from pathlib import Path

from poolside import tools

MOUNT_ROOT = Path("/run/poolside-usb")
KERNEL_NAME = re.compile(r"[a-z][a-z0-9]{0,31}")
COMMON = "nosuid,nodev,noexec"
# The file systems a stick for the study may carry, and their extra options.
TYPES = {"vfat": "flush", "exfat": ""}


class StickError(Exception):
    """The stick cannot be used; the message says why, in one line."""


def mount_options(fstype: str, uid: int, gid: int) -> str:
    """Owner, no executables or devices, and the type's own options."""
    if fstype not in TYPES:
        raise StickError(
            f"file system {fstype or 'unknown'} is not supported: format the stick FAT32 or exFAT"
        )
    extra = TYPES[fstype]
    return f"uid={uid},gid={gid},umask=0077,{COMMON}" + (f",{extra}" if extra else "")


def mount_point(name: str, root: Path = MOUNT_ROOT) -> Path:
    """Where stick ``name`` (a kernel name such as ``sda1``) is mounted."""
    if not KERNEL_NAME.fullmatch(name):
        raise StickError(f"not a block device name: {name!r}")
    return root / name


def fs_type(device: Path) -> str:
    result = subprocess.run(
        [tools.find("blkid") or "/sbin/blkid", "--probe", "--output", "value", "--match-tag",
         "TYPE", "--", str(device)],
        capture_output=True,
        text=True,
        check=False,
        env=tools.environment(),
    )  # fmt: skip
    return result.stdout.strip()


def mount(name: str, owner: str, root: Path = MOUNT_ROOT) -> Path:
    """Mount ``/dev/<name>`` for ``owner`` and return the mount point."""
    import pwd

    target = mount_point(name, root)
    device = Path("/dev") / name
    try:
        account = pwd.getpwnam(owner)
    except KeyError:
        raise StickError(f"no user {owner!r}: run install.sh") from None
    fstype = fs_type(device)
    options = mount_options(fstype, account.pw_uid, account.pw_gid)
    for folder in (root, target):
        folder.mkdir(exist_ok=True)
        folder.chmod(0o755)  # not left to the umask: the unit's UMask=0077 would shut it
    _run(["mount", "-t", fstype, "-o", options, str(device), str(target)])
    return target


def mounted_type(target: Path, mountinfo: Path = Path("/proc/self/mountinfo")) -> str:
    """The file system type mounted exactly at ``target`` ('' when none is).

    >>> import tempfile; folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "mountinfo").write_text(
    ...     "36 25 8:1 / /run/poolside-usb/sda1 rw,nosuid - vfat /dev/sda1 rw,flush\\n")
    >>> mounted_type(Path("/run/poolside-usb/sda1"), folder / "mountinfo")
    'vfat'
    >>> mounted_type(Path("/run/poolside-usb/sdb1"), folder / "mountinfo")
    ''
    """
    wanted = os.path.normpath(os.path.abspath(target))
    found = ""
    try:
        lines = mountinfo.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    for line in lines:
        fields, _, after = line.partition(" - ")
        parts = fields.split(" ")
        if len(parts) > 4 and _unescape(parts[4]) == wanted and after:
            found = after.split(" ", 1)[0]  # the last mount there is the one seen
    return found


def _unescape(path: str) -> str:
    """mountinfo writes a space, tab, newline and backslash as octal escapes."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), path)


def check_mounted_stick(target: Path, mountinfo: Path = Path("/proc/self/mountinfo")) -> None:
    """Refuse ``target`` unless a stick's file system is mounted right there.

    A sync to the empty folder a stick should be mounted on would "succeed"
    into the Pi's own memory while the stick goes back to the study team
    empty, so a stick's mount point is checked before anything is written.
    """
    fstype = mounted_type(target, mountinfo)
    if not fstype:
        raise StickError(f"{target}: no USB stick is mounted there (an empty mount point)")
    if fstype not in TYPES:
        raise StickError(f"{target}: {fstype} is mounted there, not a FAT32 or exFAT stick")


def unmount(name: str, root: Path = MOUNT_ROOT) -> None:
    """Unmount stick ``name`` and remove its empty mount point (never its files)."""
    target = mount_point(name, root)
    if target.is_mount():
        _run(["umount", str(target)])
    with contextlib.suppress(FileNotFoundError):
        target.rmdir()  # rmdir, not a recursive delete: a busy mount stays whole


def _run(command: list[str]) -> None:
    """A system tool (by its full path, as :mod:`poolside.tools` finds it)."""
    program = tools.find(command[0]) or f"/bin/{command[0]}"
    result = subprocess.run(
        [program, *command[1:]],
        capture_output=True,
        text=True,
        check=False,
        env=tools.environment(),
    )
    if result.returncode != 0:
        said = (result.stderr or result.stdout).strip().splitlines()
        raise StickError(f"{' '.join(command)}: {said[-1] if said else 'failed'}")
