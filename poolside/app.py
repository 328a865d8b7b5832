"""The kiosk: its state, its screens, and the window it runs in.

One thread owns pygame, the engine and the store. :class:`Kiosk` is the
state (the session, the roll, the records, an error) and its one step,
``tick``; :mod:`poolside.screens` says what each screen shows and what the
buttons do there; :mod:`poolside.loop` turns the step until the next
deadline or input, and the kiosk redraws only when the view has changed:
about once a second, not sixty times.

The same :class:`Kiosk` runs in a window (``poolside run``, here) and
off-screen (``poolside run --headless``), so tests and benchmarks exercise
the real drawing code.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pygame

from poolside.config import Config
from poolside.core.actions import DECK, Action
from poolside.core.cancel import Cancelling, CancelReason, reason_words
from poolside.core.checkin import Mode, Roll
from poolside.core.clock import Clock, clock_for
from poolside.core.debrief import Debrief, left_reason_of, questions_for
from poolside.core.engine import Event, EventType, Session, State
from poolside.core.music import level_words
from poolside.core.presses import earliest
from poolside.core.scanner import Output
from poolside.core.timefmt import clock_text
from poolside.core.view import (
    Context,
    View,
    error_view,
    file_problem_view,
    next_change,
    with_hint,
)
from poolside.core.words import text
from poolside.devices.scanout import Unreadable, own_frame
from poolside.devices.screen import INVISIBLE_DRIVERS, Renderer, match_renderer
from poolside.devices.theme import THEMES
from poolside.devices.wakeup import Waker
from poolside.errors import CannotRun
from poolside.hardware import Controls, Hardware, keyboard_hint
from poolside.loop import Loop
from poolside.notify import Notifier
from poolside.screens import CheckIn, ClassRoll, InClass, Screens
from poolside.selection import Choice

if TYPE_CHECKING:
    from poolside.records.attendance import Attendance
    from poolside.records.store import Checkpoint

HOME_REFRESH_S = 1.0
# An error screen nobody answers ends the kiosk after this long, under systemd,
# so that its restart policy tries again (a file fixed meanwhile, a device back)
# instead of the loop feeding the watchdog beside a dead screen forever.
ERROR_RESTART_S = 120.0
EXIT_AFTER_ERROR = 1
SYNC_STATUS_EVERY_S = 60.0  # the outbox is listed at most this often
BACK_HOME_AFTER_S = 10 * 60  # a finished screen nobody answers goes home by itself
# Something that reacts to the events a poll returned: (events, session, now).
Observer = Callable[[list[Event], Session, float], None]
DEFAULT_WINDOW = (1280, 720)
HINT_S = 4.0  # how long a refused key's explanation stays up
STARTING_S = 60.0  # systemd waits this long for the display, fonts and sound to open
PHRASE_S = 30.0  # and this long for each spoken phrase rendered on a first start
FRAME_READS = 12  # the first frame is read back this often, at most, before READY
FRAME_REREAD_S = 0.1  # apart (a GPU may still be writing it), presented again every 4th
CLASS_ROLL_S = 20.0  # the roll on the paused screen closes after this long untouched


class Kiosk:
    """The kiosk's state and its one step; no windows, no sleeping.

    ``tick(now)`` polls the engine, hands its events to the observers (cues,
    records, the ``--events`` output), redraws if the view changed, and
    returns the clock time it next needs to wake.

    Before a run the home screen may take the roll (``roll``) or offer to
    resume a run a power cut interrupted (``offer``); after it, the finished
    screen may ask questions. Each check-in and answer goes to ``records``
    before the screen shows it.
    """

    def __init__(
        self,
        surface_source: Callable[[], pygame.Surface],
        renderer: Renderer,
        choice: Choice | None,
        get_ready_s: float,
        present: Callable[[], None] = lambda: None,
        context: Callable[[], Context] = Context,
        keep_going: bool = True,
        observers: Sequence[Observer] = (),
        roll: Roll | None = None,
        records: Attendance | None = None,
        offer: Checkpoint | None = None,
        hold_stops: bool = False,
        typed: Callable[[], str] = str,
        screen_log: Callable[[str], None] | None = None,
        music_level: Callable[[int], float | None] | None = None,
    ) -> None:
        self._surface = surface_source
        self._renderer = renderer
        self._present = present
        self._context = context
        self._keep_going = keep_going  # show errors on screen instead of raising
        self._observers = observers  # cues and records: served before the frame is drawn
        self.get_ready_s = get_ready_s
        self.choice = choice
        self.session = Session(choice.program, get_ready_s) if choice else None
        self._own: dict[int, Choice] = {}  # solo swimmers' own plan weeks, by week
        self.error: View | None = None
        self.frames = 0
        self._shown: View | None = None
        self.roll = roll
        self.records = records
        self.offer = offer
        self.hold_stops = hold_stops  # no STOP button: holding START stops a class
        self.typed = typed  # a code being typed, to show on the check-in screen
        self.debrief = Debrief([])
        self.leavers: list[tuple[str, str]] = []  # left the class; why not said yet
        self.roll_question = Debrief([])  # the roll's: why the person who just left did
        self._ended_at: float | None = None
        self._screen_log = screen_log
        self._logged: tuple[str, str] | None = None
        self._hint: tuple[str, float] | None = None  # a word for a refused key, until when
        self.cancelling: Cancelling | None = None  # the class being called off, and why
        self._class_roll_until: float | None = None  # the roll open on the paused screen
        self.music_level = music_level  # a step louder (+1) or quieter (-1): the new level
        self.screens = Screens(self)

    # -- input ----------------------------------------------------------------
    def act(self, action: Output, now: float) -> None:
        """A button, key or scan, for the screen that is up (see :mod:`poolside.screens`);
        + and - move the music on any screen."""
        if action in (Action.LOUDER, Action.QUIETER):
            self.music_step(1 if action == Action.LOUDER else -1, now)
            return
        if action == Action.MUSIC:  # the deck's one music control: round to silent at the cap
            self.music_step(1, now, wrap=True)
            return
        screen = self.screens.current(now)
        if screen is not None:
            screen.act(action, now)

    def music_step(self, step: int, now: float, wrap: bool = False) -> None:
        """The music a step louder or quieter, its level shown for a moment. ``wrap``
        (the deck's one gesture for it): past the cap, back to silent."""
        if self.music_level is None:
            self.hint(text("music.none"), now)
            return
        before = self.music_level(0) if wrap else None
        level = self.music_level(step)
        if wrap and level is not None and level == before:  # at the cap: round to silent
            while level:
                level = self.music_level(-1)
        self.hint(level_words(level or 0.0), now)

    def hint(self, said: str, now: float) -> None:
        """A word for a refused key or a change made, shown for HINT_S ("": none)."""
        self._hint = (said, now + HINT_S) if said else None

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

    def home(self) -> None:
        """Back to the home screen with a new session and an empty roll."""
        assert self.session is not None
        program = self.choice.program if self.choice else self.session.program  # the day's
        self.session = Session(program, self.get_ready_s)
        self._ended_at = None
        self._class_roll_until = None
        self.leavers, self.roll_question = [], Debrief([])
        if self.records is not None:
            self.records.seal()
        if self.roll is not None:
            self.roll.present.clear()
            self.roll.headcount = 0
            self.roll.notice = ""

    def start_cancelling(self, now: float) -> None:
        """The cancel screen, where a class can be called off: only where it is
        recorded (a store) and led (not a solo swimmer's kiosk), and not for a
        class that already ran (its check-ins' three hours): one line says so,
        and a class later that day can still be called off."""
        solo = self.roll is not None and self.roll.mode == Mode.SOLO
        if self.records is None or solo or self.session is None:
            return
        ran_at = self.records.class_ran_at()
        if ran_at is not None:
            self.hint(text("cancel.already_ran", time=ran_at), now)
            return
        self.cancelling = Cancelling()

    def cancel_class(self, reason: CancelReason, now: float) -> None:
        """Record the class as called off, then home, saying what was saved."""
        assert self.records is not None and self.session is not None
        saved = self.records.cancel(self.session.program, reason.value)
        self.cancelling = None
        if self.roll is not None:
            self.roll.present.clear()
            self.roll.headcount = 0
        said = text("cancel.done", reason=reason_words(reason))
        self.hint(said if saved else text("checkin.not_saved", said=said), now)

    # -- who is in the class ------------------------------------------------------
    def class_roll_available(self) -> bool:
        """A class with a roster and a store: people can leave or join it as it runs."""
        roll = self.roll
        return (
            roll is not None
            and roll.mode == Mode.CLASS
            and bool(roll.people)
            and (self.records is not None)
        )

    def open_class_roll(self, now: float) -> None:
        self._class_roll_until = now + CLASS_ROLL_S

    def close_class_roll(self) -> None:
        self._class_roll_until = None

    def class_roll_open(self, now: float) -> bool:
        return self._class_roll_until is not None and now < self._class_roll_until

    def _swimmers(self) -> tuple[tuple[str, str], ...]:
        """A class's people still in the water at its end (code, name shown)."""
        if not self.class_roll_available():
            return ()
        assert self.roll is not None
        found = (self.roll.find(code) for code in self.roll.present)
        return tuple((p.code, p.shown) for p in found if p is not None)

    def scan_in_class(self, code: str, now: float) -> bool:
        """A code during the class: that person leaves (their record ends, the class
        runs on), or joins late with a record from now. Said on screen for a moment.
        True when someone left: why is asked, on the roll at once, else at the end."""
        roll, records, session = self.roll, self.records, self.session
        if not self.class_roll_available() or session is None:
            return False
        assert roll is not None and records is not None
        person = roll.find(code)
        if person is None:
            self.hint(text("checkin.refused", code=code.strip()), now)
            return False
        at = clock_text(session.completed_s(now))
        where = records.in_run(person.code)
        if where is False:
            self.hint(text("roll.already_left", name=person.shown), now)
            return False
        if where:
            saved = records.leave(person.code, session, now)
            if person.code in roll.present:
                roll.present.remove(person.code)
            self.leavers.append((person.code, person.shown))
            said = text("roll.leaves", name=person.shown, at=at)
        else:
            saved = records.join(person.code, session, now)
            roll.present.append(person.code)
            said = text("roll.joins", name=person.shown, at=at)
        self.hint(said if saved else text("checkin.not_saved", said=said), now)
        return bool(where)

    def ask_why_left(self, now: float) -> None:
        """On the roll: why the person who just left did (one press skips). The
        question says they left; a leave the disk refused stays said instead."""
        code, shown = self.leavers[-1]
        self.roll_question = Debrief([left_reason_of(code, shown)])
        if self.records is not None and self.records.saving:
            self.hint("", now)

    def answer_why_left(self) -> None:
        """START on the roll's question: their reason saved, or (none chosen) skipped;
        either way they are not asked again at the end of the class."""
        question = self.roll_question.current
        if question is None:
            return
        answer = self.roll_question.answer()
        if answer is not None and self.records is not None:
            self.records.answer(*answer)
        self.leavers = [left for left in self.leavers if left[0] != question.code]

    def accepts_codes(self, now: float) -> bool:
        """Codes typed by a reader are taken on the check-in screen, and in a class
        with a roll (someone leaving or arriving late)."""
        screen = self.screens.current(now)
        return isinstance(screen, CheckIn) or (
            isinstance(screen, (InClass, ClassRoll)) and self.class_roll_available()
        )

    def begin(self, now: float, checkpoint: Checkpoint | None = None) -> None:
        """Start the session, or continue an interrupted one from its checkpoint."""
        if self.session is None or self.error is not None:
            return
        if checkpoint is None:
            self.session.start(now)
        else:
            self.session.resume_from(now, checkpoint.position_s, checkpoint.done_s)

    def show_error(self, title: str, lines: tuple[str, ...], hint: str) -> None:
        self.error = error_view(title, lines, hint)

    def redraw(self) -> None:
        """Draw on the next tick even if nothing changed (resize, expose)."""
        self._shown = None

    # -- state ----------------------------------------------------------------
    def state(self, now: float) -> State | None:
        return self.session.state(now) if self.session else None

    def in_class(self, now: float) -> bool:
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
        if self.session is not None and self.error is None:
            events = self.session.poll(now)
            if events:
                for observe in self._observers:
                    observe(events, self.session, now)
            ended = [e for e in events if e.type in (EventType.FINISH, EventType.STOP)]
            if ended:
                self._ended_at = now
                self._class_roll_until = None
                swimmers = self._swimmers()
                asked = questions_for(
                    stopped=ended[0].type == EventType.STOP,
                    mode=self.roll.mode if self.roll else Mode.CLASS,
                    recorded=bool(self.records and self.records.record_ids),
                    swimmers=swimmers,
                    leavers=tuple(self.leavers) if self.records else (),
                )
                self.debrief = Debrief(asked, swimmers)
            elif self._ended_at is not None and now >= self._ended_at + BACK_HOME_AFTER_S:
                self.home()
        self._show(self.error or self._view(now))

    def _show(self, view: View | None) -> None:
        if view is not None and view != self._shown:
            self._renderer.draw(self._surface(), view)
            self._present()
            self.frames += 1
            self._log_screen(view)
            self._shown = view

    def _log_screen(self, view: View) -> None:
        """Each new screen (or phase word) once, for the journal: what was shown when."""
        if self._screen_log is not None and (view.screen, view.word) != self._logged:
            self._logged = (view.screen, view.word)
            self._screen_log(f"screen {view.screen}: {view.word}")

    def _wake(self, now: float) -> float | None:
        session = self.session
        if session is None or self.error is not None:
            return None
        home = now + HOME_REFRESH_S if session.state(now) is State.IDLE else None
        back_home = self._ended_at + BACK_HOME_AFTER_S if self._ended_at is not None else None
        hint_ends = self._hint[1] if self._hint is not None and self._hint[1] > now else None
        roll_closes = self._class_roll_until if self.class_roll_open(now) else None
        changes = [session.next_deadline(), next_change(session, now), home, back_home]
        changes += [hint_ends, roll_closes]
        return earliest(changes)

    def _view(self, now: float) -> View:
        screen = self.screens.current(now)
        assert screen is not None
        view = screen.view(now, self._context())
        if self._hint is not None and now < self._hint[1]:
            view = with_hint(view, self._hint[0])
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


# -- running it -------------------------------------------------------------------
@dataclass(frozen=True)
class WindowOptions:
    """How ``poolside run`` shows the kiosk: what its flags asked for."""

    speed: float = 1.0  # --speed: the program runs this many times faster (demos)
    theme: str = "colour"
    start: bool = False  # --start: begin at once
    size: tuple[int, int] | None = None  # of a window; full screen takes the display's
    fullscreen: bool = False
    windowed: bool = False  # neither: full screen unless there is a desktop


def run_screen(
    options: WindowOptions,
    config: Config,
    choice: Choice | None,
    get_ready_s: float,
    problems: tuple[str, ...] = (),
    problem_in: str = "program",
    attendance: Attendance | None = None,
    resume: Checkpoint | None = None,
    offer: Checkpoint | None = None,
    notices: tuple[str, ...] = (),
    emit_event: Callable[[Event], None] | None = None,
) -> int:
    """``poolside run``: the full-screen (or windowed) kiosk with its hardware.

    ``resume`` is continued at once (``--resume``); ``offer`` is put to the
    instructor on the home screen; ``events`` gets each event as it falls
    due (``emit_event``, for ``--events``), after the cues and the records.
    ``problems`` are shown on the error screen, titled by the file they are in
    (``problem_in``: config, program or roster).
    """
    notifier = Notifier()
    notifier.extend_start(STARTING_S)  # from here: the display, fonts, sound
    renderer = _open_display()
    pygame.font.init()
    pygame.display.set_caption("poolside")
    try:
        window = _Window(options)
    except pygame.error as err:  # e.g. KMSDRM without EGL: "EGL not initialized"
        raise CannotRun(
            f"the screen could not be opened ({pygame.display.get_driver()}: {err}); "
            "poolside doctor says what is missing"
        ) from None
    clock = clock_for(options.speed)
    waker = Waker(pygame.display.get_driver())
    hardware = Hardware.open(
        config,
        program=choice.program if choice else None,
        waker=waker,
        starting=lambda: notifier.extend_start(PHRASE_S),
        cues_on_time=True,  # a frame being drawn must not stretch a tone
    )
    status = (*notices, *hardware.notices, keyboard_hint())
    live = _live_status(attendance) if attendance else tuple
    keys_only = hardware.buttons is None
    context = home_context(choice, status, live, keys_only) if choice else Context
    controls = Controls(hardware)
    kiosk = Kiosk(
        surface_source=window.surface,
        renderer=Renderer(THEMES[options.theme]),
        choice=choice,
        get_ready_s=get_ready_s,
        present=pygame.display.flip,
        context=context,
        observers=[
            hardware.cue,
            *([attendance] if attendance else []),
            *([each_event(emit_event)] if emit_event else []),
        ],
        roll=attendance.roll if attendance else None,
        records=attendance,
        offer=offer,
        hold_stops=config.buttons.stop is None,
        typed=lambda: controls.scans.typed,
        screen_log=_say,
        music_level=hardware.music_level if hardware.player.music is not None else None,
    )
    if problems:
        kiosk.error = file_problem_view(problems, problem_in)
    width, height = window.surface().get_size()
    print(
        f"poolside: video driver {pygame.display.get_driver()}, {width}x{height}; "
        f"renderer {renderer}; idle on {waker.how}",
        file=sys.stderr,
    )
    print(f"poolside: {hardware.gpio}", file=sys.stderr)
    for notice in hardware.notices:
        print(f"poolside: {notice}", file=sys.stderr)
    if resume is not None or options.start:
        kiosk.begin(clock.now(), resume)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop like Ctrl-C
    window_inputs = _WindowInputs(kiosk, clock, controls, hardware, attendance, window, notifier)

    def present_again() -> None:
        kiosk.redraw()
        kiosk.tick(clock.now())

    loop = Loop(
        kiosk,
        clock,
        notifier,
        sleep=waker.wait,
        handle=window_inputs.handle,
        soon=lambda: earliest([controls.next_deadline(), hardware.player.next_deadline()]),
        first_frame=lambda: first_frame_shown(pygame.display.get_driver(), present_again),
    )
    try:
        return loop.run() or 0
    except KeyboardInterrupt:
        return 130
    finally:
        for ending in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C cannot cut the cleanup
            signal.signal(ending, signal.SIG_IGN)
        notifier.stopping()
        hardware.close()
        waker.close()
        pygame.quit()


@dataclass
class _WindowInputs:
    """What the window's inputs do, once the loop has woken: keys, buttons and
    codes to the screen that is up; Q, F, a closed window; the error screen
    left by a deck button; and the buzzer's steps and held writes seen to."""

    kiosk: Kiosk
    clock: Clock
    controls: Controls
    hardware: Hardware
    attendance: Attendance | None
    window: _Window
    notifier: Notifier
    error_since: float | None = None  # when the error screen came up (real time)

    def handle(self, events: Sequence[pygame.event.Event]) -> int | None:
        kiosk, clock, controls = self.kiosk, self.clock, self.controls
        self.hardware.player.update()
        if self.attendance is not None and not self.attendance.saving:
            self.attendance.retry()  # the disk may have room again
        if kiosk.error is not None and self.error_since is None:
            self.error_since = time.monotonic()
        scanning = kiosk.accepts_codes(clock.now())
        actions = [a for event in events for a in controls.action(event, scanning=scanning)]
        actions += controls.poll(time.monotonic())
        if kiosk.error is not None and leave_error(
            actions, self.error_since, self.notifier, time.monotonic()
        ):
            return EXIT_AFTER_ERROR  # systemd (Restart=always) starts a fresh kiosk
        for action in actions:
            now = clock.now()
            if action == Action.CLOSE or (
                action == Action.QUIT and (kiosk.error is not None or not kiosk.in_class(now))
            ):
                return 0
            if action == Action.FULLSCREEN:
                self.window.toggle()
                kiosk.redraw()
            elif action == Action.REDRAW:
                kiosk.redraw()
            else:
                kiosk.act(action, now)
        return None


def leave_error(actions: list[Output], since: float | None, notifier: Notifier, now: float) -> bool:
    """On the error screen: a deck button (no keyboard on the box) or time ends the kiosk.

    Any press of START, NEXT or STOP asks for a fresh start; under systemd an
    error left standing for ERROR_RESTART_S does too.
    """
    if any(a in DECK for a in actions):
        _say("leaving the error screen: a button was pressed")
        return True
    if notifier.active and since is not None and now - since >= ERROR_RESTART_S:
        _say(f"the error screen stood {ERROR_RESTART_S:.0f} s: exiting for systemd to restart")
        return True
    return False


def _say(line: str) -> None:
    """One line on stderr, which systemd puts in the journal."""
    print(f"poolside: {line}", file=sys.stderr, flush=True)


def _open_display() -> str:
    """Start SDL's video, refusing a fallback to a driver that shows nothing;
    the window's renderer, chosen for the driver (``match_renderer``).

    With no desktop and no KMSDRM driver, SDL quietly picks ``offscreen``:
    the kiosk would run a class nobody can see.
    """
    try:
        pygame.display.init()
    except pygame.error as err:
        raise CannotRun(f"no display: SDL video did not start ({err})") from None
    driver = pygame.display.get_driver()
    renderer = match_renderer(driver)
    if driver in INVISIBLE_DRIVERS and not os.environ.get("SDL_VIDEODRIVER"):
        pygame.display.quit()
        raise CannotRun(
            f"no display: SDL found none and fell back to its invisible '{driver}' driver. "
            "Run it on a desktop or a console with KMS (install.sh sets that up), "
            "or use --headless --start"
        )
    return renderer


def first_frame_shown(driver: str, present_again: Callable[[], None]) -> str:
    """On KMSDRM, read back the frame the display scans out: READY means it is there.

    A GPU may still be writing the buffer when it is first read, so a blank
    read is retried, and the frame presented again, before the kiosk gives
    up: it then exits (systemd starts it again, and ``poolside doctor`` says
    why) rather than run a class on a black screen. Where the frame cannot be
    read back (another video driver, not the DRM master), it says so.
    """
    if driver != "KMSDRM":
        return "first frame on screen"
    frame = None
    for attempt in range(FRAME_READS):
        try:
            frame = own_frame()
        except Unreadable as err:
            _say(f"screen check: the frame on the screen was not read back ({err})")
            return "first frame drawn (not read back)"
        if not frame.blank:
            _say(
                f"screen check: the first frame is on the screen ({frame.width}x{frame.height}, "
                f"{len(frame.colours())} colours sampled)"
            )
            return "first frame on screen"
        time.sleep(FRAME_REREAD_S)
        if attempt % 4 == 3:
            present_again()
    colour = next(iter(frame.colours())) if frame else "?"
    _say(f"screen check: PROBLEM: the screen shows one colour, {colour}, not the kiosk's frame")
    raise CannotRun(
        f"the screen stays blank ({colour} everywhere) although SDL drew the first frame: "
        "the renderer and the GL context disagree, or the GPU driver cannot draw; "
        "poolside doctor says more"
    )


def _live_status(attendance: Attendance) -> Callable[[], tuple[str, ...]]:
    """Storage problems as they happen, and the sync state (read once a minute)."""
    from poolside.records.sync import status_line

    folder = attendance.store.folder
    cached: list[tuple[float, str]] = []

    def lines() -> tuple[str, ...]:
        now = time.monotonic()
        if not cached or now - cached[0][0] >= SYNC_STATUS_EVERY_S:
            cached[:] = [(now, status_line(folder))]
        sync_line = cached[0][1]
        return (*attendance.status(), *([sync_line] if sync_line else []))

    return lines


class _Window:
    """The display surface, full screen or windowed, and the switch between."""

    def __init__(self, options: WindowOptions) -> None:
        self._size = options.size or DEFAULT_WINDOW
        desktop = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        self.fullscreen = options.fullscreen or not (options.windowed or desktop)
        self._open()

    def _open(self) -> None:
        if self.fullscreen:
            pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
        else:
            pygame.display.set_mode(self._size, pygame.RESIZABLE)
        pygame.mouse.set_visible(not self.fullscreen)

    def toggle(self) -> None:
        self.fullscreen = not self.fullscreen
        self._open()

    def surface(self) -> pygame.Surface:
        return pygame.display.get_surface()
