"""The Pi's attendance store: session records in SQLite that survive a pulled plug.

Every connection sets WAL with ``synchronous=FULL`` (SQLite resets
``synchronous`` per connection, and ``NORMAL`` may roll back the last commits
after a power cut), so a call that returned has reached the disk: the screen
confirms a check-in only after it. The main loop is the one writer.

Each record gets the next per-device ``seq`` (1, 2, 3 ... with no gaps) in
the same transaction that inserts it, and carries the fields of the batch
contract in DESIGN.md, plus what was known about the clock when it was
written (wall time may be days wrong on a Pi without RTC).
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DB_NAME = "attendance.sqlite3"
DEVICE_FILE = "device-id"
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
    effort INTEGER
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
RESUME_WITHIN_S = 15 * 60

# The fields of the batch contract (DESIGN.md), in order, then the study's extras.
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
EXTRAS = ("blocks_planned", "blocks_done", "stopped_early", "stop_reason", "effort")


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
class Checkpoint:
    """Where an interrupted run was, to resume it with the same records."""

    program: str
    record_ids: tuple[str, ...]
    position_s: float
    done_s: float
    age_s: float


class Store:
    """Session records in ``DIR/attendance.sqlite3``; ``DIR/device-id`` names the Pi."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.device = _device_id(folder / DEVICE_FILE)
        self.set_aside: Path | None = None  # a damaged database moved out of the way
        try:
            self.db = self._connect()
        except sqlite3.DatabaseError:
            self.set_aside = _set_aside(folder / DB_NAME)
            self.db = self._connect()

    def _connect(self) -> sqlite3.Connection:
        """Open, check (PRAGMA quick_check) and prepare the database."""
        db = sqlite3.connect(self.folder / DB_NAME, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            (check,) = db.execute("PRAGMA quick_check").fetchone()
            if check != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {check}")
            db.execute(_SCHEMA)
            db.execute(_CHECKPOINT)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def close(self) -> None:
        self.db.close()

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
        with self._transaction():
            (seq,) = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM records").fetchone()
            self.db.execute(
                "INSERT INTO records (seq, id, device, participant, started_at, clock_synced,"
                " boot_id, monotonic_s, program, week, mode, planned_s, blocks_planned)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    seq,
                    record_id,
                    self.device,
                    participant,
                    clock.wall.isoformat(timespec="seconds"),
                    int(clock.synced),
                    clock.boot_id,
                    clock.monotonic_s,
                    program,
                    week,
                    mode,
                    planned_s,
                    blocks_planned,
                ),
            )
        return record_id

    def progress(self, record_ids: list[str], completed_s: float, blocks_done: int) -> None:
        """Time and blocks done so far, for records still open."""
        with self._transaction():
            self.db.executemany(
                "UPDATE records SET completed_s = ?, blocks_done = ? WHERE id = ? AND closed = 0",
                [(int(completed_s), blocks_done, rid) for rid in record_ids],
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
                "UPDATE records SET completed_s = ?, blocks_done = ?, stopped_early = ?,"
                " stop_reason = ?, closed = 1 WHERE id = ? AND closed = 0",
                [
                    (int(completed_s), blocks_done, int(stopped_early), stop_reason, rid)
                    for rid in record_ids
                ],
            )

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
        if row["boot_id"] is not None and row["boot_id"] == clock.boot_id:
            age = clock.monotonic_s - row["monotonic_s"]
        else:
            age = (clock.wall - datetime.fromisoformat(row["saved_at"])).total_seconds()
        if not 0 <= age <= within_s:
            return None
        return Checkpoint(
            row["program"],
            tuple(json.loads(row["record_ids"])),
            row["position_s"],
            row["done_s"],
            age,
        )

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


def _as_record(row: sqlite3.Row) -> dict[str, Any]:
    record = {key: row[key] for key in CONTRACT + EXTRAS}
    record["clock_synced"] = bool(record["clock_synced"])
    record["stopped_early"] = bool(record["stopped_early"])
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


def _device_id(path: Path) -> str:
    """A stable name for this Pi, made once: not a secret, not the machine-id."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        device = f"pool-{uuid.uuid4().hex[:8]}"
        partial = path.with_suffix(".part")
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write(device + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself must survive a power cut
        finally:
            os.close(folder)
        return device
