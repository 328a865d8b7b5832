"""Faults on the Pi's data folder, class by class, with real files and processes.

A damaged database set aside must not restart the record sequence or reuse
batch names; trouble that is not damage (locked, read-only, full) moves
nothing; one kiosk per data folder; a device id is checked before it names
a folder anywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

from poolside.core.checkin import Change, Person, Roll
from poolside.records import reserve
from poolside.records.attendance import Attendance
from poolside.records.outbox import make_batches, outbox_dir
from poolside.records.store import DB_NAME, Busy, Store, Unavailable, clock_facts
from poolside.records.sync import SyncError, sync

from .conftest import run_poolside


def _sealed_run(store: Store, *people: str) -> None:
    facts = clock_facts(0.0)
    ids = [store.start_session(p, "jump-and-hop-20", 1200, 3, "class", 1, facts) for p in people]
    store.close_sessions(ids, 1200, 3, stopped_early=False)
    store.seal(ids)


def _batched_records(data: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted(outbox_dir(data).glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def test_a_set_aside_database_continues_the_sequence_and_every_record_is_batched(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path)
    _sealed_run(store, "P001", "P002")
    first_batches = make_batches(store)
    store.close()
    (tmp_path / DB_NAME).write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp_path / DB_NAME}{suffix}").unlink(missing_ok=True)

    again = Store(tmp_path)
    assert again.set_aside is not None
    _sealed_run(again, "P003")
    new_batches = make_batches(again)
    again.close()

    assert len(new_batches) == 1 and not set(new_batches) & set(first_batches)
    records = _batched_records(tmp_path)
    assert [r["participant"] for r in records if r["participant"] == "P003"] == ["P003"]
    assert sorted(r["seq"] for r in records) == [1, 2, 3], "no seq used twice, none skipped"


def test_an_sd_card_set_up_again_with_the_same_device_id_makes_new_batch_names(
    tmp_path: Path,
) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    names = []
    for folder in (old, new):
        folder.mkdir()
        (folder / "device-id").write_text("pool-0badcafe\n")
        store = Store(folder)
        _sealed_run(store, "P001")
        names += make_batches(store)
        store.close()
    assert len(set(names)) == 2, names


def test_a_locked_database_is_not_damage_and_nothing_is_moved(tmp_path: Path) -> None:
    Store(tmp_path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; db = sqlite3.connect(sys.argv[1], isolation_level=None); "
            "db.execute('PRAGMA locking_mode=EXCLUSIVE'); db.execute('BEGIN EXCLUSIVE'); "
            "print('locked', flush=True); sys.stdin.read()",
            str(tmp_path / DB_NAME),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(Unavailable) as refused:
            Store(tmp_path)
        assert not isinstance(refused.value, Busy)
        assert sorted(p.name for p in tmp_path.iterdir() if "damaged" in p.name) == []
    finally:
        holder.communicate("")
    assert Store(tmp_path).set_aside is None


@pytest.fixture
def read_only(tmp_path: Path):
    """A real read-only tmpfs (needs root, as CI is), holding an earlier database."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], check=True)
    try:
        Store(folder).close()
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_folder_is_refused_without_moving_anything(read_only: Path) -> None:
    before = sorted(p.name for p in read_only.iterdir())
    with pytest.raises(Unavailable, match="Read-only"):
        Store(read_only)
    assert sorted(p.name for p in read_only.iterdir()) == before


def test_a_read_only_folder_still_runs_the_class_headless_says_why(read_only: Path) -> None:
    result = run_poolside(
        "run", "jump-and-hop-20", "--headless", "--start", "--speed", "5000",
        "--participant", "P001", "--data", str(read_only), "--events", "/dev/null",
    )  # fmt: skip
    assert result.returncode == 1
    assert "attendance cannot be saved" in result.stderr and "Traceback" not in result.stderr


def _hold(data: Path) -> subprocess.Popen[str]:
    """A second process holding the data folder, as a kiosk would; it says when."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from poolside.records.store import Store; s = Store(__import__("
            "'pathlib').Path(sys.argv[1])); print('open', flush=True); sys.stdin.read()",
            str(data),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "open"
    return child


def test_one_kiosk_per_data_folder(tmp_path: Path) -> None:
    first = _hold(tmp_path)
    try:
        with pytest.raises(Busy, match=f"pid {first.pid}"):
            Store(tmp_path)
        result = run_poolside(
            "run", "jump-and-hop-20", "--headless", "--start", "--speed", "5000",
            "--participant", "P001", "--data", str(tmp_path), "--events", "/dev/null",
        )  # fmt: skip
        assert result.returncode == 1
        assert "one kiosk per data folder" in result.stderr
    finally:
        first.communicate("")
    Store(tmp_path).close()  # free again once the first has gone


@pytest.mark.parametrize(
    "content",
    [b"", b"\n", b"../../etc\n", b"pool/../../x\n", b"\xff\xfe\x00garbage", b"x" * 5000],
)
def test_an_unusable_device_id_is_kept_aside_and_replaced(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "device-id").write_bytes(content)
    store = Store(tmp_path)
    assert store.device.startswith("pool-") and "/" not in store.device
    assert (tmp_path / "device-id.bad").read_bytes() == content
    assert any("device-id was unusable" in n for n in store.notices)
    store.close()


def test_a_device_id_that_is_a_link_or_a_fifo_is_not_followed_or_waited_on(
    tmp_path: Path,
) -> None:
    (tmp_path / "elsewhere").write_text("pool-11111111\n")
    (tmp_path / "device-id").symlink_to(tmp_path / "elsewhere")
    store = Store(tmp_path)
    assert store.device != "pool-11111111"
    store.close()
    fifo = tmp_path / "fifo"
    fifo.mkdir()
    os.mkfifo(fifo / "device-id")
    Store(fifo).close()  # returns at once: O_NONBLOCK, then refused as not a regular file


def test_sync_refuses_a_path_like_device_id(tmp_path: Path) -> None:
    data, stick = tmp_path / "data", tmp_path / "stick"
    store = Store(data)
    _sealed_run(store, "P001")
    make_batches(store)
    store.close()
    stick.mkdir()
    (data / "device-id").write_text("../../outside\n")
    with pytest.raises(SyncError, match="no usable device id"):
        sync(data, str(stick))
    assert list(tmp_path.rglob("outside")) == []


def test_sync_to_a_read_only_destination_is_one_line_and_exit_1(
    tmp_path: Path, read_only: Path
) -> None:
    data = tmp_path / "data"
    store = Store(data)
    _sealed_run(store, "P001")
    make_batches(store)
    store.close()
    for extra in ((), ("--rsync",)):
        result = run_poolside("sync", "--to", str(read_only), "--data", str(data), *extra)
        assert result.returncode == 1, result
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# -- sync never writes or deletes outside the destination ------------------------------
def _synced_data(tmp_path: Path) -> tuple[Path, str, list[str]]:
    data = tmp_path / "data"
    store = Store(data)
    _sealed_run(store, "P001")
    names = make_batches(store)
    device = store.device
    store.close()
    return data, device, names


def test_a_device_folder_that_is_a_link_out_of_the_destination_is_refused(tmp_path: Path):
    data, device, _ = _synced_data(tmp_path)
    stick, outside = tmp_path / "stick", tmp_path / "outside"
    stick.mkdir()
    outside.mkdir()
    (stick / device).symlink_to(outside)
    with pytest.raises(SyncError, match="not a folder"):
        sync(data, str(stick))
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("planted", ["link", "fifo", "folder"])
def test_a_batch_name_that_is_not_a_regular_file_is_refused(tmp_path: Path, planted: str):
    data, device, names = _synced_data(tmp_path)
    stick, outside = tmp_path / "stick", tmp_path / "outside.txt"
    (stick / device).mkdir(parents=True)
    outside.write_text("precious\n")
    entry = stick / device / names[0]
    if planted == "link":
        entry.symlink_to(outside)
    elif planted == "fifo":
        os.mkfifo(entry)
    else:
        entry.mkdir()
    with pytest.raises(SyncError, match=r"refused|not a regular file|different"):
        sync(data, str(stick))
    assert outside.read_text() == "precious\n"


def test_cleaning_up_removes_links_at_temporary_names_never_their_targets(tmp_path: Path):
    data, device, names = _synced_data(tmp_path)
    stick, outside = tmp_path / "stick", tmp_path / "outside.txt"
    (stick / device).mkdir(parents=True)
    outside.write_text("precious\n")
    (stick / device / f".{names[0]}.part").symlink_to(outside)
    (stick / device / "notes.txt").write_text("the coordinator's own file\n")
    (stick / device / ".other.part").write_text("not a name sync makes\n")
    sync(data, str(stick))
    assert outside.read_text() == "precious\n"
    assert (stick / device / names[0]).is_file() and not (stick / device / names[0]).is_symlink()
    assert (stick / device / "notes.txt").exists() and (stick / device / ".other.part").exists()


@contextmanager
def _full_tmpfs(
    tmp_path: Path, keep_reserve: bool, open_first: bool = False, room: int = 0
) -> Iterator[Any]:
    """A real 8 MiB tmpfs holding a data folder and its 4 MiB reserve, then filled
    but for ``room`` bytes.

    Yields the folder, or with ``open_first`` (folder, the kiosk's store opened
    before the disk filled)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], check=True)
    try:
        store = Store(mount)
        if not open_first:
            store.close()
        assert (mount / reserve.RESERVE_FILE).stat().st_blocks * 512 >= reserve.RESERVE_BYTES
        if not keep_reserve:
            (mount / reserve.RESERVE_FILE).unlink()
        with open(mount / "filler", "wb", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"\0" * 4096)
            except OSError:
                pass  # full now
            filler.truncate(max(0, filler.tell() - room))
        yield (mount, store) if open_first else mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _headless_class(data: Path, who: str = "P001", **kwargs: Any) -> CompletedProcess[str]:
    return run_poolside(
        "run", "jump-and-hop-20", "--headless", "--start", "--speed", "5000",
        "--participant", who, "--data", str(data), "--events", "/dev/null", **kwargs,
    )  # fmt: skip


def test_a_disk_full_before_a_class_gives_up_the_reserve_and_keeps_every_record(
    tmp_path: Path,
) -> None:
    """The records are on disk, not in memory: a restart (here a new process) finds them."""
    with _full_tmpfs(tmp_path, keep_reserve=True) as data:
        result = _headless_class(data)
        assert result.returncode == 0, result
        assert "Traceback" not in result.stderr
        assert not (data / reserve.RESERVE_FILE).exists()
        store = Store(data, shared=True)
        try:
            (record,) = store.records()
        finally:
            store.close()
        assert record["participant"] == "P001" and record["completed_s"] == 1200


def test_a_disk_that_fills_while_the_kiosk_runs_gives_up_the_reserve_for_the_check_in(
    tmp_path: Path,
) -> None:
    """The store was opened with room to spare; the card fills; the next check-in
    is still confirmed, on disk, and the screen's status says why space is short."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    with _full_tmpfs(tmp_path, keep_reserve=True, open_first=True) as (data, store):
        attendance = Attendance(store, Roll([Person("P001", "Ann")]))
        assert attendance.mark(Change("P001", present=True))
        assert attendance.problem is None
        assert any("reserve space is in use" in line for line in attendance.status())
        store.close()
        again = Store(data, shared=True)
        try:
            assert again.roll(clock_facts(time.monotonic())) == ["P001"]
        finally:
            again.close()


def test_a_disk_full_without_a_reserve_is_said_and_its_writes_outlive_a_restart(
    tmp_path: Path,
) -> None:
    """Room to open the database, not for the class: held writes that never got
    in are one line on stderr and exit 1, not a quiet success; kept in the
    runtime folder, they go in at the next start with room."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "RUNTIME_DIRECTORY": str(runtime)}
    with _full_tmpfs(tmp_path, keep_reserve=False, room=96 * 1024) as data:
        result = _headless_class(data, env=env)
        assert result.returncode == 1, result
        assert "not saved" in result.stderr or "cannot be saved" in result.stderr
        assert "Traceback" not in result.stderr
        (spilled,) = runtime.glob("held-*.json")
        (data / "filler").unlink()  # space is back
        again = _headless_class(data, "P002", env=env)
        assert again.returncode == 0, again
        assert not spilled.exists(), "put in, then removed"
        store = Store(data, shared=True)
        try:
            done = {(r["participant"], r["completed_s"]) for r in store.records()}
        finally:
            store.close()
        assert done == {("P001", 1200), ("P002", 1200)}
