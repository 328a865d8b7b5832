"""USB sticks for the sync unit: options by file system type, one mount point each.

The real mount, on a hot-plugged stick in a booted system, is in the
appliance test (tests/appliance); these pin the choices it relies on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from poolside.stick import StickError, mount_options, mount_point, unmount

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
