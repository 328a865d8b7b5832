"""The kiosk's screens, as states: each shows one thing, gives the deck's buttons
one meaning, and says which screen comes next.

A screen's :attr:`Screen.bindings` is its table of controls: the actions
that press each one and what it does there. What it does returns the next
screen (or ``None``: stay), and the kiosk enters it (:meth:`Screen.enter`,
the entry step: a fresh choice of reasons, the roll from its top, the
questions of the class that ended). A screen may also move on by itself: at
a deadline (:meth:`Screen.due`, :meth:`Screen.timed_out`), or when the class
it shows ends (:meth:`Screen.ended`). Get-ready, running and paused are the
engine's states of one class; which of the three shows follows its clock.

The buttons, as an instructor meets them: START starts, pauses and resumes,
checks the person shown in or out, saves an answer and then goes home; held,
it begins the class from the check-in. NEXT moves on (held: back). STOP, held,
ends a class; where no STOP is fitted, holding START does. Before a class,
STOP held (or NEXT held on the home screen) calls it off, with a reason.
START and NEXT pressed together step the music (``Action.MUSIC``, any screen).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from poolside.core.actions import Action
from poolside.core.cancel import Cancelling
from poolside.core.checkin import Change, Mode, Roll
from poolside.core.debrief import EACH, Debrief, questions_for
from poolside.core.engine import State
from poolside.core.follow import Command
from poolside.core.scanner import Output, Scan
from poolside.core.timefmt import clock_text
from poolside.core.view import Context, Mark, ScreenName, View, build_view
from poolside.core.words import text
from poolside.kiosk.bindings import Binding, hint, saying

if TYPE_CHECKING:
    from poolside.core.cancel import CancelReason
    from poolside.core.classroll import RollInClass
    from poolside.core.engine import Session
    from poolside.records.attendance import Attendance
    from poolside.records.store import Checkpoint
    from poolside.selection import Choice

CLASS_ROLL_S = 20.0  # the roll on the paused screen closes after this long untouched
BACK_HOME_AFTER_S = 10 * 60  # a finished screen nobody answers goes home by itself


class Kiosk(Protocol):
    """What the screens read and change of the kiosk they belong to
    (:class:`poolside.kiosk.state.Kiosk` has it all): typed here, so that this
    module never imports the kiosk back."""

    session: Session | None
    roll: Roll | None
    records: Attendance | None
    roll_in_class: RollInClass | None
    error: View | None
    hold_stops: bool
    screens: Screens

    def typed(self) -> str: ...
    def begin(self, now: float, checkpoint: Checkpoint | None = None) -> Screen | None: ...
    def home(self) -> Screen: ...
    def hint(self, said: str, now: float) -> None: ...
    def may_cancel(self, now: float) -> bool: ...
    def cancel_class(self, reason: CancelReason, now: float) -> None: ...
    def swimmers_choice(self) -> Choice | None: ...
    def take_swimmers_program(self) -> None: ...
    def music_step(self, step: int, now: float, wrap: bool = False) -> None: ...
    def scan_in_class(self, code: str, now: float) -> bool: ...
    def answer_why_left(self) -> None: ...
    def command(self, command: Command, now: float) -> None: ...


class Screen:
    """One screen; shares the kiosk's session, roll and records."""

    name: ScreenName
    bindings: tuple[Binding[Screen], ...] = ()
    per_line = 3  # hints on one line of the screen, at most

    def __init__(self, kiosk: Kiosk) -> None:
        self.kiosk = kiosk

    def keys(self, context: Context) -> tuple[str, ...]:
        """This screen's hint, from its :attr:`bindings`, as this kiosk names its controls."""
        stop_fitted = not self.kiosk.hold_stops
        return hint(self, self.bindings, context.keys_only, stop_fitted, self.per_line)

    def keyed(self, context: Context) -> Context:
        """``context`` with this screen's hint in it, for the view."""
        return replace(context, keys=self.keys(context))

    def enter(self, now: float) -> None:
        """The entry step, each time the kiosk moves to this screen."""

    def act(self, action: Output, now: float) -> Screen | None:
        """What a button, key or scan does here: the screen to move to, or None."""
        if isinstance(action, Scan):
            return self.scanned(action.code, now)
        for binding in self.bindings:
            if action in binding.actions:
                return binding.does(self, now)
        return None

    def scanned(self, code: str, now: float) -> Screen | None:
        """A code typed or scanned here (ignored, by default)."""
        return None

    def due(self) -> float | None:
        """When this screen moves on by itself (:meth:`timed_out`), if it does."""
        return None

    def timed_out(self, now: float) -> Screen | None:
        return None

    def ended(self, now: float) -> Screen | None:
        """The screen to move to once the class shown has ended (finished or stopped)."""
        return None

    def view(self, now: float, context: Context) -> View:
        assert self.kiosk.session is not None
        return build_view(self.kiosk.session, now, self.keyed(context))


def _cancel(screen: Screen, now: float) -> Screen | None:
    """STOP held before a class: the cancel screen, where the kiosk allows it."""
    return screen.kiosk.screens.cancel if screen.kiosk.may_cancel(now) else None


class Home(Screen):
    """The program and its length; START begins (no roll to take). STOP held, or
    NEXT held (a deck without STOP), calls the class off."""

    name = ScreenName.HOME

    def begin(self, now: float) -> Screen | None:
        return self.kiosk.begin(now)

    bindings = (
        Binding((Action.TOGGLE, Action.HOLD), begin, saying("do.begin")),
        Binding((Action.STOP, Action.BACK), _cancel),
    )


class Cancel(Screen):
    """Calling the class off (:mod:`poolside.core.cancel`): NEXT chooses why, START
    records it and goes home, STOP or NEXT held goes back with nothing recorded."""

    name = ScreenName.CANCEL

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__(kiosk)
        self.choice = Cancelling()

    def enter(self, now: float) -> None:
        self.choice = Cancelling()  # nothing chosen, each time it opens

    def next_reason(self, now: float) -> Screen | None:
        self.choice.move(1)
        return None

    def back(self, now: float) -> Screen | None:
        return self.kiosk.screens.start

    def record(self, now: float) -> Screen | None:
        reason = self.choice.reason
        if reason is None:
            self.choice.notice = text("cancel.choose_first")
            return None
        self.kiosk.cancel_class(reason, now)
        return self.kiosk.screens.start

    def _says_next(self) -> str:
        return text("do.choose_why" if self.choice.reason is None else "do.another_reason")

    def _says_record(self) -> str | None:
        return None if self.choice.reason is None else text("do.record_it")

    per_line = 2
    bindings = (
        Binding((Action.TOGGLE,), record, _says_record),
        Binding((Action.NEXT,), next_reason, _says_next),
        Binding((Action.STOP, Action.BACK), back, saying("do.back_unrecorded")),
    )

    def view(self, now: float, context: Context) -> View:
        return self.choice.view(context.status, self.keys(context))


class ResumeOffer(Screen):
    """After a power cut or crash cut a run off: START resumes it, NEXT starts afresh."""

    name = ScreenName.RESUME_OFFER

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__(kiosk)
        self.offer: Checkpoint | None = None  # set by the builder, the one place that decides

    def resume(self, now: float) -> Screen | None:
        offer, records = self.offer, self.kiosk.records
        assert offer is not None
        if records is not None:
            records.take_over(offer)
        return self.kiosk.begin(now, offer)

    def afresh(self, now: float) -> Screen | None:
        if self.kiosk.records is not None:
            self.kiosk.records.decline()
        return self.kiosk.screens.start

    per_line = 1  # the one choice an instructor must make after a power cut: a line each
    bindings = (
        Binding((Action.TOGGLE,), resume, saying("do.resume_there")),
        Binding((Action.NEXT,), afresh, saying("do.start_afresh")),
    )

    def view(self, now: float, context: Context) -> View:
        assert self.offer is not None
        return offer_view(self.offer, self.keyed(context))


class CheckIn(Screen):
    """The roll: NEXT walks it, START checks the person shown in or out, a scan
    checks that person in; START held begins the class. Solo: START begins."""

    name = ScreenName.CHECKIN

    @property
    def roll(self) -> Roll:
        assert self.kiosk.roll is not None
        return self.kiosk.roll

    def begin(self, now: float) -> Screen | None:
        self.kiosk.take_swimmers_program()
        return self.kiosk.begin(now)

    def toggle(self, now: float) -> Screen | None:
        if self.roll.mode == Mode.SOLO:
            return self.begin(now)
        self._save(self.roll.toggle())
        return None

    def next_person(self, now: float) -> Screen | None:
        self.roll.move(1)
        return None

    def previous_person(self, now: float) -> Screen | None:
        self.roll.move(-1)
        return None

    def scanned(self, code: str, now: float) -> Screen | None:
        self._save(self.roll.scan(code))
        return None

    def _save(self, change: Change | None) -> None:
        """A check-in or out goes to the records before the screen shows it."""
        if change is not None:
            records = self.kiosk.records
            saved = records.mark(change) if records is not None else False
            self.roll.confirm(change, saved)

    def _says_toggle(self) -> str:
        mode, person = self.roll.mode, self.roll.current
        if mode == Mode.SOLO:
            return text("do.begin_as", code=person.code) if person else text("do.begin")
        return text("do.one_more" if mode == Mode.HEADCOUNT else "do.check_in_out")

    def _says_next(self) -> str | None:
        mode = self.roll.mode
        if mode == Mode.SOLO:
            return text("do.another_swimmer") if len(self.roll.people) > 1 else None
        return text("do.one_less" if mode == Mode.HEADCOUNT else "do.next_name")

    def _says_hold(self) -> str | None:
        return None if self.roll.mode == Mode.SOLO else text("do.begin")  # START begins

    @property
    def per_line(self) -> int:  # type: ignore[override]
        return 1 if self.roll.mode == Mode.SOLO else 3  # a swimmer's two long lines apart

    bindings = (
        Binding((Action.TOGGLE,), toggle, _says_toggle),
        Binding((Action.NEXT,), next_person, _says_next),
        Binding((Action.HOLD,), begin, _says_hold),
        Binding((Action.BACK,), previous_person),
        Binding((Action.STOP,), _cancel),
    )

    def view(self, now: float, context: Context) -> View:
        session, own = self.kiosk.session, self.kiosk.swimmers_choice()
        assert session is not None
        program = own.program if own else session.program
        week = own.week_line() if own else context.week  # a solo swimmer's own week
        length = text("home.length", name=program.name, length=clock_text(program.duration_s))
        today = " · ".join(line for line in (week, length) if line)
        return self.roll.view(context.status, self.kiosk.typed(), today, self.keys(context))


def _stop(screen: Screen, now: float) -> Screen | None:
    """STOP held in a class (or START held, with no STOP fitted): the class ends, and
    the kiosk moves to the finished screen once the engine says so."""
    screen.kiosk.command(Command.STOP, now)
    return screen.kiosk.screens.in_class


class InClass(Screen):
    """Get-ready, running and paused share their buttons: START pauses and
    resumes, NEXT skips, held NEXT goes back, STOP held ends the class; Q is
    refused, and the screen says so for a moment. Which of the three is up
    follows the engine (:meth:`Screens.current`)."""

    name = ScreenName.RUNNING

    @property
    def session(self) -> Session:
        assert self.kiosk.session is not None
        return self.kiosk.session

    def toggle(self, now: float) -> Screen | None:
        self.kiosk.command(Command.TOGGLE, now)
        return None

    def skip(self, now: float) -> Screen | None:
        self.kiosk.command(Command.SKIP, now)
        return None

    def back(self, now: float) -> Screen | None:
        self.kiosk.command(Command.BACK, now)
        return None

    def held_start(self, now: float) -> Screen | None:
        if self.kiosk.hold_stops:  # no STOP button: holding START ends the class
            return _stop(self, now)
        self.kiosk.music_step(1, now, wrap=True)  # a STOP is fitted: START held moves the music
        return None

    def quit_refused(self, now: float) -> Screen | None:
        self.kiosk.hint(text("run.quit_refused"), now)
        return None

    def scanned(self, code: str, now: float) -> Screen | None:
        self.kiosk.scan_in_class(code, now)
        return None

    bindings = (
        Binding((Action.TOGGLE,), toggle),
        Binding((Action.NEXT,), skip),
        Binding((Action.BACK,), back),
        Binding((Action.STOP,), _stop),
        Binding((Action.HOLD,), held_start),
        Binding((Action.QUIT,), quit_refused),
    )

    def ended(self, now: float) -> Screen | None:
        return self.kiosk.screens.finished

    def view(self, now: float, context: Context) -> View:
        return super().view(now, _with_present(self.kiosk, context))


def _with_present(kiosk: Kiosk, context: Context) -> Context:
    """The number of people in the class, for the screens that show it."""
    roll = kiosk.roll
    if roll is None:
        return context
    return replace(context, present=len(roll.participants()) or roll.headcount)


class GetReady(InClass):
    name = ScreenName.GET_READY


class Running(InClass):
    name = ScreenName.RUNNING


class Paused(InClass):
    """As running, but NEXT opens the roll in a class with one (who left, who came
    late); elsewhere it skips, as while running."""

    name = ScreenName.PAUSED

    def skip(self, now: float) -> Screen | None:
        if self.kiosk.roll_in_class is not None:
            return self.kiosk.screens.class_roll
        return super().skip(now)

    def _says_next(self) -> str | None:
        return text("do.the_roll") if self.kiosk.roll_in_class is not None else None

    bindings = (
        Binding((Action.TOGGLE,), InClass.toggle, saying("do.resume")),
        Binding((Action.NEXT,), skip, _says_next),
        Binding((Action.BACK,), InClass.back),
        Binding((Action.STOP,), _stop),
        Binding((Action.HOLD,), InClass.held_start),
        Binding((Action.QUIT,), InClass.quit_refused),
    )


class ClassRoll(Screen):
    """The roll while a class is paused: NEXT walks it, START has the person shown
    leave (or join, if not in the class), NEXT held goes back to the paused class,
    as does leaving it alone for CLASS_ROLL_S. STOP held still ends the class.

    Someone leaving is asked why at once, as after a stopped class: NEXT
    chooses, START saves, START with nothing chosen skips."""

    name = ScreenName.CLASS_ROLL

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__(kiosk)
        self.until = 0.0  # closes by itself then

    @property
    def roll(self) -> RollInClass:
        assert self.kiosk.roll_in_class is not None
        return self.kiosk.roll_in_class

    def enter(self, now: float) -> None:
        self.roll.roll.cursor = 0  # from the top of the roll, each time it opens
        self.until = now + CLASS_ROLL_S

    def act(self, action: Output, now: float) -> Screen | None:
        following = super().act(action, now)
        if following is None:
            self.until = now + CLASS_ROLL_S  # open as long as it is used
        return following

    def _asking(self) -> bool:
        return self.roll.question.current is not None

    def next_person(self, now: float) -> Screen | None:
        if self._asking():
            self.roll.question.move(1)
        else:
            self.roll.roll.move(1)
            self.kiosk.hint("", now)  # what was said of the last person is not this one's
        return None

    def back(self, now: float) -> Screen | None:
        if self._asking():
            self.roll.question.move(-1)
            return None
        return self.kiosk.screens.in_class

    def toggle(self, now: float) -> Screen | None:
        if self._asking():
            self.kiosk.answer_why_left()
            return None
        person = self.roll.roll.current
        return self.scanned(person.code, now) if person is not None else None

    def scanned(self, code: str, now: float) -> Screen | None:
        if self.kiosk.scan_in_class(code, now):  # they left: why, asked at once
            self.roll.ask_why_left()
            records = self.kiosk.records
            if records is not None and records.saving:
                self.kiosk.hint("", now)  # the question says they left
        return None

    def held_start(self, now: float) -> Screen | None:
        return _stop(self, now) if self.kiosk.hold_stops else None

    def _says_toggle(self) -> str | None:
        if self._asking():
            return text("do.save_or_skip")
        person, records = self.roll.roll.current, self.kiosk.records
        where = records.in_run(person.code) if person and records else False
        return {True: text("do.leaves_now"), None: text("do.joins_now")}.get(where)

    def _says_next(self) -> str:
        return text("do.choose" if self._asking() else "do.next_name")

    def _says_back(self) -> str | None:
        return None if self._asking() else text("do.back_to_class")

    per_line = 2
    bindings = (
        Binding((Action.TOGGLE,), toggle, _says_toggle),
        Binding((Action.NEXT,), next_person, _says_next),
        Binding((Action.BACK,), back, _says_back),
        Binding((Action.STOP,), _stop),
        Binding((Action.HOLD,), held_start),
    )

    def due(self) -> float | None:
        return self.until

    def timed_out(self, now: float) -> Screen | None:
        return self.kiosk.screens.in_class

    def ended(self, now: float) -> Screen | None:
        return self.kiosk.screens.finished

    def view(self, now: float, context: Context) -> View:
        records = self.kiosk.records
        assert records is not None
        roll = self.roll.roll
        person = roll.current
        where = records.in_run(person.code) if person is not None else None
        shown = person.shown if person is not None else ""
        keys = self.keys(context)
        view = class_roll_view(shown, where, len(roll.present), context.status, keys)
        return self.roll.question.asking(view, keys=keys)  # why they left, if they just did


def class_roll_view(
    shown: str,
    in_water: bool | None,
    count: int,
    status: tuple[str, ...] = (),
    keys: tuple[str, ...] = (),
) -> View:
    """The roll on the paused screen, at one person: in the water (True), gone
    (False), or not in this class (None); then the screen's controls (``keys``)."""
    doing = {True: "roll.in_water", False: "roll.left", None: "roll.not_in_class"}[in_water]
    return View(
        screen=ScreenName.CLASS_ROLL,
        word=text("roll.title", count=count),
        big=shown,
        lines=(text(doing), *keys),
        corner=status,
        mark=Mark.PRESENT if in_water else Mark.ABSENT,
    )


class Finished(Screen):
    """The sums of the run, then its questions (NEXT chooses, START saves or
    skips), then what was saved until START goes home; left alone for
    BACK_HOME_AFTER_S, it goes home by itself."""

    name = ScreenName.FINISHED

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__(kiosk)
        self.debrief = Debrief([])
        self.until = 0.0

    def enter(self, now: float) -> None:
        """The questions of the class that just ended."""
        kiosk, roll, records = self.kiosk, self.kiosk.roll, self.kiosk.records
        assert kiosk.session is not None
        self.until = now + BACK_HOME_AFTER_S
        in_class = kiosk.roll_in_class
        swimmers = in_class.swimmers() if in_class is not None else ()
        asked = questions_for(
            stopped=kiosk.session.state(now) is State.STOPPED,
            mode=roll.mode if roll else Mode.CLASS,
            recorded=bool(records and records.record_ids),
            swimmers=swimmers,
            leavers=tuple(in_class.leavers) if in_class is not None else (),
        )
        self.debrief = Debrief(asked, swimmers)

    def choose(self, step: int) -> Screen | None:
        self.debrief.move(step)
        return None

    def next_answer(self, now: float) -> Screen | None:
        return self.choose(1)

    def previous_answer(self, now: float) -> Screen | None:
        return self.choose(-1)

    def save(self, now: float) -> Screen | None:
        debrief, records = self.debrief, self.kiosk.records
        if debrief.current is None:
            return self.kiosk.home()
        passed_by = debrief.current is EACH and debrief.chosen is None
        answer = debrief.answer()
        if answer is not None and records is not None:
            records.answer(*answer)
        if passed_by and debrief.current is None and not debrief.saved:
            return self.kiosk.home()  # no one asked: START goes home at once, as with no question
        return None

    def _says_next(self) -> str | None:
        return text("do.choose") if self.debrief.current is not None else None

    def _says_toggle(self) -> str:
        debrief = self.debrief
        if debrief.current is not None:
            return text("do.save_or_skip")
        return text("do.next_class" if debrief.asked else "do.home")

    bindings = (
        Binding((Action.NEXT,), next_answer, _says_next),
        Binding((Action.TOGGLE,), save, _says_toggle),
        Binding((Action.BACK,), previous_answer),
    )

    def due(self) -> float | None:
        return self.until

    def timed_out(self, now: float) -> Screen | None:
        return self.kiosk.home()

    def view(self, now: float, context: Context) -> View:
        shown = super().view(now, _with_present(self.kiosk, context))
        debrief, keys = self.debrief, self.keys(context)
        if debrief.current is not None:  # the time done stays, under the answers
            return debrief.asking(shown, keep=shown.lines[:1], keys=keys)
        done = debrief.lines(keys)
        return replace(shown, lines=(shown.lines[0], *done)) if done else shown


class Error(Screen):
    """What went wrong and what to do. The loop leaves it on a deck button
    (the box has no keyboard) for a fresh start; see ``window.leave_error``."""

    name = ScreenName.ERROR

    def view(self, now: float, context: Context) -> View:
        assert self.kiosk.error is not None
        return self.kiosk.error


class Screens:
    """One of each screen for a kiosk, and which one is up."""

    def __init__(self, kiosk: Kiosk) -> None:
        self.kiosk = kiosk
        self.home, self.offer, self.checkin = Home(kiosk), ResumeOffer(kiosk), CheckIn(kiosk)
        self.cancel, self.class_roll = Cancel(kiosk), ClassRoll(kiosk)
        self.get_ready, self.running, self.paused = GetReady(kiosk), Running(kiosk), Paused(kiosk)
        self.finished, self.error = Finished(kiosk), Error(kiosk)
        self.up: Screen = self.start

    @property
    def start(self) -> Screen:
        """Where a kiosk waits for a class: the check-in with a roll, else home."""
        return self.checkin if self.kiosk.roll is not None else self.home

    @property
    def in_class(self) -> Screen:
        """The class under way (one of get-ready, running, paused: see :meth:`current`)."""
        return self.running

    def go(self, following: Screen | None, now: float) -> None:
        """Move to ``following`` (None: stay), with its entry step."""
        if following is not None and following is not self.up:
            self.up = following
            following.enter(now)

    def current(self, now: float) -> Screen | None:
        """The screen showing at ``now``; ``None`` before there is a program."""
        kiosk = self.kiosk
        if kiosk.error is not None:
            return self.error
        if kiosk.session is None:
            return None
        if isinstance(self.up, InClass):  # the engine's clock says which of the three
            state = kiosk.session.state(now)
            return {State.GET_READY: self.get_ready, State.PAUSED: self.paused}.get(
                state, self.running
            )
        return self.up


def offer_view(offer: Checkpoint, context: Context) -> View:
    """The home screen after a power cut or crash cut a run off."""
    minutes = max(1, round(offer.age_s / 60))
    return View(
        screen=ScreenName.RESUME_OFFER,
        word=text("resume.title"),
        big=clock_text(offer.position_s),
        lines=(
            text("resume.cut_off", minutes=minutes, at=clock_text(offer.position_s)),
            text("resume.records", count=len(offer.record_ids)),
            *context.keys,
        ),
        corner=context.status,
    )
