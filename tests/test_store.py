"""The attendance store, with real SQLite files and real killed processes."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from poolside.records import reserve
from poolside.records.store import CONTRACT, Store, clock_facts

from .conftest import run_poolside

KILLS = int(os.environ.get("POOLSIDE_KILLS", "200"))


def _open(store: Store, participant: str = "P001") -> str:
    return store.start_session(
        participant, "jump-and-hop-20", 1200, 3, "solo", 5, clock_facts(time.monotonic())
    )


def test_every_connection_is_wal_with_full_sync(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()


def test_records_carry_the_batch_contract_and_a_gapless_seq(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first = _open(store, "P001")
    second = _open(store, "P002")
    store.progress([first, second], 600.4, 1)
    store.close_sessions([first], 1200, 3, stopped_early=False)
    store.close_sessions([second], 700, 2, stopped_early=True, stop_reason="stopped")
    records = store.records()
    assert [r["seq"] for r in records] == [1, 2]
    assert list(records[0])[: len(CONTRACT)] == list(CONTRACT)
    one, two = records
    assert (one["id"], one["type"], one["participant"], one["mode"]) == (
        first,
        "session",
        "P001",
        "solo",
    )
    assert (one["completed_s"], one["blocks_done"], one["stopped_early"]) == (1200, 3, False)
    assert (two["completed_s"], two["blocks_done"], two["stopped_early"]) == (700, 2, True)
    assert isinstance(one["clock_synced"], bool)
    assert datetime.fromisoformat(one["started_at"]).utcoffset() is not None
    store.close_sessions([first], 5, 0, stopped_early=True)  # closed records stay as they are
    store.close()
    assert Store(tmp_path).records()[0]["completed_s"] == 1200


def test_the_device_id_is_made_once_and_kept(tmp_path: Path) -> None:
    device = Store(tmp_path).device
    assert device.startswith("pool-") and Store(tmp_path).device == device
    assert (tmp_path / "device-id").read_text().strip() == device


def test_a_headless_class_records_one_session_per_participant(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = run_poolside(
        "run",
        "jump-and-hop-20",
        "--headless",
        "--start",
        "--speed",
        "600",
        "--participant",
        "P001",
        "--participant",
        "P002",
        "--data",
        str(data),
    )
    assert result.returncode == 0, result.stderr
    records = Store(data).records()
    assert [(r["seq"], r["participant"], r["mode"]) for r in records] == [
        (1, "P001", "class"),
        (2, "P002", "class"),
    ]
    for record in records:
        assert (record["planned_s"], record["completed_s"]) == (1200, 1200)
        assert (record["blocks_planned"], record["blocks_done"]) == (3, 3)
        assert record["stopped_early"] is False
    bad = run_poolside("run", "--headless", "--start", "--participant", "Ann Smith")
    assert bad.returncode == 2 and "participant codes" in bad.stderr


CHILD = """
import sys, time, uuid
from pathlib import Path
from poolside.records.store import Run, Store, clock_facts
store = Store(Path(sys.argv[1]))
run = Run("jump-and-hop-20", 1200, 3, "class", 1)
while True:
    code = "C" + uuid.uuid4().hex[:8]
    store.mark(code, True, clock_facts(time.monotonic()))
    print("in", code, flush=True)   # reported only after the commit returned
    # The class begins with the whole roll, as the kiosk shows it after a restart.
    records = [(str(uuid.uuid4()), c) for c in store.roll(clock_facts(time.monotonic()))]
    store.start_run(run, records, clock_facts(time.monotonic()))
    store.progress([rid for rid, _ in records], 30, 0)
    print("record", *(rid for rid, _ in records), flush=True)
"""


@pytest.mark.slow  # hundreds of SIGKILLs: CI runs it with -m slow
def test_sigkill_at_random_moments_loses_no_committed_record(tmp_path: Path) -> None:
    """Kill a writer KILLS times (POOLSIDE_KILLS, default 200) at random moments.

    Each round checks someone in, then turns the check-in into a session
    record; every check-in and record reported committed must survive.
    """
    rng = random.Random(20270104)
    reported: list[str] = []
    for _ in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        first = child.stdout.readline()  # it is writing now
        time.sleep(rng.uniform(0, 0.02))
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate()
        # Only whole lines were reported: the kill may cut the last one short.
        reported.extend((first + rest).split("\n")[:-1])
    db = sqlite3.connect(tmp_path / "attendance.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {row[0] for row in db.execute("SELECT id FROM records")}
    known = {row[0] for row in db.execute("SELECT participant FROM records")}
    known |= {row[0] for row in db.execute("SELECT participant FROM roll")}
    checked_in = [line.split()[1] for line in reported if line.startswith("in ")]
    records = [rid for line in reported if line.startswith("record ") for rid in line.split()[1:]]
    assert not [c for c in checked_in if c not in known], "a confirmed check-in was lost"
    assert not [r for r in records if r not in stored], "a committed record was lost"
    seqs = [row[0] for row in db.execute("SELECT seq FROM records ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1)), "seq has no gaps"
    assert len(checked_in) >= KILLS
    print(json.dumps({"kills": KILLS, "check_ins": len(checked_in), "records": len(records)}))


def test_a_damaged_database_is_set_aside_and_a_new_one_started(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _open(store)
    store.close()
    db_file = tmp_path / "attendance.sqlite3"
    damaged = bytearray(db_file.read_bytes())
    damaged[100:4096] = os.urandom(3996)  # the first page after the header
    db_file.write_bytes(bytes(damaged))
    store = Store(tmp_path)
    assert store.set_aside is not None and store.set_aside.exists()
    from poolside.core.checkin import Roll
    from poolside.records.attendance import Attendance

    (notice,) = Attendance(store, Roll([])).status()
    assert notice == f"attendance file was damaged: kept as {store.set_aside.name}"
    assert store.set_aside.name.startswith("attendance.damaged-")
    assert store.records() == [] and store.integrity() == "ok"
    assert _open(store)  # the class goes on with a fresh store


def test_garbage_instead_of_a_database_is_set_aside(tmp_path: Path) -> None:
    (tmp_path / "attendance.sqlite3").write_bytes(b"this is not a database" * 100)
    store = Store(tmp_path)
    assert store.set_aside is not None
    assert store.set_aside.read_bytes().startswith(b"this is not a database")


def test_wall_clock_jumps_do_not_move_the_timer(tmp_path: Path) -> None:
    """time-machine >= 3 moves the wall clock only; the engine runs on monotonic time."""
    import time_machine

    from poolside.core.clock import MonotonicClock
    from poolside.core.engine import Session

    from .conftest import program_from

    program = program_from({"name": "j", "phases": [{"kind": "work", "duration": 600}]})
    clock = MonotonicClock()
    session = Session(program, get_ready_s=0)
    session.start(clock.now())
    before = session.position(clock.now())
    for jump in (3600, -3600):
        with time_machine.travel(time.time() + jump, tick=True):
            assert abs(session.position(clock.now()) - before) < 0.5
            store = Store(tmp_path)
            rid = _open(store)
            record = next(r for r in store.records() if r["id"] == rid)
            started = datetime.fromisoformat(record["started_at"]).timestamp()
            assert abs(started - time.time()) < 5, "records keep the (jumped) wall time"
            store.close()


def _class_run(store: Store, drive_to: float):
    """A session with two participants recorded by Attendance up to ``drive_to``."""
    from poolside.core.checkin import Person, Roll
    from poolside.core.clock import ManualClock
    from poolside.core.engine import Session
    from poolside.records.attendance import Attendance

    from .conftest import program_from

    program = program_from(
        {
            "name": "c",
            "phases": [{"block": "B", "repeat": 2, "phases": [{"kind": "work", "duration": 30}]}],
        }
    )
    clock, session = ManualClock(0.0), Session(program, get_ready_s=0)
    people = [Person("P001", "Ann"), Person("P002", "Bo")]
    attendance = Attendance(store, Roll(people, "class", ["P001", "P002"]))
    session.start(0.0)

    def drive(until: float) -> None:
        while (deadline := session.next_deadline()) is not None and deadline <= until:
            clock.set(deadline)
            events = session.poll(clock.now())
            attendance(events, session, clock.now())

    drive(drive_to)
    return attendance, drive


def test_a_full_disk_holds_writes_and_saves_them_when_space_returns(tmp_path: Path) -> None:
    store = Store(tmp_path)
    attendance, drive = _class_run(store, 10)
    assert len(store.records()) == 2 and attendance.saving
    real_close, refusals = store.close_sessions, []

    def full(*args, **kwargs):
        refusals.append(args)
        raise sqlite3.OperationalError("database or disk is full")

    store.progress = full  # type: ignore[method-assign]
    store.close_sessions = full  # type: ignore[method-assign]
    drive(60)  # the class runs to its end while nothing can be written
    assert refusals and not attendance.saving
    assert attendance.problem == "attendance is not being saved (database or disk is full)"
    reserve_gone = "the SD card filled up: its reserve space is in use; free some space"
    assert attendance.status() == (attendance.problem, reserve_gone), "given up, tried again"
    assert not (tmp_path / reserve.RESERVE_FILE).exists()
    assert [r["completed_s"] for r in store.records()] == [0, 0], "what was saved is intact"
    del store.progress, store.close_sessions  # space is back
    assert store.close_sessions == real_close
    attendance.retry()
    assert attendance.saving and attendance.problem is None
    assert attendance.status() == (reserve_gone,)
    records = store.records()
    assert [(r["completed_s"], r["blocks_done"], r["stopped_early"]) for r in records] == [
        (60, 1, False),
        (60, 1, False),
    ]


def test_a_really_full_file_system_loses_nothing(tmp_path: Path) -> None:
    import pytest

    mount = tmp_path / "small"
    mount.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=384k", "tmpfs", str(mount)]
    if os.geteuid() != 0 or subprocess.run(command, capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root); the injected test covers it")
    store = None
    try:
        store = Store(mount)
        attendance, drive = _class_run(store, 10)
        with open(mount / "filler", "wb", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"\0" * 4096)
            except OSError:
                pass  # the file system is full now
        drive(60)  # to the end of the class, on a full disk: no exception reaches here
        assert not attendance.saving and "disk is full" in (attendance.problem or "")
        (mount / "filler").unlink()
        attendance.retry()
        assert attendance.saving
        assert store.integrity() == "ok"
        records = [(r["completed_s"], r["blocks_done"]) for r in store.records()]
        assert records == [(60, 1), (60, 1)]
    finally:
        if store is not None:
            store.close()
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow  # a real child killed and started again: seconds of it
def test_a_killed_class_resumes_and_its_record_covers_the_program_once(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    command = [
        sys.executable,
        "-m",
        "poolside",
        "run",
        "jump-and-hop-20",
        "--headless",
        "--start",
        "--speed",
        "300",
        "--participant",
        "P001",
        "--data",
        data,
        "--events",
        "-",
    ]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    for line in child.stdout:
        event = json.loads(line)
        if event["type"] == "phase" and event["start_s"] >= 480:
            break
    child.send_signal(signal.SIGKILL)  # the plug is pulled mid-class
    child.wait()
    (cut,) = Store(Path(data)).records()
    assert cut["completed_s"] < 1200 and cut["stopped_early"] is False
    result = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["type"] == "resume" and events[0]["start_s"] >= 480
    assert "start" not in [e["type"] for e in events], "no second start, no new record"
    (record,) = Store(Path(data)).records()
    assert record["id"] == cut["id"]
    assert (record["completed_s"], record["blocks_done"]) == (1200, 3)
    nothing = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=60)
    assert "nothing to resume" in nothing.stderr
    assert len(Store(Path(data)).records()) == 2


def test_a_checkpoint_is_offered_only_while_it_is_fresh(tmp_path: Path) -> None:
    from datetime import timedelta

    from poolside.records.store import ClockFacts

    store = Store(tmp_path)
    now = clock_facts(1000.0)
    store.save_checkpoint("jump-and-hop-20", ["a"], 480.0, 480.0, now)
    same_boot = ClockFacts(now.wall, now.synced, now.boot_id, 1000.0 + 14 * 60)
    assert store.checkpoint(same_boot).position_s == 480.0
    lightning_hold = ClockFacts(now.wall, False, now.boot_id, 1000.0 + 29 * 60)
    assert store.checkpoint(lightning_hold) is not None, "30 minutes by default"
    assert store.checkpoint(lightning_hold, within_s=15 * 60) is None, "resume_within: 15:00"
    assert store.checkpoint(ClockFacts(now.wall, False, now.boot_id, 1000.0 + 31 * 60)) is None
    rebooted = ClockFacts(now.wall + timedelta(minutes=3), False, "another-boot", 5.0)
    assert store.checkpoint(rebooted).age_s == 180.0
    back_in_time = ClockFacts(now.wall - timedelta(days=2), False, "another-boot", 5.0)
    assert store.checkpoint(back_in_time) is None, "an impossible age offers nothing"
    store.clear_checkpoint()
    assert store.checkpoint(same_boot) is None


def test_a_pause_checkpoints_the_class_so_a_long_hold_counts_from_the_pause(
    tmp_path: Path,
) -> None:
    """Paused 20 minutes into a class, then a power cut: the offer is there, from
    the phase it was paused in, with the time done so far."""
    from datetime import date

    from poolside.config import Config
    from poolside.core.checkin import Person, Roll
    from poolside.core.engine import Session
    from poolside.records.attendance import Attendance
    from poolside.selection import choose_program

    choice = choose_program("jump-and-hop-20", Config(), date(2027, 1, 4))
    store = Store(tmp_path)
    try:
        attendance = Attendance(store, Roll([Person("P001", "Ann")], "solo", ["P001"]))
        session = Session(choice.program, 0)
        session.start(0.0)
        attendance(session.poll(0.0), session, 0.0)
        events = session.poll(200.0)  # into block 1
        attendance(events, session, 200.0)
        session.pause(200.0)
        attendance(session.poll(200.0), session, 200.0)
        offer = store.checkpoint(clock_facts(time.monotonic()))
        assert offer is not None and offer.record_ids == tuple(attendance.record_ids)
        phase = session.current_phase(200.0)
        assert phase is not None and offer.position_s == phase.start_s
        assert offer.done_s == session.completed_s(200.0) == 200.0
    finally:
        store.close()


def test_resume_within_is_read_from_the_config_in_the_forms_durations_take(
    tmp_path: Path,
) -> None:
    from poolside.config import Config, load_config

    path = tmp_path / "config.yaml"
    path.write_text('resume_within: "45:00"\n')
    assert load_config(path).resume_within_s == 45 * 60
    assert Config().resume_within_s == 30 * 60
