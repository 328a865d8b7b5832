"""What the pool-side screen shows, as plain data derived from the session.

The screen redraws only when the :class:`View` changes, and the main loop
sleeps until :func:`next_change` (or the engine's next deadline, or input).
Every field is rounded to what is visible, so two calls within the same
second give equal views and no redraw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from poolside.core.engine import COUNTDOWN_FROM, NEXT_LEAD_S, Session, State
from poolside.core.program import Phase
from poolside.core.timefmt import clock_text

PULSE_S = 0.35  # the digits flash for this long as each of 3-2-1 appears
PROGRESS_STEPS = 1000  # the session bar moves in 0.1 % steps


@dataclass(frozen=True)
class Context:
    """What the view needs from outside the engine (all already text)."""

    title: str = ""
    week: str = ""  # "week 3 of 24"
    wall_clock: str = ""  # "09:41"
    start_hint: str = "Press START (Space) to begin"
    resume_hint: str = "Press START (Space) to resume"
    status: tuple[str, ...] = ()  # sync, storage, sound notices for a corner
    present: int | None = None  # checked-in participants, for a class


@dataclass(frozen=True)
class View:
    screen: str  # home, get-ready, running, paused, finished, error
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
        screen="get-ready" if phase is None else "running",
        kind=phase.kind if phase else None,
        word="GET READY" if phase is None else phase.label,
        big=_digits(remaining),
        move=(phase.move or "") if phase else (upcoming.move or "") if upcoming else "",
        coach=(phase.coach or "") if phase else "",
        next=_next_text(upcoming),
        next_soon=remaining <= NEXT_LEAD_S,
        where=_where(phase, program.block_count),
        left=f"{clock_text(program.duration_s - max(position, 0.0))} left",
        progress=math.floor(max(position, 0.0) / program.duration_s * PROGRESS_STEPS),
        pulse=in_countdown and math.ceil(remaining - 1e-9) - remaining < PULSE_S,
        corner=context.status,
    )
    if state is not State.PAUSED:
        return running
    paused = clock_text(math.floor(session.paused_for(now)))
    return replace(
        running,
        screen="paused",
        word="PAUSED",
        pulse=False,
        lines=(
            context.resume_hint,
            f"paused for {paused}",
            f"{running.word} · {running.big} left",
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
        screen="home",
        word=context.title or program.title,
        big=clock_text(program.duration_s),
        lines=tuple(
            line
            for line in (
                context.week,
                f"{program.name} · {clock_text(program.duration_s)} class",
                context.start_hint,
                f"time now {context.wall_clock}" if context.wall_clock else "",
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
    lines = [f"time done {done} of {clock_text(program.duration_s)}"]
    if blocks:
        lines.append(f"blocks done {blocks_done} of {blocks}")
    if context.present is not None:
        lines.append(f"present: {context.present}")
    lines.append("Press START (Space) for the home screen")
    return View(
        screen="finished",
        word="DONE" if state is State.FINISHED else "STOPPED",
        big=done,
        lines=tuple(lines),
        corner=context.status,
    )


def error_view(title: str, lines: tuple[str, ...], hint: str) -> View:
    """A readable error screen: what went wrong and what to do about it."""
    return View(screen="error", word=title, lines=(*lines, hint))


def bad_program_view(problems: tuple[str, ...]) -> View:
    """The kiosk's screen for a program file it cannot run."""
    return error_view(
        "PROGRAM FILE PROBLEM",
        problems,
        "Fix the file (poolside check FILE lists the same), then press START to try again.",
    )


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
        return "NEXT: finish"
    move = f" · {upcoming.move}" if upcoming.move else ""
    return f"NEXT: {upcoming.label}{move}"


def _where(phase: Phase | None, blocks: int) -> str:
    if phase is None or phase.block is None:
        return ""
    return f"block {phase.block} of {blocks} · {phase.round}/{phase.rounds}"
