"""``poolside render``: any screen at any second of a program, as a PNG.

For people (the docs' screenshots, checking a new program's texts fit) and
for the tests. The screen is reached as an instructor reaches it: a kiosk is
built (:func:`~poolside.kiosk.build.build_kiosk`) with a sample class of
three on a scratch store, its buttons are pressed and a manual clock is set,
and the kiosk's own screens give the view; so a screenshot cannot show a
screen the kiosk would not.
"""

from __future__ import annotations

import functools
import math
import tempfile
from collections.abc import Callable
from pathlib import Path

import pygame

from poolside.core.actions import Action
from poolside.core.checkin import Mode, Person, Roll
from poolside.core.clock import ManualClock
from poolside.core.music import level_words
from poolside.core.program import parse_program
from poolside.core.timefmt import clock_text
from poolside.core.view import Context, ScreenName, View, bad_program_view, with_hint
from poolside.core.words import text
from poolside.core.yamlfile import FileProblems
from poolside.devices.screen import Renderer
from poolside.devices.theme import THEMES
from poolside.hardware import keyboard_hint
from poolside.kiosk.build import CutOff, Resume, build_kiosk
from poolside.kiosk.state import Display, Kiosk, Surroundings
from poolside.records.attendance import Attendance, open_attendance
from poolside.records.store import Checkpoint, Store
from poolside.selection import Choice

GET_READY_S = 10.0
PAUSED_FOR_S = 83.0


TIMED = (ScreenName.GET_READY, ScreenName.RUNNING, ScreenName.PAUSED)  # placed by --at
DEFAULT_AT = {ScreenName.GET_READY: -7.0, ScreenName.RUNNING: 125.0, ScreenName.PAUSED: 125.0}


class ImpossibleMoment(ValueError):
    """An --at the screen cannot be at; the message says what would do."""


def moment(choice: Choice, name: ScreenName | str, at: float | None) -> float:
    """The program second to draw screen ``name`` at: ``at`` if it is one that
    screen can be at, a default if not given; else :class:`ImpossibleMoment`."""
    screen = ScreenName(name)
    duration = choice.program.duration_s
    if screen not in TIMED:
        if at is not None:
            raise ImpossibleMoment(f"--at has no meaning for the {screen} screen; leave it out")
        return 0.0
    if at is None:
        return min(DEFAULT_AT[screen], duration - 1.0)
    if not math.isfinite(at):
        raise ImpossibleMoment(f"--at must be a number of seconds, got {at}")
    if screen == ScreenName.GET_READY and not -GET_READY_S <= at < 0:
        raise ImpossibleMoment(
            f"the get-ready countdown is from -{GET_READY_S:g} to 0 s; --at {at:g} is not in it"
        )
    if screen != ScreenName.GET_READY and not 0 <= at < duration:
        raise ImpossibleMoment(
            f"{choice.program.name} runs from 0 to {duration} s ({clock_text(duration)}); "
            f"--at {at:g} is not in it (the finished screen is --screen finished)"
        )
    return at


SAMPLE_CLASS = (Person("P001", "Ann"), Person("P002", "Bo"), Person("P003", "Cy"))
SAMPLE_SWIMMER = (Person("P004", "Di"),)
WALL_CLOCK = "09:41"


def view_at(choice: Choice, name: ScreenName | str, at: float, question: bool = False) -> View:
    """The view of screen ``name`` with the session at program second ``at``;
    ``question``: the finished screen's question (a solo swimmer's effort,
    after three presses of NEXT). A class's roll is kept on a scratch store."""
    screen = ScreenName(name)  # a name that is no screen: ValueError
    if not (question or screen in _WITH_A_ROLL):
        return _reached(choice, screen, at, question, None)
    with tempfile.TemporaryDirectory(prefix="poolside-render-") as folder:
        store = Store(Path(folder))
        try:
            return _reached(choice, screen, at, question, store)
        finally:
            store.close()


def _reached(
    choice: Choice, screen: ScreenName, at: float, question: bool, store: Store | None
) -> View:
    """``screen`` reached by the buttons an instructor presses to get there."""
    if screen == ScreenName.ERROR:
        return _kiosk(choice, problem=_sample_error()).view(0.0)
    roll, records = None, None
    if store is not None:
        roll = Roll(SAMPLE_SWIMMER, Mode.SOLO) if question else Roll(SAMPLE_CLASS, Mode.CLASS)
        records, _ = open_attendance(store, roll, choice.program.name, choice.week)
    clock = ManualClock(0.0)
    if screen == ScreenName.RESUME_OFFER:  # a class cut off 3 min ago at 8:20, a batch unsynced
        cut_off = Checkpoint(choice.program.name, ("a", "b", "c", "d"), 500.0, 480.0, 180.0)
        kiosk = _kiosk(choice, cut_off=CutOff(cut_off, Resume.OFFER), unsynced=True)
        return kiosk.view(clock.now())
    kiosk = _kiosk(choice, roll=roll, records=records)
    press = _presser(kiosk, clock)
    if screen in (ScreenName.CHECKIN, ScreenName.CANCEL, ScreenName.CLASS_ROLL):
        press(Action.TOGGLE, Action.NEXT)  # Ann checked in, Bo shown
    if screen == ScreenName.CLASS_ROLL:
        press(Action.TOGGLE)  # Bo too
    if screen == ScreenName.CANCEL:
        press(Action.STOP, Action.NEXT, Action.NEXT)  # "weather hold"
    if screen in (ScreenName.HOME, ScreenName.CHECKIN, ScreenName.CANCEL):
        return kiosk.view(clock.now())
    press(Action.HOLD if roll is not None else Action.TOGGLE)  # the class begins
    if screen == ScreenName.FINISHED or question:
        at = float(choice.program.duration_s)
    clock.set(GET_READY_S + min(max(at, -GET_READY_S), float(choice.program.duration_s)))
    press()
    if screen in (ScreenName.PAUSED, ScreenName.CLASS_ROLL):
        press(Action.TOGGLE)
        clock.advance(PAUSED_FOR_S)
    if screen == ScreenName.CLASS_ROLL:
        press(Action.NEXT, Action.NEXT)  # the roll opens at Ann; Bo, in the water
    if question:
        press(Action.NEXT, Action.NEXT, Action.NEXT)
    return kiosk.view(clock.now())


_WITH_A_ROLL = (ScreenName.CHECKIN, ScreenName.CANCEL, ScreenName.CLASS_ROLL)


def _kiosk(
    choice: Choice,
    roll: Roll | None = None,
    records: Attendance | None = None,
    cut_off: CutOff | None = None,
    problem: View | None = None,
    unsynced: bool = False,
) -> Kiosk:
    """A kiosk as ``poolside run`` makes one, drawing on a small scratch surface."""
    status = (*([_unsynced()] if unsynced else []), keyboard_hint())
    context = Context(
        choice.program.title, choice.week_line(), wall_clock=WALL_CLOCK, status=status
    )
    surface = pygame.Surface((320, 240))
    return build_kiosk(
        Display(lambda: [surface], _scratch_renderer()),
        choice,
        GET_READY_S,
        records=records,
        roll=roll,
        cut_off=cut_off,
        outside=Surroundings(context=lambda: context),
        observers=[records] if records is not None else [],
        keep_going=False,
        problem=problem,
    )


@functools.cache
def _scratch_renderer() -> Renderer:
    """The one renderer of the frames drawn on the way to a screen: its fonts,
    loaded once, serve every screenshot of a process (a test draws hundreds)."""
    return Renderer()


def _presser(kiosk: Kiosk, clock: ManualClock) -> Callable[..., None]:
    """Press buttons on the kiosk, each followed by its step, as the loop does."""

    def press(*actions: Action) -> None:
        kiosk.tick(clock.now())
        for action in actions:
            kiosk.act(action, clock.now())
            kiosk.tick(clock.now())

    return press


def render_png(
    choice: Choice,
    screen: str,
    at: float | None,
    size: tuple[int, int],
    theme: str,
    out: str,
    music: float | None = None,
    question: bool = False,
) -> None:
    """Raises :class:`ImpossibleMoment` for an ``at`` the screen cannot be at.
    ``music``: the level shown as the kiosk does after + or - (0 to 1);
    ``question``: the finished screen asking a solo swimmer's effort."""
    if question and screen != ScreenName.FINISHED:
        raise ImpossibleMoment("--question shows on the finished screen only")
    when = moment(choice, screen, at)
    view = view_at(choice, screen, when, question)
    if music is not None:
        if screen not in (ScreenName.RUNNING, ScreenName.PAUSED):
            raise ImpossibleMoment("--music shows on the running and paused screens only")
        view = with_hint(view, level_words(music))
    surface = pygame.Surface(size)
    Renderer(THEMES[theme]).draw(surface, view)
    pygame.image.save(surface, out)


def _sample_error() -> View:
    """A real loader message for a typical mistake, as the kiosk shows it."""
    try:
        parse_program(b"name: class\nphases:\n  - kind: work\n    duration: 1:30\n", "class.yaml")
    except FileProblems as err:
        lines = tuple(str(p) for p in err.problems)
    return bad_program_view(lines)


def _unsynced() -> str:
    """The sync notice a Pi shows after a power cut, before its next sync."""
    return text("status.to_sync", count=1, when=text("status.never_synced"))
