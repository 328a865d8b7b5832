"""What the pool-side screen shows, as plain data derived from the session.

The screen redraws only when the :class:`View` changes, and the main loop
sleeps until :func:`next_change` (or the engine's next deadline, or input).
Every field is rounded to what is visible, so two calls within the same
second give equal views and no redraw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import StrEnum

from poolside.core.engine import COUNTDOWN_FROM, NEXT_LEAD_S, Session, State
from poolside.core.program import Phase
from poolside.core.timefmt import clock_text
from poolside.core.words import text

PULSE_S = 0.35  # the digits flash for this long as each of 3-2-1 appears
PROGRESS_STEPS = 1000  # the session bar moves in 0.1 % steps


class ScreenName(StrEnum):
    """Every screen the kiosk shows, by the one name the code, the logs and
    ``poolside render --screen`` use."""

    HOME = "home"
    RESUME_OFFER = "resume-offer"
    CHECKIN = "checkin"
    CANCEL = "cancel"
    GET_READY = "get-ready"
    RUNNING = "running"
    PAUSED = "paused"
    CLASS_ROLL = "class-roll"
    FINISHED = "finished"
    ERROR = "error"


class Mark(StrEnum):
    """The state of the person a check-in or roll screen shows (its colour and symbol)."""

    PRESENT = "present"  # checked in, or in the water
    ABSENT = "absent"  # not checked in, left, or not in this class
    REFUSED = "refused"  # a scanned code not on the roster


@dataclass(frozen=True)
class Context:
    """What the view needs from outside the engine (all already text)."""

    title: str = ""
    week: str = ""  # "week 3 of 24"
    wall_clock: str = ""  # "09:41"
    status: tuple[str, ...] = ()  # sync, storage, sound notices for a corner
    present: int | None = None  # checked-in participants, for a class
    keys_only: bool = False  # no deck of buttons: hints name the keyboard's keys
    keys: tuple[str, ...] = ()  # the screen's controls and what they do (its bindings say)


@dataclass(frozen=True)
class View:
    screen: ScreenName
    kind: str | None = None  # phase kind: colour and shape
    word: str = ""  # JUMP / REST / GET READY / PAUSED / DONE
    big: str = ""  # the huge digits
    move: str = ""
    coach: str = ""
    next: str = ""
    next_soon: bool = False  # within 10 s of the next phase: shown large
    where: str = ""  # "block 2 of 3 · 3/4"
    left: str = ""  # "12:34 left"
    progress: int = 0  # of PROGRESS_STEPS
    pulse: bool = False
    lines: tuple[str, ...] = field(default=())
    corner: tuple[str, ...] = field(default=())
    choices: tuple[str, ...] = field(default=())  # a question's answers, all shown
    chosen: int | None = None  # the answer marked (NEXT moves it); None: none yet
    mark: Mark | None = None  # the person shown, on the check-in and the roll


def build_view(session: Session, now: float, context: Context) -> View:
    state = session.state(now)
    if state is State.IDLE:
        return _home(session, context)
    if state in (State.FINISHED, State.STOPPED):
        return _finished(session, now, state, context)
    position = session.position(now)
    phase = session.current_phase(now)
    remaining = session.phase_remaining(now)
    program = session.program
    upcoming = program.phases[0] if phase is None else _after(session, phase)
    in_countdown = _counting_down(remaining, upcoming)
    running = View(
        screen=ScreenName.GET_READY if phase is None else ScreenName.RUNNING,
        kind=phase.kind if phase else None,
        word=text("run.get_ready") if phase is None else phase.label,
        big=_digits(remaining),
        move=(phase.move or "") if phase else (upcoming.move or "") if upcoming else "",
        coach=(phase.coach or "") if phase else "",
        next=_next_text(upcoming),
        next_soon=remaining <= NEXT_LEAD_S,
        where=_where(phase, program.block_count),
        left=text("run.left", time=clock_text(program.duration_s - max(position, 0.0))),
        progress=math.floor(max(position, 0.0) / program.duration_s * PROGRESS_STEPS),
        pulse=in_countdown and math.ceil(remaining - 1e-9) - remaining < PULSE_S,
        corner=context.status,
    )
    if state is not State.PAUSED:
        return running
    paused = clock_text(math.floor(session.paused_for(now)))
    return replace(
        running,
        screen=ScreenName.PAUSED,
        word=text("run.paused"),
        pulse=False,
        lines=(
            *context.keys,
            text("run.paused_for", time=paused),
            text("run.paused_at", word=running.word, digits=running.big),
        ),
    )


def next_change(session: Session, now: float) -> float | None:
    """Clock time at which the view next changes by itself (not by input).

    The digits change on whole seconds of the phase; during 3-2-1 the pulse
    ends PULSE_S after each digit; a paused screen counts paused time.
    """
    state = session.state(now)
    if state is State.PAUSED:
        return now + 1.0 - (session.paused_for(now) % 1.0)
    if state not in (State.RUNNING, State.GET_READY):
        return None
    remaining = session.phase_remaining(now)
    into_second = math.ceil(remaining - 1e-9) - remaining  # 0 just as a digit appears
    wait = 1.0 - into_second
    phase = session.current_phase(now)
    upcoming = session.program.phases[0] if phase is None else _after(session, phase)
    if _counting_down(remaining, upcoming) and into_second < PULSE_S:
        wait = min(wait, PULSE_S - into_second)
    return now + max(wait, 1e-3)


def _home(session: Session, context: Context) -> View:
    """The program and how long it lasts, large; the wall clock only as a labelled line.

    The biggest figure on the screen is what the class is about to count
    down from: a bare "09:41" there reads as a timer.
    """
    program = session.program
    return View(
        screen=ScreenName.HOME,
        word=context.title or program.title,
        big=clock_text(program.duration_s),
        lines=tuple(
            line
            for line in (
                context.week,
                text("home.length", name=program.name, length=clock_text(program.duration_s)),
                *context.keys,
                text("home.time_now", clock=context.wall_clock) if context.wall_clock else "",
            )
            if line
        ),
        corner=context.status,
    )


def _finished(session: Session, now: float, state: State, context: Context) -> View:
    program = session.program
    blocks = program.block_count
    blocks_done = session.blocks_done(now)
    done = clock_text(session.completed_s(now))
    lines = [text("finished.time_done", done=done, total=clock_text(program.duration_s))]
    if blocks:
        lines.append(text("finished.blocks_done", done=blocks_done, total=blocks))
    if context.present is not None:
        lines.append(text("finished.present", count=context.present))
    lines.extend(context.keys)
    return View(
        screen=ScreenName.FINISHED,
        word=text("finished.done" if state is State.FINISHED else "finished.stopped"),
        big=done,
        lines=tuple(lines),
        corner=context.status,
    )


def with_hint(view: View, said: str) -> View:
    """``view`` with a word for a key just pressed: in the running screen's
    inverted next-phase band, else in place of its first line."""
    if view.screen in (ScreenName.RUNNING, ScreenName.GET_READY):
        return replace(view, next=said, next_soon=True)
    return replace(view, lines=(said, *view.lines[1:]))


def error_view(title: str, lines: tuple[str, ...], hint: str) -> View:
    """A readable error screen: what went wrong and what to do about it."""
    return View(screen=ScreenName.ERROR, word=title, lines=(*lines, hint))


def bad_program_view(problems: tuple[str, ...]) -> View:
    """The kiosk's screen for a program file it cannot run."""
    return file_problem_view(problems, "program")


def file_problem_view(problems: tuple[str, ...], kind: str) -> View:
    """The kiosk's screen for a file it cannot use, titled by the file: ``kind`` is
    config, program or roster, so the instructor knows which one to mend."""
    if kind == "config":
        return error_view(text("error.config"), problems, text("error.config_fix"))
    if kind == "roster":
        return error_view(text("error.roster"), problems, text("error.roster_fix"))
    return error_view(text("error.program"), problems, text("error.program_fix"))


def _after(session: Session, phase: Phase) -> Phase | None:
    phases = session.program.phases
    return phases[phase.index + 1] if phase.index + 1 < len(phases) else None


def _counting_down(remaining: float, upcoming: Phase | None) -> bool:
    wanted = upcoming is None or upcoming.cues.countdown
    return wanted and 0 < remaining <= COUNTDOWN_FROM


def _digits(remaining: float) -> str:
    whole = max(0, math.ceil(remaining - 1e-9))
    return clock_text(whole) if whole >= 60 else str(whole)


def _next_text(upcoming: Phase | None) -> str:
    if upcoming is None:
        return text("run.next_finish")
    if upcoming.move:
        return text("run.next_move", label=upcoming.label, move=upcoming.move)
    return text("run.next", label=upcoming.label)


def _where(phase: Phase | None, blocks: int) -> str:
    if phase is None or phase.block is None:
        return ""
    return text(
        "run.where", block=phase.block, blocks=blocks, round=phase.round, rounds=phase.rounds
    )
