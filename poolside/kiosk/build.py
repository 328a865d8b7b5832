"""The one way to make a kiosk, and the one place that decides what happens to
a run a power cut or crash cut off.

A run cut off within the config's ``resume_within`` is continued at once
(``--resume``), put to the instructor on the resume screen (a kiosk someone
stands at), or closed as interrupted (``--start`` or ``--headless``: nobody
is there to answer). :func:`resume_decision` says which; :func:`build_kiosk`
carries it out, for the window, ``--headless`` and the tests alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from poolside.kiosk.state import ALONE, Display, Kiosk, Observer, Surroundings

if TYPE_CHECKING:
    from poolside.core.checkin import Roll
    from poolside.core.view import View
    from poolside.records.attendance import Attendance
    from poolside.records.store import Checkpoint
    from poolside.selection import Choice


class Resume(StrEnum):
    """What becomes of a run cut off."""

    CONTINUE = "continue"  # it goes on at once, with its own records
    OFFER = "offer"  # the resume screen asks: START resumes, NEXT starts afresh
    DECLINE = "decline"  # its records close as interrupted; a new run starts afresh


def resume_decision(asked: bool, unattended: bool) -> Resume:
    """``asked``: ``--resume`` was given; ``unattended``: nobody will answer a screen
    (``--start``, ``--headless``)."""
    if asked:
        return Resume.CONTINUE
    return Resume.DECLINE if unattended else Resume.OFFER


@dataclass(frozen=True)
class CutOff:
    """A run cut off, found in the store, and what becomes of it."""

    checkpoint: Checkpoint
    resume: Resume


def build_kiosk(
    display: Display,
    choice: Choice | None,
    get_ready_s: float,
    *,
    records: Attendance | None = None,
    roll: Roll | None = None,
    cut_off: CutOff | None = None,
    start: bool = False,
    now: float = 0.0,
    outside: Surroundings = ALONE,
    observers: Sequence[Observer] = (),
    keep_going: bool = True,
    problem: View | None = None,
) -> Kiosk:
    """A kiosk showing ``choice`` (None: ``problem``'s error screen only).

    The roll is the records' (``roll`` serves a kiosk that takes one but keeps
    no records). ``cut_off`` is carried out as its decision says; ``start``
    begins the class at ``now`` (``--start``) unless a cut-off run is offered.
    """
    kiosk = Kiosk(
        display,
        choice,
        get_ready_s,
        roll=records.roll if records is not None else roll,
        records=records,
        outside=outside,
        observers=observers,
        keep_going=keep_going,
    )
    if problem is not None:
        kiosk.error = problem
        return kiosk
    screens = kiosk.screens
    resume = cut_off.resume if cut_off is not None else None
    if cut_off is not None and resume is Resume.CONTINUE:
        if records is not None:
            records.take_over(cut_off.checkpoint)
        screens.go(kiosk.begin(now, cut_off.checkpoint), now)
        return kiosk
    if cut_off is not None and resume is Resume.OFFER:
        screens.offer.offer = cut_off.checkpoint
        screens.go(screens.offer, now)
        return kiosk
    if cut_off is not None and records is not None:  # declined: closed as interrupted
        records.decline()
    if start:
        screens.go(kiosk.begin(now), now)
    return kiosk
