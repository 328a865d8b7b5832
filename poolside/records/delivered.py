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

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field

from poolside.core import catalog
from poolside.core.plan import load_plan
from poolside.core.program import load_program
from poolside.core.yamlfile import FileProblems

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
    efforts_by_week: dict[int, dict[int, int]] = field(default_factory=dict)  # rating: count
    protocols: list[Protocol] = field(default_factory=list)
    called_off: int = 0  # days a class was called off, at each Pi


# One pass over the window, grouped by everything the appendix and the charts
# break down by: a million sessions are read once (each separate query was
# another full read), and what comes back is a few thousand groups at most.
_ONE_PASS = """
    SELECT mode, COALESCE(site, device, '?'), program_hash, program, week_n,
        CASE WHEN stopped_early AND stop_reason IS NOT 'left early'
            THEN COALESCE(stop_reason, 'not given') END,
        CASE WHEN stop_reason = 'left early' THEN COALESCE(left_reason, 'not given') END,
        CASE WHEN typeof(effort) = 'integer' AND effort BETWEEN 6 AND 20 THEN effort END,
        COUNT(*), TOTAL(planned_s), TOTAL(completed_s), COUNT(program_hash),
        TOTAL(CASE WHEN program_hash IS NOT NULL THEN work_planned END),
        TOTAL(work_done), TOTAL(work_skipped), TOTAL(work_repeated), TOTAL(paused_s),
        TOTAL(stop_reason IN ({adverse}) OR left_reason IN ({adverse}))
    FROM ({sessions}) WHERE week_n IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""


def delivered(db: sqlite3.Connection, sessions_sql: str, params: Mapping[str, object]) -> Delivered:
    """The sums, from ``sessions_sql`` (the export's sessions with their ``week_n``)."""
    found = Delivered()
    sites: dict[str, list[int]] = {}
    protocols: dict[tuple[str | None, str], list[int]] = {}
    query = _ONE_PASS.format(adverse=_ADVERSE_SQL, sessions=sessions_sql)
    for row in db.execute(query, params):
        mode, site, digest, program, week, stopped, left, effort, count = row[:9]
        sums = row[9:]
        found.sessions += count
        found.by_mode[str(mode)] = found.by_mode.get(str(mode), 0) + count
        per_site = sites.setdefault(str(site), [0, 0])
        per_site[0 if mode == "class" else 1] += count
        found.planned_s += sums[0]
        found.completed_s += sums[1]
        found.counted += sums[2]
        found.work_planned += sums[3]
        found.work_done += sums[4]
        found.work_skipped += sums[5]
        found.work_repeated += sums[6]
        found.paused_s += sums[7]
        found.adverse += int(sums[8])
        if stopped is not None:
            found.stopped[str(stopped)] = found.stopped.get(str(stopped), 0) + count
        if left is not None:
            found.left[str(left)] = found.left.get(str(left), 0) + count
        if effort is not None:
            by_week = found.efforts_by_week.setdefault(week, {})
            by_week[effort] = by_week.get(effort, 0) + count
        seen = protocols.setdefault((digest, str(program)), [week, week, 0])
        seen[0], seen[1], seen[2] = min(seen[0], week), max(seen[1], week), seen[2] + count
    found.by_site = [(site, c, s) for site, (c, s) in sorted(sites.items())]
    found.stopped = dict(sorted(found.stopped.items(), key=_most_first))
    found.left = dict(sorted(found.left.items(), key=_most_first))
    found.protocols = sorted(
        (Protocol(digest, program, *weeks) for (digest, program), weeks in protocols.items()),
        key=lambda p: (p.first_week, p.last_week, p.program),
    )
    (found.called_off,) = db.execute(  # by day and Pi: a flood of copies is one day
        "SELECT COUNT(DISTINCT device || ' ' || substr(local_start, 1, 10)) FROM rec"
        " WHERE type = 'cancelled'"
    ).fetchone()
    return found


def _most_first(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


def median_of(counts: dict[int, int]) -> float:
    """The median of ratings given as {rating: how many}.

    >>> median_of({15: 1, 17: 1}), median_of({13: 2, 15: 1}), median_of({6: 1, 20: 3})
    (16.0, 13.0, 20.0)
    """
    ordered = sorted(counts)
    total = sum(counts.values())
    middle = [(total - 1) // 2, total // 2]
    found, seen = [], 0
    for rating in ordered:
        for index in middle:
            if seen <= index < seen + counts[rating]:
                found.append(rating)
        seen += counts[rating]
    return sum(found) / 2


def known_protocols() -> dict[tuple[str, str], str]:
    """What a record's (``program_hash``, ``program``) names: each bundled program
    whole, and each bundled plan's weeks (a week runs its program, maybe cut to
    fewer blocks). By both: two programs with one timeline and other moves (the
    plain and the advanced variant) share a hash, not a name."""
    names: dict[tuple[str, str], str] = {}
    weeks: dict[tuple[str, str], list[str]] = {}
    for name in catalog.bundled_names():
        path = catalog.bundled_dir() / f"{name}.yaml"
        try:
            plan = load_plan(path)
        except FileProblems:  # not a plan: a program
            program = load_program(path)
            key = (program.content_hash, program.name)
            names.setdefault(key, f"{program.name}, all {program.block_count} blocks")
            continue
        in_plan: dict[tuple[str, str], list[int]] = {}
        for entry in plan.schedule:
            program = entry.load()
            key = (program.content_hash, program.name)
            in_plan.setdefault(key, []).append(entry.week)
            names.setdefault(key, f"{program.name}, {program.block_count} blocks")
        for key, numbers in in_plan.items():
            weeks.setdefault(key, []).append(f"{plan.name} weeks {spans(numbers)}")
    return {
        key: " ".join([said, *(f"({w})" for w in weeks.get(key, []))])
        for key, said in names.items()
    }


def spans(weeks: list[int]) -> str:
    """Week numbers as runs.

    >>> spans([3, 4, 8, 12, 13, 14])
    '3-4, 8, 12-14'
    """
    runs: list[list[int]] = []
    for week in sorted(weeks):
        if runs and week == runs[-1][-1] + 1:
            runs[-1].append(week)
        else:
            runs.append([week])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


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
        f"weeks {p.first_week}-{p.last_week}: "
        f"{known.get((p.program_hash or '', p.program), p.program)}"
        f" [{p.program_hash or 'not recorded'}], {p.sessions} sessions"
        for p in d.protocols
    )
    sites = "; ".join(f"{site}: {c} class, {s} solo" for site, c, s in d.by_site)
    ratings: dict[int, int] = {}
    for by_rating in d.efforts_by_week.values():
        for rating, count in by_rating.items():
            ratings[rating] = ratings.get(rating, 0) + count
    effort = (
        f"Borg 6-20 after {sum(ratings.values())} sessions: median {median_of(ratings):g}"
        f" (range {min(ratings)}-{max(ratings)}); the program's target for work is 15-17."
        if ratings
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
