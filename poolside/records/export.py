"""``poolside export``: per-participant adherence from batches collected from every Pi.

Runs on the coordinator's computer. :mod:`poolside.records.scratch` reads
every batch once into a scratch SQLite file (memory does not grow with the
input); this module writes the six outputs from it: sessions.csv and
redcap.csv in one pass, then participants.csv, weekly.csv, problems.txt and
report.html from each participant's figures.

The definitions (attended day, week n, prescribed, adherence, runs of missed
sessions, interruptions) are docs/attendance.md's, in code in
:mod:`poolside.records.adherence`.
"""

from __future__ import annotations

import csv
import html
import itertools
import sqlite3
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from poolside.records import (
    adherence,
    charts,
    delivered,
    elsewhere,
    excused,
    flow,
    offered,
    scratch,
)
from poolside.records.csvsafe import FORMULA_STARTS, SafeWriter, neutral
from poolside.records.problems import Problems, where
from poolside.records.redcap import DICTIONARY_COLUMNS
from poolside.records.redcap import fields as redcap_fields

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
    "no_data_after",
    "withdrawn",
)
# The report's table: to date first (what a meeting mid-study discusses), then
# the whole program's; plain headings. participants.csv has every column.
REPORT_COLUMNS = (
    ("participant", "Participant"),
    ("start", "Start"),
    ("weeks_due", "Weeks due"),
    ("attended_to_date", "Attended to date"),
    ("prescribed_to_date", "Prescribed to date"),
    ("adherence_to_date_pct", "Adherence to date %"),
    ("meets_threshold_to_date", "At threshold to date"),
    ("longest_missed_run", "Longest run missed"),
    ("last_session", "Last session"),
    ("attended", "Attended, all weeks"),
    ("prescribed", "Prescribed, all weeks"),
    ("adherence_pct", "Adherence, all weeks %"),
    ("early_terminations", "Stopped early"),
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
    "clock_corrected",
    "started_at_as_written",
    "site",
    "program_hash",
    "work_planned",
    "work_done",
    "work_skipped",
    "work_repeated",
    "paused_s",
    "left_reason",
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


if TYPE_CHECKING:
    from poolside.records.roster import Member


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
    redcap_event: str | None = None  # --redcap-event: a longitudinal project's event

    @property
    def prescribed(self) -> int:
        return self.weeks * self.per_week


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
    known: int = 0  # weeks before "no data": ended by the day their Pis' data ends
    wanted: list[int] = field(default_factory=list)  # prescribed, week by week
    excused: list[int] = field(default_factory=list)  # days off of their own, by week
    closed: list[int] = field(default_factory=list)  # days their pool did not hold, by week
    row: dict[str, Any] = field(default_factory=dict)


def export(
    sources: list[Path], out: Path, settings: Settings, roster_path: str | None = None
) -> str:
    """Write the six outputs into ``out``; a summary for the terminal."""
    missing = [str(s) for s in sources if not s.exists()]
    if missing:
        raise ExportError(f"no such file or folder: {', '.join(missing)}")
    members = _roster(roster_path)
    roster = {code: member.start for code, member in members.items()}
    out.mkdir(parents=True, exist_ok=True)
    problems = Problems()
    unusable: list[str] = []
    not_held = excused.read(settings.closures, settings.excused, unusable)
    for line in unusable:
        problems.add("closures and excused absences", line)
    with tempfile.TemporaryDirectory(prefix="poolside-export-") as folder:
        db_path = Path(folder) / "records.sqlite3"
        db = scratch.open_scratch(db_path)
        try:
            files = scratch.load(db, Path(folder), sources, settings.zone, problems)
            start, said = _start(db, settings)
            teams = _team_closures(not_held)
            timetables = offered.read(db)
            not_held.offers = timetables.offers
            runs = offered.runs_by_day(db)
            calls = _call_offs(db, timetables, runs, not_held)
            pis = _pis(db)
            ends = data_ends(pis, settings, start)
            last_day = min(settings.as_of or date.today(), _last_day(start, settings))
            held = offered.classes_held(
                timetables,
                range(start.toordinal(), last_day.toordinal() + 1),
                runs,
                calls,
                teams,
                {device: day.toordinal() for device, day in ends.items()},
            )
            participants = _write_sessions(
                db, db_path, out, settings, start, roster, problems, files, not_held, ends
            )
            drop_ins = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(headcount), 0) FROM rec WHERE type = 'headcount'"
            ).fetchone()
            (unique,) = db.execute("SELECT COUNT(*) FROM rec").fetchone()
            window = {"start": start.toordinal(), "last": 7 * settings.weeks - 1}
            delivery = delivered.delivered(db, _SESSIONS, window)
            cert = delivered.cert_rows(
                delivery, settings.threshold, settings.per_week, settings.weeks
            )
            early = db.execute(_EARLY, {"limit": ON_PAGE + 1}).fetchall()
            (early_count,) = db.execute(
                "SELECT COUNT(*) FROM rec WHERE type = 'session' AND stopped_early"
            ).fetchone()
            unsynced = db.execute(
                "SELECT device, COUNT(*), COUNT(c.written) FROM rec"
                " LEFT JOIN clock AS c ON c.origin = rec.origin"
                " WHERE type = 'session' AND NOT clock_synced GROUP BY device ORDER BY device"
            ).fetchall()
        finally:
            db.close()
    for person in participants:  # the team's, from the roster: not a Pi's
        member = members.get(person.code)
        withdrawn = member.withdrawn if member else None
        person.row["withdrawn"] = withdrawn.isoformat() if withdrawn else ""
    ranked = sorted(participants, key=_risk)
    dispositions = flow.disposition(_flow_people(participants, members), settings.weeks)
    flow.write_disposition(out / "disposition.csv", dispositions, settings.weeks)
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
    listed = sorted(not_held.listed)
    _write_report(
        out,
        ranked,
        settings,
        start,
        totals,
        problems,
        unsynced,
        (listed, not_held.unlisted),
        pis,
        ends,
        (early, early_count),
        cert,
        flow.flow_html(dispositions, settings.weeks),
        delivery.efforts_by_week,
        (_held_table(pis, timetables, held, last_day), held),
    )
    return (
        f"week 1 starts {start} ({said}); {len(files)} files, {unique} unique records, "
        f"{len(participants)} participants, {totals['problems']} problem(s); "
        f"figures as of {settings.as_of or date.today()}; written to {out}"
    )


def _flow_people(participants: list[Participant], members: dict[str, Member]) -> list[flow.Person]:
    """The flow's view of each participant, with the roster's withdrawal if any."""
    people = []
    for p in sorted(participants, key=lambda p: p.code):
        member = members.get(p.code)
        people.append(
            flow.Person(
                p.code,
                p.start,
                p.weekly[: p.known],
                int(p.row["weeks_due"]),
                p.known,
                member.withdrawn if member else None,
                member.withdrawn_reason if member else "",
            )
        )
    return people


@dataclass(frozen=True)
class Pi:
    """One device as its records show it: where it is, and how far its data goes."""

    device: str
    site: str | None  # the site its latest record names
    records: int
    first: str | None  # local date of its first and last record
    last: str | None
    last_seq: int

    @property
    def name(self) -> str:
        """The site, with the device id to tell two Pis of one site apart."""
        return f"{self.site} ({self.device})" if self.site else self.device


def _pis(db: sqlite3.Connection) -> list[Pi]:
    """Every device's site, record count, first and last record day and last seq."""
    rows = db.execute(
        "SELECT device, (SELECT site FROM rec AS s WHERE s.device = r.device"
        " AND site IS NOT NULL ORDER BY seq DESC LIMIT 1),"
        " COUNT(*), substr(MIN(local_start), 1, 10), substr(MAX(local_start), 1, 10), MAX(seq)"
        " FROM rec AS r WHERE device IS NOT NULL GROUP BY device ORDER BY device"
    )
    return [Pi(str(d), s if isinstance(s, str) else None, n, a, b, q) for d, s, n, a, b, q in rows]


STALE_DAYS = 7  # a Pi silent this long before the as-of day: its data is not all in


def data_ends(pis: list[Pi], settings: Settings, start: date) -> dict[str, date]:
    """The Pis whose data ends before the export's day, and the day it ends.

    A Pi with no record in the last STALE_DAYS before the as-of day (or the
    program's last day, if sooner) has not been collected from (a stick not
    brought in): what its participants did after its last record is not known,
    and reads as "no data", never as absence. A pool that held no class for a
    week reads the same way until its next record arrives; the report says so.
    """
    as_of = settings.as_of or date.today()
    until = min(as_of, _last_day(start, settings))
    ends = {}
    for pi in pis:
        last = date.fromisoformat(pi.last) if pi.last else None
        if last is not None and last < until - timedelta(days=STALE_DAYS):
            ends[pi.device] = last
    return ends


def _last_day(start: date, settings: Settings) -> date:
    """The program's last day (week ``weeks``' seventh)."""
    return start + timedelta(days=7 * settings.weeks - 1)


def _team_closures(not_held: excused.Excused) -> dict[str, set[int]]:
    """The closures in the team's file, as day ordinals per device (``""``: every
    pool), before the kiosk's call-offs join them."""
    closed = {device: {d.toordinal() for d in days} for device, days in not_held.by_device.items()}
    closed[""] = {d.toordinal() for d in not_held.everyone}
    return closed


def _call_offs(
    db: sqlite3.Connection,
    timetables: offered.Offered,
    runs: Counter[tuple[str, int]],
    not_held: excused.Excused,
) -> Counter[tuple[str, int]]:
    """The kiosks' call-offs into ``not_held``, counted per (device, day ordinal).

    Where a Pi's timetable is known, a day is taken out only when no class ran
    there and every class it offered was called off; the others are listed
    with why they take nothing out."""
    rows = db.execute(
        "SELECT day, device, stop_reason FROM rec"
        " WHERE type = 'cancelled' AND device IS NOT NULL AND day IS NOT NULL"
        " ORDER BY local_start"
    ).fetchall()
    calls = Counter((str(device), int(day)) for day, device, _ in rows)
    for ordinal, device, reason in rows:
        day = date.fromordinal(ordinal)
        times = timetables.times_on(device, day)
        source, takes_out = "kiosk", True
        if times is not None and not times:
            source, takes_out = "kiosk; no class in its timetable that day", False
        elif times is not None and (runs[device, ordinal] or calls[device, ordinal] < len(times)):
            source, takes_out = "kiosk; another class held or offered that day", False
        not_held.close(day, device, str(reason or ""), source, takes_out)
    return calls


def _start(db: sqlite3.Connection, settings: Settings) -> tuple[date, str]:
    if settings.start is not None:
        return settings.start, settings.start_from
    (first,) = db.execute(
        "SELECT substr(MIN(local_start), 1, 10) FROM rec WHERE type = 'session'"
    ).fetchone()
    day = date.fromisoformat(first) if first else (settings.as_of or date.today())
    return day - timedelta(days=day.weekday()), "the Monday of the earliest session"


def _roster(path: str | None) -> dict[str, Member]:
    if path is None:
        return {}
    from poolside.records.roster import load_roster

    return {m.code: m for m in load_roster(path).members}


# -- writing ---------------------------------------------------------------------------
def _safe(expr: str) -> str:
    """SQL for a cell that may hold text: csvsafe's leading quote where it starts like a
    formula. Looked at only on rows whose line had such a start (``risky``)."""
    starts = ", ".join(f"char({ord(c)})" for c in FORMULA_STARTS)
    return (
        f"CASE WHEN risky AND typeof({expr}) = 'text' AND substr({expr}, 1, 1) IN ({starts})"
        f" THEN char(39) || {expr} ELSE {expr} END"
    )


# The cells of each CSV, worked out by SQLite, so that csv.writer writes every
# row with no Python in between. Cells that are the export's own (dates, weeks,
# checked figures, mode) cannot start like a formula; the file name is made
# safe once in the files table.
_SESSION_CELLS = (
    *(_safe("id"), _safe("participant"), "substr(local_start, 1, 10)", "week_n"),
    *("week_n IS NOT NULL", "started_at", "clock_synced", _safe("device"), "seq"),
    *(_safe("program"), _safe("week"), "mode", "planned_s", "completed_s"),
    *(_safe("blocks_planned"), _safe("blocks_done"), "stopped_early", _safe("stop_reason")),
    *(_safe("effort"), "f.name", "c.written IS NOT NULL", "c.written", _safe("site")),
    *(_safe("program_hash"), _safe("work_planned"), _safe("work_done")),
    *(_safe("work_skipped"), _safe("work_repeated"), _safe("paused_s"), _safe("left_reason")),
)
_REDCAP_CELLS = (
    *(_safe("s.participant"), ":instrument", "instance", _safe("id")),
    *("substr(local_start, 1, 10)", "local_start", "week_n", _safe("program"), "mode"),
    *("planned_s", "completed_s", _safe("blocks_done"), _safe("blocks_planned")),
    # redcap.stop_reason_code's rule (spaces to _), done by SQLite for every row:
    *("stopped_early", _safe("replace(stop_reason, ' ', '_')"), _safe("effort")),
    *("clock_synced", _safe("device")),
)
# Sessions in order with their program week (week_n: none outside the window).
_SESSIONS = """
    SELECT r.rowid AS n, r.*, CASE WHEN r.day - COALESCE(s.start, :start) BETWEEN 0 AND :last
        THEN (r.day - COALESCE(s.start, :start)) / 7 + 1 END AS week_n
    FROM rec AS r LEFT JOIN starts AS s ON s.participant = r.participant
    WHERE r.type = 'session'
"""
_SESSIONS_CSV = f"""
    SELECT {", ".join(_SESSION_CELLS)}
    FROM ({_SESSIONS}) AS s LEFT JOIN files AS f ON f.n = s.origin >> 32
        LEFT JOIN clock AS c ON c.origin = s.origin
"""
# REDCap's repeat instance: the session's own, in every export whatever arrives
# later (a rank among the participant's sessions shifts when an earlier-dated
# batch comes in late, and a re-import would then overwrite other sessions).
# It is the start as the Pi wrote it (before any clock correction, which a later
# batch can change), in seconds since INSTANCE_EPOCH, so instances sort by date;
# sessions of one participant written in the same second (or before the epoch,
# a clock never set) follow one another by id.
INSTANCE_EPOCH = "2020-01-01T00:00:00+00:00"
_REDCAP_CSV = f"""
    SELECT {", ".join(_REDCAP_CELLS)} FROM (
        SELECT s.*, base + ROW_NUMBER() OVER (
            PARTITION BY s.participant, base ORDER BY s.id) - 1 AS instance
        FROM (
            SELECT s.*, MAX(1, COALESCE(CAST(strftime('%s', COALESCE(c.written, s.started_at))
                AS INTEGER) - CAST(strftime('%s', '{INSTANCE_EPOCH}') AS INTEGER), 1)) AS base
            FROM ({_SESSIONS}) AS s LEFT JOIN clock AS c ON c.origin = s.origin
        ) AS s
    ) AS s ORDER BY n
"""
# Sessions outside the window, and those written with the clock unset: corrected
# (clocks.py) or kept as written, and why.
_UNSURE = f"""
    SELECT participant, substr(local_start, 1, 10), started_at, id, s.origin,
        week_n IS NULL, NOT clock_synced, c.written,
        COALESCE(c.why, 'no synchronised record of the same boot')
    FROM ({_SESSIONS}) AS s LEFT JOIN clock AS c ON c.origin = s.origin
    WHERE week_n IS NULL OR NOT clock_synced
"""
_BY_DAY = f"""
    SELECT participant, day, device, COUNT(*), SUM(planned_s), SUM(completed_s),
        SUM(stopped_early)
    FROM ({_SESSIONS}) WHERE week_n IS NOT NULL GROUP BY participant, day, device
"""


def _write_sessions(
    db: sqlite3.Connection,
    db_path: Path,
    out: Path,
    settings: Settings,
    start: date,
    roster: dict[str, date | None],
    problems: Problems,
    files: list[Path],
    not_held: excused.Excused,
    ends: dict[str, date],
) -> list[Participant]:
    """sessions.csv and redcap.csv (a large one on the second core), then each
    participant's figures."""
    db.execute("CREATE TABLE starts (participant TEXT PRIMARY KEY, start INTEGER)")
    db.executemany(
        "INSERT INTO starts VALUES (?, ?)",
        [(code, day.toordinal()) for code, day in roster.items() if day is not None],
    )
    db.execute("CREATE TABLE files (n INTEGER PRIMARY KEY, name TEXT)")
    names = [neutral(str(path)) for path in files]
    db.executemany("INSERT INTO files VALUES (?, ?)", enumerate(names))
    params = {
        "start": start.toordinal(),
        "last": 7 * settings.weeks - 1,
        "event": settings.redcap_event,
    }
    redcap = None
    if db_path.stat().st_size >= scratch.PARALLEL_BYTES:
        redcap = elsewhere.start(f"{__name__}:write_redcap_from", db_path, out, params)
    with open(out / "sessions.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SESSION_COLUMNS)
        writer.writerows(db.execute(_SESSIONS_CSV, params))
    for code, day, started, rid, origin, outside, unsynced, written, why in db.execute(
        _UNSURE, params
    ):
        found = f"session {rid} ({where(files, origin)})"
        if outside:
            problems.add("outside the window", f"{code} {day}: {found}")
        if unsynced and written is not None:
            problems.add(
                "clock corrected",
                f"{code} {found}: written as {written}, corrected to {started} from"
                " its Pi's synchronised records of the same boot",
            )
        elif unsynced:
            problems.add("clock not synced", f"{code} {started}: {found}; kept as written: {why}")
    if elsewhere.result(redcap) is not True:  # small, or the second core failed: here
        write_redcap(db, out, params)
    return _figures(db, settings, start, roster, not_held, params, ends)


def write_redcap(db: sqlite3.Connection, out: Path, params: dict[str, Any]) -> bool:
    """redcap.csv: each session as a repeat instance of its participant's record, in
    the forms redcap-dictionary.csv validates."""
    rows = db.execute(_REDCAP_CSV, {**params, "instrument": REDCAP_INSTRUMENT})
    with open(out / "redcap.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        event = params.get("event")
        if event:  # a longitudinal project: REDCap's event column after the record's
            writer.writerow([REDCAP_COLUMNS[0], "redcap_event_name", *REDCAP_COLUMNS[1:]])
            writer.writerows((row[0], event, *row[1:]) for row in rows)
        else:
            writer.writerow(REDCAP_COLUMNS)
            writer.writerows(rows)
    return True


def write_redcap_from(db_path: Path, out: Path, params: dict[str, Any]) -> bool:
    """:func:`write_redcap` on the second core, from the scratch file opened read-only."""
    db = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True)
    try:
        db.execute(f"PRAGMA cache_size=-{scratch.CACHE_KIB}")
        return write_redcap(db, out, params)
    finally:
        db.close()


def _figures(
    db: sqlite3.Connection,
    settings: Settings,
    start: date,
    roster: dict[str, date | None],
    not_held: excused.Excused,
    params: dict[str, Any],
    ends: dict[str, date],
) -> list[Participant]:
    """Every participant's figures, from their sessions in the window summed by day."""
    people: dict[str, Participant] = {}
    for code, day, device, sessions, planned, completed, early in db.execute(_BY_DAY, params):
        person = people.get(code)
        if person is None:
            person = people[code] = Participant(code, roster.get(code) or start)
        person.days.add(date.fromordinal(day))
        person.devices.add(device)
        person.sessions += sessions
        person.planned_s += planned
        person.completed_s += completed
        person.early += early
    everyone = db.execute("SELECT DISTINCT participant FROM rec WHERE type = 'session'")
    for (code,) in itertools.chain(everyone, ((c,) for c in roster)):
        if code not in people:  # no session in the window: still a row
            people[code] = Participant(code, roster.get(code) or start)
    return [_finish(people[code], settings, not_held, ends) for code in sorted(people)]


def _finish(
    person: Participant, settings: Settings, not_held: excused.Excused, ends: dict[str, date]
) -> Participant:
    """The participant's row of participants.csv, by :mod:`poolside.records.adherence`.

    Where a Pi they trained at has no data after some day (``ends``), the weeks
    not ended by then are "no data": out of the figures to date, not missed."""
    per_week, weeks = settings.per_week, settings.weeks
    # A day they attended was held for them, whatever a closure or call-off says.
    days_off = [day for day in not_held.days_for(person.code, person.devices)
                if day not in person.days]  # fmt: skip
    wanted = adherence.prescribed_weeks(per_week, weeks, person.start, days_off)
    person.wanted = wanted
    person.weekly, person.excused, person.closed = [0] * weeks, [0] * weeks, [0] * weeks
    for day in person.days:
        person.weekly[(day - person.start).days // 7] += 1
    own = not_held.by_participant.get(person.code, set())
    for day in days_off:
        week = (day - person.start).days // 7
        if 0 <= week < weeks:
            (person.excused if day in own else person.closed)[week] += 1
    as_of = settings.as_of or date.today()
    data_until = min((ends[d] for d in person.devices if d in ends), default=None)
    due = adherence.weeks_due(person.start, weeks, as_of)
    person.started = adherence.weeks_started(person.start, weeks, as_of)
    person.known = person.started
    if data_until is not None:
        person.known = min(person.started, adherence.weeks_due(person.start, weeks, data_until))
        due = min(due, person.known)
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
        "no_data_after": "" if data_until is None else data_until.isoformat(),
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
            [
                p.code,
                *p.weekly[: p.known],
                *[NO_DATA] * (p.started - p.known),
                *[""] * (weeks - p.started),
            ]
            for p in participants
        )


QUALITY_LINE = 140  # characters of a problem's first example the box shows


def _quality_box(problems: Problems, clock: str, held: tuple[str, dict[str, offered.Held]]) -> str:
    """What in the data is uncertain, in one box: clocks, each kind of problem
    with its count and first example, and offered classes not known."""
    esc = html.escape
    rows = [f"<tr><td>Clocks</td><td></td><td>{clock}</td></tr>"]
    for kind, count in problems.counts.items():
        first = problems.kinds[kind][0] if problems.kinds.get(kind) else ""
        if len(first) > QUALITY_LINE:
            first = first[: QUALITY_LINE - 1] + "\u2026"
        rows.append(f"<tr><td>{esc(kind)}</td><td>{count}</td><td>{esc(first)}</td></tr>")
    if not problems.counts:
        rows.append("<tr><td>Problems</td><td>0</td><td>none found in the batches</td></tr>")
    counts = held[1].values()
    if counts:
        unknown = sum(c.not_known for c in counts)
        rows.append(
            f"<tr><td>Classes not known</td><td>{unknown}</td><td>offered, with neither a "
            "record nor a call-off (the table of classes below)</td></tr>"
        )
    return (
        '<table class="quality"><thead><tr><th>What</th><th>How many</th><th>First, or what it '
        f"means (every one in problems.txt)</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _unsynced_text(unsynced: list[tuple[str, int, int]]) -> str:
    """ "Clock not synchronised: 12 sessions (pool-a 10, pool-b 2); 10 corrected...",
    or that all were synchronised."""
    if not unsynced:
        return "Every session was written with the clock synchronised."
    count = sum(n for _, n, _ in unsynced)
    corrected = sum(c for _, _, c in unsynced)
    devices = ", ".join(f"{html.escape(str(device))} {n}" for device, n, _ in unsynced)
    return (
        f"Clock not synchronised when written: {count} session(s) ({devices});"
        f" {corrected} corrected from later records of the same boot,"
        f" {count - corrected} kept as written (their dates may be off); see problems.txt."
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
    unsynced: list[tuple[str, int, int]],
    not_held: tuple[list[tuple[date, str, str, str]], int],
    pis: list[Pi],
    ends: dict[str, date],
    early: tuple[list[tuple[Any, ...]], int],
    cert: list[delivered.Row],
    flow_boxes: str,
    efforts: dict[int, dict[int, int]],
    held: tuple[str, dict[str, offered.Held]],
) -> None:
    """One self-contained page: totals, the table by risk, the sessions not held
    (closures, cancelled classes, excused absences), an inline-SVG heatmap.

    ``unsynced``: (device, sessions, of them corrected) written while its clock
    was not yet synchronised; problems.txt lists each.
    """
    esc = html.escape
    names = {pi.device: pi.name for pi in pis}  # a Pi by its site wherever the page names it
    listed, unlisted = not_held
    head = "".join(f"<th>{esc(title)}</th>" for _, title in REPORT_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(str(p.row[c]))}</td>" for c, _ in REPORT_COLUMNS) + "</tr>"
        for p in ranked
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>poolside adherence report</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #111; }}
table {{ border-collapse: collapse; font-size: 0.9em; }}
td, th {{ border: 1px solid #999; padding: 0.2em 0.5em; text-align: right; }}
th {{ background: #eee; }}
ul.warn {{ background: #fff3e0; border-left: 0.4em solid #d95f02; padding: 0.5em 2em; }}
table.cert td, table.quality td {{ text-align: left; vertical-align: top; }}
.flow {{ display: grid; gap: 0.4em; }}
.step {{ display: flex; gap: 1em; align-items: flex-start; break-inside: avoid; }}
.box {{ border: 1px solid #333; padding: 0.3em 0.8em; min-width: 16em; }}
.box.later {{ border-style: dotted; color: #555; }}
.side {{ border: 1px dashed #777; padding: 0.3em 0.8em; font-size: 0.9em; }}
.side ul {{ margin: 0; padding-left: 1.2em; }}
tr.todo td {{ background: #fff3e0; }}
.heatmap svg {{ display: block; margin-bottom: 0.5em; }}
@media print {{
  @page {{ size: A4; margin: 10mm; }}
  body {{ margin: 0; font-size: 7.5pt; }}
  h1 {{ font-size: 13pt; margin: 0 0 0.3em; }}
  h2 {{ font-size: 10pt; margin: 0.8em 0 0.3em; }}
  p {{ margin: 0.3em 0; }}
  td, th {{ padding: 0 0.3em; }}
  td {{ white-space: nowrap; }}
  table.cert td, table.quality td {{ white-space: normal; }}
  h1, h2 {{ break-after: avoid; }}
  tr, svg, .step {{ break-inside: avoid; }}
  thead {{ display: table-header-group; }}
  .heatmap {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 3mm; }}
  .heatmap svg {{ width: 100%; height: auto; margin: 0; }}
  .heatmap svg.legend {{ grid-column: 1 / -1; }}
  ul.warn {{ padding: 0.3em 1.5em; }}
}}
</style></head><body>
<h1>Adherence: {settings.weeks} weeks x {settings.per_week} sessions from {start}</h1>
{_stale_warning(pis, ends, ranked)}
<p><strong>{_headline(ranked, settings)}</strong>
{totals["records"]} unique records from {totals["files"]} files.
Drop-in classes: {totals["drop_in_classes"]} ({totals["drop_in_people"]} people counted).
Counted as of {settings.as_of or date.today()}.</p>
<h2>Participant flow</h2>
{flow_boxes}
<p>One row per participant in disposition.csv (the layout R's consort package takes).</p>
<h2>Adherence over time</h2>
<p>Attended of prescribed, week by week of each person's program, over the weeks due
(weeks with no data left out); the dashed line is the threshold.</p>
{
        charts.line_chart(
            _adherence_by_week(ranked, names, settings.weeks),
            settings.weeks,
            0,
            100,
            " %",
            "adherence by program week",
            settings.threshold,
        )
    }
<h2>Effort over time</h2>
{_effort_chart(efforts, settings.weeks)}
<h2>To follow up</h2>
{_action_list(ranked, settings, names)}
<h2>Data quality</h2>
{_quality_box(problems, _unsynced_text([(names.get(d, d), n, c) for d, n, c in unsynced]), held)}
<h2>Pools and their Pis</h2>
{_pis_table(pis, ends)}
<h2>Classes offered and held</h2>
{held[0]}
<h2>Not held: closures, cancelled classes, excused absences</h2>
{_not_held_table([(day, names.get(who, who), why, by) for day, who, why, by in listed], unlisted)}
<h2>Sessions stopped early, and why</h2>
{_early_table(*early, names)}
<h2>Participants, most at risk first</h2>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<p>Every column, with the names the CSV files use, is in participants.csv.</p>
<h2>Attended days per week</h2>
{_heatmap(ranked, settings)}
<h2>Appendix: the CERT items</h2>
<p>The Consensus on Exercise Reporting Template, filled from the sessions in the
program window; the marked rows are not in the data: what to write is said.</p>
{delivered.cert_table(cert)}
</body></html>
"""
    (out / "report.html").write_text(page, encoding="utf-8")


def _headline(ranked: list[Participant], settings: Settings) -> str:
    """How many meet the threshold, by the figures of the report's date: to date
    while anyone's weeks are still running (the full-program figures would read
    as failure mid-study), over the whole program once everyone's are over."""
    as_of = settings.as_of or date.today()
    threshold, weeks = f"{settings.threshold:g} %", settings.weeks
    if any(int(p.row["weeks_due"]) < weeks for p in ranked):
        meeting = sum(1 for p in ranked if p.row["meets_threshold_to_date"] == "yes")
        due = sorted({int(p.row["weeks_due"]) for p in ranked})
        weeks_due = f"{due[0]}" if len(due) == 1 else f"{due[0]}-{due[-1]}"
        return (
            f"{len(ranked)} participants; {meeting} at or above {threshold} to date "
            f"(as of {as_of}: {weeks_due} of {weeks} weeks due). The figures for all "
            f"{weeks} weeks come once the program is over."
        )
    meeting = sum(1 for p in ranked if p.row["meets_threshold"] == "yes")
    return (
        f"{len(ranked)} participants; {meeting} at or above {threshold} over the "
        f"{weeks} weeks (as of {as_of})."
    )


def _adherence_by_week(
    ranked: list[Participant], names: dict[str, str], weeks: int
) -> dict[str, list[float | None]]:
    """Attended / prescribed (%) per program week for the cohort and for each site
    (a person's site: their first Pi's), over the weeks due and with data."""
    sums: dict[str, list[list[int]]] = {}
    for person in ranked:
        due = min(int(person.row["weeks_due"]), person.known)
        pis = sorted(str(d) for d in person.devices if d)
        groups = ["Cohort"] + [names.get(d, d) for d in pis[:1]]
        for group in groups:
            totals = sums.setdefault(group, [[0, 0] for _ in range(weeks)])
            for week in range(due):
                totals[week][0] += person.weekly[week]
                totals[week][1] += person.wanted[week]
    return {
        group: [round(100 * a / w, 1) if w else None for a, w in totals]
        for group, totals in sorted(sums.items(), key=lambda item: item[0] != "Cohort")
    }


def _effort_chart(efforts: dict[int, dict[int, int]], weeks: int) -> str:
    """The median Borg rating per program week (the program's work target is 15-17)."""
    if not efforts:
        return "<p>No effort recorded.</p>"
    medians = [
        delivered.median_of(efforts[w]) if w in efforts else None for w in range(1, weeks + 1)
    ]
    counted = sum(sum(v.values()) for v in efforts.values())
    return (
        f"<p>Median Borg rating (6-20) by program week, from {counted} answers; the dashed"
        " line is the target for work, 15.</p>"
        + charts.line_chart(
            {"Median Borg": medians}, weeks, 6, 20, "", "effort by week", 15, (6, 9, 12, 15, 18, 20)
        )
    )


NOT_SEEN_DAYS = 14  # not seen this long: a call from the study team
ON_PAGE = 25  # rows of a list on the page (the newest); the CSVs have every one


def _action_list(ranked: list[Participant], settings: Settings, names: dict[str, str]) -> str:
    """Who the team should contact: not seen for NOT_SEEN_DAYS or more (never seen:
    since their start), or below the threshold to date; most at risk first, with
    the days since their last session. Someone whose Pi is behind is listed with
    that said, as their absence may only be data not yet in."""
    as_of = settings.as_of or date.today()
    rows = []
    for person in ranked:
        if date.fromisoformat(person.row["start"]) > as_of:
            continue  # not begun
        if person.row["withdrawn"] and date.fromisoformat(person.row["withdrawn"]) <= as_of:
            continue  # left the study: the flow counts them
        last = max(person.days) if person.days else None
        since = (as_of - (last or person.start)).days
        to_date = person.row["adherence_to_date_pct"]
        below = to_date != "" and float(to_date) < settings.threshold
        if since < NOT_SEEN_DAYS and not below:
            continue
        why = [f"not seen for {since} days"] if since >= NOT_SEEN_DAYS else []
        why += [f"{to_date} % to date"] if below else []
        if person.row["no_data_after"]:
            why.append(f"their Pi's data ends {person.row['no_data_after']}")
        pools = ", ".join(sorted(names.get(d, d) for d in person.devices if d)) or "-"
        rows.append(
            f"<tr><td>{html.escape(person.code)}</td><td>{html.escape(pools)}</td>"
            f"<td>{last or 'never'}</td><td>{since}</td><td>{html.escape('; '.join(why))}</td></tr>"
        )
    if not rows:
        return (
            f"<p>Nobody: everyone was seen in the last {NOT_SEEN_DAYS} days and is at or "
            f"above {settings.threshold:g} % to date.</p>"
        )
    return (
        "<table><thead><tr><th>Participant</th><th>Pool</th><th>Last session</th>"
        "<th>Days since</th><th>Why</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


# Sessions stopped early (a person who left, a class stopped), newest first.
_EARLY = """
    SELECT participant, substr(local_start, 1, 10), device,
        CASE WHEN stop_reason = 'left early' AND left_reason IS NOT NULL
            THEN 'left early: ' || left_reason ELSE stop_reason END, completed_s, planned_s
    FROM rec WHERE type = 'session' AND stopped_early
    ORDER BY local_start DESC, participant LIMIT :limit
"""


def _early_table(rows: list[tuple[Any, ...]], count: int, names: dict[str, str]) -> str:
    """Each session stopped early: who, when, where, why (the instructor's answer,
    "left early" for a person who left, with their reason when given, "interrupted"
    for a power cut) and how much was done. At most ON_PAGE rows, newest first; the
    rest are counted."""
    if not rows:
        return "<p>None.</p>"
    esc = html.escape
    cells = "".join(
        f"<tr><td>{esc(str(code))}</td><td>{day}</td><td>{esc(names.get(device, str(device)))}</td>"
        f"<td>{esc(str(reason or 'not given'))}</td><td>{done // 60}:{done % 60:02d} of "
        f"{planned // 60}:{planned % 60:02d}</td></tr>"
        for code, day, device, reason, done, planned in rows[:ON_PAGE]
    )
    more = (
        f"<p>... and {count - ON_PAGE} more (sessions.csv has every one).</p>"
        if count > ON_PAGE
        else ""
    )
    return (
        "<table><thead><tr><th>Participant</th><th>Date</th><th>Pool</th><th>Why</th>"
        f"<th>Done</th></tr></thead><tbody>{cells}</tbody></table>{more}"
    )


def _stale_warning(pis: list[Pi], ends: dict[str, date], ranked: list[Participant]) -> str:
    """First on the page: each Pi whose data ends before the report's day, and whose
    weeks that leaves as "no data"."""
    if not ends:
        return ""
    esc = html.escape
    items = []
    for pi in pis:
        if pi.device in ends:
            people = sum(1 for p in ranked if pi.device in p.devices)
            items.append(
                f"<li><strong>{esc(pi.name)}: no data after {ends[pi.device]}</strong> "
                f"(its {people} participants' weeks after that are no data, not missed: "
                "bring its stick in or sync it; a pool closed that long reads the same)</li>"
            )
    return f'<ul class="warn">{"".join(items)}</ul>'


def _pis_table(pis: list[Pi], ends: dict[str, date]) -> str:
    """Each Pi by its site: how many records, the days and the last seq its data
    reaches, and where that leaves its participants' weeks as no data."""
    if not pis:
        return "<p>No records.</p>"
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(pi.site or '(no site set)')}</td><td>{esc(pi.device)}</td>"
        f"<td>{pi.records}</td><td>{pi.first}</td><td>{pi.last}</td><td>{pi.last_seq}</td>"
        f"<td>{f'no data after {ends[pi.device]}' if pi.device in ends else 'up to date'}</td></tr>"
        for pi in pis
    )
    return (
        "<table><thead><tr><th>Site</th><th>Pi</th><th>Records</th><th>First record</th>"
        "<th>Last record</th><th>Last seq</th><th>Data</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _held_table(
    pis: list[Pi], timetables: offered.Offered, held: dict[str, offered.Held], until: date
) -> str:
    """Per Pi with a timetable: the classes it offered up to ``until`` and what became
    of each; a class with neither a record nor a call-off is not known, not absence."""
    if not held:
        return (
            "<p>No Pi's records carry a timetable (<code>timetable:</code> in its config), so "
            "the classes offered are not known: a closure or call-off takes its whole day "
            "out for that Pi's people.</p>"
        )
    esc = html.escape
    rows = []
    for pi in pis:
        if pi.device not in held:
            continue
        counts = held[pi.device]
        timetable = timetables.timetable(pi.device, until)
        cells = (
            counts.offered,
            counts.held,
            counts.called_off,
            counts.closed,
            counts.not_known,
            counts.no_data,
            counts.extra,
        )
        rows.append(
            f"<tr><td>{esc(pi.name)}</td><td>{esc(timetable.text if timetable else '')}</td>"
            + "".join(f"<td>{n}</td>" for n in cells)
            + "</tr>"
        )
    return (
        "<table><thead><tr><th>Pool</th><th>Timetable</th><th>Offered</th><th>Held</th>"
        "<th>Called off</th><th>Closed</th><th>Not known</th><th>No data yet</th>"
        f"<th>Held outside it</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"<p>From each Pi's first record to {until}. Not known: a class in the timetable "
        "with neither a record nor a call-off (no one came, or it was not recorded); it is "
        "not counted as anyone's absence or as a day off. No data yet: after the Pi's last "
        "record, its stick not brought in.</p>"
    )


def _not_held_table(listed: list[tuple[date, str, str, str]], unlisted: int = 0) -> str:
    """Each day taken out of what is prescribed, by date: where (a Pi, every pool, or a
    participant), why, and who recorded it (the kiosk or the team's file). At most
    ON_PAGE rows; the rest are counted."""
    if not listed:
        return "<p>None: every session was to be held.</p>"
    esc = html.escape
    rows = "".join(
        f"<tr><td>{day}</td><td>{esc(who)}</td><td>{esc(why)}</td><td>{esc(source)}</td></tr>"
        for day, who, why, source in listed[:ON_PAGE]
    )
    rest = len(listed) - min(len(listed), ON_PAGE) + unlisted
    more = f"<p>... and {rest} more.</p>" if rest else ""
    return (
        "<table><tr><th>date</th><th>pool or participant</th><th>reason</th>"
        f"<th>recorded by</th></tr>{rows}</table>{more}"
    )


NOT_YET = "#e0e0e0"  # a week not begun by the as-of day: grey, no number
NO_DATA = "no data"  # a week after a Pi's last record: not known, not missed
NO_DATA_FILL = "#fdd0a2"  # light orange, with a "?": unlike any number of days
UNDER_WAY = 'stroke="#d95f02" stroke-width="2" stroke-dasharray="3 2"'  # the week not yet due


HEATMAP_ROWS = 70  # participants a part: on paper three parts sit side by side
CELL = 22  # a week's square, in the SVG's units


def _heatmap(ranked: list[Participant], settings: Settings) -> str:
    """Attended days per participant and week, in parts of HEATMAP_ROWS people (on
    paper side by side, scaled to fit: 200 people on one A4 page), then the legend."""
    parts = [ranked[i : i + HEATMAP_ROWS] for i in range(0, len(ranked), HEATMAP_ROWS)]
    width, height = 720, 2 * CELL + 16
    legend = (
        f'<svg class="legend" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" '
        f'font-size="11" role="img" aria-label="legend">'
        f"{_legend(90, 4, CELL, settings.per_week)}</svg>"
    )
    drawn = "".join(_heatmap_part(part, settings) for part in parts)
    return f'<div class="heatmap">{drawn}{legend}</div>'


def _heatmap_part(ranked: list[Participant], settings: Settings) -> str:
    """Blues by days; the week under way outlined (it is not due yet); weeks not
    begun grey and empty, not missed; the marks of missed, excused and closed."""
    cell, label_w, top = CELL, 90, 30
    width = label_w + cell * settings.weeks + 10
    height = top + cell * len(ranked) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" role="img" '
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
            if w >= person.known:
                until = person.row["no_data_after"]
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{cell - 1}" height="{cell - 1}" '
                    f'fill="{NO_DATA_FILL}"><title>{code} week {w + 1}: no data (its Pi\'s '
                    f"data ends {until})</title></rect>"
                    f'<text x="{x + cell / 2}" y="{y + 15}" text-anchor="middle">?</text>'
                )
                continue
            under_way = w == person.started - 1 and w >= int(person.row["weeks_due"])
            shade = min(len(_BLUES) - 1, round(days / settings.per_week * (len(_BLUES) - 1)))
            ink = "#fff" if shade >= 3 else "#111"
            outline = (
                ' stroke="#d95f02" stroke-width="2" stroke-dasharray="3 2"' if under_way else ""
            )
            missed = 0 if under_way else max(0, person.wanted[w] - days)
            said = [f"{days} days" + (" so far (week under way)" if under_way else "")]
            said += [f"{missed} missed"] if missed else []
            said += [f"{person.excused[w]} excused"] if person.excused[w] else []
            said += [f"{person.closed[w]} closed or called off"] if person.closed[w] else []
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 1}" height="{cell - 1}" '
                f'fill="{_BLUES[shade]}"{outline}><title>{code} week {w + 1}: '
                f"{', '.join(said)}</title></rect>"
                f'<text x="{x + cell / 2}" y="{y + 15}" text-anchor="middle" '
                f'fill="{ink}">{days}</text>'
            )
            parts.append(_marks(x, y, cell, missed, person.excused[w], person.closed[w]))
    parts.append("</svg>")
    return "".join(parts)


MISSED = "#d7191c"  # a bar along the foot: sessions missed that week
EXCUSED = "#7b3294"  # a corner, top right: days off of their own
CLOSED = "#404040"  # a corner, top left: the pool closed or the class called off


def _marks(x: float, y: float, cell: int, missed: int, excused: int, closed: int) -> str:
    """A week's marks over its cell, each its own shape and place, so they read
    without colour too: missed a bar at the foot, excused and closed a corner each."""
    size = cell - 1
    parts = []
    if missed:
        parts.append(
            f'<rect x="{x}" y="{y + size - 3}" width="{size}" height="3" fill="{MISSED}"/>'
        )
    if excused:
        parts.append(f'<path d="M{x + size - 8},{y} h8 v8 z" fill="{EXCUSED}"/>')
    if closed:
        parts.append(f'<path d="M{x},{y} h8 l-8,8 z" fill="{CLOSED}"/>')
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
    items.append((f'fill="{NO_DATA_FILL}"', "? no data"))
    items.append((f'fill="{NOT_YET}"', "not yet"))
    marks = [("missed", (1, 0, 0)), ("excused", (0, 1, 0)), ("closed or called off", (0, 0, 1))]
    parts, left = [], x
    for style, label in items:
        parts.append(
            f'<rect x="{x}" y="{y}" width="{cell - 1}" height="{cell - 1}" {style}/>'
            f'<text x="{x + cell + 4}" y="{y + 15}">{label}</text>'
        )
        x += cell + 8 + 7 * len(label)
    x, y = left, y + cell + 6  # the marks on a second row
    for label, shown in marks:
        parts.append(
            f'<rect x="{x}" y="{y}" width="{cell - 1}" height="{cell - 1}" fill="#fff" '
            f'stroke="#999"/>{_marks(x, y, cell, *shown)}'
            f'<text x="{x + cell + 4}" y="{y + 15}">{label}</text>'
        )
        x += cell + 8 + 7 * len(label)
    return "".join(parts)
