"""``poolside export``: per-participant adherence from batches collected from every Pi.

Runs on the coordinator's computer. Every ``*.jsonl`` below each source is
read once, line by line, into a scratch SQLite file on disk, so memory does
not grow with the input: a million records take the same few megabytes as
a thousand. A batch whose ``.sha256`` sidecar does not match is skipped
whole (its inserts are rolled back). Records are
de-duplicated by ``id``; the same ``id`` with other content is a conflict,
reported. Gaps in a device's ``seq`` mean a batch is missing.

The definitions (attended day, week n, prescribed, adherence, runs of missed
sessions, interruptions) are docs/attendance.md's.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import IO, Any

from poolside.core.bounded import Unreadable, read_bounded
from poolside.records import adherence, excused
from poolside.records.csvsafe import SafeWriter
from poolside.records.redcap import DICTIONARY_COLUMNS, local_start, stop_reason_code
from poolside.records.redcap import fields as redcap_fields
from poolside.records.store import CONTRACT, EXTRAS

KNOWN = (*CONTRACT, *EXTRAS, "boot_id", "monotonic_s")
RECORD_TYPES = ("session", "headcount")
_PLAIN = frozenset((str, int, float, bool, type(None)))  # what SQLite holds as it is
CACHE_KIB = 16 * 1024  # SQLite's page cache: the export's memory, whatever the input
INSERT_EVERY = 5000
MAX_SEQ = 2**53  # any real device stays far below; JSON readers stay exact below it
MAX_PLANNED_S = 24 * 60 * 60
SESSION_MODES = ("class", "solo")
MAX_BATCH_BYTES = 64 * 2**20  # a batch holds at most 1000 records: far below this
MAX_LINE_BYTES = 64 * 2**10  # one record a line; a longer line is not a record
LISTED = 200  # lines per kind of problem in problems.txt; the rest are counted
# The scratch table: how each copy was found, then the record's own fields
# (the batch contract and the study's extras) with its local calendar day.
_KEYS = ("id", "digest", "origin", "type", "device", "seq", "local_date")
_FIELDS = tuple(f for f in (*CONTRACT, *EXTRAS) if f not in _KEYS)
COLUMNS = (*_KEYS, *_FIELDS)
_FIELD_IN_KNOWN = [KNOWN.index(f) for f in _FIELDS]
# Every copy read goes into ``copy`` as it comes (appending is cheap); one sort
# by id afterwards finds the duplicates and conflicts, and ``rec`` keeps the
# first copy of each record. Inserting into a unique index record by record
# instead costs a random B-tree walk each, which made a million records slow.
_SCHEMA = f"CREATE TABLE copy ({', '.join(COLUMNS)})"
_INSERT = f"INSERT INTO copy VALUES ({', '.join('?' for _ in COLUMNS)})"
_DEDUPLICATE = """
CREATE INDEX copy_by_id ON copy (id, digest);
CREATE TABLE rec AS SELECT * FROM copy
    WHERE rowid IN (SELECT MIN(rowid) FROM copy GROUP BY id);
CREATE INDEX rec_by_participant ON rec (type, participant, started_at, id);
"""
PARTICIPANT_COLUMNS = (
    "participant",
    "start",
    "attended",
    "prescribed",
    "adherence_pct",
    "completed_pct",
    "first_session",
    "last_session",
    "longest_missed_run",
    "interruptions",
    "early_terminations",
    "sessions",
    "meets_threshold",
    "weeks_due",
    "prescribed_to_date",
    "attended_to_date",
    "adherence_to_date_pct",
    "meets_threshold_to_date",
    "excused",
)
SESSION_COLUMNS = (
    "id",
    "participant",
    "local_date",
    "program_week",
    "in_window",
    "started_at",
    "clock_synced",
    "device",
    "seq",
    "program",
    "week",
    "mode",
    "planned_s",
    "completed_s",
    "blocks_planned",
    "blocks_done",
    "stopped_early",
    "stop_reason",
    "effort",
    "source",
)
REDCAP_COLUMNS = (
    "record_id",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
    "session_id",
    "session_date",
    "session_start",
    "program_week",
    "program",
    "mode",
    "planned_s",
    "completed_s",
    "blocks_done",
    "blocks_planned",
    "stopped_early",
    "stop_reason",
    "effort",
    "clock_synced",
    "device",
)
REDCAP_INSTRUMENT = "session"


class ExportError(Exception):
    """Input the export cannot start from (a source that does not exist)."""


@dataclass(frozen=True)
class Settings:
    start: date | None = None  # week 1's first day; None: the earliest session's Monday
    start_from: str = "from --start"
    weeks: int = 24
    per_week: int = 3
    threshold: float = 75.0
    zone: tzinfo | None = None  # calendar days in this zone; None: this computer's
    as_of: date | None = None  # weeks ending after this are not missed yet
    closures: str | None = None  # --closures: CSV date,device,reason
    excused: str | None = None  # --excused: CSV participant,date,reason

    @property
    def prescribed(self) -> int:
        return self.weeks * self.per_week


@dataclass
class Problems:
    """What went wrong, by kind; each kind lists LISTED lines and counts the rest."""

    kinds: dict[str, list[str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, line: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        listed = self.kinds.setdefault(kind, [])
        if len(listed) < LISTED:
            listed.append(line)

    def write(self, stream: IO[str]) -> None:
        if not self.counts:
            stream.write("no problems found\n")
        for kind, listed in self.kinds.items():
            stream.write(f"## {kind}: {self.counts[kind]}\n")
            stream.writelines(f"{line}\n" for line in listed)
            if self.counts[kind] > len(listed):
                stream.write(f"... and {self.counts[kind] - len(listed)} more\n")
            stream.write("\n")


@dataclass
class Participant:
    """One participant's figures, from their session records in order."""

    code: str
    start: date
    days: set[date] = field(default_factory=set)
    sessions: int = 0
    planned_s: int = 0
    completed_s: int = 0
    early: int = 0
    devices: set[str] = field(default_factory=set)  # the Pis their sessions came from
    weekly: list[int] = field(default_factory=list)  # attended days, week by week
    started: int = 0  # weeks begun by the as-of day; the later ones are not yet
    row: dict[str, Any] = field(default_factory=dict)


def export(
    sources: list[Path], out: Path, settings: Settings, roster_path: str | None = None
) -> str:
    """Write the six outputs into ``out``; a summary for the terminal."""
    missing = [str(s) for s in sources if not s.exists()]
    if missing:
        raise ExportError(f"no such file or folder: {', '.join(missing)}")
    roster = _roster(roster_path)
    out.mkdir(parents=True, exist_ok=True)
    problems = Problems()
    unusable: list[str] = []
    not_held = excused.read(settings.closures, settings.excused, unusable)
    for line in unusable:
        problems.add("closures and excused absences", line)
    with tempfile.TemporaryDirectory(prefix="poolside-export-") as scratch:
        db = sqlite3.connect(Path(scratch) / "records.sqlite3", isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=MEMORY")  # small: batches only append
            db.execute("PRAGMA synchronous=OFF")
            db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            db.execute(_SCHEMA)
            files = _load(db, sources, settings.zone, problems)
            db.executescript(_DEDUPLICATE)
            _check_devices(db, problems, files)
            start, said = _start(db, settings)
            participants = _write_sessions(
                db, out, settings, start, roster, problems, files, not_held
            )
            drop_ins = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(headcount), 0) FROM rec WHERE type = 'headcount'"
            ).fetchone()
            (unique,) = db.execute("SELECT COUNT(*) FROM rec").fetchone()
            unsynced = db.execute(
                "SELECT device, COUNT(*) FROM rec WHERE type = 'session' AND NOT clock_synced"
                " GROUP BY device ORDER BY device"
            ).fetchall()
        finally:
            db.close()
    ranked = sorted(participants, key=_risk)
    _write_participants(out, ranked)
    _write_weekly(out, participants, settings.weeks)
    _write_redcap_dictionary(out, settings.weeks)
    with open(out / "problems.txt", "w", encoding="utf-8") as stream:
        problems.write(stream)
    totals = {
        "files": len(files),
        "records": unique,
        "participants": len(participants),
        "drop_in_classes": drop_ins[0],
        "drop_in_people": drop_ins[1],
        "problems": sum(problems.counts.values()),
    }
    _write_report(out, ranked, settings, start, totals, problems, unsynced)
    return (
        f"week 1 starts {start} ({said}); {len(files)} files, {unique} unique records, "
        f"{len(participants)} participants, {totals['problems']} problem(s); "
        f"figures as of {settings.as_of or date.today()}; written to {out}"
    )


# -- reading ---------------------------------------------------------------------------
def _batches(sources: list[Path]) -> Iterator[Path]:
    """Every ``*.jsonl`` below the sources; one that is not a regular file is opened
    (without blocking) only to be refused and reported."""
    for source in sources:
        if not source.is_dir():
            yield source
        else:
            yield from sorted(p for p in source.rglob("*.jsonl") if not p.is_dir())


def _load(
    db: sqlite3.Connection, sources: list[Path], zone: tzinfo | None, problems: Problems
) -> list[Path]:
    """Every batch into the scratch table; the files read, in order."""
    files: list[Path] = []
    for path in _batches(sources):
        files.append(path)
        expected = _sidecar(path, problems)
        db.execute("BEGIN")  # one transaction a batch: all of it, or none
        hasher = hashlib.sha256()
        rows: list[tuple[Any, ...]] = []
        try:
            with _open_batch(path) as handle:
                for number, raw in enumerate(_lines(handle, hasher), start=1):
                    if len(raw) > MAX_LINE_BYTES:
                        problems.add(
                            "bad lines", f"{path}:{number}: longer than {MAX_LINE_BYTES} bytes"
                        )
                        continue
                    origin = ((len(files) - 1) << 32) | number
                    row = _row(raw, f"{path}:{number}", origin, zone, problems)
                    if row is not None:
                        rows.append(row)
                    if len(rows) >= INSERT_EVERY:
                        db.executemany(_INSERT, rows)
                        rows.clear()
        except Unreadable as err:
            problems.add("bad files", f"{path}: {err}; skipped")
            db.execute("ROLLBACK")
            continue
        except OSError as err:
            problems.add("bad files", f"{path}: cannot read ({err.strerror}); skipped")
            db.execute("ROLLBACK")
            continue
        db.executemany(_INSERT, rows)
        if expected is not None and hasher.hexdigest() != expected:
            problems.add("bad files", f"{path}: does not match its .sha256; skipped whole")
            db.execute("ROLLBACK")
        else:
            db.execute("COMMIT")
    return files


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
        problems.add("bad files", f"{sidecar}: not a sha256sum line; batch read unverified")
        return None
    return digest


def _row(
    raw: bytes, where: str, origin: int, zone: tzinfo | None, problems: Problems
) -> tuple[Any, ...] | None:
    """One line as a scratch-table row, or ``None`` (and a problem) if unusable."""
    if not raw.strip():
        return None
    try:
        record = json.loads(raw.decode())  # str: json need not guess the encoding
    except (ValueError, UnicodeDecodeError):
        problems.add("bad lines", f"{where}: not a JSON record; skipped")
        return None
    except RecursionError:
        problems.add("bad lines", f"{where}: nested too deeply to be a record; skipped")
        return None
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        problems.add("bad lines", f"{where}: a record needs an 'id'; skipped")
        return None
    if b"\\u" in raw and _lone_surrogate(record):  # only an escape can make one
        problems.add("bad lines", f"{where}: holds a \\uD800-\\uDFFF escape alone (not text)")
        return None
    # Known fields only: what two copies must agree on. Python's hash is stable
    # within one run, which is all the comparison needs.
    # Integers SQLite cannot hold (beyond 64 bits) are kept as their text.
    known = [str(v) if _huge(v) else v for v in (record.get(key) for key in KNOWN)]
    try:
        digest = hash(tuple(known))
    except TypeError:  # a list or object where a plain value belongs: keep it as text
        known = [v if type(v) in _PLAIN else json.dumps(v, sort_keys=True) for v in known]
        digest = hash(tuple(known))
    kind = record.get("type")
    device, seq = record.get("device"), record.get("seq")
    if not isinstance(device, str) or not _whole(seq, 1, MAX_SEQ):
        if "seq" in record and not _whole(seq, 1, MAX_SEQ):
            problems.add("bad values", f"{where}: seq {seq!r} is not a whole number from 1")
        device, seq = None, None
    if kind not in RECORD_TYPES:  # unknown types still count for seq gaps
        return (
            record["id"],
            digest,
            origin,
            str(kind),
            device,
            seq,
            None,
            *([None] * len(_FIELDS)),
        )
    try:
        started = datetime.fromisoformat(record["started_at"])
        if started.tzinfo is None:
            raise ValueError
        local = started.astimezone(zone).date().isoformat()
    except (KeyError, TypeError, ValueError, OverflowError):
        problems.add("bad lines", f"{where}: started_at is not ISO 8601 with an offset; skipped")
        return None
    if kind == "session" and not _session_ok(record):
        problems.add("bad lines", f"{where}: a session needs participant, planned_s, completed_s")
        return None
    wrong = _wrong_values(record) if kind == "session" else ""
    if wrong:
        problems.add("bad values", f"{where}: {wrong}; skipped")
        return None
    fields = (known[index] for index in _FIELD_IN_KNOWN)
    return (record["id"], digest, origin, kind, device, seq, local, *fields)


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


def _wrong_values(record: dict[str, Any]) -> str:
    """Well-formed but impossible session figures, said; '' when they are plausible."""
    planned, completed, mode = record["planned_s"], record["completed_s"], record.get("mode")
    if not _whole(planned, 1, MAX_PLANNED_S):
        return f"planned_s {planned!r} is not a length from 1 s to {MAX_PLANNED_S} s"
    if not _whole(completed, 0, planned):
        return f"completed_s {completed!r} is not between 0 and planned_s ({planned})"
    if mode not in SESSION_MODES:
        return f"mode {mode!r} is not one of {', '.join(SESSION_MODES)}"
    return ""


def _session_ok(record: dict[str, Any]) -> bool:
    return (
        isinstance(record.get("participant"), str)
        and bool(record["participant"])
        and isinstance(record.get("planned_s"), int)
        and isinstance(record.get("completed_s"), int)
    )


def _where(files: list[Path], origin: int) -> str:
    """``file:line`` of a record, from the compact origin kept in the scratch table."""
    return f"{files[origin >> 32]}:{origin & 0xFFFFFFFF}"


def _check_devices(db: sqlite3.Connection, problems: Problems, files: list[Path]) -> None:
    """Conflicts by id, and gaps in each device's seq (a missing batch)."""
    conflicts = db.execute(
        "SELECT rec.id, rec.origin, MIN(copy.origin) FROM rec"
        " JOIN copy ON copy.id = rec.id AND copy.digest != rec.digest"
        " GROUP BY rec.id ORDER BY rec.id"
    )
    for record_id, first, other in conflicts:
        problems.add(
            "conflicts",
            f"id {record_id}: {_where(files, first)} and {_where(files, other)} differ;"
            " kept the first",
        )
    device, expected = None, 1
    rows = db.execute(
        "SELECT device, seq, COUNT(*) FROM rec WHERE device IS NOT NULL"
        " GROUP BY device, seq ORDER BY device, seq"
    )
    for row_device, seq, claims in rows:
        if row_device != device:
            device, expected = row_device, 1
        if claims > 1:
            problems.add("conflicts", f"device {device}: {claims} different records with seq {seq}")
        if seq > expected:
            missing = f"{expected}" if seq == expected + 1 else f"{expected}-{seq - 1}"
            problems.add("gaps", f"device {device}: seq {missing} missing (a batch not collected?)")
        expected = max(expected, seq + 1)


def _start(db: sqlite3.Connection, settings: Settings) -> tuple[date, str]:
    if settings.start is not None:
        return settings.start, settings.start_from
    (first,) = db.execute("SELECT MIN(local_date) FROM rec WHERE type = 'session'").fetchone()
    day = date.fromisoformat(first) if first else (settings.as_of or date.today())
    return day - timedelta(days=day.weekday()), "the Monday of the earliest session"


def _roster(path: str | None) -> dict[str, date | None]:
    if path is None:
        return {}
    from poolside.records.roster import load_roster

    return {m.code: m.start for m in load_roster(path).members}


# -- writing ---------------------------------------------------------------------------
def _write_sessions(
    db: sqlite3.Connection,
    out: Path,
    settings: Settings,
    start: date,
    roster: dict[str, date | None],
    problems: Problems,
    files: list[Path],
    not_held: excused.Excused,
) -> list[Participant]:
    """sessions.csv and redcap.csv in one pass by participant; their figures."""
    figures: list[Participant] = []
    names = [str(path) for path in files]
    current: Participant | None = None
    instance = 0
    query = (
        "SELECT id, participant, local_date, started_at, clock_synced, device, seq, program,"
        " week, mode, planned_s, completed_s, blocks_planned, blocks_done, stopped_early,"
        " stop_reason, effort, origin FROM rec WHERE type = 'session'"
        " ORDER BY participant, started_at, id"
    )
    with (
        open(out / "sessions.csv", "w", newline="", encoding="utf-8") as sessions_file,
        open(out / "redcap.csv", "w", newline="", encoding="utf-8") as redcap_file,
    ):
        sessions = SafeWriter(sessions_file)
        redcap = SafeWriter(redcap_file)
        sessions.writerow(SESSION_COLUMNS)
        redcap.writerow(REDCAP_COLUMNS)
        zone = settings.zone
        for row in db.execute(query):
            (rid, code, local, started, synced, device, seq, program, week, mode) = row[:10]
            planned, completed, b_planned, b_done, early, reason, effort, origin = row[10:]
            if current is None or current.code != code:
                if current is not None:
                    figures.append(_finish(current, settings, not_held))
                current = Participant(code, roster.get(code) or start)
                instance = 0
            day = _day(local)
            offset = (day - current.start).days
            program_week = offset // 7 + 1 if 0 <= offset < 7 * settings.weeks else None
            if program_week is None:
                problems.add(
                    "outside the window", f"{code} {local}: session {rid} ({_where(files, origin)})"
                )
            else:
                current.days.add(day)
                current.devices.add(device)
                current.sessions += 1
                current.planned_s += planned
                current.completed_s += completed
                current.early += bool(early)
            if not synced:
                problems.add(
                    "clock not synced", f"{code} {started}: session {rid} ({_where(files, origin)})"
                )
            instance += 1
            week_text = program_week or ""
            sessions.writerow(
                [
                    *(rid, code, local, week_text, int(program_week is not None), started),
                    *(int(bool(synced)), device, seq, program, _blank(week), mode, planned),
                    *(completed, _blank(b_planned), _blank(b_done), int(bool(early))),
                    *(_blank(reason), _blank(effort), names[origin >> 32]),
                ]
            )
            redcap.writerow(  # in the forms redcap-dictionary.csv validates
                [
                    *(code, REDCAP_INSTRUMENT, instance, rid, local, local_start(started, zone)),
                    *(week_text, program, mode, planned, completed, _blank(b_done)),
                    *(_blank(b_planned), int(bool(early)), stop_reason_code(reason or "")),
                    *(_blank(effort), int(bool(synced)), device),
                ]
            )
        if current is not None:
            figures.append(_finish(current, settings, not_held))
    seen = {p.code for p in figures}
    for code, own_start in roster.items():
        if code not in seen:
            figures.append(_finish(Participant(code, own_start or start), settings, not_held))
    return sorted(figures, key=lambda p: p.code)


@functools.lru_cache(maxsize=4096)
def _day(text: str) -> date:
    """A calendar day from its ISO text; a program has a few hundred, read again and again."""
    return date.fromisoformat(text)


def _blank(value: object) -> object:
    return "" if value is None else value


def _finish(person: Participant, settings: Settings, not_held: excused.Excused) -> Participant:
    """The participant's row of participants.csv, by :mod:`poolside.records.adherence`."""
    per_week, weeks = settings.per_week, settings.weeks
    days_off = not_held.days_for(person.code, person.devices)
    wanted = adherence.prescribed_weeks(per_week, weeks, person.start, days_off)
    person.weekly = [0] * weeks
    for day in person.days:
        person.weekly[(day - person.start).days // 7] += 1
    as_of = settings.as_of or date.today()
    due = adherence.weeks_due(person.start, weeks, as_of)
    person.started = adherence.weeks_started(person.start, weeks, as_of)
    runs = adherence.missed_runs(person.weekly, wanted, due)
    attended, attended_to_date = len(person.days), sum(person.weekly[:due])
    prescribed, prescribed_to_date = sum(wanted), sum(wanted[:due])
    at_end = adherence.adherence_pct(attended, prescribed) or 0.0
    to_date = adherence.adherence_pct(attended_to_date, prescribed_to_date)
    completed = 100 * person.completed_s / person.planned_s if person.planned_s else 0.0
    person.row = {
        "participant": person.code,
        "start": person.start.isoformat(),
        "attended": attended,
        "prescribed": prescribed,
        "adherence_pct": f"{at_end:.1f}",
        "completed_pct": f"{completed:.1f}",
        "first_session": min(person.days).isoformat() if person.days else "",
        "last_session": max(person.days).isoformat() if person.days else "",
        "longest_missed_run": max(runs, default=0),
        "interruptions": sum(1 for run in runs if run >= adherence.INTERRUPTION_RUN),
        "early_terminations": person.early,
        "sessions": person.sessions,
        "meets_threshold": "yes" if at_end >= settings.threshold else "no",
        "weeks_due": due,
        "prescribed_to_date": prescribed_to_date,
        "attended_to_date": attended_to_date,
        "adherence_to_date_pct": "" if to_date is None else f"{to_date:.1f}",
        "meets_threshold_to_date": ""
        if to_date is None
        else _yes_no(to_date >= settings.threshold),
        "excused": settings.prescribed - prescribed,
    }
    return person


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _risk(person: Participant) -> tuple[float, int, str]:
    """Most at risk first: lowest adherence so far (none due yet: last), then the
    longest run of missed sessions."""
    so_far = person.row["adherence_to_date_pct"]
    return (float(so_far) if so_far else 101.0, -person.row["longest_missed_run"], person.code)


def _write_participants(out: Path, participants: list[Participant]) -> None:
    with open(out / "participants.csv", "w", newline="", encoding="utf-8") as handle:
        writer = SafeWriter(handle)
        writer.writerow(PARTICIPANT_COLUMNS)
        writer.writerows([p.row[column] for column in PARTICIPANT_COLUMNS] for p in participants)


def _write_weekly(out: Path, participants: list[Participant], weeks: int) -> None:
    with open(out / "weekly.csv", "w", newline="", encoding="utf-8") as handle:
        writer = SafeWriter(handle)
        writer.writerow(["participant", *(f"week_{n}" for n in range(1, weeks + 1))])
        writer.writerows(  # weeks not begun by the as-of day are blank: not yet, not missed
            [p.code, *p.weekly[: p.started], *[""] * (weeks - p.started)] for p in participants
        )


def _unsynced_text(unsynced: list[tuple[str, int]]) -> str:
    """ "Clock not synchronised: 12 sessions (pool-a 10, pool-b 2)", or that all were."""
    if not unsynced:
        return "Every session was written with the clock synchronised."
    count = sum(n for _, n in unsynced)
    devices = ", ".join(f"{html.escape(str(device))} {n}" for device, n in unsynced)
    return (
        f"Clock not synchronised when written: {count} session(s) ({devices}); their dates"
        " may be off, see problems.txt."
    )


def _write_redcap_dictionary(out: Path, weeks: int) -> None:
    with open(out / "redcap-dictionary.csv", "w", newline="", encoding="utf-8") as handle:
        writer = SafeWriter(handle)
        writer.writerow(DICTIONARY_COLUMNS)
        writer.writerows(field.row() for field in redcap_fields(weeks))


# -- the report --------------------------------------------------------------------------
_BLUES = ("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")  # sequential, colour-blind safe


def _write_report(
    out: Path,
    ranked: list[Participant],
    settings: Settings,
    start: date,
    totals: dict[str, int],
    problems: Problems,
    unsynced: list[tuple[str, int]],
) -> None:
    """One self-contained page: totals, the table by risk, an inline-SVG heatmap.

    ``unsynced``: (device, sessions) written while its clock was not yet
    synchronised, whose dates may be wrong; problems.txt lists each.
    """
    meeting = sum(1 for p in ranked if p.row["meets_threshold"] == "yes")
    esc = html.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in PARTICIPANT_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(str(p.row[c]))}</td>" for c in PARTICIPANT_COLUMNS) + "</tr>"
        for p in ranked
    )
    kinds = (
        "".join(f"<li>{esc(kind)}: {count}</li>" for kind, count in problems.counts.items())
        or "<li>none</li>"
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>poolside adherence report</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #111; }}
table {{ border-collapse: collapse; font-size: 0.9em; }}
td, th {{ border: 1px solid #999; padding: 0.2em 0.5em; text-align: right; }}
th {{ background: #eee; }}
</style></head><body>
<h1>Adherence: {settings.weeks} weeks x {settings.per_week} sessions from {start}</h1>
<p>{totals["participants"]} participants, {meeting} at or above {settings.threshold:g} %.
{totals["records"]} unique records from {totals["files"]} files.
Drop-in classes: {totals["drop_in_classes"]} ({totals["drop_in_people"]} people counted).
{_unsynced_text(unsynced)}
Counted as of {settings.as_of or date.today()}.</p>
<h2>Problems (details in problems.txt)</h2><ul>{kinds}</ul>
<h2>Participants, most at risk first</h2>
<table><tr>{head}</tr>{body}</table>
<h2>Attended days per week</h2>
{_heatmap(ranked, settings)}
</body></html>
"""
    (out / "report.html").write_text(page, encoding="utf-8")


NOT_YET = "#e0e0e0"  # a week not begun by the as-of day: grey, no number
UNDER_WAY = 'stroke="#d95f02" stroke-width="2" stroke-dasharray="3 2"'  # the week not yet due


def _heatmap(ranked: list[Participant], settings: Settings) -> str:
    """Attended days per participant and week: blues by days; the week under way
    outlined (it is not due yet); weeks not begun grey and empty, not missed."""
    cell, label_w, top = 22, 90, 30
    width = label_w + cell * settings.weeks + 10
    legend_y = top + cell * len(ranked) + 12
    height = legend_y + cell + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{max(width, 520)}" height="{height}" '
        f'font-family="sans-serif" font-size="11" role="img" '
        f'aria-label="attended days per participant and week">'
    ]
    for w in range(settings.weeks):
        x = label_w + w * cell + cell / 2
        parts.append(f'<text x="{x}" y="{top - 8}" text-anchor="middle">{w + 1}</text>')
    for r, person in enumerate(ranked):
        y = top + r * cell
        code = html.escape(person.code)
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{code}</text>')
        for w, days in enumerate(person.weekly):
            x = label_w + w * cell
            if w >= person.started:
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{cell - 1}" height="{cell - 1}" '
                    f'fill="{NOT_YET}"><title>{code} week {w + 1}: not yet</title></rect>'
                )
                continue
            under_way = w == person.started - 1 and w >= int(person.row["weeks_due"])
            shade = min(len(_BLUES) - 1, round(days / settings.per_week * (len(_BLUES) - 1)))
            ink = "#fff" if shade >= 3 else "#111"
            outline = (
                ' stroke="#d95f02" stroke-width="2" stroke-dasharray="3 2"' if under_way else ""
            )
            note = " so far (week under way)" if under_way else ""
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 1}" height="{cell - 1}" '
                f'fill="{_BLUES[shade]}"{outline}><title>{code} week {w + 1}: '
                f"{days} days{note}</title></rect>"
                f'<text x="{x + cell / 2}" y="{y + 15}" text-anchor="middle" '
                f'fill="{ink}">{days}</text>'
            )
    parts.append(_legend(label_w, legend_y, cell, settings.per_week))
    parts.append("</svg>")
    return "".join(parts)


def _legend(x: int, y: int, cell: int, per_week: int) -> str:
    """What the cells mean: days attended, the week under way, not yet."""
    items = []
    for days in range(per_week + 1):
        shade = min(len(_BLUES) - 1, round(days / per_week * (len(_BLUES) - 1)))
        items.append((f'fill="{_BLUES[shade]}"', f"{days} day{'s' if days != 1 else ''}"))
    items.append(
        (
            f'fill="{_BLUES[0]}" stroke="#d95f02" stroke-width="2" stroke-dasharray="3 2"',
            "week under way",
        )
    )
    items.append((f'fill="{NOT_YET}"', "not yet"))
    parts = []
    for style, label in items:
        parts.append(
            f'<rect x="{x}" y="{y}" width="{cell - 1}" height="{cell - 1}" {style}/>'
            f'<text x="{x + cell + 4}" y="{y + 15}">{label}</text>'
        )
        x += cell + 8 + 7 * len(label)
    return "".join(parts)
