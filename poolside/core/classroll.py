"""Who is in the water while a class runs: people leaving early and arriving late.

During a class with a roster, a scanned code (or START on the roll of the
paused screen) moves that person: in the water, they leave (their record
ends, the class runs on); not in it, they join with a record from now;
gone already, they are told so. Whoever left is asked why, on the roll at
once or at the end of the class, never twice.

Pure: :meth:`RollInClass.move_of` says what a code would do, given where
the records have that person; the kiosk writes it and then calls
:meth:`RollInClass.moved` with whether the store has it, which gives the
words the screen says.

    >>> roll = Roll([Person("P1", "Ann"), Person("P2", "Bo")], present=["P1"])
    >>> in_class = RollInClass(roll)
    >>> move = in_class.move_of("p1", where=lambda code: True)
    >>> move.kind
    <Movement.LEAVES: 'leaves'>
    >>> in_class.moved(move, at="4:10", saved=True)
    'Ann left at 4:10: record closed'
    >>> roll.present, in_class.leavers
    ([], [('P1', 'Ann')])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from poolside.core.checkin import Mode, Person, Roll
from poolside.core.debrief import Answer, Debrief, left_reason_of
from poolside.core.words import text


class Movement(StrEnum):
    """What a code does during a class."""

    LEAVES = "leaves"  # in the water: their record ends now
    JOINS = "joins"  # not in this class: a record of their own from now
    ALREADY_LEFT = "already left"  # left earlier: nothing changes
    REFUSED = "refused"  # not on the roster


@dataclass(frozen=True)
class Move:
    kind: Movement
    code: str  # as scanned, for a refusal; the roster's code otherwise
    person: Person | None = None


class RollInClass:
    """The roll of a class under way, with the leavers whose reason is not said yet
    and the question asking the latest of them."""

    def __init__(self, roll: Roll) -> None:
        self.roll = roll
        self.leavers: list[tuple[str, str]] = []  # (code, name shown), in the order they left
        self.question = Debrief([])  # why the person who just left did

    def move_of(self, code: str, where: Callable[[str], bool | None]) -> Move:
        """What ``code`` does now; ``where(code)`` is the records' word: True in the
        water, False left, None not in this class."""
        person = self.roll.find(code)
        if person is None:
            return Move(Movement.REFUSED, code.strip())
        in_water = where(person.code)
        if in_water is None:
            return Move(Movement.JOINS, person.code, person)
        return Move(Movement.LEAVES if in_water else Movement.ALREADY_LEFT, person.code, person)

    def moved(self, move: Move, at: str, saved: bool) -> str:
        """The roll after ``move`` was written (``saved``: the store has it), and the
        words the screen says; a refusal or a second leave changes nothing."""
        person = move.person
        if move.kind is Movement.REFUSED or person is None:
            return text("checkin.refused", code=move.code)
        if move.kind is Movement.ALREADY_LEFT:
            return text("roll.already_left", name=person.shown)
        if move.kind is Movement.LEAVES:
            if person.code in self.roll.present:
                self.roll.present.remove(person.code)
            self.leavers.append((person.code, person.shown))
            said = text("roll.leaves", name=person.shown, at=at)
        else:
            self.roll.present.append(person.code)
            said = text("roll.joins", name=person.shown, at=at)
        return said if saved else text("checkin.not_saved", said=said)

    def ask_why_left(self) -> None:
        """Why the latest leaver left, asked now (one press skips)."""
        code, shown = self.leavers[-1]
        self.question = Debrief([left_reason_of(code, shown)])

    def answer_why_left(self) -> Answer | None:
        """START on the question: the answer to save, if one was chosen; either way
        that person is not asked again at the end of the class."""
        question = self.question.current
        if question is None:
            return None
        answer = self.question.answer()
        self.leavers = [left for left in self.leavers if left[0] != question.code]
        return answer

    def swimmers(self) -> tuple[tuple[str, str], ...]:
        """The people still in the water (code, name shown), in the roll's order of arrival."""
        found = (self.roll.find(code) for code in self.roll.present)
        return tuple((p.code, p.shown) for p in found if p is not None)

    def clear(self) -> None:
        """A new class: nobody to ask why they left (the roll is emptied by its owner)."""
        self.leavers, self.question = [], Debrief([])


def keeps_a_roll(roll: Roll, recorded: bool) -> bool:
    """People can leave and join a class as it runs where it has a roster and records."""
    return roll.mode == Mode.CLASS and bool(roll.people) and recorded
