"""``poolside run``: the kiosk on the screen, or ``--headless`` in a terminal."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from poolside import import_pygame_quickly
from poolside.commands.common import (
    EXIT_BAD_INPUT,
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    BadInput,
    MissingConfig,
    add_data_option,
    add_language_option,
    config_for,
    non_negative,
    participant,
    positive,
    problem_lines,
    screen_options,
)
from poolside.config import Config, data_dir
from poolside.core import catalog, words
from poolside.core.checkin import MODES, Mode, Person, Roll
from poolside.core.clock import clock_for
from poolside.core.engine import Event, State
from poolside.core.yamlfile import FileProblems
from poolside.selection import Choice, choose_program

if TYPE_CHECKING:
    from poolside.kiosk.build import CutOff
    from poolside.kiosk.window import WindowOptions
    from poolside.records.attendance import Attendance
    from poolside.records.store import Checkpoint


def add_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    config_option: argparse.ArgumentParser,
) -> None:
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
        "--speed", type=positive, default=1.0, metavar="N", help="run N times faster (demos)"
    )
    run.add_argument(
        "--events",
        metavar="FILE",
        help="write every event as a JSON line to FILE (- for stdout), window or --headless",
    )
    run.add_argument(
        "--get-ready",
        type=non_negative,
        metavar="SECONDS",
        help="get-ready countdown before the first phase (default: 10)",
    )
    run.add_argument(
        "--participant",
        action="append",
        type=participant,
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
    add_data_option(run)
    add_language_option(run)
    run.add_argument(
        "--resume",
        action="store_true",
        help="continue a run cut off (crash, power cut) within resume_within of the config "
        "(default 30 minutes), with the same session records",
    )
    shown = run.add_mutually_exclusive_group()
    shown.add_argument(
        "--fullscreen", action="store_true", help="full screen (the default without a desktop)"
    )
    shown.add_argument(
        "--windowed", action="store_true", help="in a window (the default on a desktop)"
    )
    screen_options(run)
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    import_pygame_quickly()
    from poolside.kiosk.window import run_screen
    from poolside.records.store import Unavailable

    if args.headless and not args.start:
        raise BadInput("--headless has no button to press: add --start")
    config = Config()  # the defaults, for the error screen when the config itself is bad
    get_ready = config.get_ready_s if args.get_ready is None else args.get_ready
    reading = "config"  # the file being read, for the error screen's title
    with contextlib.ExitStack() as stack:
        try:
            config = config_for(args)
            words.use(config.locale(args.language))  # before the program, read in it
            get_ready = config.get_ready_s if args.get_ready is None else args.get_ready
            reading = "program"
            choice = choose_program(args.program, config, date.today())
            if args.headless:
                return _run_headless(args, config, choice, get_ready)
            notices: tuple[str, ...] = ()
            reading = "roster"
            try:
                attendance, checkpoint = _recording(args, config, choice, stack, headless=False)
            except Unavailable as err:  # the class runs; the screen says so
                notices = (words.text("status.not_saved", error=err),)
                print(f"poolside: {notices[0]}", file=sys.stderr)
                attendance, checkpoint = None, None
        except (FileProblems, catalog.UnknownProgram, MissingConfig) as err:
            if args.headless:
                raise
            # Said on the terminal, and shown on the kiosk's error screen.
            lines = problem_lines(err)
            print("\n".join(lines), file=sys.stderr)
            run_screen(
                _window_options(args), config, None, get_ready, problems=lines, problem_in=reading
            )
            return EXIT_BAD_INPUT
        return run_screen(
            _window_options(args),
            config,
            choice,
            get_ready,
            attendance=attendance,
            cut_off=_cut_off(args, checkpoint, unattended=args.start),
            notices=notices,
            emit_event=_event_lines(args.events, stack) if args.events else None,
        )


def _window_options(args: argparse.Namespace) -> WindowOptions:
    from poolside.kiosk.window import WindowOptions

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
    from poolside.kiosk.headless import json_lines

    if target == "-":
        return json_lines(sys.stdout)
    return json_lines(stack.enter_context(open(target, "w", encoding="utf-8")))


def _people(codes: list[str], roster_path: Path | None) -> list[Person]:
    """Who may be checked in: the roster, else the codes given; unknown codes refused."""
    if roster_path is None:
        return [Person(code, code) for code in dict.fromkeys(codes)]
    from poolside.records.roster import load_roster

    roster = load_roster(roster_path)
    unknown = [code for code in codes if roster.find(code) is None]
    if unknown:
        raise BadInput(f"not on the roster ({roster_path}): {', '.join(unknown)}")
    return [Person(member.code, member.shown, member.start) for member in roster.members]


def _recording(
    args: argparse.Namespace,
    config: Config,
    choice: Choice,
    stack: contextlib.ExitStack,
    headless: bool,
) -> tuple[Attendance | None, Checkpoint | None]:
    """The session recorder, and a run a power cut or crash cut off within the
    config's ``resume_within`` (what becomes of it: :func:`_cut_off`).

    The kiosk records whenever there is a roll to take: a roster, codes
    given with ``--participant``, or a headcount. A headless run records
    the codes given.
    """
    mode = args.mode or ("solo" if len(args.participant) == 1 else config.mode)
    if headless and mode == Mode.HEADCOUNT:
        raise BadInput("--mode headcount counts heads with the buttons: run the kiosk")
    people = _people(args.participant, config.roster)
    if not (people or mode == Mode.HEADCOUNT or args.resume):
        return None, None
    from poolside.records.attendance import open_attendance
    from poolside.records.store import Busy, Store, Unavailable

    timetable = config.timetable.text if config.timetable else None
    try:
        store = stack.enter_context(
            contextlib.closing(Store(data_dir(args.data), site=config.site, timetable=timetable))
        )
    except Busy as err:
        raise BadInput(str(err)) from None
    except Unavailable as err:
        if headless:
            raise BadInput(f"attendance cannot be saved: {err}") from None
        raise
    if store.set_aside is not None:
        print(f"poolside: damaged attendance database moved to {store.set_aside}", file=sys.stderr)
    for notice in store.notices:
        print(f"poolside: {notice}", file=sys.stderr)
    roll = Roll(people, Mode(mode), args.participant)
    attendance, offer = open_attendance(
        store, roll, choice.program.name, choice.week, config.resume_within_s
    )
    if args.resume and offer is None:
        print("poolside: nothing to resume: starting afresh", file=sys.stderr)
    return attendance, offer


def _cut_off(
    args: argparse.Namespace, checkpoint: Checkpoint | None, unattended: bool
) -> CutOff | None:
    """A run cut off, with what becomes of it: decided by the builder's rule."""
    from poolside.kiosk.build import CutOff, resume_decision

    if checkpoint is None:
        return None
    return CutOff(checkpoint, resume_decision(args.resume, unattended))


def _run_headless(
    args: argparse.Namespace, config: Config, choice: Choice, get_ready: float
) -> int:
    from poolside.devices.theme import THEMES
    from poolside.kiosk.build import Resume
    from poolside.kiosk.headless import offscreen_kiosk, readable_lines, run_offscreen
    from poolside.kiosk.lead import leading_link
    from poolside.notify import Notifier

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly, like Ctrl-C
    with contextlib.ExitStack() as stack:
        if args.events is None:
            emit = readable_lines(sys.stdout)
        else:
            emit = _event_lines(args.events, stack)
        size = args.size or (1280, 720)
        attendance, checkpoint = _recording(args, config, choice, stack, headless=True)
        cut_off = _cut_off(args, checkpoint, unattended=True)
        swimmer = (
            attendance.roll.current if attendance and attendance.roll.mode == Mode.SOLO else None
        )
        own = swimmer and swimmer.start and choice.for_start(swimmer.start, date.today())
        continued = cut_off is not None and cut_off.resume is Resume.CONTINUE
        if own and attendance and not continued:  # a solo swimmer's own plan week
            choice, attendance.week = own, own.week
        clock = clock_for(args.speed)
        followers = leading_link(config, args.speed)
        kiosk = offscreen_kiosk(
            choice,
            get_ready,
            size,
            emit,
            THEMES[args.theme],
            attendance,
            cut_off,
            clock.now(),
            followers,
        )
        try:
            state = run_offscreen(kiosk, clock, notifier=Notifier())
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
