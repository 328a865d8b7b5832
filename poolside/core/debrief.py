"""Questions on the finished screen, answered with the two buttons.

After a stopped run: why it stopped (if the instructor wants to say). After
a solo swim: how hard it felt, on the Borg 6-20 scale the study uses (work
should feel 15-17). NEXT steps through the answers (held: back), START saves
the answer shown and goes on; START with nothing chosen skips the question.
After the last one the screen says what was saved until START goes home.
A class is not given one effort for all (that would be the instructor's
guess): the instructor may instead ask each swimmer still in the water and
enter their own answer, one person after another, from the roll.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from poolside.core.checkin import Mode
from poolside.core.view import View
from poolside.core.words import text

BORG_WORDED = (6, 7, 9, 11, 13, 15, 17, 19, 20)  # the scale's anchors, named in words
BORG_FIRST = 13  # the first NEXT press lands mid-scale, two presses from the target


class StopReason(StrEnum):
    """A record's ``stop_reason``: how a run ended early, in the batch's words."""

    STOPPED = "stopped"  # STOP held; replaced by the instructor's answer, if given
    INTERRUPTED = "interrupted"  # a power cut or crash, not resumed
    LEFT = "left early"  # scanned out (or checked out on the roll) while the class ran on
    TIRED = "tired"
    PAIN = "pain or injury"
    UNWELL = "feeling unwell"
    POOL = "pool or weather"
    TIME = "out of time"


STOP_REASONS = tuple(  # the answers the finished screen offers
    reason.value
    for reason in StopReason
    if reason not in (StopReason.STOPPED, StopReason.INTERRUPTED, StopReason.LEFT)
)


@dataclass(frozen=True)
class Question:
    """``prompt`` and the answers' words are looked up in the locale when shown;
    ``answers`` are what a record keeps (a Borg number, a reason in English)."""

    key: str  # the record field: "effort" or "stop_reason" (EACH: not a field)
    prompt: str  # the locale's key for the question
    answers: tuple[str | int, ...]
    first: int = 0  # the answer the first NEXT press shows
    code: str | None = None  # whose answer: one participant's, or (None) the run's
    who: str = ""  # their name as the screen shows it

    def label(self, index: int) -> str:
        answer = self.answers[index]
        if self.key == "effort":
            worded = answer in BORG_WORDED
            return f"{answer} {text(f'borg.{answer}')}" if worded else str(answer)
        if self.key in ("stop_reason", "left_reason"):
            return text(f"stop.{answer}")
        return text("ask.yes")

    def asked(self) -> str:
        return text(self.prompt, name=self.who)


EFFORT = Question("effort", "ask.effort", tuple(range(6, 21)), first=BORG_FIRST - 6)
REASON = Question("stop_reason", "ask.reason", STOP_REASONS)
EACH = Question("each", "ask.each", ("yes",))
Answer = tuple[str, str | int, str | None]  # (field, value, whose: a code or the run's)


def effort_of(code: str, shown: str) -> Question:
    """One swimmer's own effort, asked by the instructor after a class."""
    return Question("effort", "ask.effort_of", EFFORT.answers, EFFORT.first, code, shown)


def left_reason_of(code: str, shown: str) -> Question:
    """Why one person left a class that ran on: the stop reasons, kept in their record."""
    return Question("left_reason", "ask.left_reason", STOP_REASONS, code=code, who=shown)


def questions_for(
    stopped: bool,
    mode: Mode,
    recorded: bool,
    swimmers: tuple[tuple[str, str], ...] = (),
    leavers: tuple[tuple[str, str], ...] = (),
) -> list[Question]:
    """What to ask after a run: nothing when no one is recorded. ``swimmers`` (code,
    name shown) are a class's people still in the water, who may each be asked;
    ``leavers`` left during it with no reason said yet, and are asked why."""
    if not recorded and not leavers:
        return []
    asked = [REASON] if stopped and recorded else []
    asked.extend(left_reason_of(code, shown) for code, shown in leavers)
    if mode == Mode.SOLO:
        asked.append(EFFORT)
    elif swimmers:
        asked.append(EACH)
    return asked


class Debrief:
    """The questions left to answer and the answer shown for the current one."""

    def __init__(
        self, questions: list[Question], swimmers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self.questions = list(questions)
        self.swimmers = swimmers  # asked one by one once EACH is answered yes
        self.chosen: int | None = None
        self.asked = bool(questions)  # then the screen confirms the answers before going home
        self.saved: list[str] = []  # the answers given, as shown

    @property
    def current(self) -> Question | None:
        return self.questions[0] if self.questions else None

    def move(self, step: int) -> None:
        question = self.current
        if question is None:
            return
        if self.chosen is None:
            self.chosen = question.first
        else:
            self.chosen = (self.chosen + step) % len(question.answers)

    def answer(self) -> Answer | None:
        """START: the answer to save (field, value, whose), and on to the next question."""
        question, chosen = self.current, self.chosen
        if question is None:
            return None
        self.questions.pop(0)
        self.chosen = None
        if chosen is None:
            return None
        if question is EACH:  # then one question per swimmer, in the roll's order
            self.questions[0:0] = [effort_of(code, shown) for code, shown in self.swimmers]
            return None
        if question.key == "effort":
            self.saved.append(
                f"{question.who} {6 + chosen}" if question.code else question.label(chosen)
            )
            return question.key, 6 + chosen, question.code
        said = question.label(chosen)
        self.saved.append(f"{question.who} {said}" if question.code else said)
        return question.key, question.answers[chosen], question.code

    def lines(self, keys: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Once all are done, what was saved; before, nothing (:meth:`asking` has it).

        The confirmation stays until START, so the press that saves the last
        answer is not followed by one that checks the next person in.
        """
        if self.current is not None or not self.asked:
            return ()
        listed = ", ".join(self.saved)
        saved = text("ask.saved", answers=listed) if self.saved else text("ask.nothing_saved")
        return (saved, *keys)

    def asking(self, view: View, keep: tuple[str, ...] = (), keys: tuple[str, ...] = ()) -> View:
        """``view`` turned into the current question: the question as its title, every
        answer on screen with the one NEXT has reached marked (none before the first
        press), then ``keep`` and the screen's controls (``keys``). ``view`` itself
        once nothing is asked."""
        question = self.current
        if question is None:
            return view
        return replace(
            view,
            word=question.asked(),
            big="",
            lines=(*keep, *keys),
            choices=tuple(question.label(i) for i in range(len(question.answers))),
            chosen=self.chosen,
            mark=None,  # the question, not the person, fills the screen
        )
