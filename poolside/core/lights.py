"""What a light shows: a flash for every cue, and a colour for each phase.

For swimmers who cannot hear the buzzer (deaf or hard of hearing, and no
hearing aid in the pool) or cannot see the screen from the far lane. A
lamp or strobe (``flash``) is lit while the buzzer sounds, so each cue has
the buzzer's rhythm in light: one long flash as work starts, two as rest
starts, three quick ones for 3-2-1, a falling chime's three at a block's
end. A three-colour stack light (``stack``) also holds a colour through
each phase, to be read from anywhere in the pool: red for work, green for
rest, amber for getting ready, recovery and a paused class; during a cue
all three are lit together, the flash. Nothing is lit on the home screen
or after the class.

Pure: the devices switch the pins, on the buzzer's own deadlines.

    >>> lamp_for_phase("work"), lamp_for_phase("rest"), lamp_for_phase("recovery")
    (<Lamp.RED: 'red'>, <Lamp.GREEN: 'green'>, <Lamp.AMBER: 'amber'>)
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from poolside.core.engine import Event, EventType

LIGHT_KINDS = ("none", "flash", "stack")


class Lamp(StrEnum):
    """The lamps of a stack light, top to bottom."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"


def lamp_for_phase(kind: str) -> Lamp:
    """The colour held through a phase of this kind."""
    return {"work": Lamp.RED, "rest": Lamp.GREEN}.get(kind, Lamp.AMBER)


def held_lamp(events: Iterable[Event], now_held: Lamp | None) -> Lamp | None:
    """The colour to hold once ``events`` have happened (``now_held`` if they change
    nothing): the phase's, amber while getting ready or paused, none at the end."""
    held = now_held
    for event in events:
        if event.type in (EventType.FINISH, EventType.STOP):
            held = None
        elif event.type in (EventType.START, EventType.PAUSE):
            held = Lamp.AMBER
        elif event.type in (
            EventType.PHASE,
            EventType.RESUME,
        ):  # resumed in the get-ready: no phase yet
            held = lamp_for_phase(event.phase.kind) if event.phase is not None else Lamp.AMBER
    return held
