"""Held writes kept outside the full disk: what is kept, where, and what is refused."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from poolside.records import held, writes
from poolside.records.store import Run, Store, clock_facts


def _writes() -> list[writes.Write]:
    facts = clock_facts(time.monotonic())
    run = Run("jump-and-hop-20", 1200, 3, "class", 2)
    ids = ["00000000-0000-4000-8000-00000000000a"]
    return [
        writes.Mark("P001", True, facts),
        writes.StartRun(run, [(ids[0], "P001")], facts, None),
        writes.Progress(ids, 120.0, 1),
        writes.SaveCheckpoint("jump-and-hop-20", ids, 120.0, 120.0, facts),
        writes.CloseSessions(ids, 1200.0, 3, False, None),
        writes.Answer(ids, "effort", 15),
        writes.Seal(ids),
        writes.MakeBatches(),
    ]


def test_every_kind_of_write_comes_back_as_it_was_and_replays_into_a_store(
    tmp_path: Path,
) -> None:
    path = tmp_path / "held.json"
    written = _writes()
    held.save(path, written)
    back = held.load(path)
    assert back == written  # the clock facts, the run, the (id, code) pairs: same types
    store = Store(tmp_path / "data")
    try:
        for write in back[:-1]:
            write.apply(store)
        (record,) = store.records()
    finally:
        store.close()
    assert (record["participant"], record["completed_s"], record["effort"]) == ("P001", 1200, 15)


def test_no_writes_removes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "held.json"
    held.save(path, _writes())
    held.save(path, [])
    assert not path.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        json.dumps([{"write": "db.execute", "args": ["DROP TABLE records"]}]).encode(),
        json.dumps([{"write": "mark"}]).encode(),
        json.dumps({"write": "mark", "args": []}).encode(),
    ],
    ids=["garbage", "not-a-store-write", "no-args", "not-a-list"],
)
def test_a_file_that_is_not_held_writes_gives_none(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "held.json"
    path.write_bytes(content)
    assert held.load(path) == []


def test_a_link_or_a_fifo_is_not_read(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    held.save(target, _writes())
    link = tmp_path / "held.json"
    link.symlink_to(target)
    assert held.load(link) == []
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    assert held.load(fifo) == []


def test_the_runtime_folder_is_used_only_when_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("RUNTIME_DIRECTORY", str(runtime))
    path = held.spill_path(tmp_path / "data", "pool-a")
    assert path is not None and path.parent == runtime and "pool-a" in path.name
    assert held.spill_path(tmp_path / "other", "pool-a") != path, "one file per data folder"
    runtime.chmod(0o777)
    assert held.spill_path(tmp_path / "data", "pool-a") != path, "a shared folder is passed over"


def test_kept_writes_put_in_twice_are_in_once(tmp_path: Path) -> None:
    """A start-up that put the kept writes in and died before removing the file:
    the next one meets records already there, and neither crashes nor doubles them."""
    from poolside.core.checkin import Person, Roll
    from poolside.records.attendance import Attendance

    store = Store(tmp_path / "data")
    try:
        kept = _writes()
        for write in kept[:-1]:
            write.apply(store)
        attendance = Attendance(store, Roll([Person("P001", "Ann")]))
        assert attendance.spill is not None
        held.save(attendance.spill, kept)
        attendance.take_back_held()
        assert attendance.saving and not attendance.spill.exists()
        assert len(store.records()) == 1
    finally:
        store.close()


def _start_up_with(tmp_path: Path, kept: bytes):
    """A kiosk start-up (open_attendance) that finds ``kept`` as its held writes."""
    from poolside.core.checkin import Person, Roll
    from poolside.records.attendance import Attendance, open_attendance

    store = Store(tmp_path / "data")
    spill = Attendance(store, Roll([])).spill
    assert spill is not None
    spill.write_bytes(kept)
    attendance, _ = open_attendance(store, Roll([Person("P001", "Ann")]), "jump-and-hop-20", 2)
    return store, attendance, spill


@pytest.mark.parametrize(
    "foreign",
    [
        {"write": "frobnicate", "args": [1, 2]},  # a write a later version added
        {"write": "leave", "args": ["only one"]},  # a known write whose arguments changed
        {"write": "answer", "args": [["x"], "mood", 3]},  # a field this version refuses
        {"args": []},  # no name at all
        "not an object",
    ],
)
def test_a_held_write_this_version_cannot_apply_is_set_aside_and_the_rest_go_in(
    tmp_path: Path, foreign
) -> None:
    """Stored by another version, or damaged: that one write is kept in the data
    folder and said on the screen; every usable write still goes in, in order, and
    start-up does not crash (under systemd it would loop)."""
    stored = [held.encoded(write) for write in _writes()]
    items = [*stored[:3], foreign, *stored[3:]]
    store, attendance, spill = _start_up_with(tmp_path, json.dumps(items).encode())
    try:
        (record,) = store.records()
        assert (record["completed_s"], record["effort"]) == (1200, 15), "the rest went in"
        (aside,) = (tmp_path / "data").glob("held-set-aside-*.json")
        assert json.loads(aside.read_text()) == [foreign]
        assert any(aside.name in line for line in attendance.status())
        assert attendance.saving and not spill.exists()
    finally:
        store.close()


def test_a_damaged_held_file_is_set_aside_whole_not_dropped(tmp_path: Path) -> None:
    store, attendance, spill = _start_up_with(tmp_path, b'[{"write": "mark", "args": [')
    try:
        (aside,) = (tmp_path / "data").glob("held-set-aside-*.json")
        assert json.loads(aside.read_text()) == ['[{"write": "mark", "args": [']
        assert any(aside.name in line for line in attendance.status())
        assert store.records() == [] and not spill.exists()
    finally:
        store.close()


# -- a saved place of a class cut off ------------------------------------------------------
cell = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.integers(-(2**63), 2**63 - 1),  # what SQLite holds
    st.floats(allow_nan=False),
    st.binary(max_size=8),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ids=cell | st.just('["a", 1]') | st.just("{}"), position=cell, done=cell, saved=cell)
@example(ids='["r1"]', position=60.0, done=50.0, saved="now")  # usable: offered
@example(ids='["r1"]', position=float("inf"), done=50.0, saved="now")
@example(ids='["r1"]', position=-1.0, done=50.0, saved="now")
def test_a_damaged_saved_place_is_never_offered_and_the_kiosk_starts(
    ids, position, done, saved, tmp_path_factory
) -> None:
    """Whatever a later version or a damaged card left in the saved place of a class
    cut off: start-up goes on; what cannot be used is said once and cleared, and
    the class's records are closed as interrupted; what can be is offered."""
    from poolside.core.checkin import Person, Roll
    from poolside.records.attendance import open_attendance

    folder = tmp_path_factory.mktemp("data")
    store = Store(folder)
    run = Run("jump-and-hop-20", 1200, 3, "class", None)
    store.start_run(run, [("r1", "P001")], clock_facts(time.monotonic()))
    store.db.execute(
        "INSERT INTO checkpoint VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
        ("jump-and-hop-20", ids if ids is not None else "[]", position if position is not None
         else 0.0, done if done is not None else 0.0, saved if saved is not None else "x",
         "another-boot", 5.0),
    )  # fmt: skip
    if saved == "now":
        store.db.execute("UPDATE checkpoint SET saved_at = ?", (datetime.now(UTC).isoformat(),))
    store.close()
    store = Store(folder)
    _, offer = open_attendance(store, Roll([Person("P001", "Ann")]), "jump-and-hop-20", None)
    if offer is None:
        assert tuple(store.db.execute("SELECT COUNT(*) FROM checkpoint").fetchone()) == (0,)
        (record,) = store.records()
        assert record["stop_reason"] == "interrupted"
    else:
        assert saved == "now" and offer.record_ids == ("r1",)
        assert 0 <= offer.position_s <= 24 * 3600 and 0 <= offer.done_s <= 24 * 3600
    store.close()
