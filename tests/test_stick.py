"""USB sticks for the sync unit: options by file system type, one mount point each.

The real mount, on a hot-plugged stick in a booted system, is in the
appliance test (tests/appliance); these pin the choices it relies on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from poolside.stick import (
    StickError,
    check_mounted_stick,
    mount_options,
    mount_point,
    mounted_type,
    unmount,
)

from .conftest import run_poolside


def test_flush_is_for_vfat_only_and_every_stick_is_noexec_and_private() -> None:
    vfat = mount_options("vfat", uid=1001, gid=1002).split(",")
    exfat = mount_options("exfat", uid=1001, gid=1002).split(",")
    assert "flush" in vfat and "flush" not in exfat
    for options in (vfat, exfat):
        assert {"uid=1001", "gid=1002", "umask=0077", "nosuid", "nodev", "noexec"} <= set(options)


@pytest.mark.parametrize("fstype", ["ext4", "ntfs", "", "iso9660"])
def test_other_file_systems_are_refused_with_what_to_do(fstype: str) -> None:
    with pytest.raises(StickError, match="format the stick FAT32 or exFAT"):
        mount_options(fstype, uid=1, gid=1)


def test_each_stick_has_its_own_mount_point(tmp_path: Path) -> None:
    assert mount_point("sda1", tmp_path) != mount_point("sdb", tmp_path)
    assert mount_point("sda1", tmp_path).parent == tmp_path


@pytest.mark.parametrize("name", ["../etc", "sda1/../../x", "", "SDA1", "sd a", "a" * 40])
def test_a_name_that_is_not_a_kernel_device_name_is_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(StickError):
        mount_point(name, tmp_path)


def test_unmount_removes_only_an_empty_mount_point(tmp_path: Path) -> None:
    """rmdir, never a recursive delete: files under a still-mounted point survive."""
    point = tmp_path / "sda1"
    point.mkdir()
    (point / "batch.jsonl").write_text("{}\n")
    with pytest.raises(OSError):
        unmount("sda1", tmp_path)
    assert (point / "batch.jsonl").exists()
    (point / "batch.jsonl").unlink()
    unmount("sda1", tmp_path)
    assert not point.exists()
    unmount("sda1", tmp_path)  # again: nothing there, nothing to do


def test_the_command_says_one_line_and_exits_1() -> None:
    result = run_poolside("stick", "mount", "../../etc")
    assert result.returncode == 1
    assert result.stderr.strip() == "poolside: stick: not a block device name: '../../etc'"


def test_mount_points_are_open_to_the_service_user_whatever_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unit's UMask=0077 applies to the root helper too: a 0700 folder shuts out poolside."""
    import os

    import poolside.stick as stick

    calls: list[list[str]] = []
    monkeypatch.setattr(stick, "fs_type", lambda device: "vfat")
    monkeypatch.setattr(stick, "_run", calls.append)
    old = os.umask(0o077)
    try:
        target = stick.mount("sda1", "root", tmp_path / "usb")
    finally:
        os.umask(old)
    assert (tmp_path / "usb").stat().st_mode & 0o777 == 0o755
    assert target.stat().st_mode & 0o777 == 0o755
    assert calls[0][:3] == ["mount", "-t", "vfat"] and calls[0][-2:] == ["/dev/sda1", str(target)]


MOUNTINFO = (
    "22 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
    "36 22 8:1 / /run/poolside-usb/sda1 rw,nosuid - vfat /dev/sda1 rw,flush\n"
    "37 22 8:17 / /run/poolside-usb/sdb1 rw,nosuid - exfat /dev/sdb1 rw\n"
    "38 22 0:40 / /media/my\\040stick rw - vfat /dev/sdc1 rw\n"
    "39 22 0:41 / /run/poolside-usb/sdd1 rw - tmpfs tmpfs rw\n"
    "40 36 0:42 / /run/poolside-usb/sda1/inner rw - ext4 /dev/sde1 rw\n"
)


@pytest.fixture
def mountinfo(tmp_path: Path) -> Path:
    path = tmp_path / "mountinfo"
    path.write_text(MOUNTINFO)
    return path


@pytest.mark.parametrize(
    "target", ["/run/poolside-usb/sda1", "/run/poolside-usb/sdb1/", "/media/my stick"]
)
def test_a_stick_mounted_right_there_is_taken(target: str, mountinfo: Path) -> None:
    check_mounted_stick(Path(target), mountinfo)


@pytest.mark.parametrize(
    ("target", "said"),
    [
        ("/run/poolside-usb/sdx1", "no USB stick is mounted there"),  # an empty mount point
        ("/run/poolside-usb", "no USB stick is mounted there"),  # the folder above
        ("/run/poolside-usb/sda1/inner", "ext4 is mounted there"),  # inside a stick
        ("/run/poolside-usb/sdd1", "tmpfs is mounted there"),
        ("/", "ext4 is mounted there"),
    ],
)
def test_anything_but_a_stick_mounted_there_is_refused(
    target: str, said: str, mountinfo: Path
) -> None:
    with pytest.raises(StickError, match=said):
        check_mounted_stick(Path(target), mountinfo)


def test_the_last_mount_at_a_place_is_the_one_seen(tmp_path: Path) -> None:
    """A file system mounted over the stick hides it: the sync would write there."""
    path = tmp_path / "mountinfo"
    path.write_text(MOUNTINFO + "41 36 0:43 / /run/poolside-usb/sda1 rw - tmpfs tmpfs rw\n")
    assert mounted_type(Path("/run/poolside-usb/sda1"), path) == "tmpfs"


def test_sync_refuses_a_folder_with_no_stick_when_told_it_is_one(tmp_path: Path) -> None:
    """--stick on a plain folder (the real mount table: nothing is mounted there)."""
    folder = tmp_path / "stick"
    folder.mkdir()
    result = run_poolside("sync", "--stick", "--to", str(folder), "--data", str(tmp_path / "d"))
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"poolside sync: {folder}: no USB stick is mounted there (an empty mount point)"
    )
    assert list(folder.iterdir()) == []
