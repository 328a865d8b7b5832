"""The outbox and ``poolside sync``: real files, real rsync, real killed processes."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from poolside.core.checkin import Person, Roll
from poolside.records.attendance import Attendance
from poolside.records.batchname import batch_name
from poolside.records.outbox import make_batches, outbox_dir, sidecar_text, write_closed
from poolside.records.store import Run, Store, clock_facts
from poolside.records.sync import (
    SyncError,
    is_remote,
    status,
    status_line,
    sync,
    synced_names,
)

from .conftest import needs_tool, run_poolside

KILLS = int(os.environ.get("POOLSIDE_SYNC_KILLS", "50"))
needs_rsync = needs_tool("rsync")
ROOT = os.geteuid() == 0


def _sessions(store: Store, count: int, sealed: bool = True) -> list[str]:
    run = Run("jump-and-hop-20", 1200, 3, "class", 1)
    ids = [str(uuid.uuid4()) for _ in range(count)]
    store.start_run(run, [(i, f"P{n:03d}") for n, i in enumerate(ids)], _facts())
    store.close_sessions(ids, 1200, 3, stopped_early=False)
    if sealed:
        store.seal(ids)
    return ids


def _facts():
    return clock_facts(time.monotonic())


def _outbox(data: Path, batches: int, per_batch: int = 3) -> list[Path]:
    """An outbox of many small batches, written the way the kiosk writes them."""
    store = Store(data)
    for _ in range(batches):
        _sessions(store, per_batch)
        make_batches(store)
    store.close()
    return sorted(outbox_dir(data).glob("*.jsonl"))


def _landed(dest: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in dest.rglob("*.jsonl")}


# -- the outbox ---------------------------------------------------------------------
def test_sealed_records_become_closed_batches_with_a_sidecar(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first = _sessions(store, 2)
    _sessions(store, 1, sealed=False)  # a run still on its finished screen
    later = _sessions(store, 1)
    (name,) = make_batches(store)
    assert name == batch_name(store.device, store.generation, 1, 2), (
        "stops before the unsealed record"
    )
    batch = outbox_dir(tmp_path) / name
    lines = [json.loads(line) for line in batch.read_text().splitlines()]
    assert [r["id"] for r in lines] == first
    assert {"boot_id", "monotonic_s"} <= set(lines[0]) and "name" not in lines[0]
    digest, listed = (outbox_dir(tmp_path) / f"{name}.sha256").read_text().split()
    assert (digest, listed) == (hashlib.sha256(batch.read_bytes()).hexdigest(), name)
    assert make_batches(store) == [], "nothing new until the open run is sealed"
    store.seal()
    (rest,) = make_batches(store)
    assert rest == batch_name(store.device, store.generation, 3, 4)
    assert [json.loads(x)["id"] for x in (outbox_dir(tmp_path) / rest).read_text().split()][
        1
    ] == later[0]


def test_a_batch_written_before_a_power_cut_is_not_written_twice(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _sessions(store, 2)
    records = store.unbatched()  # the batch reached the disk, the database mark did not
    name = batch_name(store.device, store.generation, 1, 2)
    data = b"".join(json.dumps(r).encode() + b"\n" for r in records)
    write_closed(outbox_dir(tmp_path), name, data)
    assert make_batches(store) == []
    assert store.unbatched() == [] and store.batch_names() == {name}


def test_a_finished_run_reaches_the_outbox_when_its_screen_is_left(tmp_path: Path) -> None:
    store = Store(tmp_path)
    attendance = Attendance(store, Roll([Person("P001", "Ann")], "solo"))
    attendance.record_ids = _sessions(store, 1, sealed=False)
    assert not list(outbox_dir(tmp_path).glob("*.jsonl"))
    attendance.seal()
    assert len(list(outbox_dir(tmp_path).glob("*.jsonl"))) == 1


# -- folders ---------------------------------------------------------------------------
def test_sync_to_a_folder_lands_verified_batches_once(tmp_path: Path) -> None:
    data, stick = tmp_path / "data", tmp_path / "stick"
    stick.mkdir()
    batches = _outbox(data, 4)
    assert status(data) == (4, None)
    assert status_line(data) == "4 batch(es) to sync · never synced"
    result = run_poolside("sync", "--to", str(stick), "--data", str(data))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"synced 4 batch(es) to {stick}")
    device = (data / "device-id").read_text().strip()
    landed = sorted((stick / device).glob("*.jsonl"))
    assert [p.name for p in landed] == [b.name for b in batches]
    check = subprocess.run(
        ["sha256sum", "-c", *[f"{p.name}.sha256" for p in landed]],
        cwd=stick / device,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    before = {p: p.stat().st_mtime_ns for p in (stick / device).iterdir()}
    again = run_poolside("sync", "--to", str(stick), "--data", str(data))
    assert again.returncode == 0 and again.stdout.startswith("synced 0 batch(es)")
    assert {p: p.stat().st_mtime_ns for p in (stick / device).iterdir()} == before
    waiting, last = status(data)
    assert waiting == 0 and last is not None
    assert status_line(data) == f"all synced · last sync {last.astimezone():%Y-%m-%d %H:%M}"


def test_a_different_file_of_the_same_name_is_never_overwritten(tmp_path: Path) -> None:
    data, stick = tmp_path / "data", tmp_path / "stick"
    (batch,) = _outbox(data, 1)
    device = (data / "device-id").read_text().strip()
    (stick / device).mkdir(parents=True)
    (stick / device / batch.name).write_text("something else\n")
    result = run_poolside("sync", "--to", str(stick), "--data", str(data))
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
    assert "a different file of that name is there; not overwritten" in result.stderr
    assert (stick / device / batch.name).read_text() == "something else\n"
    assert status(data)[0] == 1, "not marked synced"


def test_a_missing_destination_is_one_line_and_exit_1(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _outbox(data, 1)
    result = run_poolside("sync", "--to", str(tmp_path / "no-stick"), "--data", str(data))
    assert result.returncode == 1
    assert result.stderr == (
        f"poolside sync: {tmp_path / 'no-stick'}: no such folder "
        "(is the USB stick or share mounted?)\n"
    )
    nothing = run_poolside("sync", "--data", str(data))
    assert nothing.returncode == 1 and "no destination" in nothing.stderr


def test_a_destination_that_vanishes_mid_copy_marks_only_what_was_verified(
    tmp_path, monkeypatch
) -> None:
    import poolside.records.sync as syncing

    data, stick = tmp_path / "data", tmp_path / "stick"
    stick.mkdir()
    _outbox(data, 3)
    real_place, placed = syncing._place, []

    def place_then_pull(folder: int, name: str, content: bytes, where: Path) -> None:
        placed.append(name)
        if len(placed) == 3:  # the second batch: the stick is pulled out
            shutil.rmtree(stick)
        real_place(folder, name, content, where)

    monkeypatch.setattr(syncing, "_place", place_then_pull)
    with pytest.raises(SyncError, match="went away during the copy"):
        sync(data, str(stick))
    assert status(data)[0] == 2, "only the batch verified before the stick went counts"


@pytest.mark.skipif(not ROOT, reason="mounting a small tmpfs needs root")
def test_a_full_or_read_only_destination_marks_only_what_is_there(tmp_path: Path) -> None:
    data, stick = tmp_path / "data", tmp_path / "stick"
    stick.mkdir()
    _outbox(data, 40, per_batch=20)  # about 300 KB of batches
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(stick)], check=True)
    try:
        result = run_poolside("sync", "--to", str(stick), "--data", str(data))
        assert result.returncode == 1 and "the destination is full" in result.stderr
        marked = synced_names(data, str(stick))
        there = {p.name: p.read_bytes() for p in stick.rglob("*.jsonl")}
        assert len(marked) < 40 and status(data)[0] == 40 - len(marked)
        outbox = outbox_dir(data)
        assert all(there[name] == (outbox / name).read_bytes() for name in marked)
        subprocess.run(["mount", "-o", "remount,ro", str(stick)], check=True)
        result = run_poolside("sync", "--to", str(stick), "--data", str(data))
        assert result.returncode == 1 and "read-only" in result.stderr
        assert synced_names(data, str(stick)) == marked
    finally:
        subprocess.run(["umount", str(stick)], check=True)


def test_which_destinations_go_through_rsync() -> None:
    assert is_remote("pi@study.example.org:/srv/poolside")
    assert is_remote("backup:poolside") and is_remote("rsync://127.0.0.1:8873/pool")
    assert not is_remote("/media/usb") and not is_remote("./a:b") and not is_remote("C:/x")


# -- kills -------------------------------------------------------------------------------
def _rsync_child(pid: int, within_s: float = 5.0) -> int | None:
    """The rsync process ``pid`` started, once it is running."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return None
        if children:
            return int(children[0])
        time.sleep(0.002)
    return None


def _writing(dest: Path, child: subprocess.Popen[bytes], within_s: float = 30.0) -> None:
    """Return once ``child`` has written a file below ``dest`` (a ``.part`` or a
    batch), or has ended: the moment the sync is transferring, whatever its
    start-up took."""
    before = {p for p in dest.rglob("*") if p.is_file()}
    deadline = time.monotonic() + within_s
    while child.poll() is None and time.monotonic() < deadline:
        if any(p.is_file() and p not in before for p in dest.rglob("*")):
            return
        time.sleep(0.001)


def _kill_loop(data: Path, args: list[str], kill_rsync: bool, seed: int) -> list[Path]:
    """KILLS rounds: the Pi makes new batches, a sync starts and is killed mid-way.

    Returns every batch made. Kills land at random moments of the sync
    process, or (``kill_rsync``) of the rsync it runs, while it transfers.
    """
    rng = random.Random(seed)
    dest = Path(args[args.index("--to") + 1]) if "--to" in args else data
    store = Store(data)
    counts = {"rounds": 0, "part_synced": 0, "rsync_killed": 0}
    try:
        for _ in range(KILLS):
            for _ in range(20):
                _sessions(store, 1)
                make_batches(store)
            waiting_before = status(data)[0]
            child = subprocess.Popen(
                [sys.executable, "-m", "poolside", "sync", *args, "--data", str(data)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if kill_rsync:
                rsync = _rsync_child(child.pid)
                time.sleep(rng.uniform(0, 0.02))
                if rsync is not None and child.poll() is None:
                    os.kill(rsync, signal.SIGKILL)  # rsync dies mid-transfer
                    counts["rsync_killed"] += 1
            else:
                _writing(dest, child)  # the child's own signal: its first file appeared
                time.sleep(rng.uniform(0, 0.02))
                child.kill()
            child.wait(timeout=60)
            counts["rounds"] += 1
            counts["part_synced"] += 0 < status(data)[0] < waiting_before
    finally:
        store.close()
    print(json.dumps(counts))
    if kill_rsync:
        assert counts["rsync_killed"] >= KILLS * 0.8, counts
    else:
        assert counts["part_synced"] >= 1, counts
    return sorted(outbox_dir(data).glob("*.jsonl"))


def _every_batch_once_and_export_counts_each_session_once(
    tmp_path: Path, dest_dir: Path, batches: list[Path]
) -> None:
    landed = list(dest_dir.rglob("*.jsonl"))
    assert sorted(p.name for p in landed) == sorted(b.name for b in batches)
    originals = {b.name: b.read_bytes() for b in batches}
    assert all(path.read_bytes() == originals[path.name] for path in landed)
    sessions = sum(len(b.read_text().splitlines()) for b in batches)
    out = tmp_path / "report"
    result = run_poolside("export", str(dest_dir), "--out", str(out), "--tz", "UTC")
    assert result.returncode == 0, result.stderr
    rows = (out / "sessions.csv").read_text().splitlines()[1:]
    assert len(rows) == sessions == len({row.split(",")[0] for row in rows})
    assert "## gaps" not in (out / "problems.txt").read_text()


@pytest.mark.slow  # dozens to hundreds of SIGKILLs: CI runs it with -m slow
def test_killing_sync_at_random_moments_leaves_every_batch_once(tmp_path: Path) -> None:
    data, stick = tmp_path / "data", tmp_path / "stick"
    stick.mkdir()
    batches = _kill_loop(data, ["--to", str(stick)], kill_rsync=False, seed=7)
    final = run_poolside("sync", "--to", str(stick), "--data", str(data))
    assert final.returncode == 0, final.stderr
    _every_batch_once_and_export_counts_each_session_once(tmp_path, stick, batches)


@pytest.mark.slow  # dozens to hundreds of SIGKILLs: CI runs it with -m slow
@needs_rsync
def test_killing_rsync_mid_transfer_leaves_every_batch_once(tmp_path: Path) -> None:
    data, share = tmp_path / "data", tmp_path / "share"
    share.mkdir()
    args = ["--to", str(share), "--rsync"]
    batches = _kill_loop(data, args, kill_rsync=True, seed=11)
    final = run_poolside("sync", *args, "--data", str(data))
    assert final.returncode == 0, final.stderr
    _every_batch_once_and_export_counts_each_session_once(tmp_path, share, batches)


# -- rsync -------------------------------------------------------------------------------
@needs_rsync
def test_rsync_to_a_daemon_on_loopback(tmp_path: Path) -> None:
    data, module = tmp_path / "data", tmp_path / "module"
    module.mkdir()
    batches = _outbox(data, 3)
    port = _free_port()
    conf = tmp_path / "rsyncd.conf"
    conf.write_text(
        f"pid file = {tmp_path / 'rsyncd.pid'}\nuse chroot = false\n"
        + ("uid = root\ngid = root\n" if ROOT else "")
        + f"[pool]\npath = {module}\nread only = false\n"
    )
    command = ["rsync", "--daemon", "--no-detach", f"--config={conf}", f"--port={port}"]
    daemon = subprocess.Popen([*command, "--address=127.0.0.1"], stderr=subprocess.PIPE)
    try:
        _wait_for_port(port)
        dest = f"rsync://127.0.0.1:{port}/pool"
        result = run_poolside("sync", "--to", dest, "--data", str(data))
        assert result.returncode == 0, result.stderr
        assert sorted(_landed(module)) == [b.name for b in batches]
        for batch in batches:
            assert _landed(module)[batch.name] == batch.read_bytes()
        again = run_poolside("sync", "--to", dest, "--data", str(data))
        assert again.returncode == 0 and again.stdout.startswith("synced 0 batch(es)")
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


@needs_rsync
def test_an_unreachable_host_is_one_line_and_nothing_is_marked(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _outbox(data, 1)
    dest = f"rsync://127.0.0.1:{_free_port()}/pool"  # nothing listens there
    result = run_poolside("sync", "--to", dest, "--data", str(data))
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("poolside sync: rsync failed (")
    assert status(data)[0] == 1


def test_without_rsync_installed_the_answer_says_so(tmp_path: Path, monkeypatch) -> None:
    """rsync is looked up in the system's folders only (poolside.tools): here, none."""
    from poolside import tools
    from poolside.records.sync import SyncError, sync

    data = tmp_path / "data"
    _outbox(data, 1)
    monkeypatch.setattr(tools, "SYSTEM_DIRS", (str(tmp_path / "empty"),))
    with pytest.raises(SyncError, match=r"^rsync is not installed \(sudo apt install rsync\)$"):
        sync(data, "pi@host:/srv")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("the rsync daemon did not start")


@pytest.mark.parametrize("by_rsync", [False, True], ids=["folder", "rsync"])
def test_a_destination_that_fills_mid_copy_never_holds_a_torn_batch(
    tmp_path: Path, by_rsync: bool
) -> None:
    """A 64 KiB stick fills part-way through eight batches of some 23 KB each (by
    sync's own copy and by rsync), so that the third's write is cut short after
    8 KiB: every file under a batch's name there is whole, and once there is room
    the next sync completes, every batch verified."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    data, stick = tmp_path / "data", tmp_path / "stick"
    stick.mkdir()
    names = [p.name for p in _outbox(data, 8, per_batch=40)]
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(stick)], check=True)
    try:
        if by_rsync:
            device = (data / "device-id").read_text().strip()
            (stick / device).mkdir()
        flags = ["--rsync"] if by_rsync else []
        full = run_poolside("sync", "--to", str(stick), "--data", str(data), *flags)
        assert full.returncode == 1 and "Traceback" not in full.stderr
        outbox = outbox_dir(data)
        for copy in stick.rglob("*"):
            if copy.name in names:
                assert copy.read_bytes() == (outbox / copy.name).read_bytes(), copy.name
            elif copy.name.endswith(".sha256"):
                batch = copy.name.removesuffix(".sha256")
                assert copy.read_text() == sidecar_text(batch, (outbox / batch).read_bytes())
        subprocess.run(["mount", "-o", "remount,size=4m", str(stick)], check=True)
        again = run_poolside("sync", "--to", str(stick), "--data", str(data), *flags)
        assert again.returncode == 0, again.stderr
        assert synced_names(data, str(stick)) == set(names) and status(data)[0] == 0
        landed = {p.name: p.read_bytes() for p in stick.rglob("*.jsonl")}
        assert landed == {name: (outbox / name).read_bytes() for name in names}
    finally:
        subprocess.run(["umount", "-l", str(stick)], check=False)
