"""Calling a class off from the deck: why, from a short list.

A class that does not happen because the pool is closed, a storm is near or
no instructor came is not a session anyone missed. The instructor says so
on the kiosk (STOP held, or Esc, on the home or check-in screen; NEXT held
on the home screen of a deck without STOP): NEXT steps through the reasons
(held: back), START records the one shown, STOP or NEXT held goes back with
nothing recorded. The export then takes the day out of what is prescribed
for the people who train on that Pi.

Pure: the kiosk saves the choice and shows the screen.

    >>> choice = Cancelling()
    >>> choice.reason is None
    True
    >>> choice.move(1); choice.move(1)
    >>> choice.reason
    <CancelReason.WEATHER: 'weather hold'>
"""

from __future__ import annotations

from enum import StrEnum

from poolside.core.view import ScreenName, View
from poolside.core.words import text


class CancelReason(StrEnum):
    """A ``cancelled`` record's ``stop_reason``, in the batch's words."""

    POOL = "pool closed"
    WEATHER = "weather hold"  # thunder and lightning, the usual 30-minute rule and longer
    INSTRUCTOR = "no instructor"
    FEW = "too few swimmers"
    OTHER = "other reason"


REASONS = tuple(CancelReason)


def reason_words(reason: CancelReason) -> str:
    """A reason in the locale's words (the record keeps the English value)."""
    return text(f"cancel.{reason.value}")


class Cancelling:
    """The cancel screen's choice: nothing chosen until the first NEXT."""

    def __init__(self) -> None:
        self.chosen: int | None = None
        self.notice = ""

    def move(self, step: int) -> None:
        self.notice = ""
        if self.chosen is None:
            self.chosen = 0 if step > 0 else len(REASONS) - 1
        else:
            self.chosen = (self.chosen + step) % len(REASONS)

    @property
    def reason(self) -> CancelReason | None:
        return None if self.chosen is None else REASONS[self.chosen]

    def view(self, status: tuple[str, ...] = (), keys: tuple[str, ...] = ()) -> View:
        """The reason chosen, large; a notice, then the screen's controls (``keys``)."""
        lines = (self.notice, *keys)
        return View(
            screen=ScreenName.CANCEL,
            word=text("cancel.title"),
            big=reason_words(self.reason).upper() if self.reason else text("cancel.why"),
            lines=tuple(line for line in lines if line),
            corner=status,
        )
