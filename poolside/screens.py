"""The kiosk's screens: each shows one thing and gives the deck's buttons one meaning.

Which screen is up follows from the kiosk's state, worked out in one place
(:meth:`Screens.current`): an error first; before a run the resume offer,
the check-in or the home screen; then get-ready, running, paused; after it
the finished screen with its questions. Each screen has its own input
handling (:meth:`Screen.act`) and view (:meth:`Screen.view`); moving to
another screen is a change of that state (a run begun, paused, ended, the
kiosk sent home), made through the :class:`Kiosk` it belongs to.

The buttons, as an instructor meets them: START starts, pauses and resumes,
checks the person shown in or out, saves an answer and then goes home; held,
it begins the class from the check-in. NEXT moves on (held: back). STOP, held,
ends a class; where no STOP is fitted, holding START does. Before a class,
STOP held (or NEXT held on the home screen) calls it off, with a reason.
START and NEXT pressed together step the music (``Action.MUSIC``, any screen).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from poolside.core.actions import Action
from poolside.core.checkin import Mode, Roll
from poolside.core.debrief import EACH
from poolside.core.engine import State
from poolside.core.scanner import Output, Scan
from poolside.core.timefmt import clock_text
from poolside.core.view import Context, Mark, ScreenName, View, build_view
from poolside.core.words import text

if TYPE_CHECKING:
    from poolside.core.cancel import Cancelling, CancelReason
    from poolside.core.debrief import Debrief
    from poolside.core.engine import Session
    from poolside.records.attendance import Attendance
    from poolside.records.store import Checkpoint
    from poolside.selection import Choice


class Kiosk(Protocol):
    """What the screens read and change of the kiosk they belong to (``app.Kiosk``
    has it all): typed here, so that this module never imports the kiosk back."""

    session: Session | None
    roll: Roll | None
    records: Attendance | None
    offer: Checkpoint | None
    cancelling: Cancelling | None
    error: View | None
    debrief: Debrief
    roll_question: Debrief
    hold_stops: bool
    typed: Callable[[], str]

    def begin(self, now: float, checkpoint: Checkpoint | None = None) -> None: ...
    def home(self) -> None: ...
    def hint(self, said: str, now: float) -> None: ...
    def start_cancelling(self, now: float) -> None: ...
    def cancel_class(self, reason: CancelReason, now: float) -> None: ...
    def swimmers_choice(self) -> Choice | None: ...
    def take_swimmers_program(self) -> None: ...
    def music_step(self, step: int, now: float, wrap: bool = False) -> None: ...
    def scan_in_class(self, code: str, now: float) -> bool: ...
    def class_roll_available(self) -> bool: ...
    def class_roll_open(self, now: float) -> bool: ...
    def open_class_roll(self, now: float) -> None: ...
    def close_class_roll(self) -> None: ...
    def ask_why_left(self, now: float) -> None: ...
    def answer_why_left(self) -> None: ...


class Screen:
    """One screen; shares the kiosk's session, roll and records."""

    name: ScreenName

    def __init__(self, kiosk: Kiosk) -> None:
        self.kiosk = kiosk

    def act(self, action: Output, now: float) -> None:
        """What a button, key or scan does here (nothing, by default)."""

    def view(self, now: float, context: Context) -> View:
        assert self.kiosk.session is not None
        return build_view(self.kiosk.session, now, context)


class Home(Screen):
    """The program and its length; START begins (no roll to take). STOP held, or
    NEXT held (a deck without STOP), calls the class off."""

    name = ScreenName.HOME

    def act(self, action: Output, now: float) -> None:
        if action in (Action.TOGGLE, Action.HOLD):
            self.kiosk.begin(now)
        elif action in (Action.STOP, Action.BACK):
            self.kiosk.start_cancelling(now)


class Cancel(Screen):
    """Calling the class off (:mod:`poolside.core.cancel`): NEXT chooses why, START
    records it and goes home, STOP or NEXT held goes back with nothing recorded."""

    name = ScreenName.CANCEL

    def act(self, action: Output, now: float) -> None:
        kiosk, choice = self.kiosk, self.kiosk.cancelling
        assert choice is not None
        reason = choice.reason
        if action == Action.NEXT:
            choice.move(1)
        elif action in (Action.STOP, Action.BACK):
            kiosk.cancelling = None
        elif action == Action.TOGGLE and reason is None:
            choice.notice = text("cancel.choose_first")
        elif action == Action.TOGGLE and reason is not None:
            kiosk.cancel_class(reason, now)

    def view(self, now: float, context: Context) -> View:
        assert self.kiosk.cancelling is not None
        return self.kiosk.cancelling.view(context.status, context.keys_only)


class ResumeOffer(Screen):
    """After a power cut or crash cut a run off: START resumes it, NEXT starts afresh."""

    name = ScreenName.RESUME_OFFER

    def act(self, action: Output, now: float) -> None:
        kiosk, offer = self.kiosk, self.kiosk.offer
        if offer is None:
            return
        if action == Action.TOGGLE:
            kiosk.offer = None
            if kiosk.records is not None:
                kiosk.records.take_over(offer)
            kiosk.begin(now, offer)
        elif action == Action.NEXT:
            kiosk.offer = None
            if kiosk.records is not None:
                kiosk.records.decline()

    def view(self, now: float, context: Context) -> View:
        assert self.kiosk.offer is not None
        return offer_view(self.kiosk.offer, context)


class CheckIn(Screen):
    """The roll: NEXT walks it, START checks the person shown in or out, a scan
    checks that person in; START held begins the class. Solo: START begins."""

    name = ScreenName.CHECKIN

    def act(self, action: Output, now: float) -> None:
        kiosk, roll = self.kiosk, self.kiosk.roll
        assert roll is not None
        if action == Action.HOLD or (roll.mode == Mode.SOLO and action == Action.TOGGLE):
            kiosk.take_swimmers_program()
            kiosk.begin(now)
            return
        if action == Action.STOP:
            kiosk.start_cancelling(now)
            return
        if isinstance(action, Scan):
            change = roll.scan(action.code)
        elif action in (Action.NEXT, Action.BACK):
            roll.move(1 if action == Action.NEXT else -1)
            change = None
        elif action == Action.TOGGLE:
            change = roll.toggle()
        else:
            return
        if change is not None:
            saved = kiosk.records.mark(change) if kiosk.records is not None else False
            roll.confirm(change, saved)

    def view(self, now: float, context: Context) -> View:
        assert self.kiosk.roll is not None
        session, own = self.kiosk.session, self.kiosk.swimmers_choice()
        assert session is not None
        program = own.program if own else session.program
        week = own.week_line() if own else context.week  # a solo swimmer's own week
        length = text("home.length", name=program.name, length=clock_text(program.duration_s))
        today = " · ".join(line for line in (week, length) if line)
        return self.kiosk.roll.view(context.status, self.kiosk.typed(), today)


class InClass(Screen):
    """Get-ready, running and paused share their buttons: START pauses and
    resumes, NEXT skips, held NEXT goes back, STOP held ends the class; Q is
    refused, and the screen says so for a moment."""

    def act(self, action: Output, now: float) -> None:
        kiosk = self.kiosk
        session = kiosk.session
        assert session is not None
        if isinstance(action, Scan):
            kiosk.scan_in_class(action.code, now)
        elif action == Action.TOGGLE:
            session.toggle(now)
        elif action == Action.NEXT:
            session.skip(now)
        elif action == Action.BACK:
            session.back(now)
        elif action == Action.STOP or (action == Action.HOLD and kiosk.hold_stops):
            session.stop(now)
        elif action == Action.HOLD:  # a STOP button is fitted: START held moves the music
            kiosk.music_step(1, now, wrap=True)
        elif action == Action.QUIT:
            kiosk.hint(text("run.quit_refused"), now)

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

    def act(self, action: Output, now: float) -> None:
        kiosk = self.kiosk
        if action == Action.NEXT and kiosk.class_roll_available():
            assert kiosk.roll is not None
            kiosk.roll.cursor = 0  # from the top of the roll, each time it opens
            kiosk.open_class_roll(now)
        else:
            super().act(action, now)


class ClassRoll(Screen):
    """The roll while a class is paused: NEXT walks it, START has the person shown
    leave (or join, if not in the class), NEXT held goes back to the paused class,
    as does leaving it alone for CLASS_ROLL_S. STOP held still ends the class.

    Someone leaving is asked why at once, as after a stopped class: NEXT
    chooses, START saves, START with nothing chosen skips."""

    name = ScreenName.CLASS_ROLL

    def act(self, action: Output, now: float) -> None:
        kiosk, roll = self.kiosk, self.kiosk.roll
        assert roll is not None and kiosk.session is not None
        asking = kiosk.roll_question
        if asking.current is not None and action in (Action.NEXT, Action.BACK, Action.TOGGLE):
            if action == Action.TOGGLE:
                kiosk.answer_why_left()
            else:
                asking.move(1 if action == Action.NEXT else -1)
            kiosk.open_class_roll(now)
        elif action == Action.NEXT:
            roll.move(1)
            kiosk.hint("", now)  # what was said of the last person is not this one's
            kiosk.open_class_roll(now)
        elif action == Action.BACK:
            kiosk.close_class_roll()
        elif code := _person_acted_on(action, roll):
            if kiosk.scan_in_class(code, now):
                kiosk.ask_why_left(now)
            kiosk.open_class_roll(now)
        elif action == Action.STOP or (action == Action.HOLD and kiosk.hold_stops):
            kiosk.close_class_roll()
            kiosk.session.stop(now)

    def view(self, now: float, context: Context) -> View:
        kiosk, roll = self.kiosk, self.kiosk.roll
        assert roll is not None and kiosk.records is not None
        person = roll.current
        where = kiosk.records.in_run(person.code) if person is not None else None
        shown = person.shown if person is not None else ""
        view = class_roll_view(shown, where, len(roll.present), context.status, context.keys_only)
        return kiosk.roll_question.asking(view)  # why they left, if they just did


def _person_acted_on(action: Output, roll: Roll) -> str | None:
    """On the roll, whose code leaves or joins: the one scanned, or START on the
    person shown."""
    if isinstance(action, Scan):
        return action.code
    if action == Action.TOGGLE and roll.current is not None:
        return roll.current.code
    return None


def class_roll_view(
    shown: str,
    in_water: bool | None,
    count: int,
    status: tuple[str, ...] = (),
    keys_only: bool = False,
) -> View:
    """The roll on the paused screen, at one person: in the water (True), gone
    (False), or not in this class (None). Back to the class is NEXT held on a
    deck, the Left key where there is only a keyboard (holding Right is not
    a key's hold)."""
    doing = {True: "roll.in_water", False: "roll.left", None: "roll.not_in_class"}[in_water]
    back = text("controls.back_keys" if keys_only else "controls.back_deck")
    return View(
        screen=ScreenName.CLASS_ROLL,
        word=text("roll.title", count=count),
        big=shown,
        lines=(text(doing), text("roll.keys", back=back)),
        corner=status,
        mark=Mark.PRESENT if in_water else Mark.ABSENT,
    )


class Finished(Screen):
    """The sums of the run, then its questions (NEXT chooses, START saves or
    skips), then what was saved until START goes home."""

    name = ScreenName.FINISHED

    def act(self, action: Output, now: float) -> None:
        kiosk, debrief = self.kiosk, self.kiosk.debrief
        if action in (Action.NEXT, Action.BACK):
            debrief.move(1 if action == Action.NEXT else -1)
        elif action == Action.TOGGLE and debrief.current is not None:
            passed_by = debrief.current is EACH and debrief.chosen is None
            answer = debrief.answer()
            if answer is not None and kiosk.records is not None:
                kiosk.records.answer(*answer)
            if passed_by and debrief.current is None and not debrief.saved:
                kiosk.home()  # no one asked: START goes home at once, as with no question
        elif action == Action.TOGGLE:
            kiosk.home()

    def view(self, now: float, context: Context) -> View:
        shown = super().view(now, _with_present(self.kiosk, context))
        debrief = self.kiosk.debrief
        if debrief.current is not None:  # the time done stays, under the answers
            return debrief.asking(shown, keep=shown.lines[:1])
        done = debrief.lines()
        return replace(shown, lines=(shown.lines[0], *done)) if done else shown


class Error(Screen):
    """What went wrong and what to do. The loop leaves it on a deck button
    (the box has no keyboard) for a fresh start; see ``app.leave_error``."""

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

    def current(self, now: float) -> Screen | None:
        """The screen showing at ``now``; ``None`` before there is a program."""
        kiosk = self.kiosk
        if kiosk.error is not None:
            return self.error
        if kiosk.session is None:
            return None
        state = kiosk.session.state(now)
        if state is State.IDLE:
            if kiosk.offer is not None:
                return self.offer
            if kiosk.cancelling is not None:
                return self.cancel
            return self.checkin if kiosk.roll is not None else self.home
        if state is State.PAUSED and kiosk.class_roll_open(now):
            return self.class_roll
        return {
            State.GET_READY: self.get_ready,
            State.RUNNING: self.running,
            State.PAUSED: self.paused,
        }.get(state, self.finished)


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
            text("resume.start"),
            text("resume.next"),
        ),
        corner=context.status,
    )
