"""The kiosk's screens and its one loop: which screen is up, what the buttons do there,
and how often the loop turns (on a manual clock: no sleeping, no guessing)."""

from __future__ import annotations

from datetime import date

import pygame
import pytest

from poolside.app import Kiosk
from poolside.config import Config
from poolside.core.actions import Action
from poolside.core.checkin import Person, Roll
from poolside.core.clock import ManualClock
from poolside.core.engine import State
from poolside.devices.screen import Renderer
from poolside.headless import offscreen_kiosk
from poolside.loop import Loop
from poolside.notify import Notifier
from poolside.screens import ScreenName
from poolside.selection import choose_program


@pytest.fixture(scope="module")
def choice():
    return choose_program("jump-and-hop-20", Config(), date(2027, 1, 4))


def _kiosk(choice, roll: Roll | None = None) -> Kiosk:
    surface = pygame.Surface((320, 240))
    return Kiosk(lambda: surface, Renderer(), choice, 10, roll=roll)


def _up(kiosk: Kiosk, now: float) -> ScreenName:
    screen = kiosk.screens.current(now)
    assert screen is not None
    return screen.name


def test_each_state_has_its_screen_and_the_buttons_move_between_them(choice) -> None:
    kiosk = _kiosk(choice)
    assert _up(kiosk, 0.0) is ScreenName.HOME
    kiosk.act(Action.TOGGLE, 0.0)
    assert _up(kiosk, 1.0) is ScreenName.GET_READY
    assert _up(kiosk, 11.0) is ScreenName.RUNNING
    kiosk.act(Action.TOGGLE, 11.0)
    assert _up(kiosk, 12.0) is ScreenName.PAUSED
    kiosk.act(Action.STOP, 12.0)
    kiosk.tick(12.0)
    assert _up(kiosk, 12.0) is ScreenName.FINISHED
    kiosk.act(Action.TOGGLE, 13.0)
    assert _up(kiosk, 13.0) is ScreenName.HOME
    kiosk.show_error("BROKEN", ("a line",), "press START")
    assert _up(kiosk, 14.0) is ScreenName.ERROR
    kiosk.act(Action.TOGGLE, 14.0)
    assert _up(kiosk, 14.0) is ScreenName.ERROR, "left by the loop, not by acting on it"


def test_with_a_roll_the_home_screen_is_the_check_in(choice) -> None:
    roll = Roll([Person("P001", "Ann"), Person("P002", "Bo")])
    kiosk = _kiosk(choice, roll)
    assert _up(kiosk, 0.0) is ScreenName.CHECKIN and kiosk.accepts_codes(0.0)
    kiosk.act(Action.TOGGLE, 0.0)  # the person shown checks in
    assert roll.present == ["P001"] and _up(kiosk, 0.0) is ScreenName.CHECKIN
    kiosk.act(Action.HOLD, 0.0)  # START held: the class begins
    assert _up(kiosk, 1.0) is ScreenName.GET_READY and not kiosk.accepts_codes(1.0)
    assert kiosk.in_class(1.0)


def test_the_one_loop_runs_a_headless_class_waking_about_once_a_second(choice) -> None:
    """The same Loop as the window's; here its sleep moves a manual clock."""
    clock = ManualClock(0.0)
    kiosk = offscreen_kiosk(choice, 10, (320, 240), lambda event: None)
    kiosk.begin(clock.now())

    def sleep(seconds: float) -> tuple[()]:
        clock.advance(seconds)
        return ()

    def ended(wake: float | None) -> bool:
        return wake is None or kiosk.state(clock.now()) in (State.FINISHED, State.STOPPED)

    loop = Loop(kiosk, clock, Notifier({}), sleep=sleep, done=ended)
    assert loop.run() is None and kiosk.state(clock.now()) is State.FINISHED
    seconds = 10 + choice.program.duration_s
    assert seconds <= loop.wakes <= 1.5 * seconds, (loop.wakes, seconds)


@pytest.mark.parametrize("keys_only", [False, True], ids=["deck", "keyboard only"])
def test_the_roll_and_the_cancel_screen_name_the_back_control_this_kiosk_has(
    choice, tmp_path, keys_only
) -> None:
    """On a deck, back is NEXT held; with only a keyboard it is Left (holding Right is
    not a hold). The control the hint names does go back, through the real Controls."""
    from poolside.core.view import Context
    from poolside.hardware import Controls

    from .test_checkin import Pool

    pool = Pool(tmp_path, choice)
    pool.kiosk._context = lambda: Context(keys_only=keys_only)
    controls = Controls()
    back = "Left" if keys_only else "hold NEXT"

    def back_by_hint() -> None:
        if keys_only:  # the Left key, as pygame delivers it
            key = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_LEFT, unicode="", mod=0)
            (action,) = controls.action(key, pool.clock.now())
        else:  # the deck's NEXT held is BACK (test_devices: the classifier)
            action = Action.BACK
        pool.press(action)

    pool.press("stop")  # the cancel screen
    assert pool.kiosk.screens.current(0.0).name is ScreenName.CANCEL
    assert any(line.startswith(f"hold Esc or {back}") if keys_only else "or NEXT" in line
               for line in pool.texts()), pool.texts()  # fmt: skip
    back_by_hint()
    assert pool.kiosk.screens.current(0.0).name is ScreenName.CHECKIN

    pool.press(Action.NEXT, Action.TOGGLE, "hold")  # Bo in; the class begins
    pool.run_to(until=130.0)
    pool.press("toggle", "next")  # paused; the roll
    assert pool.kiosk.screens.current(pool.clock.now()).name is ScreenName.CLASS_ROLL
    assert f"NEXT next name · {back}: back to the class" in pool.texts()
    back_by_hint()
    assert pool.kiosk.screens.current(pool.clock.now()).name is ScreenName.PAUSED
