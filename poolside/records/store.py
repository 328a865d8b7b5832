"""The Pi's attendance store: session records in SQLite that survive a pulled plug.

Every connection sets WAL with ``synchronous=FULL`` (SQLite resets
``synchronous`` per connection, and ``NORMAL`` may roll back the last commits
after a power cut), so a call that returned has reached the disk: the screen
confirms a check-in only after it. The main loop is the one writer.

Each record gets the next per-device ``seq`` (1, 2, 3 ... with no gaps) in
the same transaction that inserts it (a new database continues after the
outbox's last batch), and carries the fields of the batch
contract in docs/batch-format.md, plus what was known about the clock when it was
written (wall time may be days wrong on a Pi without RTC).
"""

from __future__ import annotations

import errno
import fcntl
import json
import math
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from poolside.core import words
from poolside.core.bounded import Unreadable, read_bounded
from poolside.core.debrief import StopReason
from poolside.core.delivery import DELIVERY_FIELDS
from poolside.records import plain, reserve
from poolside.records.batchname import highest_seq, valid_device_id
from poolside.records.durable import sync_folder, write_whole

DB_NAME = "attendance.sqlite3"
DEVICE_FILE = "device-id"
LOCK_FILE = ".lock"
SYNCED_FLAG = Path("/run/systemd/timesync/synchronized")
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL DEFAULT 'session',
    device TEXT NOT NULL,
    participant TEXT NOT NULL,
    started_at TEXT NOT NULL,
    clock_synced INTEGER NOT NULL,
    boot_id TEXT,
    monotonic_s REAL,
    program TEXT NOT NULL,
    week INTEGER,
    mode TEXT NOT NULL CHECK (mode IN ('class', 'solo')),
    planned_s INTEGER NOT NULL,
    completed_s INTEGER NOT NULL DEFAULT 0,
    blocks_planned INTEGER NOT NULL DEFAULT 0,
    blocks_done INTEGER NOT NULL DEFAULT 0,
    closed INTEGER NOT NULL DEFAULT 0,
    stopped_early INTEGER NOT NULL DEFAULT 0,
    stop_reason TEXT,
    effort INTEGER,
    headcount INTEGER,
    sealed INTEGER NOT NULL DEFAULT 0,
    batch TEXT,
    joined_s REAL NOT NULL DEFAULT 0,
    joined_blocks INTEGER NOT NULL DEFAULT 0,
    site TEXT,
    program_hash TEXT,
    work_planned INTEGER,
    work_done INTEGER NOT NULL DEFAULT 0,
    work_skipped INTEGER NOT NULL DEFAULT 0,
    work_repeated INTEGER NOT NULL DEFAULT 0,
    paused_s REAL NOT NULL DEFAULT 0,
    left_reason TEXT,
    timetable TEXT
)
"""
# Columns added since the first schema, for databases made before them.
_ADDED_COLUMNS = {
    "headcount": "INTEGER",
    "sealed": "INTEGER NOT NULL DEFAULT 0",
    "batch": "TEXT",
    # where in the run a late arrival joined: their completed_s and blocks_done count from it
    "joined_s": "REAL NOT NULL DEFAULT 0",
    "joined_blocks": "INTEGER NOT NULL DEFAULT 0",
    "site": "TEXT",  # the config's site: when written, a record says where
    # the protocol as delivered (core/delivery.py), and why one person left
    "program_hash": "TEXT",
    "work_planned": "INTEGER",
    "work_done": "INTEGER NOT NULL DEFAULT 0",
    "work_skipped": "INTEGER NOT NULL DEFAULT 0",
    "work_repeated": "INTEGER NOT NULL DEFAULT 0",
    "paused_s": "REAL NOT NULL DEFAULT 0",
    "left_reason": "TEXT",
    "timetable": "TEXT",  # the config's, as text (core/timetable.py): when classes are offered
}
# Check-ins for the class about to start: saved one by one before the screen
# confirms them, turned into session records when the class starts.
_ROLL = """
CREATE TABLE IF NOT EXISTS roll (
    participant TEXT PRIMARY KEY,
    marked_at TEXT NOT NULL,
    boot_id TEXT,
    monotonic_s REAL NOT NULL
)
"""
_CHECKPOINT = """
CREATE TABLE IF NOT EXISTS checkpoint (
    slot INTEGER PRIMARY KEY CHECK (slot = 1),
    program TEXT NOT NULL,
    record_ids TEXT NOT NULL,
    position_s REAL NOT NULL,
    done_s REAL NOT NULL,
    saved_at TEXT NOT NULL,
    boot_id TEXT,
    monotonic_s REAL NOT NULL
)
"""
_META = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)
"""
# A record's own figures from the run's (time, blocks): from where its participant joined,
# and never past what was planned (a phase gone back to and done again is not more
# program: the batch contract has completed_s <= planned_s, and the export holds to it).
_OWN_FIGURES = (
    "completed_s = CAST(MIN(planned_s, MAX(0, ? - joined_s)) AS INTEGER),"
    " blocks_done = MIN(blocks_planned, MAX(0, ? - joined_blocks))"
)
RESUME_WITHIN_S = 30 * 60  # a cut-off class may be resumed this long: the usual lightning rule
ROLL_WITHIN_S = 3 * 60 * 60  # check-ins older than this belong to an earlier class

# The fields of the batch contract (docs/batch-format.md), in order, then the study's extras.
CONTRACT = (
    "id",
    "type",
    "device",
    "seq",
    "participant",
    "started_at",
    "clock_synced",
    "program",
    "week",
    "mode",
    "planned_s",
    "completed_s",
)
EXTRAS = (
    "blocks_planned",
    "blocks_done",
    "stopped_early",
    "stop_reason",
    "effort",
    "headcount",
    "site",
    "program_hash",
    "work_planned",
    *DELIVERY_FIELDS,
    "left_reason",
    "timetable",
)
# what the finished screen (or the roll) may add to a closed record
ANSWERS = ("effort", "stop_reason", "left_reason")


@dataclass(frozen=True)
class ClockFacts:
    """What is known about the time a record is written at."""

    wall: datetime
    synced: bool
    boot_id: str | None
    monotonic_s: float


def clock_facts(monotonic_s: float) -> ClockFacts:
    """Wall time with its UTC offset, whether it is trustworthy, and boot identity."""
    try:
        boot = BOOT_ID.read_text().strip()
    except OSError:
        boot = None
    return ClockFacts(datetime.now(UTC).astimezone(), SYNCED_FLAG.exists(), boot, monotonic_s)


@dataclass(frozen=True)
class Run:
    """What every record of one run shares."""

    program: str
    planned_s: int
    blocks_planned: int
    mode: str
    week: int | None
    program_hash: str | None = None  # Program.content_hash: which protocol ran
    work_planned: int | None = None  # its work phases


@dataclass(frozen=True)
class Checkpoint:
    """Where an interrupted run was, to resume it with the same records."""

    program: str
    record_ids: tuple[str, ...]
    position_s: float
    done_s: float
    age_s: float


class Unavailable(Exception):
    """Attendance cannot be kept here now (full, read-only, no permission, locked).

    Not damage: nothing is moved aside, and the message says what is wrong.
    """


class Busy(Unavailable):
    """Another poolside process holds this data folder."""


class Damaged(sqlite3.DatabaseError):
    """``PRAGMA quick_check`` found damage."""


class Store:
    """Session records in ``DIR/attendance.sqlite3``; ``DIR/device-id`` names the Pi.

    One process at a time: a lock on ``DIR/.lock`` is held for the store's
    life, so a second kiosk on the same folder is refused (:class:`Busy`)
    instead of writing beside the first. Only a database that SQLite says
    is damaged is set aside; a full disk, a read-only folder, missing
    permissions or a locked file is :class:`Unavailable`, and nothing is
    moved.
    """

    def __init__(
        self,
        folder: Path,
        shared: bool = False,
        site: str | None = None,
        timetable: str | None = None,
    ) -> None:
        """``shared``: a reader beside the kiosk (a look by hand, a test); no lock.
        ``site`` and ``timetable`` (its text): the config's, written into every
        record from here on."""
        self.folder = folder
        self.site = site
        self.timetable = timetable
        self.notices: list[str] = []
        self.set_aside: Path | None = None  # a damaged database moved out of the way
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._lock = None if shared else _lock(folder / LOCK_FILE)
            self.device = self._device_id(folder / DEVICE_FILE)
        except OSError as err:
            raise Unavailable(f"{folder}: {err.strerror or err}") from None
        try:
            self.db = self._open_with_reserve(shared)
        except Unavailable:
            self._unlock()
            raise

    def _open_with_reserve(self, shared: bool) -> sqlite3.Connection:
        """:meth:`_open`; then, for the kiosk, the reserve kept, or given up if
        the disk was too full to open the database (the open is tried again)."""
        try:
            db = self._open()
        except Unavailable as err:
            if shared or not (reserve.is_disk_full(err, self.folder) and self.give_up_reserve()):
                raise
            return self._open()
        if not shared:
            reserve.keep(self.folder)
        return db

    def give_up_reserve(self) -> bool:
        """The disk is full: free the reserve (see :mod:`poolside.records.reserve`)."""
        if self._lock is None or not reserve.give_up(self.folder):
            return False
        self.notices.append(words.text("status.card_full"))
        return True

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError as err:
            if not _damaged(err):
                raise Unavailable(f"{self.folder / DB_NAME}: {err}") from None
        self.set_aside = _set_aside(self.folder / DB_NAME)
        try:
            return self._connect()
        except sqlite3.DatabaseError as err:
            raise Unavailable(f"{self.folder / DB_NAME}: {err}") from None

    def _connect(self) -> sqlite3.Connection:
        """Open, check (PRAGMA quick_check) and prepare the database.

        SQLite would follow a link at its names and wait on a FIFO: anything
        but a plain file at the database's name is moved aside (as a damaged
        database is), and at its journal's names removed."""
        moved = plain.move_aside(self.folder / DB_NAME)
        if moved is not None:
            self.set_aside = moved
        for suffix in ("-wal", "-shm", "-journal"):
            plain.clear(self.folder / f"{DB_NAME}{suffix}")
        db = sqlite3.connect(self.folder / DB_NAME, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            (check,) = db.execute("PRAGMA quick_check").fetchone()
            if check != "ok":
                raise Damaged(f"quick_check: {check}")
            db.execute(_SCHEMA)
            db.execute(_CHECKPOINT)
            db.execute(_ROLL)
            db.execute(_META)
            have = {row["name"] for row in db.execute("PRAGMA table_info(records)")}
            for column, kind in _ADDED_COLUMNS.items():
                if column not in have:
                    db.execute(f"ALTER TABLE records ADD COLUMN {column} {kind}")
            self._meta(db)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _meta(self, db: sqlite3.Connection) -> None:
        """This database's generation and the ``seq`` it continues from.

        A new database (the first, or one after a damaged one was set aside)
        continues the device's sequence after the last batch in the outbox,
        so no ``seq`` is used twice and no batch name comes back.
        """
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        if "generation" not in meta:
            (used,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()
            outbox = self.folder / "outbox"
            names = [p.name for p in outbox.glob("*.jsonl")] if outbox.is_dir() else []
            meta = {
                "generation": uuid.uuid4().hex[:8],
                "seq_floor": str(max(used, highest_seq(names, self.device))),
            }
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
            db.execute("COMMIT")
        self.generation = meta["generation"]
        self.seq_floor = int(meta["seq_floor"])

    def _device_id(self, path: Path) -> str:
        """A stable name for this Pi, made once: not a secret, not the machine-id.

        It becomes a folder name at the destination, so one that is empty,
        garbled or path-like is kept aside and a new one made.
        """
        try:
            text = read_bounded(path, 256, follow=False).decode("utf-8").strip()
        except FileNotFoundError:
            text = None
        except (UnicodeDecodeError, Unreadable):
            text = ""
        except OSError as err:
            if err.errno != errno.ELOOP:  # a link: never followed, replaced like garbage
                raise
            text = ""
        if text is not None and valid_device_id(text):
            return text
        if text is not None:
            kept = path.with_name(f"{path.name}.bad")
            path.replace(kept)
            self.notices.append(words.text("status.device_id", name=kept.name))
        device = f"pool-{uuid.uuid4().hex[:8]}"
        write_whole(path, f"{device}\n".encode())
        sync_folder(path.parent)
        return device

    def close(self) -> None:
        self.db.close()
        self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()

    # -- writing ------------------------------------------------------------
    def start_session(
        self,
        participant: str,
        program: str,
        planned_s: int,
        blocks_planned: int,
        mode: str,
        week: int | None,
        clock: ClockFacts,
        record_id: str | None = None,
    ) -> str:
        """A new session record, durable on return; its id (made here if not given)."""
        record_id = record_id or str(uuid.uuid4())
        run = Run(program, planned_s, blocks_planned, mode, week)
        self.start_run(run, [(record_id, participant)], clock)
        return record_id

    def start_run(
        self,
        run: Run,
        records: list[tuple[str, str]],
        clock: ClockFacts,
        headcount: int | None = None,
    ) -> None:
        """The records of a run starting, (id, participant) each, in one transaction.

        The roll of check-ins is cleared in the same transaction: a check-in
        is either still on the roll or in a session record, never lost
        between the two. A drop-in class has one ``headcount`` record.
        """
        kind = "headcount" if headcount is not None else "session"
        with self._transaction():
            self._insert(kind, run, records, clock, headcount)
            self.db.execute("DELETE FROM roll")

    def join_run(
        self,
        run: Run,
        record_id: str,
        participant: str,
        clock: ClockFacts,
        joined_s: float,
        joined_blocks: int,
    ) -> None:
        """Someone arriving after the class began: their own record, started now, whose
        time and blocks count from ``joined_s`` and ``joined_blocks`` of the run."""
        with self._transaction():
            self._insert("session", run, [(record_id, participant)], clock, None)
            self.db.execute(
                "UPDATE records SET joined_s = ?, joined_blocks = ? WHERE id = ?",
                (joined_s, joined_blocks, record_id),
            )

    def _insert(
        self,
        kind: str,
        run: Run,
        records: list[tuple[str, str]],
        clock: ClockFacts,
        headcount: int | None,
    ) -> None:
        (seq,) = self.db.execute(
            "SELECT MAX(COALESCE(MAX(seq), 0), ?) FROM records", (self.seq_floor,)
        ).fetchone()
        self.db.executemany(
            "INSERT INTO records (seq, id, type, device, participant, started_at,"
            " clock_synced, boot_id, monotonic_s, program, week, mode, planned_s,"
            " blocks_planned, headcount, site, program_hash, work_planned, timetable)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    seq + offset,
                    record_id,
                    kind,
                    self.device,
                    participant,
                    clock.wall.isoformat(timespec="seconds"),
                    int(clock.synced),
                    clock.boot_id,
                    clock.monotonic_s,
                    run.program,
                    run.week,
                    run.mode,
                    run.planned_s,
                    run.blocks_planned,
                    headcount,
                    self.site,
                    run.program_hash,
                    run.work_planned,
                    self.timetable,
                )
                for offset, (record_id, participant) in enumerate(records, start=1)
            ],
        )

    def cancel_class(self, run: Run, reason: str, clock: ClockFacts, record_id: str) -> None:
        """A class the instructor called off (a closed pool, a weather hold): one
        ``cancelled`` record, final at once, and the day's check-ins cleared.

        The export takes the day out of what is prescribed for the people who
        train on this Pi: it is not a missed session.
        """
        with self._transaction():
            self._insert("cancelled", run, [(record_id, "")], clock, None)
            self.db.execute(
                "UPDATE records SET closed = 1, sealed = 1, stop_reason = ? WHERE id = ?",
                (reason, record_id),
            )
            self.db.execute("DELETE FROM roll")

    def progress(
        self,
        record_ids: list[str],
        completed_s: float,
        blocks_done: int,
        added: dict[str, float] | None = None,
    ) -> None:
        """Time and blocks done so far in the run, for records still open (each from
        where its participant joined), and what the delivery counts gained since the
        last write (:meth:`tally`): one transaction, one sync to the card."""
        with self._transaction():
            self.db.executemany(
                f"UPDATE records SET {_OWN_FIGURES} WHERE id = ? AND closed = 0",
                [(completed_s, blocks_done, rid) for rid in record_ids],
            )
            self._add_delivered(record_ids, added or {})

    def tally(self, record_ids: list[str], added: dict[str, float]) -> None:
        """Add to the delivery counts (work phases done, skipped, repeated; seconds
        paused) of the records still open: the people in the water now."""
        with self._transaction():
            self._add_delivered(record_ids, added)

    def _add_delivered(self, record_ids: list[str], added: dict[str, float]) -> None:
        fields = [field for field in DELIVERY_FIELDS if field in added]
        if not fields or not record_ids:
            return
        assignments = ", ".join(f"{field} = {field} + ?" for field in fields)
        self.db.executemany(
            f"UPDATE records SET {assignments} WHERE id = ? AND closed = 0",
            [(*(added[field] for field in fields), rid) for rid in record_ids],
        )

    def close_sessions(
        self,
        record_ids: list[str],
        completed_s: float,
        blocks_done: int,
        stopped_early: bool,
        stop_reason: str | None = None,
    ) -> None:
        """The end of a run: final figures; the records are now complete."""
        with self._transaction():
            self.db.executemany(
                f"UPDATE records SET {_OWN_FIGURES}, stopped_early = ?, stop_reason = ?,"
                " closed = 1 WHERE id = ? AND closed = 0",
                [
                    (completed_s, blocks_done, int(stopped_early), stop_reason, rid)
                    for rid in record_ids
                ],
            )

    def leave(self, record_id: str, completed_s: float, blocks_done: int, reason: str) -> None:
        """One participant's record ended while the class runs on (they left early,
        were hurt): their own figures so far, closed."""
        self.close_sessions([record_id], completed_s, blocks_done, True, reason)

    def participants(self, record_ids: list[str]) -> dict[str, str]:
        """Each record's participant, by record id (a resumed run's roll)."""
        found = {}
        for rid in record_ids:
            row = self.db.execute("SELECT participant FROM records WHERE id = ?", (rid,)).fetchone()
            if row is not None:
                found[rid] = row["participant"]
        return found

    def answer(self, record_ids: list[str], field: str, value: str | int) -> None:
        """An answer from the finished screen (effort, why it stopped)."""
        if field not in ANSWERS:
            raise ValueError(f"not an answer field: {field}")
        with self._transaction():
            self.db.executemany(
                f"UPDATE records SET {field} = ? WHERE id = ? AND sealed = 0",
                [(value, rid) for rid in record_ids],
            )

    def seal(self, record_ids: list[str] | None = None) -> None:
        """Nothing more will be added: the records may leave the Pi.

        Without ``record_ids``, every closed record (the finished screen of
        an earlier run is gone).
        """
        with self._transaction():
            if record_ids is None:
                self.db.execute("UPDATE records SET sealed = 1 WHERE closed = 1")
            else:
                self.db.executemany(
                    "UPDATE records SET sealed = 1 WHERE id = ? AND closed = 1",
                    [(rid,) for rid in record_ids],
                )

    def close_interrupted(self) -> int:
        """Close records a power cut left open and no resume took up; how many."""
        with self._transaction():
            cursor = self.db.execute(
                "UPDATE records SET closed = 1, sealed = 1, stopped_early = 1,"
                " stop_reason = ? WHERE closed = 0",
                (StopReason.INTERRUPTED.value,),
            )
        return cursor.rowcount

    # -- the outbox -------------------------------------------------------------
    def unbatched(self) -> list[dict[str, Any]]:
        """Sealed records not yet in a batch, by seq, stopping at the first unsealed.

        Batches hold runs of consecutive ``seq``, so a gap in what reaches
        the study means a batch went missing, not a record still open.
        """
        (open_seq,) = self.db.execute(
            "SELECT COALESCE(MIN(seq), 1e18) FROM records WHERE sealed = 0"
        ).fetchone()
        rows = self.db.execute(
            "SELECT * FROM records WHERE batch IS NULL AND sealed = 1 AND seq < ? ORDER BY seq",
            (open_seq,),
        ).fetchall()
        return [_as_record(row, batch=True) for row in rows]

    def batched(self, name: str, first_seq: int, last_seq: int) -> None:
        """The records ``first_seq``..``last_seq`` are in the batch file ``name``."""
        with self._transaction():
            self.db.execute(
                "UPDATE records SET batch = ? WHERE seq BETWEEN ? AND ? AND batch IS NULL",
                (name, first_seq, last_seq),
            )

    def batch_names(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT DISTINCT batch FROM records")} - {None}

    # -- the roll of check-ins ------------------------------------------------
    def mark(self, participant: str, present: bool, clock: ClockFacts) -> None:
        """Check one person in (or out again) for the class about to start."""
        with self._transaction():
            if present:
                self.db.execute(
                    "INSERT OR REPLACE INTO roll VALUES (?, ?, ?, ?)",
                    (participant, clock.wall.isoformat(), clock.boot_id, clock.monotonic_s),
                )
            else:
                self.db.execute("DELETE FROM roll WHERE participant = ?", (participant,))

    def roll(self, clock: ClockFacts, within_s: float = ROLL_WITHIN_S) -> list[str]:
        """Who is checked in for the class not started yet, in check-in order.

        Check-ins older than ``within_s`` (ages as for :meth:`checkpoint`)
        were for a class that never started, and are not carried over.
        """
        rows = self.db.execute("SELECT * FROM roll ORDER BY rowid").fetchall()
        return [
            row["participant"]
            for row in rows
            if 0 <= _age(row["boot_id"], row["monotonic_s"], row["marked_at"], clock) <= within_s
        ]

    def class_ran_within(self, clock: ClockFacts, within_s: float = ROLL_WITHIN_S) -> str | None:
        """The start (wall time, as written) of a class held here in the last
        ``within_s`` (ages as for :meth:`checkpoint`), or None: the class a
        call-off would be about, if it already ran."""
        row = self.db.execute(
            "SELECT started_at, boot_id, monotonic_s FROM records"
            " WHERE type IN ('session', 'headcount') ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        if row is None or row["monotonic_s"] is None:
            return None
        age = _age(row["boot_id"], row["monotonic_s"], row["started_at"], clock)
        return str(row["started_at"]) if 0 <= age <= within_s else None

    def save_checkpoint(
        self,
        program: str,
        record_ids: list[str],
        position_s: float,
        done_s: float,
        clock: ClockFacts,
    ) -> None:
        """Where a run is, so that it can be resumed after a crash or power cut."""
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO checkpoint VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
                (
                    program,
                    json.dumps(record_ids),
                    position_s,
                    done_s,
                    clock.wall.isoformat(),
                    clock.boot_id,
                    clock.monotonic_s,
                ),
            )

    def clear_checkpoint(self) -> None:
        with self._transaction():
            self.db.execute("DELETE FROM checkpoint")

    def checkpoint(self, clock: ClockFacts, within_s: float = RESUME_WITHIN_S) -> Checkpoint | None:
        """The interrupted run to offer to resume, if it stopped within ``within_s``.

        Its age comes from the monotonic clock when the Pi has not rebooted
        since, else from the wall clock; an age that cannot be right (negative)
        means no offer.
        """
        row = self.db.execute("SELECT * FROM checkpoint").fetchone()
        if row is None:
            return None
        try:
            found = _checkpoint_of(row, clock)
        except (ValueError, TypeError, OverflowError):  # damaged, or a later version's
            self.notices.append(words.text("status.checkpoint_unusable"))
            return None  # not offered: its records are closed as interrupted, as any not resumed
        return found if 0 <= found.age_s <= within_s else None

    # -- reading ------------------------------------------------------------
    def records(self) -> list[dict[str, Any]]:
        """Every record as batch-contract data (``clock_synced`` a bool), by seq."""
        rows = self.db.execute("SELECT * FROM records ORDER BY seq").fetchall()
        return [_as_record(row) for row in rows]

    def integrity(self) -> str:
        (result,) = self.db.execute("PRAGMA integrity_check").fetchone()
        return str(result)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")


MAX_POSITION_S = 24 * 60 * 60  # no program is longer: a saved place past it is damage


def _checkpoint_of(row: sqlite3.Row, clock: ClockFacts) -> Checkpoint:
    """A saved place, checked before use (raises ValueError or TypeError): record
    ids a list of texts, places finite and within a day, a time it was saved."""
    ids = json.loads(row["record_ids"])
    if not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        raise ValueError("record ids are not a list of texts")
    places = (row["position_s"], row["done_s"], row["monotonic_s"])
    if not all(type(p) in (int, float) and math.isfinite(p) for p in places):
        raise ValueError("a saved place is not a number")
    if not (0 <= row["position_s"] <= MAX_POSITION_S and 0 <= row["done_s"] <= MAX_POSITION_S):
        raise ValueError("a saved place is out of range")
    if not isinstance(row["program"], str):
        raise ValueError("no program named")
    age = _age(row["boot_id"], row["monotonic_s"], str(row["saved_at"]), clock)
    return Checkpoint(row["program"], tuple(ids), row["position_s"], row["done_s"], age)


def _age(boot_id: str | None, monotonic_s: float, wall: str, clock: ClockFacts) -> float:
    """Seconds since a saved moment: monotonic within one boot, else wall time."""
    if boot_id is not None and boot_id == clock.boot_id:
        return clock.monotonic_s - monotonic_s
    return (clock.wall - datetime.fromisoformat(wall)).total_seconds()


def _as_record(row: sqlite3.Row, batch: bool = False) -> dict[str, Any]:
    """A record as the batch contract has it; ``batch`` adds the clock facts.

    ``boot_id`` and ``monotonic_s`` let a record written before the clock
    was synchronised be corrected from a later one of the same boot.
    """
    record = {key: row[key] for key in CONTRACT + EXTRAS}
    record["clock_synced"] = bool(record["clock_synced"])
    record["stopped_early"] = bool(record["stopped_early"])
    if batch:
        if record["type"] != "headcount":
            del record["headcount"]
        record["boot_id"] = row["boot_id"]
        record["monotonic_s"] = row["monotonic_s"]
    return record


def _set_aside(path: Path) -> Path:
    """Move a damaged database (and its WAL) aside, kept for recovery by hand."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.damaged-{stamp}{path.suffix}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            part.replace(Path(f"{target}{suffix}"))
    return target


def _damaged(err: sqlite3.DatabaseError) -> bool:
    """Damage SQLite found (corrupt, not a database), as against trouble opening it."""
    if isinstance(err, Damaged):
        return True
    code = getattr(err, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _lock(path: Path) -> IO[bytes]:
    """Hold an exclusive lock on ``path`` for the process's life, or raise :class:`Busy`."""
    # a link or FIFO at the lock's name is replaced, never followed or waited on
    handle = os.fdopen(plain.open_plain(path, os.O_RDWR | os.O_CREAT), "r+b")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read(32).decode(errors="replace").strip() or "another process"
        handle.close()
        raise Busy(
            f"{path.parent} is in use by poolside (pid {holder}): "
            "one kiosk per data folder (stop the other one first)"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n".encode())
    handle.flush()
    return handle
