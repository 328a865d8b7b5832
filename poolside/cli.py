"""The ``poolside`` command and its subcommands.

Exit status is a contract for scripts: 0 success, 1 bad input (every problem
printed as ``file:line:col: message``), 2 usage errors (argparse's own).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from poolside import __version__, import_pygame_quickly
from poolside.config import CONFIG_KEYS, Config, data_dir, find_config, load_config
from poolside.core import catalog
from poolside.core.bounded import Unreadable, read_bounded
from poolside.core.checkin import MODES, Person, Roll
from poolside.core.clock import clock_for
from poolside.core.engine import Event, State
from poolside.core.plan import load_plan
from poolside.core.program import Program, load_program
from poolside.core.timefmt import clock_text
from poolside.core.yamlfile import MAX_FILE_BYTES, FileProblems, Problem
from poolside.errors import CannotRun
from poolside.selection import Choice, choose_program

if TYPE_CHECKING:
    from poolside.app import WindowOptions
    from poolside.records.attendance import Attendance
    from poolside.records.store import Checkpoint

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as the shell reports a reader gone away
SCREENS = ("home", "checkin", "get-ready", "running", "paused", "finished", "error")


class _BadInput(Exception):
    """Bad input already explained to the user; exit status 1."""


class _MissingConfig(_BadInput):
    """The config named (--config, $POOLSIDE_CONFIG) is not there."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except (FileProblems, catalog.UnknownProgram, _BadInput, CannotRun) as err:
        print("\n".join(_problem_lines(err)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:  # permission, missing, full, read-only: one line, never a traceback
        where = f": {err.filename}" if err.filename else ""
        print(f"poolside: {err.strerror or err}{where}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="poolside",
        description="Pool-side interval timer for the jump-and-hop aquatic program.",
    )
    parser.add_argument("--version", action="version", version=f"poolside {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    config_option = argparse.ArgumentParser(add_help=False)
    config_option.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: ~/.config/poolside/config.yaml, "
        "then /etc/poolside/config.yaml)",
    )

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
        help="print a program's timeline",
        description="Print the timeline of PROGRAM (a file, or a bundled name such as "
        f"{catalog.DEFAULT_PROGRAM}).",
    )
    plan.add_argument("program", metavar="PROGRAM")
    plan.add_argument("--json", action="store_true", help="print one JSON object")
    plan.set_defaults(handler=_plan)

    today = commands.add_parser(
        "today",
        parents=[config_option],
        help="which week of the plan it is and which program runs",
        description="Show the plan week and program for a day, from the program start date "
        "(program_start in the config, or --start).",
    )
    today.add_argument("--start", type=_day, metavar="YYYY-MM-DD", help="program start date")
    today.add_argument("--date", type=_day, metavar="YYYY-MM-DD", help="the day (default: today)")
    today.add_argument("--plan", metavar="PLAN", help="plan file or bundled name")
    today.set_defaults(handler=_today)

    run = commands.add_parser(
        "run",
        parents=[config_option],
        help="run the timer",
        description="Run PROGRAM (default: today's program from the plan, or "
        f"{catalog.DEFAULT_PROGRAM}) on the screen, or with --headless in the terminal.",
    )
    run.add_argument("program", nargs="?", metavar="PROGRAM")
    run.add_argument("--headless", action="store_true", help="no window, GPIO or audio")
    run.add_argument("--start", action="store_true", help="start at once, without a button")
    run.add_argument(
        "--speed", type=_positive, default=1.0, metavar="N", help="run N times faster (demos)"
    )
    run.add_argument(
        "--events",
        metavar="FILE",
        help="write every event as a JSON line to FILE (- for stdout), window or --headless",
    )
    run.add_argument(
        "--get-ready",
        type=_non_negative,
        metavar="SECONDS",
        help="get-ready countdown before the first phase (default: 10)",
    )
    run.add_argument(
        "--participant",
        action="append",
        type=_participant,
        default=[],
        metavar="CODE",
        help="record a session for this participant (repeat for a class)",
    )
    run.add_argument(
        "--mode",
        choices=MODES,
        help="how the roll is taken: class check-in, solo swimmer, or headcount for a "
        "drop-in class (default: solo for one --participant, else the config's mode)",
    )
    run.add_argument(
        "--data",
        metavar="DIR",
        help="attendance folder (default: "
        "$POOLSIDE_DATA, $STATE_DIRECTORY, ~/.local/share/poolside)",
    )
    run.add_argument(
        "--resume",
        action="store_true",
        help="continue a run cut off in the last 15 minutes "
        "(crash, power cut), with the same session records",
    )
    shown = run.add_mutually_exclusive_group()
    shown.add_argument(
        "--fullscreen", action="store_true", help="full screen (the default without a desktop)"
    )
    shown.add_argument(
        "--windowed", action="store_true", help="in a window (the default on a desktop)"
    )
    _screen_options(run)
    run.set_defaults(handler=_run)

    doctor = commands.add_parser(
        "doctor",
        parents=[config_option],
        help="check the installation and the hardware",
        description="Check config, programs, GPIO pin factory, each button (press it), the "
        "buzzer and speaker (listen), the display's SDL driver, the data folder and the clock. "
        "Exit 1 if there is any PROBLEM.",
    )
    doctor.add_argument(
        "--non-interactive", action="store_true", help="no button presses asked for, no waiting"
    )
    doctor.add_argument(
        "--data",
        metavar="DIR",
        help="data folder (default: $POOLSIDE_DATA, $STATE_DIRECTORY, ~/.local/share/poolside)",
    )
    doctor.set_defaults(handler=_doctor)

    sync = commands.add_parser(
        "sync",
        parents=[config_option],
        help="copy the outbox's batches to a USB stick, a folder or an rsync host",
        description="Copy every batch not yet verified at DEST: a folder (batches land in "
        "DEST/<device>/), or host:path, user@host:path or rsync://host/module/path via rsync. "
        "Repeating it changes nothing; an interrupted one resumes. Exit 1 with one line if "
        "the destination fails.",
    )
    sync.add_argument("--to", metavar="DEST", help="destination (default: sync.to in the config)")
    sync.add_argument("--rsync", action="store_true", help="use rsync for a local folder too")
    sync.add_argument(
        "--data",
        metavar="DIR",
        help="data folder (default: $POOLSIDE_DATA, $STATE_DIRECTORY, ~/.local/share/poolside)",
    )
    sync.set_defaults(handler=_sync)

    stick = commands.add_parser(
        "stick",
        help="mount or unmount a USB stick for poolside-usb-sync@.service (as root)",
        description="Mount /dev/NAME (FAT32 or exFAT, type from blkid) at "
        "/run/poolside-usb/NAME for the poolside user, or unmount it. The USB-stick unit "
        "runs this around 'poolside sync'.",
    )
    stick.add_argument("action", choices=("mount", "unmount"))
    stick.add_argument("name", metavar="NAME", help="kernel name of the partition, e.g. sda1")
    stick.add_argument("--owner", default="poolside", help="user the files belong to")
    stick.set_defaults(handler=_stick)

    export = commands.add_parser(
        "export",
        parents=[config_option],
        help="adherence reports from collected batches (on the coordinator's computer)",
        description="Read every *.jsonl batch below each SOURCE, verify sidecars, "
        "de-duplicate by id, and write sessions.csv, participants.csv, weekly.csv, "
        "redcap.csv, report.html and problems.txt into --out.",
    )
    export.add_argument("sources", nargs="+", metavar="SOURCE")
    export.add_argument("--out", required=True, metavar="DIR")
    export.add_argument(
        "--start",
        type=_day,
        metavar="YYYY-MM-DD",
        help="week 1's first day (default: program_start in the config, else the Monday "
        "of the earliest session)",
    )
    export.add_argument("--weeks", type=_whole, default=24, metavar="N")
    export.add_argument("--per-week", type=_whole, default=3, metavar="N")
    export.add_argument("--threshold", type=_positive, default=75.0, metavar="PCT")
    export.add_argument(
        "--tz", metavar="ZONE", help="time zone for calendar days (default: this computer's)"
    )
    export.add_argument("--roster", metavar="FILE", help="roster CSV: members with no sessions too")
    export.add_argument(
        "--as-of",
        type=_day,
        metavar="YYYY-MM-DD",
        help="weeks after this day are not counted as missed (default: today)",
    )
    export.set_defaults(handler=_export)

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
    render.add_argument("--out", required=True, metavar="FILE.png")
    _screen_options(render)
    render.set_defaults(handler=_render)
    return parser


def _screen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", type=_size, metavar="WxH", help="screen or window size")
    parser.add_argument(
        "--theme",
        choices=("colour", "plain"),
        default="colour",
        help="plain: black and white, for bright sun",
    )


# -- argument types -----------------------------------------------------------
def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text}")
    return value


def _whole(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, got {text!r}")
    return value


def _non_negative(text: str) -> float:
    return 0.0 if text.strip() in ("0", "0.0") else _positive(text)


def _participant(text: str) -> str:
    from poolside.records.attendance import PARTICIPANT_CODE

    if not PARTICIPANT_CODE.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"participant codes are letters, digits, - and _ (e.g. P001), got {text!r}"
        )
    return text


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size (WxH, e.g. 1920x1080): {text}") from None
    if not (64 <= width <= 16384 and 64 <= height <= 16384):
        raise argparse.ArgumentTypeError(f"size out of range: {text}")
    return width, height


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


# -- commands ---------------------------------------------------------------
def _check(args: argparse.Namespace) -> int:
    problems: list[Problem] = []
    for path in _expand(args.paths):
        try:
            summary = _check_one(path)
        except FileProblems as err:
            problems.extend(err.problems)
        else:
            print(f"{path}: ok ({summary})")
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


def _check_one(path: Path) -> str:
    kind = _kind_of(path)
    if kind == "config":
        load_config(path)
        return "config"
    if kind == "roster":
        from poolside.records.roster import load_roster

        return f"roster, {len(load_roster(path).members)} participants"
    if kind == "plan":
        plan = load_plan(path)
        return f"plan {plan.name}, {plan.weeks} weeks x {plan.sessions_per_week}"
    program = load_program(path)
    return f"program {program.name}, {clock_text(program.duration_s)}"


def _kind_of(path: Path) -> str:
    """Roster (.csv), plan, program or config (by top-level keys or a config* name)."""
    if path.suffix.lower() == ".csv":
        return "roster"
    try:
        head = read_bounded(path, MAX_FILE_BYTES)[:100_000].decode("utf-8", "replace")
    except (OSError, Unreadable):
        return "program"  # its loader says what is wrong, with the file's name
    keys = set(re.findall(r"^([A-Za-z_]+)\s*:", head, flags=re.MULTILINE))
    if "schedule" in keys:
        return "plan"
    if "phases" in keys:
        return "program"
    if path.name.startswith("config") or keys & set(CONFIG_KEYS):
        return "config"
    return "program"


def _plan(args: argparse.Namespace) -> int:
    program = load_program(catalog.resolve(args.program))
    if args.json:
        print(json.dumps(_plan_json(program), ensure_ascii=False))
    else:
        print(_plan_table(program))
    return EXIT_OK


def _plan_json(program: Program) -> dict[str, object]:
    return {
        "name": program.name,
        "duration_s": program.duration_s,
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


def _config(args: argparse.Namespace) -> Config:
    path = find_config(args.config)
    if path is not None and not os.path.lexists(path):
        raise _MissingConfig(f"config file not found: {path}")
    return load_config(path)


def _today(args: argparse.Namespace) -> int:
    config = _config(args)
    start = args.start or config.program_start
    if start is None:
        raise _BadInput("no program start date: give --start YYYY-MM-DD or set program_start")
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


def _run(args: argparse.Namespace) -> int:
    import_pygame_quickly()
    from poolside.app import run_screen
    from poolside.records.store import Unavailable

    if args.headless and not args.start:
        raise _BadInput("--headless has no button to press: add --start")
    config = Config()  # the defaults, for the error screen when the config itself is bad
    get_ready = config.get_ready_s if args.get_ready is None else args.get_ready
    with contextlib.ExitStack() as stack:
        try:
            config = _config(args)
            get_ready = config.get_ready_s if args.get_ready is None else args.get_ready
            choice = choose_program(args.program, config, date.today())
            if args.headless:
                return _run_headless(args, config, choice, get_ready)
            notices: tuple[str, ...] = ()
            try:
                attendance, checkpoint = _recording(args, config, choice, stack, headless=False)
            except Unavailable as err:  # the class runs; the screen says so
                notices = (f"ATTENDANCE NOT SAVED: {err}",)
                print(f"poolside: {notices[0]}", file=sys.stderr)
                attendance, checkpoint = None, None
        except (FileProblems, catalog.UnknownProgram, _MissingConfig) as err:
            if args.headless:
                raise
            # Said on the terminal, and shown on the kiosk's error screen.
            lines = _problem_lines(err)
            print("\n".join(lines), file=sys.stderr)
            run_screen(_window_options(args), config, None, get_ready, problems=lines)
            return EXIT_BAD_INPUT
        if args.resume:
            resume, offer = checkpoint, None
        else:
            resume, offer = None, checkpoint
        return run_screen(
            _window_options(args),
            config,
            choice,
            get_ready,
            attendance=attendance,
            resume=resume,
            offer=offer,
            notices=notices,
            emit_event=_event_lines(args.events, stack) if args.events else None,
        )


def _window_options(args: argparse.Namespace) -> WindowOptions:
    from poolside.app import WindowOptions

    return WindowOptions(
        speed=args.speed,
        theme=args.theme,
        start=args.start,
        size=args.size,
        fullscreen=args.fullscreen,
        windowed=args.windowed,
    )


def _event_lines(target: str, stack: contextlib.ExitStack) -> Callable[[Event], None]:
    """``--events FILE`` (``-``: stdout): one JSON line per event, for the window too."""
    from poolside.headless import json_lines

    if target == "-":
        return json_lines(sys.stdout)
    return json_lines(stack.enter_context(open(target, "w", encoding="utf-8")))


def _problem_lines(err: Exception) -> tuple[str, ...]:
    """Bad input as the user reads it: located file problems, else one line."""
    if isinstance(err, FileProblems):
        return tuple(str(p) for p in err.problems)
    return (f"poolside: {err}",)


def _people(codes: list[str], roster_path: Path | None) -> list[Person]:
    """Who may be checked in: the roster, else the codes given; unknown codes refused."""
    if roster_path is None:
        return [Person(code, code) for code in dict.fromkeys(codes)]
    from poolside.records.roster import load_roster

    roster = load_roster(roster_path)
    unknown = [code for code in codes if roster.find(code) is None]
    if unknown:
        raise _BadInput(f"not on the roster ({roster_path}): {', '.join(unknown)}")
    return [Person(member.code, member.shown) for member in roster.members]


def _recording(
    args: argparse.Namespace,
    config: Config,
    choice: Choice,
    stack: contextlib.ExitStack,
    headless: bool,
) -> tuple[Attendance | None, Checkpoint | None]:
    """The session recorder, and an interrupted run it may continue.

    The kiosk records whenever there is a roll to take: a roster, codes
    given with ``--participant``, or a headcount. A headless run records
    the codes given. ``--resume`` continues a run cut off in the last 15
    minutes; without it the kiosk offers to, and a headless run starts anew.
    """
    mode = args.mode or ("solo" if len(args.participant) == 1 else config.mode)
    if headless and mode == "headcount":
        raise _BadInput("--mode headcount counts heads with the buttons: run the kiosk")
    people = _people(args.participant, config.roster)
    if not (people or mode == "headcount" or args.resume):
        return None, None
    from poolside.records.attendance import open_attendance
    from poolside.records.store import Busy, Store, Unavailable

    try:
        store = stack.enter_context(contextlib.closing(Store(data_dir(args.data))))
    except Busy as err:
        raise _BadInput(str(err)) from None
    except Unavailable as err:
        if headless:
            raise _BadInput(f"attendance cannot be saved: {err}") from None
        raise
    if store.set_aside is not None:
        print(f"poolside: damaged attendance database moved to {store.set_aside}", file=sys.stderr)
    for notice in store.notices:
        print(f"poolside: {notice}", file=sys.stderr)
    roll = Roll(people, mode, args.participant)
    attendance, offer = open_attendance(store, roll, choice.program.name, choice.week)
    if args.resume and offer is None:
        print("poolside: nothing to resume: starting afresh", file=sys.stderr)
    if offer is not None and (args.resume or not (headless or args.start)):
        if args.resume:
            attendance.take_over(offer)
        return attendance, offer
    if offer is not None:
        attendance.decline()
    return attendance, None


def _run_headless(
    args: argparse.Namespace, config: Config, choice: Choice, get_ready: float
) -> int:
    from poolside.devices.theme import THEMES
    from poolside.headless import offscreen_kiosk, readable_lines, run_offscreen
    from poolside.notify import Notifier

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly, like Ctrl-C
    with contextlib.ExitStack() as stack:
        if args.events is None:
            emit = readable_lines(sys.stdout)
        else:
            emit = _event_lines(args.events, stack)
        size = args.size or (1280, 720)
        attendance, resume = _recording(args, config, choice, stack, headless=True)
        observers = [attendance] if attendance else []
        kiosk = offscreen_kiosk(choice, get_ready, size, emit, THEMES[args.theme], observers)
        try:
            state = run_offscreen(kiosk, clock_for(args.speed), resume, notifier=Notifier())
            if attendance is not None:
                attendance.seal()  # no finished screen to answer: the records may sync
        except BrokenPipeError:  # the reader went away (e.g. `| head`): end quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_BROKEN_PIPE
        if attendance is not None and not attendance.saving:
            kept = (
                f"kept in {attendance.spill} until the next start with room"
                if attendance.spill is not None
                else "lost when this process ends"
            )
            print(
                f"poolside: the run ended with {len(attendance.unsaved)} attendance write(s) "
                f"not saved: {attendance.problem}; {kept}: free some space",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
    return EXIT_OK if state is State.FINISHED else EXIT_INTERRUPTED


def _doctor(args: argparse.Namespace) -> int:
    from poolside.doctor import run_checks
    from poolside.service import read_state

    checks = run_checks(
        args.config, args.data, interactive=not args.non_interactive, service=read_state()
    )
    problems = sum(1 for check in checks if check.status == "PROBLEM")
    print(f"{problems} problem(s)" if problems else "all good")
    return EXIT_BAD_INPUT if problems else EXIT_OK


def _sync(args: argparse.Namespace) -> int:
    from poolside.records.sync import SyncError, sync

    dest = args.to or _config(args).sync.to
    if not dest:
        raise _BadInput("no destination: give --to DEST or set sync: to: in config.yaml")
    try:
        result = sync(data_dir(args.data), dest, use_rsync=args.rsync)
    except SyncError as err:
        print(f"poolside sync: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"synced {len(result.copied)} batch(es) to {dest}; nothing waiting for it now")
    return EXIT_OK


def _stick(args: argparse.Namespace) -> int:
    from poolside.stick import StickError, mount, unmount

    try:
        if args.action == "mount":
            print(f"mounted /dev/{args.name} at {mount(args.name, args.owner)}")
        else:
            unmount(args.name)
            print(f"unmounted /dev/{args.name}")
    except StickError as err:
        raise _BadInput(f"stick: {err}") from None
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from poolside.records.export import ExportError, Settings, export

    try:
        zone = ZoneInfo(args.tz) if args.tz else None
    except (ZoneInfoNotFoundError, ValueError):
        raise _BadInput(f"unknown time zone {args.tz!r} (e.g. Europe/London)") from None
    start, said = args.start, "from --start"
    if start is None:
        start, said = _config(args).program_start, "program_start in the config"
    settings = Settings(
        start=start,
        start_from=said,
        weeks=args.weeks,
        per_week=args.per_week,
        threshold=args.threshold,
        zone=zone,
        as_of=args.as_of or date.today(),
    )
    try:
        summary = export([Path(s) for s in args.sources], Path(args.out), settings, args.roster)
    except ExportError as err:
        raise _BadInput(f"export: {err}") from None
    print(summary)
    return EXIT_OK


def _render(args: argparse.Namespace) -> int:
    from poolside.render import ImpossibleMoment, render_png

    choice = choose_program(args.program, _config(args), date.today())
    try:
        render_png(choice, args.screen, args.at, args.size or (1280, 720), args.theme, args.out)
    except ImpossibleMoment as err:
        raise _BadInput(f"render: {err}") from None
    print(args.out)
    return EXIT_OK
