"""The kiosk's state and its one step: the session, the roll, the records, the
screen that is up, an error.

One thread owns pygame, the engine and the store. :class:`Kiosk` is stepped
by ``tick``: the engine's events go to the observers (cues, records, the
``--events`` output), the screen up moves on if its class ended or its time
ran out, and the view is drawn only when it changed (about once a second,
not sixty times). What each screen shows and what the buttons do there is
:mod:`poolside.kiosk.screens`; a kiosk is made by
:func:`poolside.kiosk.build.build_kiosk` only.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from poolside.core.actions import Action
from poolside.core.cancel import CancelReason, reason_words
from poolside.core.checkin import Mode, Roll
from poolside.core.classroll import Movement, RollInClass, keeps_a_roll
from poolside.core.engine import Event, EventType, Session, State
from poolside.core.follow import Command
from poolside.core.music import level_words
from poolside.core.presses import earliest
from poolside.core.scanner import Output
from poolside.core.timefmt import clock_text
from poolside.core.view import Context, View, error_view, next_change, with_hint
from poolside.core.words import text
from poolside.kiosk.lead import Leading
from poolside.kiosk.screens import CheckIn, ClassRoll, InClass, Screen, Screens
from poolside.selection import Choice

if TYPE_CHECKING:
    import pygame

    from poolside.devices.screen import Renderer
    from poolside.link.local import LocalLink
    from poolside.records.attendance import Attendance
    from poolside.records.store import Checkpoint

HOME_REFRESH_S = 1.0
HINT_S = 4.0  # how long a refused key's explanation stays up
# Something that reacts to the events a poll returned: (events, session, now).
Observer = Callable[[list[Event], Session, float], None]


@dataclass(frozen=True)
class Display:
    """Where the kiosk draws: its surfaces (one per output the windows show, or
    one off-screen), the renderer, and what shows the drawn frames."""

    surfaces: Callable[[], Sequence[pygame.Surface]]
    renderer: Renderer
    present: Callable[[], None] = lambda: None


@dataclass(frozen=True)
class Surroundings:
    """What the kiosk reads from the room it runs in, all optional.

    ``context``: the title, week, wall clock and status lines; ``typed``: a
    code being typed on a reader; ``screen_log``: a line per new screen, for
    the journal; ``music_level``: a step louder (+1) or quieter (-1) gives
    the new level (None: no music); ``hold_stops``: no STOP button is fitted,
    so holding START ends a class; ``followers``: the link service's socket,
    where other screens show this kiosk's class (:mod:`poolside.kiosk.lead`).
    """

    context: Callable[[], Context] = Context
    typed: Callable[[], str] = str
    screen_log: Callable[[str], None] | None = None
    music_level: Callable[[int], float | None] | None = None
    hold_stops: bool = False
    followers: LocalLink | None = None


ALONE = Surroundings()  # a kiosk with nothing around it: tests, --headless, render


@dataclass
class Frames:
    """What a display last showed: a view is drawn (and presented) only when it
    changed, and each new screen, or phase word, goes once to ``log`` (the
    journal: what was shown when). The kiosk's and a follower screen's alike."""

    display: Display
    log: Callable[[str], None] | None = None
    count: int = 0
    shown: View | None = None
    logged: tuple[str, str] | None = None

    def show(self, view: View) -> None:
        if view == self.shown:
            return
        for surface in self.display.surfaces():
            self.display.renderer.draw(surface, view)
        self.display.present()
        self.count += 1
        self.shown = view
        if self.log is not None and (view.screen, view.word) != self.logged:
            self.logged = (view.screen, view.word)
            self.log(f"screen {view.screen}: {view.word}")


class Kiosk:
    """The kiosk's state and its one step; no windows, no sleeping.

    ``tick(now)`` polls the engine, hands its events to the observers, moves
    the screen on, redraws if the view changed, and returns the clock time
    it next needs to wake. Each check-in and answer goes to ``records``
    before the screen shows it.
    """

    def __init__(
        self,
        display: Display,
        choice: Choice | None,
        get_ready_s: float,
        roll: Roll | None = None,
        records: Attendance | None = None,
        outside: Surroundings = ALONE,
        observers: Sequence[Observer] = (),
        keep_going: bool = True,
    ) -> None:
        self._outside = outside
        self._observers = observers  # cues and records: served before the frame is drawn
        self._keep_going = keep_going  # show errors on screen instead of raising
        self._frames = Frames(display, outside.screen_log)
        self._hint: tuple[str, float] | None = None  # a word for a refused key, until when
        self.choice = choice
        self.get_ready_s = get_ready_s
        self.session = Session(choice.program, get_ready_s) if choice else None
        self._own: dict[int, Choice] = {}  # solo swimmers' own plan weeks, read once each
        self.roll = roll
        self.records = records
        keeps = roll is not None and keeps_a_roll(roll, records is not None)
        self.roll_in_class = RollInClass(roll) if roll is not None and keeps else None
        self.hold_stops = outside.hold_stops
        self._leading = Leading(outside.followers) if outside.followers is not None else None
        self.error: View | None = None
        self.screens = Screens(self)

    @property
    def frames(self) -> int:
        return self._frames.count

    def typed(self) -> str:
        return self._outside.typed()

    # -- input ----------------------------------------------------------------
    def act(self, action: Output, now: float) -> None:
        """A button, key or scan, for the screen that is up; + and - move the music
        on any screen."""
        if action in (Action.LOUDER, Action.QUIETER):
            self.music_step(1 if action == Action.LOUDER else -1, now)
            return
        if action == Action.MUSIC:  # the deck's one music control: round to silent at the cap
            self.music_step(1, now, wrap=True)
            return
        screen = self.screens.current(now)
        if screen is not None:
            self.screens.go(screen.act(action, now), now)

    def music_step(self, step: int, now: float, wrap: bool = False) -> None:
        """The music a step louder or quieter, its level shown for a moment. ``wrap``
        (the deck's one gesture for it): past the cap, back to silent."""
        music_level = self._outside.music_level
        if music_level is None:
            self.hint(text("music.none"), now)
            return
        before = music_level(0) if wrap else None
        level = music_level(step)
        if wrap and level is not None and level == before:  # at the cap: round to silent
            while level:
                level = music_level(-1)
        self.hint(level_words(level or 0.0), now)

    def hint(self, said: str, now: float) -> None:
        """A word for a refused key or a change made, shown for HINT_S ("": none)."""
        self._hint = (said, now + HINT_S) if said else None

    # -- the class and who swims it -----------------------------------------------
    def command(self, command: Command, now: float) -> None:
        """Pause, resume, NEXT, BACK or STOP in a class: at once, or, where other
        screens follow this one, a moment ahead on every screen alike."""
        assert self.session is not None
        if self._leading is None:
            command.apply(self.session, now)
        else:
            self._leading.command(self.session, command, now)

    def begin(self, now: float, checkpoint: Checkpoint | None = None) -> Screen | None:
        """Start the session, or continue an interrupted one from its checkpoint:
        the class's screen, or None where there is nothing to start."""
        if self.session is None or self.error is not None:
            return None
        if checkpoint is None:
            self.session.start(now)
        else:
            self.session.resume_from(now, checkpoint.position_s, checkpoint.done_s)
        return self.screens.in_class

    def home(self) -> Screen:
        """A new session of the day's program and an empty roll: the start screen."""
        assert self.session is not None
        program = self.choice.program if self.choice else self.session.program
        self.session = Session(program, self.get_ready_s)
        if self.records is not None:
            self.records.seal()
        if self.roll_in_class is not None:
            self.roll_in_class.clear()
        if self.roll is not None:
            self.roll.empty()
            self.roll.notice = ""
        return self.screens.start

    def swimmers_choice(self) -> Choice | None:
        """The solo swimmer shown: their own plan week's program, from the roster's start
        for them, not the Pi's calendar. None for a class, a swimmer with no start, or
        a day's program that is not the plan's."""
        roll, choice = self.roll, self.choice
        if roll is None or roll.mode != Mode.SOLO or choice is None or roll.current is None:
            return None
        start = roll.current.start
        week = choice.week_for(start, date.today()) if start is not None else None
        if week is None:
            return None
        if week not in self._own:  # each week's program read once, however long it runs
            self._own[week] = choice.for_week(week)
        return self._own[week]

    def take_swimmers_program(self) -> None:
        """Before a solo swim: the session runs the swimmer's own week (recorded as
        theirs), or the day's program where they have none."""
        target = self.swimmers_choice() or self.choice
        if target is None or self.session is None:
            return
        if target.program.content_hash != self.session.program.content_hash:
            self.session = Session(target.program, self.get_ready_s)
        if self.records is not None:
            self.records.week = target.week

    def may_cancel(self, now: float) -> bool:
        """A class can be called off only where it is recorded (a store) and led (not
        a solo swimmer's kiosk), and not once it ran (its check-ins' three hours):
        one line says so, and a class later that day can still be called off."""
        solo = self.roll is not None and self.roll.mode == Mode.SOLO
        if self.records is None or solo or self.session is None:
            return False
        ran_at = self.records.class_ran_at()
        if ran_at is not None:
            self.hint(text("cancel.already_ran", time=ran_at), now)
            return False
        return True

    def cancel_class(self, reason: CancelReason, now: float) -> None:
        """Record the class as called off, saying what was saved."""
        assert self.records is not None and self.session is not None
        saved = self.records.cancel(self.session.program, reason.value)
        if self.roll is not None:
            self.roll.empty()
        said = text("cancel.done", reason=reason_words(reason))
        self.hint(said if saved else text("checkin.not_saved", said=said), now)

    def scan_in_class(self, code: str, now: float) -> bool:
        """A code during the class: that person leaves (their record ends, the class
        runs on), or joins late with a record from now. Said on screen for a moment.
        True when someone left: why is asked, on the roll at once, else at the end."""
        in_class, records, session = self.roll_in_class, self.records, self.session
        if in_class is None or records is None or session is None:
            return False
        move = in_class.move_of(code, records.in_run)
        saved = False
        if move.kind is Movement.LEAVES:
            saved = records.leave(move.code, session, now)
        elif move.kind is Movement.JOINS:
            saved = records.join(move.code, session, now)
        at = clock_text(session.completed_s(now))
        self.hint(in_class.moved(move, at, saved), now)
        return move.kind is Movement.LEAVES

    def answer_why_left(self) -> None:
        """START on the roll's question: their reason saved, or (none chosen) skipped."""
        assert self.roll_in_class is not None
        answer = self.roll_in_class.answer_why_left()
        if answer is not None and self.records is not None:
            self.records.answer(*answer)

    def accepts_codes(self, now: float) -> bool:
        """Codes typed by a reader are taken on the check-in screen, and in a class
        with a roll (someone leaving or arriving late)."""
        screen = self.screens.current(now)
        return isinstance(screen, CheckIn) or (
            isinstance(screen, (InClass, ClassRoll)) and self.roll_in_class is not None
        )

    def show_error(self, title: str, lines: tuple[str, ...], hint: str) -> None:
        self.error = error_view(title, lines, hint)

    def redraw(self) -> None:
        """Draw on the next tick even if nothing changed (resize, expose)."""
        self._frames.shown = None

    # -- state ----------------------------------------------------------------
    def state(self, now: float) -> State | None:
        return self.session.state(now) if self.session else None

    def running_class(self, now: float) -> bool:
        """A session is under way, so quitting by key is refused."""
        return isinstance(self.screens.current(now), InClass)

    # -- the step -------------------------------------------------------------
    def tick(self, now: float) -> float | None:
        try:
            self._step(now)
        except Exception as err:  # show it and keep running: never die at the pool
            if not self._keep_going:
                raise
            traceback.print_exc()
            self.show_error(
                text("error.crash"),
                (f"{type(err).__name__}: {err}",),
                text("error.crash_restart"),
            )
            self._show(self.error)
        return self._wake(now)

    def _step(self, now: float) -> None:
        screens = self.screens
        if self.session is not None and self.error is None:
            if self._leading is not None:
                self._leading.due(self.session, now)
            events = self.session.poll(now)
            if events:
                for observe in self._observers:
                    observe(events, self.session, now)
            if any(e.type in (EventType.FINISH, EventType.STOP) for e in events):
                screens.go(screens.up.ended(now), now)
            due = screens.up.due()
            if due is not None and now >= due:
                screens.go(screens.up.timed_out(now), now)
        if self._leading is not None and self.session is not None:
            self._leading.offer(self.session, now)
        self._show(self.error or self.view(now))

    def _show(self, view: View | None) -> None:
        if view is not None:
            self._frames.show(view)

    def _wake(self, now: float) -> float | None:
        session = self.session
        if session is None or self.error is not None:
            return None
        home = now + HOME_REFRESH_S if session.state(now) is State.IDLE else None
        hint = self._hint
        hint_ends = hint[1] if hint is not None and hint[1] > now else None
        changes = [session.next_deadline(), next_change(session, now), home, hint_ends]
        if self._leading is not None:
            changes.append(self._leading.next_deadline())
        return earliest([*changes, self.screens.up.due()])

    def view(self, now: float) -> View:
        """What the screen up shows at ``now``, with a word said for a moment."""
        screen = self.screens.current(now)
        assert screen is not None
        view = screen.view(now, self._outside.context())
        hint = self._hint
        if hint is not None and now < hint[1]:
            view = with_hint(view, hint[0])
        return view


def each_event(emit: Callable[[Event], None]) -> Observer:
    """An observer that hands the events on one by one (the ``--events`` output)."""

    def observe(events: list[Event], session: Session, now: float) -> None:
        for event in events:
            emit(event)

    return observe


def home_context(
    choice: Choice,
    status: tuple[str, ...] = (),
    live: Callable[[], tuple[str, ...]] = tuple,
    keys_only: bool = False,
) -> Callable[[], Context]:
    """The outside facts the screens show: title, plan week, wall clock, status.

    ``live`` gives status lines that come and go, such as attendance not
    being saved while the disk is full; they come first. ``keys_only``: no
    deck of buttons answers (no GPIO, or its buttons failed), so hints name keys.
    """
    week = choice.week_line()

    def context() -> Context:
        return Context(
            title=choice.program.title,
            week=week,
            wall_clock=time.strftime("%H:%M"),
            status=(*live(), *status),
            keys_only=keys_only,
        )

    return context
