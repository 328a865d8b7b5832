"""The kiosk's screens and its one loop: which screen is up, what the buttons do there,
and how often the loop turns (on a manual clock: no sleeping, no guessing)."""

from __future__ import annotations

from datetime import date

import pygame
import pytest

from poolside.config import Config
from poolside.core.actions import Action
from poolside.core.checkin import Person, Roll
from poolside.core.clock import ManualClock
from poolside.core.engine import State
from poolside.devices.screen import Renderer
from poolside.kiosk.build import build_kiosk
from poolside.kiosk.headless import offscreen_kiosk
from poolside.kiosk.loop import Loop
from poolside.kiosk.screens import ScreenName
from poolside.kiosk.state import Display, Kiosk
from poolside.notify import Notifier
from poolside.selection import choose_program


@pytest.fixture(scope="module")
def choice():
    return choose_program("jump-and-hop-20", Config(), date(2027, 1, 4))


def _kiosk(choice, roll: Roll | None = None) -> Kiosk:
    surface = pygame.Surface((320, 240))
    return build_kiosk(Display(lambda: [surface], Renderer()), choice, 10, roll=roll)


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
    assert kiosk.running_class(1.0)


def test_the_one_loop_runs_a_headless_class_waking_about_once_a_second(choice) -> None:
    """The same Loop as the window's; here its sleep moves a manual clock."""
    clock = ManualClock(0.0)
    kiosk = offscreen_kiosk(choice, 10, (320, 240), lambda event: None, now=clock.now())

    def sleep(seconds: float) -> tuple[()]:
        clock.advance(seconds)
        return ()

    def ended(wake: float | None) -> bool:
        return wake is None or kiosk.state(clock.now()) in (State.FINISHED, State.STOPPED)

    loop = Loop(kiosk, clock, Notifier({}), sleep=sleep, done=ended)
    assert loop.run() is None and kiosk.state(clock.now()) is State.FINISHED
    seconds = 10 + choice.program.duration_s
    assert seconds <= loop.wakes <= 1.5 * seconds, (loop.wakes, seconds)


# The controls each kind of kiosk has, by the names its hints give them, and what a
# press of each gives. Taps of Left and Right go through the real Controls; a hold is
# the press classifier's (test_devices), so it is given here as its action.
KINDS = {
    "deck": {"START": Action.TOGGLE, "NEXT": Action.NEXT, "hold START": Action.HOLD,
             "hold NEXT": Action.BACK, "hold STOP": Action.STOP},
    "deck without STOP": {"START": Action.TOGGLE, "NEXT": Action.NEXT,
                          "hold START": Action.HOLD, "hold NEXT": Action.BACK},
    "keyboard only": {"Space": Action.TOGGLE, "Right": pygame.K_RIGHT, "Left": pygame.K_LEFT,
                      "hold Space": Action.HOLD, "hold Esc": Action.STOP},
}  # fmt: skip


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_hint_names_a_control_this_kiosk_has_and_it_does_what_is_said(
    choice, tmp_path, kind
) -> None:
    """A class by its hints alone: each screen's hint is read off the screen, each
    control it names is one this kind of kiosk has (a deck with or without STOP, or a
    keyboard only), and pressing the one that says "back" goes back."""
    from poolside.core.view import Context
    from poolside.hardware import Controls

    from .test_checkin import Pool

    keys_only, controls = kind == "keyboard only", Controls()
    pool = Pool(tmp_path, choice, context=lambda: Context(keys_only=keys_only),
                hold_stops=kind == "deck without STOP")  # fmt: skip
    has = KINDS[kind]

    def hint() -> dict[str, str]:
        """The hint's items on screen now: what each named control does."""
        items = (i for d in pool.renderer.drawn for i in d.text.split(" · ") if ": " in i)
        named = dict(reversed(i.split(": ", 1)) for i in items if i.split(": ")[1][:1].islower())
        return {control: does for does, control in named.items()}

    def press(name: str) -> None:
        given = has[name]
        if isinstance(given, int):  # a key, as pygame delivers it, through the Controls
            key = pygame.event.Event(pygame.KEYDOWN, key=given, unicode="", mod=0)
            (given,) = controls.action(key, pool.clock.now())
        pool.press(given)

    seen: dict[str, set[str]] = {}

    def read() -> dict[str, str]:
        shown = hint()
        up = pool.kiosk.screens.current(pool.clock.now())
        seen.setdefault(str(up.name if up else ""), set()).update(shown)
        assert set(shown) <= set(has), (up, shown)
        return shown

    read()
    if kind != "deck without STOP":  # its check-in has no control to call a class off
        pool.press(Action.STOP)
        shown = read()
        (back,) = [c for c, does in shown.items() if does.startswith("back")]
        press(back)
        assert pool.kiosk.screens.current(0.0).name is ScreenName.CHECKIN
    start = next(c for c, does in read().items() if does == "check in/out")
    begin = next(c for c, does in read().items() if does == "begin")
    press(start)
    press(begin)
    pool.run_to(until=130.0)
    press(start)  # paused
    assert read()[start] == "resume"
    press(next(c for c, does in read().items() if does == "who is in the water"))
    shown = read()
    assert pool.kiosk.screens.current(pool.clock.now()).name is ScreenName.CLASS_ROLL
    assert shown[start] == "leaves now"
    press(next(c for c, does in shown.items() if does == "back to the class"))
    assert pool.kiosk.screens.current(pool.clock.now()).name is ScreenName.PAUSED
    assert len(seen) >= 3 and all(seen.values()), seen


# -- transitions: what each control returns, and each screen's entry step ----------
def test_each_control_returns_the_screen_it_leads_to(choice, tmp_path) -> None:
    """The screens' actions, one by one, on a kiosk with a roster and a real store: the
    screen each returns (None: stay), and what entering it did."""
    from .test_checkin import Pool

    pool = Pool(tmp_path, choice)
    kiosk, screens, now = pool.kiosk, pool.kiosk.screens, 0.0
    assert screens.up is screens.checkin, "a kiosk with a roll starts at the check-in"
    assert screens.checkin.act(Action.TOGGLE, now) is None, "a check-in stays"
    assert screens.checkin.act(Action.STOP, now) is screens.cancel

    screens.go(screens.cancel, now)
    cancel = screens.cancel
    assert cancel.act(Action.NEXT, now) is None and cancel.choice.reason is not None
    assert cancel.act(Action.BACK, now) is screens.checkin, "back, nothing recorded"
    screens.go(screens.checkin, now)
    screens.go(screens.cancel, now)
    assert cancel.choice.reason is None, "entered afresh: nothing chosen"
    assert cancel.act(Action.TOGGLE, now) is None, "no reason yet: it stays and says so"
    assert cancel.choice.notice == "choose why first"
    screens.go(screens.checkin, now)

    assert screens.checkin.act(Action.HOLD, now) is screens.in_class
    screens.go(screens.in_class, now)
    pool.run_to(until=130.0)
    running = screens.current(pool.clock.now())
    assert running is screens.running and running.act(Action.NEXT, 130.0) is None, "a skip"
    assert running.act(Action.TOGGLE, 130.0) is None
    paused = screens.current(130.0)
    assert paused is screens.paused
    assert paused.act(Action.NEXT, 130.0) is screens.class_roll, "paused, NEXT opens the roll"
    screens.go(screens.class_roll, 130.0)
    roll = screens.class_roll
    assert kiosk.roll is not None and kiosk.roll.cursor == 0, "the roll opens at its top"
    assert roll.due() == 130.0 + 20.0
    assert roll.act(Action.NEXT, 131.0) is None and roll.due() == 151.0, "open while used"
    assert roll.act(Action.BACK, 131.0) is screens.in_class
    assert roll.timed_out(151.0) is screens.in_class
    assert roll.ended(131.0) is screens.finished and paused.ended(131.0) is screens.finished

    assert roll.act(Action.STOP, 131.0) is screens.in_class, "stopped; finished on the tick"
    screens.go(screens.in_class, 131.0)
    pool._tick(131.0)
    finished = screens.up
    assert finished is screens.finished and finished.due() == 131.0 + 10 * 60
    assert finished.debrief.current is not None, "entered: the stopped class's questions"
    assert finished.timed_out(131.0 + 600) is screens.checkin, "left alone: home"


def test_the_resume_offer_leads_to_the_class_or_a_fresh_start(choice, tmp_path) -> None:
    """START continues the run cut off (its records taken over), NEXT starts afresh (its
    records closed as interrupted): both said by the screen returned."""
    from poolside.kiosk.build import CutOff, Resume
    from poolside.records.store import Checkpoint

    cut = Checkpoint(choice.program.name, (), 300.0, 290.0, 60.0)
    surface = pygame.Surface((320, 240))
    for action, leads_to in ((Action.TOGGLE, "in_class"), (Action.NEXT, "start")):
        kiosk = build_kiosk(
            Display(lambda: [surface], Renderer()),
            choice,
            10,
            cut_off=CutOff(cut, Resume.OFFER),
        )
        assert kiosk.screens.up is kiosk.screens.offer
        assert kiosk.screens.offer.act(action, 0.0) is getattr(kiosk.screens, leads_to)


@pytest.mark.parametrize(
    ("asked", "unattended", "decided"),
    [(True, False, "continue"), (True, True, "continue"), (False, False, "offer"),
     (False, True, "decline")],
)  # fmt: skip
def test_the_builder_carries_out_the_one_resume_rule(choice, asked, unattended, decided) -> None:
    """--resume continues, a kiosk someone stands at offers, --start or --headless
    (nobody to answer) declines; the kiosk built shows which."""
    from poolside.kiosk.build import CutOff, Resume, resume_decision
    from poolside.records.store import Checkpoint

    decision = resume_decision(asked, unattended)
    assert decision is Resume(decided)
    cut = Checkpoint(choice.program.name, (), 300.0, 290.0, 60.0)
    surface = pygame.Surface((320, 240))
    kiosk = build_kiosk(
        Display(lambda: [surface], Renderer()),
        choice,
        10,
        cut_off=CutOff(cut, decision),
        start=unattended,
        now=0.0,
    )
    up = kiosk.screens.current(1.0)
    expected = {"continue": ScreenName.RUNNING, "offer": ScreenName.RESUME_OFFER}
    expected["decline"] = ScreenName.GET_READY  # --start: a new run from its countdown
    assert up is not None and up.name is expected[decided]
    if decided == "continue":
        assert kiosk.session is not None and kiosk.session.completed_s(1.0) >= 290.0
