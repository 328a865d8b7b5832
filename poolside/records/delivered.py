"""The protocol as delivered, and the CERT appendix the report fills from it.

A trial's exercise report follows CERT (the Consensus on Exercise Reporting
Template, Slade et al. 2016). Several of its items are facts the Pis
recorded: who trained alone or in a class (3, 4), where (12), which protocol
ran in which week (7b, 8, 13), how much of it was done (13, 16b), how hard
it felt (13), what stopped sessions (11). The rest only the team knows (the
equipment, the instructors, the motivation strategies): the appendix lists
each with what to write, so nothing is left out by omission.

Everything here reads the export's scratch table of unique records, in the
program window only (``week_n``), the same sessions the adherence counts.
"""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import median

from poolside.core import catalog
from poolside.core.plan import load_plan
from poolside.core.program import load_program

ADVERSE = ("pain or injury", "feeling unwell")  # answers that may be an adverse event
_ADVERSE_SQL = ", ".join(f"'{answer}'" for answer in ADVERSE)  # constants, not input


@dataclass(frozen=True)
class Protocol:
    """One program as run (a ``program_hash``) and the program weeks it ran in."""

    program_hash: str | None
    program: str
    first_week: int
    last_week: int
    sessions: int


@dataclass
class Delivered:
    """Sums over the sessions in the window."""

    sessions: int = 0
    by_mode: dict[str, int] = field(default_factory=dict)
    by_site: list[tuple[str, int, int]] = field(default_factory=list)  # site, class, solo
    planned_s: float = 0
    completed_s: float = 0
    counted: int = 0  # sessions from Pis that count the work phases (program_hash set)
    work_planned: float = 0
    work_done: float = 0
    work_skipped: float = 0
    work_repeated: float = 0
    paused_s: float = 0
    stopped: dict[str, int] = field(default_factory=dict)  # why classes stopped early
    left: dict[str, int] = field(default_factory=dict)  # why people left a class
    adverse: int = 0
    efforts: list[int] = field(default_factory=list)
    efforts_by_week: dict[int, list[int]] = field(default_factory=dict)
    protocols: list[Protocol] = field(default_factory=list)
    called_off: int = 0  # days a class was called off, at each Pi


def delivered(db: sqlite3.Connection, sessions_sql: str, params: Mapping[str, object]) -> Delivered:
    """The sums, from ``sessions_sql`` (the export's sessions with their ``week_n``)."""
    window = f"SELECT * FROM ({sessions_sql}) WHERE week_n IS NOT NULL"
    found = Delivered()
    for mode, count in db.execute(f"SELECT mode, COUNT(*) FROM ({window}) GROUP BY mode", params):
        found.by_mode[str(mode)] = count
        found.sessions += count
    found.by_site = [
        (str(site), classes, solo)
        for site, classes, solo in db.execute(
            "SELECT COALESCE(site, device, '?'), SUM(mode = 'class'), SUM(mode = 'solo')"
            f" FROM ({window}) GROUP BY 1 ORDER BY 1",
            params,
        )
    ]
    sums = db.execute(
        "SELECT TOTAL(planned_s), TOTAL(completed_s), COUNT(program_hash),"
        " TOTAL(CASE WHEN program_hash IS NOT NULL THEN work_planned END),"
        " TOTAL(work_done), TOTAL(work_skipped), TOTAL(work_repeated), TOTAL(paused_s)"
        f" FROM ({window})",
        params,
    ).fetchone()
    (
        found.planned_s,
        found.completed_s,
        found.counted,
        found.work_planned,
        found.work_done,
        found.work_skipped,
        found.work_repeated,
        found.paused_s,
    ) = sums
    found.stopped = _tally(
        db,
        f"SELECT COALESCE(stop_reason, 'not given'), COUNT(*) FROM ({window})"
        " WHERE stopped_early AND stop_reason IS NOT 'left early' GROUP BY 1 ORDER BY 2 DESC, 1",
        params,
    )
    found.left = _tally(
        db,
        f"SELECT COALESCE(left_reason, 'not given'), COUNT(*) FROM ({window})"
        " WHERE stop_reason = 'left early' GROUP BY 1 ORDER BY 2 DESC, 1",
        params,
    )
    (found.adverse,) = db.execute(
        f"SELECT COUNT(*) FROM ({window})"
        f" WHERE stop_reason IN ({_ADVERSE_SQL}) OR left_reason IN ({_ADVERSE_SQL})",
        params,
    ).fetchone()
    for week, effort in db.execute(
        f"SELECT week_n, effort FROM ({window}) WHERE typeof(effort) = 'integer'"
        " AND effort BETWEEN 6 AND 20",
        params,
    ):
        found.efforts.append(effort)
        found.efforts_by_week.setdefault(week, []).append(effort)
    found.protocols = [
        Protocol(digest, str(program), first, last, count)
        for digest, program, first, last, count in db.execute(
            "SELECT program_hash, program, MIN(week_n), MAX(week_n), COUNT(*)"
            f" FROM ({window}) GROUP BY program_hash, program ORDER BY 3, 4, 2",
            params,
        )
    ]
    (found.called_off,) = db.execute(  # by day and Pi: a flood of copies is one day
        "SELECT COUNT(DISTINCT device || ' ' || substr(local_start, 1, 10)) FROM rec"
        " WHERE type = 'cancelled'"
    ).fetchone()
    return found


def _tally(db: sqlite3.Connection, sql: str, params: Mapping[str, object]) -> dict[str, int]:
    return {str(reason): count for reason, count in db.execute(sql, params)}


def known_protocols() -> dict[str, str]:
    """The bundled programs' hashes, and each bundled plan's weeks' (a week runs its
    program cut to fewer blocks): what a record's ``program_hash`` names."""
    names: dict[str, str] = {}
    for name in catalog.bundled_names():
        path = catalog.bundled_dir() / f"{name}.yaml"
        try:
            plan = load_plan(path)
        except Exception:  # not a plan: a program
            program = load_program(path)
            names.setdefault(program.content_hash, f"{name}, all {program.block_count} blocks")
            continue
        weeks: dict[str, list[int]] = {}
        for entry in plan.schedule:
            program = entry.load()
            weeks.setdefault(program.content_hash, []).append(entry.week)
            names.setdefault(program.content_hash, f"{program.name}, {program.block_count} blocks")
        for digest, numbers in weeks.items():
            names[digest] += f" ({plan.name} weeks {_span(numbers)})"
    return names


def _span(weeks: list[int]) -> str:
    return str(weeks[0]) if len(weeks) == 1 else f"{weeks[0]}-{weeks[-1]}"


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:,.0f} min"


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def _counts(found: dict[str, int]) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in found.items()) or "none"


Row = tuple[str, str, str]  # a CERT item, what it asks, what the data says


def cert_rows(d: Delivered, threshold: float, per_week: int, weeks: int) -> list[Row]:
    """(item, what CERT asks, what the data says or what to write), in CERT's order."""
    known = known_protocols()
    classes, solo = d.by_mode.get("class", 0), d.by_mode.get("solo", 0)
    protocols = "; ".join(
        f"weeks {p.first_week}-{p.last_week}: {known.get(p.program_hash or '', p.program)}"
        f" [{p.program_hash or 'not recorded'}], {p.sessions} sessions"
        for p in d.protocols
    )
    sites = "; ".join(f"{site}: {c} class, {s} solo" for site, c, s in d.by_site)
    effort = (
        f"Borg 6-20 after {len(d.efforts)} sessions: median {median(d.efforts):g}"
        f" (range {min(d.efforts)}-{max(d.efforts)}); the program's target for work is 15-17."
        if d.efforts
        else "No effort recorded."
    )
    dose = (
        f"{_minutes(d.completed_s)} done of {_minutes(d.planned_s)} planned in the sessions"
        f" attended ({_pct(d.completed_s, d.planned_s)}). Sessions from Pis that count work"
        f" phases: {d.counted} of {d.sessions}; in them {d.work_done:,.0f} work phases done of"
        f" {d.work_planned:,.0f} planned ({_pct(d.work_done, d.work_planned)}),"
        f" {d.work_skipped:,.0f} skipped with NEXT, {d.work_repeated:,.0f} gone back to,"
        f" {_minutes(d.paused_s)} paused. Stopped early: {_counts(d.stopped)}."
        f" Left a class early: {_counts(d.left)}. Days a class was called off: {d.called_off}."
    )
    team = "Not in the data: write "
    return [
        ("1", "Equipment", team + "the pool depth (chest-deep), any aids, the deck hardware."),
        ("2", "Instructors' qualifications", team + "who led classes and their training."),
        ("3", "Individual or group", f"{classes} class sessions, {solo} solo sessions."),
        (
            "4",
            "Supervised or not; how delivered",
            f"Class sessions were instructor-led ({classes}); solo sessions were"
            f" unsupervised, cued by the kiosk ({solo}). Sites: {sites or 'none'}.",
        ),
        (
            "5",
            "How adherence was measured",
            f"Each session recorded by the pool-side kiosk (check-in, time done); adherence ="
            f" days attended / {per_week} a week x {weeks} weeks, less closures and excused"
            f" days; threshold {threshold:g} %.",
        ),
        ("6", "Motivation strategies", team + "what was done to keep people coming."),
        ("7a", "Progression rules", team + "the plan's rule (bundled: blocks added by week)."),
        ("7b", "How the program was progressed", protocols or "No sessions."),
        ("8", "Each exercise", "The phases of each protocol above: `poolside plan PROGRAM`."),
        ("9", "Home program", team + "whether any exercise was done away from the pool."),
        ("10", "Non-exercise components", team + "education, warm-up talks, other content."),
        (
            "11",
            "Adverse events",
            f"Sessions stopped or left for pain, injury or feeling unwell: {d.adverse}."
            " Each needs the team's assessment; this is what the pool flagged, not a count"
            " of adverse events.",
        ),
        ("12", "Setting", sites or "No sessions."),
        ("13", "Dose and intensity as delivered", f"{dose} {effort}"),
        ("14a", "Generic or tailored", team + "generic (one protocol a week) or tailored."),
        (
            "14b",
            "How it was tailored",
            f"Late arrivals and early leavers each have their own time done; {_counts(d.left)}"
            " left early (reasons as given at the pool).",
        ),
        ("15", "Starting level", team + "the rule for each person's first weeks."),
        ("16a", "How adherence and fidelity were assessed", "As item 5, by the kiosk's records."),
        ("16b", "Delivered as planned", dose),
    ]


def cert_table(rows: list[Row]) -> str:
    """The appendix as an HTML table (every cell escaped: reasons and sites come from
    the batches); items the team must write are marked."""
    body = "".join(
        f"<tr{' class=todo' if text.startswith('Not in the data') else ''}><td>{item}</td>"
        f"<td>{html.escape(asks)}</td><td>{html.escape(text)}</td></tr>"
        for item, asks, text in rows
    )
    return (
        "<table class=cert><thead><tr><th>CERT</th><th>Item</th><th>From the data"
        f"</th></tr></thead><tbody>{body}</tbody></table>"
    )
