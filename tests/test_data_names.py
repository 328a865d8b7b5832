"""Every fixed name in the data folder, with a link, a FIFO or a device planted at it.

For each name poolside keeps in the data folder and each kind of thing that
is not a plain file, a real class is run (``run --headless``: the store, its
lock, reserve, device id and journal, the outbox), then ``sync`` (its log)
and ``doctor``: each finishes (a FIFO is never waited on), none crashes, and
the file and folder the links point at are untouched.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from poolside.records.outbox import OUTBOX
from poolside.records.reserve import RESERVE_FILE
from poolside.records.store import DB_NAME, DEVICE_FILE, LOCK_FILE
from poolside.records.sync import LOG

from .conftest import run_poolside

pytestmark = pytest.mark.slow  # some sixty runs of the real commands

NAMES = (
    LOCK_FILE, RESERVE_FILE, DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal",
    DEVICE_FILE, OUTBOX, f"{OUTBOX}/{LOG}", f"{OUTBOX}/.pool-x-1-0000001-0000001.jsonl.part",
)  # fmt: skip
KINDS = ("link to a file", "link to a folder", "fifo", "device")
SECONDS = 60  # a run that takes longer is waiting on something: a failure


def _plant(path: Path, kind: str, outside: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "link to a file":
        path.symlink_to(outside / "precious.txt")
    elif kind == "link to a folder":
        path.symlink_to(outside)
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root (CI runs as root)")
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_a_fixed_name_holding_a_link_fifo_or_device_is_never_followed_or_waited_on(
    name: str, kind: str, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me\n")
    data, dest = tmp_path / "data", tmp_path / "dest"
    dest.mkdir()
    _plant(data / name, kind, outside)
    ran = run_poolside(
        "run", "jump-and-hop-20", "--headless", "--start", "--speed", "5000",
        "--participant", "P001", "--data", str(data), "--events", "/dev/null",
        timeout=SECONDS,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    synced = run_poolside("sync", "--to", str(dest), "--data", str(data), timeout=SECONDS)
    assert synced.returncode == 0, synced.stderr
    assert len(list(dest.rglob("*.jsonl"))) == 1, "the class's batch, whole"
    doctor = run_poolside("doctor", "--non-interactive", "--data", str(data), timeout=SECONDS)
    assert "Traceback" not in doctor.stdout + doctor.stderr
    assert (outside / "precious.txt").read_text() == "keep me\n"
    assert sorted(p.name for p in outside.iterdir()) == ["precious.txt"]
