"""The export's first half: every batch read once into a scratch SQLite file.

Every ``*.jsonl`` below each source is read line by line into a scratch
SQLite file on disk, so memory does not grow with the input: a million
records take the same few tens of megabytes as a thousand. A batch whose
``.sha256`` sidecar does not match is skipped whole (its inserts are rolled
back). Records are de-duplicated by ``id``; the same ``id`` with other
content is a conflict, reported. Gaps in a device's ``seq`` mean a batch is
missing.

Reading is the export's costly part (tens of microseconds a line on a small
computer), so a large collection is read on two cores: the second half of
the files by :mod:`poolside.records.elsewhere`, into a second scratch file,
appended to the first when both are done.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO, Any

import orjson

from poolside.core import calendar
from poolside.core.bounded import Unreadable, read_bounded
from poolside.records import clocks, elsewhere
from poolside.records.problems import Problems, shown, where
from poolside.records.store import CONTRACT, EXTRAS

KNOWN = (*CONTRACT, *EXTRAS, "boot_id", "monotonic_s")
RECORD_TYPES = ("session", "headcount", "cancelled")
_PLAIN = frozenset((str, int, float, bool, type(None)))  # what SQLite holds as it is
CACHE_KIB = 16 * 1024  # SQLite's page cache: the export's memory, whatever the input
INSERT_EVERY = 5000
MAX_SEQ = 2**53  # any real device stays far below; JSON readers stay exact below it
MAX_PLANNED_S = 24 * 60 * 60
SESSION_MODES = ("class", "solo")
MAX_BATCH_BYTES = 64 * 2**20  # a batch holds at most 1000 records: far below this
MAX_LINE_BYTES = 64 * 2**10  # one record a line; a longer line is not a record
PARALLEL_BYTES = 16 * 2**20  # from this much input on, the second core reads half
# The scratch table: how each copy was found, then the record's own fields
# (the batch contract, the study's extras, the boot's clock) with its local
# start, "YYYY-MM-DD HH:MM:SS" in the export's zone (its first ten: the day).
_KEYS = ("id", "digest", "origin", "type", "device", "seq", "local_start", "day", "risky")
_FIELDS = tuple(f for f in KNOWN if f not in _KEYS)
COLUMNS = (*_KEYS, *_FIELDS)
_fields_of = operator.itemgetter(*(KNOWN.index(f) for f in _FIELDS))
_NO_FIELDS = (None,) * len(_FIELDS)
_SYNCED, _EARLY = _FIELDS.index("clock_synced"), _FIELDS.index("stopped_early")
# A text cell a spreadsheet would run starts with one of = + - @ tab CR
# (csvsafe). In a JSON line such a string starts '"=', '"+', '"-', '"@' or with
# an escape; a line with neither cannot hold one, so its cells skip the check.
_FORMULA_TO_EQUALS = bytes.maketrans(b"+-@", b"===")
# Every copy read goes into ``copy`` as it comes (appending is cheap; ``origin``
# grows line by line, so it is the rowid). One sort by id afterwards finds the
# duplicates and conflicts, and ``rec`` keeps the first copy of each record,
# written in the order the CSVs want it, so they are read back in one pass.
# Inserting into a unique index record by record instead costs a random B-tree
# walk each, which made a million records slow.
_SCHEMA = "CREATE TABLE copy ({})".format(
    ", ".join("origin INTEGER PRIMARY KEY" if c == "origin" else c for c in COLUMNS)
)
_INSERT = f"INSERT INTO copy VALUES ({', '.join('?' for _ in COLUMNS)})"
_DEDUPLICATE = """
CREATE INDEX copy_by_id ON copy (id, digest);
CREATE TABLE rec AS SELECT * FROM copy
    WHERE origin IN (SELECT MIN(origin) FROM copy GROUP BY id)
    ORDER BY type, participant, started_at, id;
"""


def open_scratch(path: Path) -> sqlite3.Connection:
    """A scratch database at ``path``, tuned for appending once and reading once."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=MEMORY")  # small: batches only append
    db.execute("PRAGMA synchronous=OFF")  # scratch: a crash loses nothing kept
    db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    db.execute("PRAGMA threads=2")  # the sorts may use the second core
    db.execute(_SCHEMA)
    return db


def load(
    db: sqlite3.Connection,
    folder: Path,
    sources: list[Path],
    zone: tzinfo | None,
    problems: Problems,
) -> list[Path]:
    """Every batch below ``sources`` into ``db``'s ``copy`` table, then the first copy of
    each record into ``rec``, in the order the CSVs are written; the files read.

    From PARALLEL_BYTES of input on, the files after the halfway mark (by size)
    are read by a second process into a second file in ``folder``. Should that
    process fail to start or die, this one reads them itself.
    """
    files = list(_batches(sources, problems))
    split = _halfway(files) if _size(files) >= PARALLEL_BYTES else len(files)
    part = folder / "second-half.sqlite3"
    second = None
    if split < len(files):
        second = elsewhere.start(f"{__name__}:read_second_half", part, files[split:], split, zone)
    _load(db, files[:split], 0, zone, problems)
    later = elsewhere.result(second)
    if not isinstance(later, Problems):  # one core's worth, or the second failed: the rest here
        _load(db, files[split:], split, zone, problems)
    else:
        problems.extend(later)
        db.execute("ATTACH ? AS part", (str(part),))
        db.execute("INSERT INTO copy SELECT * FROM part.copy")  # its origins come after
        db.execute("DETACH part")
    clocks.correct(db, zone)
    db.executescript(_DEDUPLICATE)
    _check_devices(db, problems, files)
    return files


def read_second_half(part: Path, files: list[Path], first: int, zone: tzinfo | None) -> Problems:
    """The second core's job: ``files`` (numbered from ``first``) into ``part``."""
    problems = Problems()
    db = open_scratch(part)
    try:
        _load(db, files, first, zone, problems)
    finally:
        db.close()
    return problems


def _size(files: list[Path]) -> int:
    return sum(_bytes(path) for path in files)


def _bytes(path: Path) -> int:
    try:
        info = path.stat()
    except OSError:
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


def _halfway(files: list[Path]) -> int:
    """The index of the first file past half of the bytes."""
    total, so_far = _size(files), 0
    for index, path in enumerate(files):
        if so_far >= total / 2:
            return index
        so_far += _bytes(path)
    return len(files)


# -- reading a batch ----------------------------------------------------------------------
def _batches(sources: list[Path], problems: Problems) -> Iterator[Path]:
    """Every ``*.jsonl`` below the sources, at any depth and with names in any
    bytes; one that is not a regular file is opened (without blocking) only to be
    refused and reported. A folder that cannot be listed (no permission, or a
    path too long for the system to open) is reported and the rest read."""
    for source in sources:
        if not source.is_dir():
            yield source
            continue
        found, folders = [], [str(source)]
        while folders:  # by hand, not recursion: a tree may be thousands deep
            folder = folders.pop()
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if entry.is_dir(follow_symlinks=False):
                            folders.append(entry.path)
                        elif entry.name.endswith(".jsonl"):
                            found.append(Path(entry.path))
            except OSError as err:
                said = f"{shown(Path(folder))}: cannot be read ({err.strerror}); skipped"
                problems.add("bad files", said)
        yield from sorted(found)


def _load(
    db: sqlite3.Connection,
    files: list[Path],
    first: int,
    zone: tzinfo | None,
    problems: Problems,
) -> None:
    """``files``, numbered from ``first``, into the scratch table."""
    for index, path in enumerate(files, start=first):
        name, first_line = shown(path), index << 32
        expected = _sidecar(path, problems)
        db.execute("BEGIN")  # one transaction a batch: all of it, or none
        hasher = hashlib.sha256()
        rows: list[tuple[Any, ...]] = []
        try:
            with _open_batch(path) as handle:
                for number, raw in enumerate(_lines(handle, hasher), start=1):
                    if len(raw) > MAX_LINE_BYTES:
                        problems.add(
                            "bad lines", f"{name}:{number}: longer than {MAX_LINE_BYTES} bytes"
                        )
                        continue
                    row = read_line(raw, _Where(name, number), first_line | number, zone, problems)
                    if row is not None:
                        rows.append(row)
                    if len(rows) >= INSERT_EVERY:
                        _insert(db, rows)
                        rows.clear()
        except Unreadable as err:
            problems.add("bad files", f"{name}: {err}; skipped")
            db.execute("ROLLBACK")
            continue
        except OSError as err:
            problems.add("bad files", f"{name}: cannot read ({err.strerror}); skipped")
            db.execute("ROLLBACK")
            continue
        _insert(db, rows)
        if expected is not None and hasher.hexdigest() != expected:
            problems.add("bad files", f"{name}: does not match its .sha256; skipped whole")
            db.execute("ROLLBACK")
        else:
            db.execute("COMMIT")


class _Where:
    """``file:line`` of a line, worded only when a problem is reported."""

    __slots__ = ("name", "number")

    def __init__(self, name: str, number: int) -> None:
        self.name, self.number = name, number

    def __str__(self) -> str:
        return f"{self.name}:{self.number}"


def _insert(db: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Rows into the scratch table. An integer beyond SQLite's 64 bits that orjson
    read (up to 2**64 - 1) is kept as its text, as the exact reading does."""
    try:
        db.executemany(_INSERT, rows)
    except OverflowError:
        db.execute("DELETE FROM copy WHERE origin >= ?", (rows[0][2],))
        db.executemany(_INSERT, [tuple(str(v) if _huge(v) else v for v in r) for r in rows])


def _open_batch(path: Path) -> IO[bytes]:
    """A batch opened without blocking, refused unless a regular file within the limit."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BATCH_BYTES:
        os.close(fd)
        what = "not a regular file" if not stat.S_ISREG(info.st_mode) else "too large"
        raise Unreadable(f"{what} (a batch is a file of at most {MAX_BATCH_BYTES} bytes)")
    return os.fdopen(fd, "rb")


def _lines(handle: IO[bytes], hasher: Any) -> Iterator[bytes]:
    """The file's lines, each read at most MAX_LINE_BYTES + 1 at a time, every byte hashed.

    A longer line yields only its first piece (longer than the limit, so the
    caller reports it); the rest of it is read in pieces and passed over, so
    memory stays bounded however long the line.
    """
    while raw := handle.readline(MAX_LINE_BYTES + 1):
        hasher.update(raw)
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while rest := handle.readline(MAX_LINE_BYTES + 1):
                hasher.update(rest)
                if rest.endswith(b"\n"):
                    break
        yield raw


def _sidecar(path: Path, problems: Problems) -> str | None:
    sidecar = path.with_name(f"{path.name}.sha256")
    try:
        text = read_bounded(sidecar, 4096).decode("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, Unreadable):
        text = ""
    digest = text.split(maxsplit=1)[0].lower() if text.strip() else ""
    if len(digest) != 64:
        problems.add("bad files", f"{shown(sidecar)}: not a sha256sum line; batch read unverified")
        return None
    return digest


def read_line(
    raw: bytes, where: object, origin: int, zone: tzinfo | None, problems: Problems
) -> tuple[Any, ...] | None:
    """One line as a scratch-table row, or ``None`` (and a problem) if unusable.

    Run for every line of every batch, so the usual line takes the fast road:
    orjson, no message worded. A line orjson refuses (NaN, an integer beyond
    64 bits, half a surrogate pair) or that holds anything wrong is read again
    by the standard library's parser, which words what is wrong with it.
    """
    if not raw.strip():
        return None
    try:
        row = _read(orjson.loads(raw), raw, origin, zone, None, "")
    except orjson.JSONDecodeError:
        row = None
    if row is not None:
        return row
    try:
        record = json.loads(raw.decode())  # str: json need not guess the encoding
    except (ValueError, UnicodeDecodeError):
        problems.add("bad lines", f"{where}: not a JSON record; skipped")
        return None
    except RecursionError:
        problems.add("bad lines", f"{where}: nested too deeply to be a record; skipped")
        return None
    return _read(record, raw, origin, zone, problems, where)


def _read(
    record: Any,
    raw: bytes,
    origin: int,
    zone: tzinfo | None,
    problems: Problems | None,
    where: object,
) -> tuple[Any, ...] | None:
    """A parsed line as a row. Without ``problems``, ``None`` at the first thing wrong
    (the caller reads it again to say what); with them, each is reported."""
    if type(record) is not dict or type(record.get("id")) is not str:
        if problems is not None:
            problems.add("bad lines", f"{where}: a record needs an 'id'; skipped")
        return None
    if problems is not None and b"\\u" in raw and _lone_surrogate(record):
        # (orjson refuses half a pair itself; only an escape can make one)
        problems.add("bad lines", f"{where}: holds a \\uD800-\\uDFFF escape alone (not text)")
        return None
    # Known fields only: what two copies must agree on. Python's hash is stable
    # within one run, which is all the comparison needs.
    known = tuple(map(record.get, KNOWN))
    if problems is not None:  # integers SQLite cannot hold are kept as their text
        known = tuple(str(v) if _huge(v) else v for v in known)
    try:
        digest = hash(known)
    except TypeError:  # a list or object where a plain value belongs: keep it as text
        known = tuple(v if type(v) in _PLAIN else json.dumps(v, sort_keys=True) for v in known)
        digest = hash(known)
    kind, device, seq = record.get("type"), record.get("device"), record.get("seq")
    if type(device) is not str or not _whole(seq, 1, MAX_SEQ):
        if "seq" in record and not _whole(seq, 1, MAX_SEQ):
            if problems is None:
                return None
            problems.add("bad values", f"{where}: seq {seq!r} is not a whole number from 1")
        device, seq = None, None
    if kind not in RECORD_TYPES:  # unknown types still count for seq gaps
        return (known[0], digest, origin, str(kind), device, seq, None, None, 0, *_NO_FIELDS)
    try:
        started = datetime.fromisoformat(record["started_at"])
        if started.tzinfo is None:
            raise ValueError
        local = started.astimezone(zone)
    except (KeyError, TypeError, ValueError, OverflowError):
        if problems is not None:
            problems.add(
                "bad lines", f"{where}: started_at is not ISO 8601 with an offset; skipped"
            )
        return None
    if not calendar.in_span(local.date()):  # a clock far off, or a typo: no week holds it
        if problems is not None:
            problems.add("bad values", f"{where}: started_at is not {calendar.SPAN}; skipped")
        return None
    if kind == "session":
        wrong = _wrong_session(record)
        if wrong is not None:
            if problems is not None:
                problems.add(wrong[0], f"{where}: {wrong[1]}")
            return None
    fields = list(_fields_of(known))
    fields[_SYNCED] = int(bool(fields[_SYNCED]))  # as the CSVs and the counts read them
    fields[_EARLY] = int(bool(fields[_EARLY]))
    local_start, day = local.isoformat(" ")[:19], local.toordinal()
    risky = b'"=' in raw.translate(_FORMULA_TO_EQUALS) or b"\\" in raw
    return (known[0], digest, origin, kind, device, seq, local_start, day, risky, *fields)


def _lone_surrogate(record: dict[str, Any]) -> bool:
    """A string with half a surrogate pair, which no UTF-8 file or database can hold."""
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _whole(value: object, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high  # not bool, not float


def _huge(value: object) -> bool:
    return type(value) is int and not -(2**63) <= value < 2**63


def _wrong_session(record: dict[str, Any]) -> tuple[str, str] | None:
    """What makes a session record unusable, as (kind of problem, message); None if
    its figures are plausible."""
    code, planned = record.get("participant"), record.get("planned_s")
    completed = record.get("completed_s")
    if not (type(code) is str and code and isinstance(planned, int) and isinstance(completed, int)):
        return "bad lines", "a session needs participant, planned_s, completed_s"
    if not _whole(planned, 1, MAX_PLANNED_S):
        wrong = f"planned_s {planned!r} is not a length from 1 s to {MAX_PLANNED_S} s"
    elif not _whole(completed, 0, planned):
        wrong = f"completed_s {completed!r} is not between 0 and planned_s ({planned})"
    elif (mode := record.get("mode")) not in SESSION_MODES:
        wrong = f"mode {mode!r} is not one of {', '.join(SESSION_MODES)}"
    else:
        return None
    return "bad values", f"{wrong}; skipped"


def _written(after: str | None, until: str | None) -> str:
    """When the records of a gap were written, as far as its neighbours say."""
    if after and until:
        return f" written from {after} to {until}"
    if after:
        return f" written on or after {after}"
    return f" written on or before {until}" if until else ""


def _check_devices(db: sqlite3.Connection, problems: Problems, files: list[Path]) -> None:
    """Conflicts by id, and gaps in each device's seq (a missing batch)."""
    conflicts = db.execute(
        "SELECT id, MIN(origin) FROM copy GROUP BY id HAVING MIN(digest) != MAX(digest) ORDER BY id"
    )
    for record_id, first in conflicts:
        (other,) = db.execute(
            "SELECT MIN(origin) FROM copy WHERE id = ?"
            " AND digest != (SELECT digest FROM copy WHERE origin = ?)",
            (record_id, first),
        ).fetchone()
        problems.add(
            "conflicts",
            f"id {record_id}: {where(files, first)} and {where(files, other)} differ;"
            " kept the first",
        )
    device, expected, before = None, 1, None
    rows = db.execute(
        "SELECT device, seq, COUNT(*), substr(MIN(local_start), 1, 10) FROM rec"
        " WHERE device IS NOT NULL GROUP BY device, seq ORDER BY device, seq"
    )
    for row_device, seq, claims, day in rows:
        if row_device != device:
            device, expected, before = row_device, 1, None
        if claims > 1:
            problems.add("conflicts", f"device {device}: {claims} different records with seq {seq}")
        if seq > expected:
            missing = f"{expected}" if seq == expected + 1 else f"{expected}-{seq - 1}"
            problems.add(
                "gaps",
                f"device {device}: seq {missing} missing (a batch not collected?):"
                f" {seq - expected} record(s){_written(before, day)}",
            )
        expected, before = max(expected, seq + 1), day or before
