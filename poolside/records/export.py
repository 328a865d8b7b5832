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
import itertools
import sqlite3
import tempfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from poolside.records import (
    adherence,
    delivered,
    elsewhere,
    excused,
    flow,
    offered,
    outdir,
    report,
    scratch,
)
from poolside.records.csvsafe import FORMULA_STARTS, SafeWriter, neutral
from poolside.records.figures import Participant, Pi, Settings
from poolside.records.problems import Problems, shown, where
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


def export(
    sources: list[Path], out: Path, settings: Settings, roster_path: str | None = None
) -> str:
    """Write the outputs into ``out``, whole (records/outdir.py: every file swapped in
    once all are written, one export at a time); a summary for the terminal."""
    missing = [str(s) for s in sources if not s.exists()]
    if missing:
        raise ExportError(f"no such file or folder: {', '.join(missing)}")
    members = _roster(roster_path)
    try:
        with outdir.written_whole(out) as stage:
            said = _write_outputs(sources, stage, settings, members)
    except outdir.OutputBusy as err:
        raise ExportError(str(err)) from None
    return f"{said}; written to {out}"


def _write_outputs(
    sources: list[Path], out: Path, settings: Settings, members: dict[str, Member]
) -> str:
    """Every output into ``out`` (the staging folder); the summary."""
    roster = {code: member.start for code, member in members.items()}
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
            early = db.execute(_EARLY, {"limit": report.ON_PAGE + 1}).fetchall()
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
    page = report.Inputs(
        ranked,
        settings,
        start,
        totals,
        problems,
        unsynced,
        sorted(not_held.listed),
        not_held.unlisted,
        pis,
        ends,
        early,
        early_count,
        cert,
        dispositions,
        delivery.efforts_by_week,
        timetables,
        held,
        last_day,
    )
    report.write(out, page)
    return (
        f"week 1 starts {start} ({said}); {len(files)} files, {unique} unique records, "
        f"{len(participants)} participants, {totals['problems']} problem(s); "
        f"figures as of {settings.as_of or date.today()}"
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
# The instances are numbered over narrow rows (row, participant, id, base) and
# joined back by row: numbering the whole rows made SQLite sort every cell.
INSTANCE_EPOCH = "2020-01-01T00:00:00+00:00"
_REDCAP_CSV = f"""
    SELECT {", ".join(_REDCAP_CELLS)} FROM ({_SESSIONS}) AS s JOIN (
        SELECT n, base + ROW_NUMBER() OVER (PARTITION BY participant, base ORDER BY id) - 1
            AS instance
        FROM (
            SELECT r.rowid AS n, r.participant, r.id,
                MAX(1, COALESCE(CAST(strftime('%s', COALESCE(c.written, r.started_at)) AS INTEGER)
                    - CAST(strftime('%s', '{INSTANCE_EPOCH}') AS INTEGER), 1)) AS base
            FROM rec AS r LEFT JOIN clock AS c ON c.origin = r.origin WHERE r.type = 'session'
        )
    ) AS i ON i.n = s.n ORDER BY s.n
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
    names = [neutral(shown(path)) for path in files]
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
                *["no data"] * (p.started - p.known),
                *[""] * (weeks - p.started),
            ]
            for p in participants
        )


def _write_redcap_dictionary(out: Path, weeks: int) -> None:
    with open(out / "redcap-dictionary.csv", "w", newline="", encoding="utf-8") as handle:
        writer = SafeWriter(handle)
        writer.writerow(DICTIONARY_COLUMNS)
        writer.writerows(field.row() for field in redcap_fields(weeks))


# Sessions stopped early (a person who left, a class stopped), newest first.
_EARLY = """
    SELECT participant, substr(local_start, 1, 10), device,
        CASE WHEN stop_reason = 'left early' AND left_reason IS NOT NULL
            THEN 'left early: ' || left_reason ELSE stop_reason END, completed_s, planned_s
    FROM rec WHERE type = 'session' AND stopped_early
    ORDER BY local_start DESC, participant LIMIT :limit
"""
