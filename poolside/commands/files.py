"""``poolside check``, ``plan``, ``today`` and ``render``: looking at programs, plans and config."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from poolside.commands.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    SCREENS,
    BadInput,
    add_language_option,
    config_for,
    day,
    percent,
    screen_options,
)
from poolside.config import CONFIG_KEYS, load_config
from poolside.core import catalog, words
from poolside.core.bounded import Unreadable, read_bounded
from poolside.core.plan import Plan, load_plan
from poolside.core.program import Program, load_program
from poolside.core.timefmt import clock_text
from poolside.core.yamlfile import MAX_FILE_BYTES, FileProblems, Problem
from poolside.glyphs import warnings_for
from poolside.selection import choose_program
from poolside.translations import warnings_for as texts_missing_a_language


def add_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    config_option: argparse.ArgumentParser,
) -> None:
    check = commands.add_parser(
        "check",
        help="validate program, plan and config files",
        description="Validate program, plan, config and roster (.csv) files (a folder: every "
        "*.yaml and *.csv in it). "
        "Prints every problem as FILE:LINE:COL: message; exit 1 if there is any.",
    )
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.set_defaults(handler=_check)
    plan = commands.add_parser(
        "plan",
        help="print a program's timeline, or a plan's weeks",
        description="Print the timeline of PROGRAM (a file, or a bundled name such as "
        f"{catalog.DEFAULT_PROGRAM}), or, for a plan such as six-month, its weeks: dates "
        "from --start, program, blocks, length and the lighter weeks.",
    )
    plan.add_argument("program", metavar="PROGRAM|PLAN")
    plan.add_argument("--json", action="store_true", help="print one JSON object")
    plan.add_argument(
        "--start", type=day, metavar="YYYY-MM-DD", help="a plan's week 1 (dates in the table)"
    )
    plan.set_defaults(handler=_plan)
    today = commands.add_parser(
        "today",
        parents=[config_option],
        help="which week of the plan it is and which program runs",
        description="Show the plan week and program for a day, from the program start date "
        "(program_start in the config, or --start).",
    )
    today.add_argument("--start", type=day, metavar="YYYY-MM-DD", help="program start date")
    today.add_argument("--date", type=day, metavar="YYYY-MM-DD", help="the day (default: today)")
    today.add_argument("--plan", metavar="PLAN", help="plan file or bundled name")
    today.set_defaults(handler=_today)
    render = commands.add_parser(
        "render",
        parents=[config_option],
        help="save a screen as a PNG",
        description="Render the screen as it looks at second --at of PROGRAM (default: "
        "the one 'poolside run' would run) into a PNG, or another --screen.",
    )
    render.add_argument("program", nargs="?", metavar="PROGRAM")
    render.add_argument(
        "--at",
        type=float,
        metavar="SECONDS",
        help="program second to show: 0 to its length for running and paused (default 125),"
        " -10 to 0 for get-ready (default -7); not for the other screens",
    )
    render.add_argument("--screen", choices=SCREENS, default="running")
    render.add_argument(
        "--music",
        type=percent,
        metavar="PERCENT",
        help="show the music level as the kiosk does after + or - (running, paused)",
    )
    render.add_argument(
        "--question",
        action="store_true",
        help="with --screen finished: the question after a swim (a solo swimmer's effort)",
    )
    render.add_argument("--out", required=True, metavar="FILE.png")
    add_language_option(render)
    screen_options(render)
    render.set_defaults(handler=_render)


def _check(args: argparse.Namespace) -> int:
    problems: list[Problem] = []
    for path in _expand(args.paths):
        try:
            summary, warnings = _check_one(path, _kind_of(path))
        except FileProblems as err:
            problems.extend(err.problems)
        else:
            print(f"{path}: ok ({summary})")
            for warning in warnings:
                print(warning, file=sys.stderr)
    for problem in problems:
        print(problem, file=sys.stderr)
    return EXIT_BAD_INPUT if problems else EXIT_OK


def _expand(paths: Sequence[str]) -> list[Path]:
    expanded: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            expanded.extend(sorted([*path.glob("*.yaml"), *path.glob("*.csv")]))
        else:
            expanded.append(path)
    return expanded


def _check_one(path: Path, kind: str) -> tuple[str, list[str]]:
    """What ``path`` holds, and its warnings: valid, but what the kiosk would
    show wrong (glyphs no font has, texts left in English)."""
    if kind == "config":
        config = load_config(path)
        config.locale()  # and the locale file it names, if one
        if config.roster is not None:  # and the roster: the kiosk stops on a missing one
            from poolside.records.roster import load_roster

            load_roster(config.roster)
        return "config", []
    if kind == "roster":
        from poolside.records.roster import load_roster

        return f"roster, {len(load_roster(path).members)} participants", warnings_for(path)
    if kind == "locale":
        locale = words.load_locale(path)
        given, of = len(locale.words), len(locale.words) + len(locale.missing)
        summary = f"locale {locale.name}, {given} of {of} texts, voice {locale.voice}"
        return summary, warnings_for(path) + _untranslated(path, locale.missing)
    if kind == "plan":
        plan = load_plan(path)
        summary = f"plan {plan.name}, {plan.weeks} weeks x {plan.sessions_per_week}"
        return summary, warnings_for(path)
    program = load_program(path)
    summary = f"program {program.name}, {clock_text(program.duration_s)}"
    return summary, warnings_for(path) + texts_missing_a_language(path)


def _untranslated(path: Path, missing: tuple[str, ...]) -> list[str]:
    """A locale's keys it leaves to English, each named (the kiosk shows them in English)."""
    named = [f"{path}: warning: {key} is not given: said in English" for key in missing[:20]]
    more = [f"{path}: warning: and {len(missing) - 20} more"] if len(missing) > 20 else []
    return named + more


def _kind_of(path: Path) -> str:
    """Roster (.csv), plan, program, locale or config (by top-level keys or a config* name)."""
    if path.suffix.lower() == ".csv":
        return "roster"
    try:
        head = read_bounded(path, MAX_FILE_BYTES)[:100_000].decode("utf-8", "replace")
    except (OSError, Unreadable):
        return "program"  # its loader says what is wrong, with the file's name
    keys = set(re.findall(r"^([A-Za-z_]+)\s*:", head, flags=re.MULTILINE))
    if "schedule" in keys:
        return "plan"
    if {"words", "voice"} <= keys:
        return "locale"
    if "phases" in keys:
        return "program"
    if path.name.startswith("config") or keys & set(CONFIG_KEYS):
        return "config"
    return "program"


def _plan(args: argparse.Namespace) -> int:
    path = catalog.resolve(args.program)
    if _kind_of(path) == "plan":
        return _plan_weeks(load_plan(path), args.start, args.json)
    program = load_program(path)
    if args.json:
        print(json.dumps(_plan_json(program), ensure_ascii=False))
    else:
        print(_plan_table(program))
    return EXIT_OK


def _plan_weeks(plan: Plan, start: date | None, as_json: bool) -> int:
    """A plan week by week: its dates (given a start), program, blocks, length, note."""
    rows = []
    for entry in plan.schedule:
        program = entry.load()
        first = start + timedelta(days=7 * (entry.week - 1)) if start else None
        rows.append(
            {
                "week": entry.week,
                "from": first.isoformat() if first else None,
                "to": (first + timedelta(days=6)).isoformat() if first else None,
                "program": program.name,
                "blocks": program.block_count,
                "duration_s": program.duration_s,
                "sessions": plan.sessions_per_week,
                "note": entry.note,
                "program_hash": program.content_hash,
            }
        )
    if as_json:
        print(json.dumps({"name": plan.name, "weeks": rows}, ensure_ascii=False))
        return EXIT_OK
    print(
        f"{plan.title or plan.name}: {plan.weeks} weeks x {plan.sessions_per_week} sessions"
        f" = {plan.prescribed}" + (f", week 1 from {start}" if start else " (--start for dates)")
    )
    dates = f"{'dates':<26}" if start else ""
    print(
        f"{'week':>4}  {dates}{'program':<28} {'blocks':>6}  {'length':>6}  {'protocol':<16}  note"
    )
    for row in rows:
        when = f"{row['from']} to {row['to']}  " if start else ""
        print(
            f"{row['week']:>4}  {when}{row['program']:<28} {row['blocks']:>6}  "
            f"{clock_text(int(str(row['duration_s']))):>6}  {row['program_hash']}  "
            f"{row['note']}".rstrip()
        )
    return EXIT_OK


def _plan_json(program: Program) -> dict[str, object]:
    return {
        "name": program.name,
        "duration_s": program.duration_s,
        "program_hash": program.content_hash,
        "phases": [
            {
                "index": p.index,
                "start_s": p.start_s,
                "duration_s": p.duration_s,
                "kind": p.kind,
                "label": p.label,
                "move": p.move,
            }
            for p in program.phases
        ],
    }


def _plan_table(program: Program) -> str:
    width = max([len(p.move or "") for p in program.phases] + [4])
    lines = [
        f"{program.name}: {program.title} ({clock_text(program.duration_s)})",
        f"protocol {program.content_hash} (a session record's program_hash)",
        "",
        f"{'clock':>6}  {'phase':<10} {'move':<{width}}  {'length':>6}  {'total':>6}",
    ]
    for p in program.phases:
        where = f"  block {p.block} · {p.round}/{p.rounds}" if p.block else ""
        lines.append(
            f"{clock_text(p.start_s):>6}  {p.label:<10} {p.move or '':<{width}}  "
            f"{clock_text(p.duration_s):>6}  {clock_text(p.end_s):>6}{where}"
        )
    lines.append(f"{clock_text(program.duration_s):>6}  END")
    return "\n".join(lines)


def _today(args: argparse.Namespace) -> int:
    config = config_for(args)
    start = args.start or config.program_start
    if start is None:
        raise BadInput("no program start date: give --start YYYY-MM-DD or set program_start")
    day = args.date or date.today()
    plan = load_plan(catalog.resolve(args.plan) if args.plan else config.plan_file())
    week = plan.week_of(start, day)
    if week is None:
        when = "before the program starts" if day < start else "after the program's last week"
        print(f"{day}: {when} (start {start}, {plan.weeks} weeks)")
        return EXIT_OK
    entry = plan.for_week(week)
    program = entry.load()
    blocks = f", {entry.blocks} block(s)" if entry.blocks else ""
    note = f" · {entry.note}" if entry.note else ""
    print(
        f"{day}: week {week} of {plan.weeks} · {program.name}{blocks} "
        f"({clock_text(program.duration_s)}){note}"
    )
    return EXIT_OK


def _render(args: argparse.Namespace) -> int:
    from poolside.kiosk.render import ImpossibleMoment, render_png

    config = config_for(args)
    words.use(config.locale(args.language))
    choice = choose_program(args.program, config, date.today())
    music = None if args.music is None else args.music / 100
    size = args.size or (1280, 720)
    try:
        render_png(
            choice,
            args.screen,
            args.at,
            size,
            args.theme,
            args.out,
            music=music,
            question=args.question,
        )
    except ImpossibleMoment as err:
        raise BadInput(f"render: {err}") from None
    print(args.out)
    return EXIT_OK
