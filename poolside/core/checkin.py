"""Who is at the pool: the roll taken on the home screen before a run starts.

Three ways to take it, one per :data:`MODES`:

- ``class``: the instructor walks the roster with NEXT (held: back) and
  toggles the person shown with START, or scans wristbands and cards; a
  long press of START begins the class.
- ``solo``: the swimmer steps to their own code with NEXT (or scans it) and
  presses START; with no roster, START alone begins an unrecorded swim.
- ``headcount``: a drop-in class with no codes: START counts one more, NEXT
  one less, a long press of START begins.

Pure: the kiosk saves each change first and calls :meth:`Roll.confirm` only
once the store has it, so the screen never shows a check-in that a power cut
could lose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from poolside.core.view import Mark, ScreenName, View
from poolside.core.words import text


class Mode(StrEnum):
    """How a run is recorded; ``class`` and ``solo`` are the batch's ``mode``."""

    CLASS = "class"  # an instructor's class from a roster: a record per person checked in
    SOLO = "solo"  # one swimmer alone
    HEADCOUNT = "headcount"  # a drop-in class: one record of how many came


MODES = tuple(mode.value for mode in Mode)


@dataclass(frozen=True)
class Person:
    code: str
    shown: str  # what the deck screen shows: the name if the roster has one, else the code
    start: date | None = None  # their program's first day (the roster's), if it says


@dataclass(frozen=True)
class Change:
    """A check-in or check-out to save before the screen confirms it."""

    code: str
    present: bool


class Roll:
    def __init__(
        self, people: Sequence[Person], mode: Mode = Mode.CLASS, present: Sequence[str] = ()
    ) -> None:
        if mode not in MODES:  # from an untyped caller
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        self.people = tuple(people)
        self.mode = Mode(mode)
        self.cursor = 0
        self.present: list[str] = []
        for person in filter(None, map(self.find, present)):
            if person.code not in self.present:
                self.present.append(person.code)
        if mode == Mode.SOLO and self.present:  # the swimmer was named: show them
            self.cursor = [p.code for p in self.people].index(self.present[0])
        self.headcount = 0
        self.notice = ""  # the last confirmation or refusal, until the next action
        self.refused = ""  # the code the last scan refused, until the next action

    def empty(self) -> None:
        """Nobody here: the roll of the next class starts from none."""
        self.present.clear()
        self.headcount = 0

    # -- what the buttons ask for ---------------------------------------------
    def move(self, step: int) -> None:
        """NEXT (``+1``) or back (``-1``): through the roster, or the headcount."""
        self.notice = self.refused = ""
        if self.mode == Mode.HEADCOUNT:
            self.headcount = max(0, self.headcount + step)
        elif self.people:
            self.cursor = (self.cursor + step) % len(self.people)

    def toggle(self) -> Change | None:
        """START in a class: check the person shown in, or out again."""
        self.notice = self.refused = ""
        if self.mode == Mode.HEADCOUNT:
            self.headcount += 1
            return None
        person = self.current
        if person is None or self.mode != Mode.CLASS:
            return None
        return Change(person.code, person.code not in self.present)

    def scan(self, code: str) -> Change | None:
        """A code typed by a reader: the change to save, or ``None`` with a notice."""
        person = self.find(code)
        self.refused = ""
        if self.mode == Mode.HEADCOUNT:
            self.notice = text("dropin.no_codes")
            return None
        if person is None:
            self.refused = code.strip()
            self.notice = text("checkin.refused", code=self.refused)
            return None
        self.cursor = self.people.index(person)
        if self.mode == Mode.SOLO:
            self.notice = text("solo.press_start", name=person.shown)
            return None
        if person.code in self.present:
            self.notice = text("checkin.already", name=person.shown)
            return None
        return Change(person.code, True)

    def confirm(self, change: Change, saved: bool = True) -> None:
        """Apply a change once the store has it (``saved``) or holds it for later."""
        person = self.find(change.code)
        if person is None:
            return
        if change.present and person.code not in self.present:
            self.present.append(person.code)
        elif not change.present and person.code in self.present:
            self.present.remove(person.code)
        said = text("checkin.in" if change.present else "checkin.out", name=person.shown)
        self.notice = said if saved else text("checkin.not_saved", said=said)

    # -- what it knows ----------------------------------------------------------
    @property
    def current(self) -> Person | None:
        return self.people[self.cursor] if self.people else None

    def find(self, code: str) -> Person | None:
        wanted = code.strip().upper()
        return next((p for p in self.people if p.code.upper() == wanted), None)

    def participants(self) -> list[str]:
        """The codes to record when the run starts."""
        if self.mode == Mode.SOLO:
            return [self.current.code] if self.current else []
        return list(self.present) if self.mode == Mode.CLASS else []

    def view(
        self,
        status: tuple[str, ...] = (),
        typed: str = "",
        today: str = "",
        keys: tuple[str, ...] = (),
    ) -> View:
        """The home screen while the roll is taken; ``typed`` is a code being typed,
        ``today`` what is about to run (week, program, length), shown where a line is
        free: a notice and the ``keys`` (the screen's controls) come first."""
        typing = text("checkin.typed", typed=typed) if typed else ""
        person = self.current
        mark: Mark | None = None
        if self.mode == Mode.HEADCOUNT:
            word, big = text("dropin.title"), str(self.headcount)
            lines = [text("dropin.count")]
        elif self.mode == Mode.SOLO:
            word, big = text("solo.title"), person.shown if person else text("solo.ready")
            lines = []
        else:
            word = text("checkin.title", count=len(self.present))
            big = person.shown if person else text("checkin.scan")
            is_in = person is not None and person.code in self.present
            here = "checkin.present" if is_in else "checkin.absent"
            lines = [text(here, code=person.code) if person else ""]
            mark = (Mark.PRESENT if is_in else Mark.ABSENT) if person else None
        if self.refused:  # the refusal fills the screen, not the last name shown
            big, mark, lines = self.refused, Mark.REFUSED, []
        said = tuple(line for line in (self.notice, typing, *lines) if line)
        room = 4 - len(keys)  # the keys always show, on the last lines
        if today and len(said) < room:
            said = (*said, today)
        shown = (*said[:room], *keys)
        return View(
            screen=ScreenName.CHECKIN, word=word, big=big, lines=shown, corner=status, mark=mark
        )
