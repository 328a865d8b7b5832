"""report.html: the study team's page for a meeting, from Jinja2 templates.

The export works out the figures; this module turns them into the rows and
pictures of the page, and ``templates/report.html`` (with ``svg.html`` for
the heatmap and the charts) lays them out. Jinja2 escapes every value, so a
participant code, a site or a reason from a batch is text on the page, never
markup. The page is one self-contained file (no network, no script) and the
same bytes for the same inputs and ``--as-of``.

Why Jinja2 and no plotting library: the page is mostly tables and text, which
a template states as they appear; the two line charts and the heatmap are
small SVG drawn from positions worked out here and in :mod:`charts`. A
plotting library would bring more than it serves: matplotlib brings numpy
and needs settings for repeatable SVG bytes; pygal, by its documentation,
gives each chart a unique id and by default loads its tooltip script from
the network, which a report opened in a meeting room cannot rely on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from poolside.records import charts, delivered, flow, offered
from poolside.records.problems import Problems

if TYPE_CHECKING:
    from poolside.records.figures import Participant, Pi, Settings

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
NOT_SEEN_DAYS = 14  # not seen this long: a call from the study team
ON_PAGE = 25  # rows of a list on the page (the newest); the CSVs have every one
QUALITY_LINE = 140  # characters of a problem's first example the data-quality box shows

_ENVIRONMENT = Environment(
    loader=PackageLoader("poolside.records", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,  # a name the template needs and was not given: an error
)


@dataclass(frozen=True)
class Inputs:
    """What the export hands the report: its figures, rows read from the scratch
    database, and what it found about the data."""

    ranked: list[Participant]  # most at risk first
    settings: Settings
    start: date
    totals: dict[str, int]
    problems: Problems
    unsynced: list[tuple[str, int, int]]  # device, sessions, of them corrected
    not_held: list[tuple[date, str, str, str]]  # day, device or participant, why, by whom
    not_held_unlisted: int
    pis: list[Pi]
    ends: dict[str, date]  # Pis whose data ends before the report's day
    early: list[tuple[Any, ...]]  # sessions stopped early, newest first (ON_PAGE + 1)
    early_count: int
    cert: list[delivered.Row]
    dispositions: list[dict[str, str]]
    efforts: dict[int, dict[int, int]]  # week -> Borg rating -> answers
    timetables: offered.Offered
    held: dict[str, offered.Held]
    held_until: date


def write(out: Path, page: Inputs) -> None:
    """report.html in ``out``."""
    settings, ranked = page.settings, page.ranked
    names = {pi.device: pi.name for pi in page.pis}  # a Pi by its site wherever named
    context = {
        "weeks": settings.weeks,
        "per_week": settings.per_week,
        "start": page.start,
        "as_of": settings.as_of or date.today(),
        "stale": stale(page.pis, page.ends, ranked),
        "headline": headline(ranked, settings),
        "totals": page.totals,
        "flow": flow.flow_steps(page.dispositions, settings.weeks),
        "adherence_chart": charts.line_chart(
            adherence_by_week(ranked, names, settings.weeks),
            settings.weeks,
            0,
            100,
            " %",
            "adherence by program week",
            settings.threshold,
        ),
        "effort": effort(page.efforts, settings.weeks),
        "follow_up": follow_up(ranked, settings, names),
        "not_seen_days": NOT_SEEN_DAYS,
        "threshold_text": f"{settings.threshold:g} %",
        "quality": quality(page.problems, unsynced_text(page.unsynced, names), page.held),
        "pis": pi_rows(page.pis, page.ends),
        "held": held_rows(page.pis, page.timetables, page.held, page.held_until),
        "held_until": page.held_until,
        "not_held": [
            (day, names.get(who, who), why, by) for day, who, why, by in page.not_held[:ON_PAGE]
        ],
        "not_held_more": max(0, len(page.not_held) - ON_PAGE) + page.not_held_unlisted,
        "early": early_rows(page.early[:ON_PAGE], names),
        "early_more": page.early_count - ON_PAGE,
        "participant_head": [title for _, title in REPORT_COLUMNS],
        "participants": [[p.row[column] for column, _ in REPORT_COLUMNS] for p in ranked],
        "heatmap": heatmap(ranked, settings),
        "cert": page.cert,
    }
    text = _ENVIRONMENT.get_template("report.html").render(context)
    (out / "report.html").write_text(text + "\n", encoding="utf-8")


# -- the top of the page ------------------------------------------------------------------
def headline(ranked: list[Participant], settings: Settings) -> str:
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


def stale(
    pis: list[Pi], ends: dict[str, date], ranked: list[Participant]
) -> list[tuple[str, date, int]]:
    """First on the page: each Pi whose data ends before the report's day, the day,
    and how many participants' weeks that leaves as "no data"."""
    return [
        (pi.name, ends[pi.device], sum(1 for p in ranked if pi.device in p.devices))
        for pi in pis
        if pi.device in ends
    ]


# -- the charts ---------------------------------------------------------------------------
def adherence_by_week(
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


@dataclass(frozen=True)
class Effort:
    counted: int  # answers in all
    chart: charts.Chart | None


def effort(efforts: dict[int, dict[int, int]], weeks: int) -> Effort:
    """The median Borg rating per program week (the program's work target is 15-17)."""
    if not efforts:
        return Effort(0, None)
    medians = [
        delivered.median_of(efforts[w]) if w in efforts else None for w in range(1, weeks + 1)
    ]
    ticks = (6, 9, 12, 15, 18, 20)
    chart = charts.line_chart(
        {"Median Borg": medians}, weeks, 6, 20, "", "effort by week", 15, ticks
    )
    return Effort(sum(sum(v.values()) for v in efforts.values()), chart)


# -- the tables -----------------------------------------------------------------------------
def follow_up(
    ranked: list[Participant], settings: Settings, names: dict[str, str]
) -> list[tuple[str, str, str, int, str]]:
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
        rows.append((person.code, pools, str(last or "never"), since, "; ".join(why)))
    return rows


def unsynced_text(unsynced: list[tuple[str, int, int]], names: dict[str, str]) -> str:
    """ "Clock not synchronised: 12 sessions (pool-a 10, pool-b 2); 10 corrected...",
    or that all were synchronised."""
    if not unsynced:
        return "Every session was written with the clock synchronised."
    count = sum(n for _, n, _ in unsynced)
    corrected = sum(c for _, _, c in unsynced)
    devices = ", ".join(f"{names.get(device, device)} {n}" for device, n, _ in unsynced)
    return (
        f"Clock not synchronised when written: {count} session(s) ({devices});"
        f" {corrected} corrected from later records of the same boot,"
        f" {count - corrected} kept as written (their dates may be off); see problems.txt."
    )


def quality(
    problems: Problems, clock: str, held: dict[str, offered.Held]
) -> list[tuple[str, int | str, str]]:
    """What in the data is uncertain, in one box: clocks, each kind of problem
    with its count and first example, and offered classes not known."""
    rows: list[tuple[str, int | str, str]] = [("Clocks", "", clock)]
    for kind, count in problems.counts.items():
        first = problems.kinds[kind][0] if problems.kinds.get(kind) else ""
        if len(first) > QUALITY_LINE:
            first = first[: QUALITY_LINE - 1] + "\u2026"
        rows.append((kind, count, first))
    if not problems.counts:
        rows.append(("Problems", 0, "none found in the batches"))
    if held:
        unknown = sum(c.not_known for c in held.values())
        rows.append(
            (
                "Classes not known",
                unknown,
                "offered, with neither a record nor a call-off (the table of classes below)",
            )
        )
    return rows


def pi_rows(pis: list[Pi], ends: dict[str, date]) -> list[tuple[Any, ...]]:
    """Each Pi by its site: how many records, the days and the last seq its data
    reaches, and where that leaves its participants' weeks as no data."""
    return [
        (
            pi.site or "(no site set)",
            pi.device,
            pi.records,
            pi.first,
            pi.last,
            pi.last_seq,
            f"no data after {ends[pi.device]}" if pi.device in ends else "up to date",
        )
        for pi in pis
    ]


def held_rows(
    pis: list[Pi], timetables: offered.Offered, held: dict[str, offered.Held], until: date
) -> list[tuple[Any, ...]]:
    """Per Pi with a timetable: the classes it offered up to ``until`` and what became
    of each; a class with neither a record nor a call-off is not known, not absence."""
    rows = []
    for pi in pis:
        if pi.device not in held:
            continue
        counts = held[pi.device]
        timetable = timetables.timetable(pi.device, until)
        rows.append(
            (
                pi.name,
                timetable.text if timetable else "",
                counts.offered,
                counts.held,
                counts.called_off,
                counts.closed,
                counts.not_known,
                counts.no_data,
                counts.extra,
            )
        )
    return rows


def early_rows(
    rows: Iterable[tuple[Any, ...]], names: dict[str, str]
) -> list[tuple[str, str, str, str, str]]:
    """Each session stopped early: who, when, where, why (the instructor's answer,
    "left early" for a person who left, with their reason when given, "interrupted"
    for a power cut) and how much was done."""
    return [
        (
            str(code),
            str(day),
            names.get(device, str(device)),
            str(reason or "not given"),
            f"{done // 60}:{done % 60:02d} of {planned // 60}:{planned % 60:02d}",
        )
        for code, day, device, reason, done, planned in rows
    ]


# -- the heatmap ----------------------------------------------------------------------------
BLUES = ("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")  # sequential, colour-blind safe
NOT_YET = "#e0e0e0"  # a week not begun by the as-of day: grey, no number
NO_DATA_FILL = "#fdd0a2"  # light orange, with a "?": unlike any number of days
MISSED = "#d7191c"  # a bar along the foot: sessions missed that week
EXCUSED = "#7b3294"  # a corner, top right: days off of their own
CLOSED = "#404040"  # a corner, top left: the pool closed or the class called off
HEATMAP_ROWS = 70  # participants a part: on paper three parts sit side by side
CELL = 22  # a week's square, in the SVG's units
LABEL_W, TOP = 90, 30  # room for the codes, and for the week numbers


@dataclass(frozen=True)
class Marks:
    """A week's marks over its cell, each its own shape and place, so they read
    without colour too: missed a bar at the foot, excused and closed a corner
    each (a colour, or "" for none)."""

    x: float
    y: float
    missed: str = ""
    excused: str = ""
    closed: str = ""
    size: int = CELL - 1


@dataclass(frozen=True)
class Cell:
    x: int
    fill: str
    title: str
    text: str = ""
    ink: str = ""
    under_way: bool = False
    marks: Marks | None = None


@dataclass(frozen=True)
class Row:
    y: int
    code: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Part:
    width: int
    height: int
    weeks: tuple[tuple[float, int], ...]
    rows: tuple[Row, ...]
    week_y: int = TOP - 8


@dataclass(frozen=True)
class Key:
    x: int
    y: int
    fill: str
    label: str
    under_way: bool = False
    marks: Marks | None = None


@dataclass(frozen=True)
class Heatmap:
    parts: tuple[Part, ...]
    legend: tuple[Key, ...]
    size: int = CELL - 1
    half: float = CELL / 2
    label_x: int = LABEL_W - 6
    legend_width: int = 720
    legend_height: int = 2 * CELL + 16


def heatmap(ranked: list[Participant], settings: Settings) -> Heatmap:
    """Attended days per participant and week, in parts of HEATMAP_ROWS people (on
    paper side by side, scaled to fit: 200 people on one A4 page), then the legend."""
    parts = [ranked[i : i + HEATMAP_ROWS] for i in range(0, len(ranked), HEATMAP_ROWS)]
    return Heatmap(
        tuple(_part(part, settings) for part in parts), _legend(LABEL_W, 4, settings.per_week)
    )


def _shade(days: int, per_week: int) -> int:
    return min(len(BLUES) - 1, round(days / per_week * (len(BLUES) - 1)))


def _part(ranked: list[Participant], settings: Settings) -> Part:
    """Blues by days; the week under way outlined (it is not due yet); weeks not
    begun grey and empty, not missed; the marks of missed, excused and closed."""
    rows = []
    for r, person in enumerate(ranked):
        y = TOP + r * CELL
        rows.append(Row(y, person.code, tuple(_cells(person, y, settings))))
    return Part(
        LABEL_W + CELL * settings.weeks + 10,
        TOP + CELL * len(ranked) + 4,
        tuple((LABEL_W + w * CELL + CELL / 2, w + 1) for w in range(settings.weeks)),
        tuple(rows),
    )


def _cells(person: Participant, y: int, settings: Settings) -> Iterable[Cell]:
    code = person.code
    for w, days in enumerate(person.weekly):
        x = LABEL_W + w * CELL
        if w >= person.started:
            yield Cell(x, NOT_YET, f"{code} week {w + 1}: not yet")
            continue
        if w >= person.known:
            until = person.row["no_data_after"]
            title = f"{code} week {w + 1}: no data (its Pi's data ends {until})"
            yield Cell(x, NO_DATA_FILL, title, "?")
            continue
        under_way = w == person.started - 1 and w >= int(person.row["weeks_due"])
        shade = _shade(days, settings.per_week)
        missed = 0 if under_way else max(0, person.wanted[w] - days)
        said = [f"{days} days" + (" so far (week under way)" if under_way else "")]
        said += [f"{missed} missed"] if missed else []
        said += [f"{person.excused[w]} excused"] if person.excused[w] else []
        said += [f"{person.closed[w]} closed or called off"] if person.closed[w] else []
        marks = Marks(
            x,
            y,
            MISSED if missed else "",
            EXCUSED if person.excused[w] else "",
            CLOSED if person.closed[w] else "",
        )
        yield Cell(
            x,
            BLUES[shade],
            f"{code} week {w + 1}: {', '.join(said)}",
            str(days),
            "#fff" if shade >= 3 else "#111",
            under_way,
            marks if (marks.missed or marks.excused or marks.closed) else None,
        )


def _legend(x: int, y: int, per_week: int) -> tuple[Key, ...]:
    """What the cells mean: days attended, the week under way, no data, not yet;
    then the marks on a second row."""
    items = [
        (BLUES[_shade(days, per_week)], f"{days} day{'s' if days != 1 else ''}", False)
        for days in range(per_week + 1)
    ]
    items += [(BLUES[0], "week under way", True), (NO_DATA_FILL, "? no data", False)]
    items += [(NOT_YET, "not yet", False)]
    keys, left = [], x
    for fill, label, under_way in items:
        keys.append(Key(x, y, fill, label, under_way))
        x += CELL + 8 + 7 * len(label)
    x, y = left, y + CELL + 6
    marked = (("missed", (MISSED, "", "")), ("excused", ("", EXCUSED, "")))
    for label, colours in (*marked, ("closed or called off", ("", "", CLOSED))):
        keys.append(Key(x, y, "#fff", label, marks=Marks(x, y, *colours)))
        x += CELL + 8 + 7 * len(label)
    return tuple(keys)
