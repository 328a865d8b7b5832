"""``poolside render``: any screen at any second of a program, as a PNG.

For people (the README's screenshots, checking a new program's texts fit)
and for the tests: a manual clock puts the session exactly where asked, and
the real renderer draws it off-screen.
"""

from __future__ import annotations

import math

import pygame

from poolside.core.cancel import Cancelling
from poolside.core.checkin import Person, Roll
from poolside.core.clock import ManualClock
from poolside.core.engine import Session
from poolside.core.music import level_words
from poolside.core.program import parse_program
from poolside.core.timefmt import clock_text
from poolside.core.view import (
    Context,
    ScreenName,
    View,
    bad_program_view,
    build_view,
    with_hint,
)
from poolside.core.words import text
from poolside.core.yamlfile import FileProblems
from poolside.devices.screen import Renderer
from poolside.devices.theme import THEMES
from poolside.hardware import keyboard_hint
from poolside.records.store import Checkpoint
from poolside.screens import class_roll_view, offer_view
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
    if screen != "get-ready" and not 0 <= at < duration:
        raise ImpossibleMoment(
            f"{choice.program.name} runs from 0 to {duration} s ({clock_text(duration)}); "
            f"--at {at:g} is not in it (the finished screen is --screen finished)"
        )
    return at


def view_at(choice: Choice, name: ScreenName | str, at: float) -> View:
    """The view of screen ``name`` with the session at program second ``at``."""
    screen = ScreenName(name)  # a name that is no screen: ValueError
    if screen == ScreenName.ERROR:
        return _sample_error()
    if screen == ScreenName.CHECKIN:
        return _sample_roll().view((keyboard_hint(),))
    if screen == ScreenName.CANCEL:
        cancelling = Cancelling()
        cancelling.move(1)
        cancelling.move(1)  # "weather hold"
        return cancelling.view((keyboard_hint(),))
    if screen == ScreenName.CLASS_ROLL:
        return class_roll_view("Bo", True, 11, (keyboard_hint(),))
    if screen == ScreenName.RESUME_OFFER:  # a class cut off 3 min ago at 8:20, a batch unsynced
        cut_off = Checkpoint(choice.program.name, ("a", "b", "c", "d"), 500.0, 480.0, 180.0)
        return offer_view(cut_off, Context(status=(_unsynced(), keyboard_hint())))
    program = choice.program
    status = (keyboard_hint(),)
    context = Context(program.title, choice.week_line(), wall_clock="09:41", status=status)
    session = Session(program, GET_READY_S)
    clock = ManualClock(0.0)
    if screen == ScreenName.HOME:
        return build_view(session, clock.now(), context)
    session.start(clock.now())
    if screen == ScreenName.GET_READY:
        at = at if -GET_READY_S <= at < 0 else -7.0
    elif screen == ScreenName.FINISHED:
        at = float(program.duration_s)
    at = min(max(at, -GET_READY_S), float(program.duration_s))
    clock.set(GET_READY_S + at)
    session.poll(clock.now())
    if screen == ScreenName.PAUSED:
        session.pause(clock.now())
        clock.advance(PAUSED_FOR_S)
    return build_view(session, clock.now(), context)


def render_png(
    choice: Choice,
    screen: str,
    at: float | None,
    size: tuple[int, int],
    theme: str,
    out: str,
    music: float | None = None,
) -> None:
    """Raises :class:`ImpossibleMoment` for an ``at`` the screen cannot be at.
    ``music``: the level shown as the kiosk does after + or - (0 to 1)."""
    when = moment(choice, screen, at)
    view = view_at(choice, screen, when)
    if music is not None:
        if screen not in ("running", "paused"):
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


def _sample_roll() -> Roll:
    """A class check-in under way: one person in, the next one shown."""
    roll = Roll([Person("P001", "Ann"), Person("P002", "Bo"), Person("P003", "Cy")])
    change = roll.toggle()
    assert change is not None
    roll.confirm(change)
    roll.move(1)
    return roll
