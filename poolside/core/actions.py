"""The kiosk's vocabulary of input: what a button, a key or the window asks for.

A code from a reader is a :class:`~poolside.core.scanner.Scan` instead.
Pure: the devices produce these, the screens act on them.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """What the deck, the keys and a code reader ask of a screen (a :class:`Scan` too)."""

    TOGGLE = "toggle"  # START: a short press
    HOLD = "hold"  # START held
    NEXT = "next"
    BACK = "back"  # NEXT held
    STOP = "stop"  # STOP held (or Escape)
    QUIT = "quit"  # Q, in a window: refused during a class
    CLOSE = "close"  # the window closed
    FULLSCREEN = "fullscreen"  # F
    REDRAW = "redraw"  # the window was resized or exposed
    LOUDER = "louder"  # + : the music up a step
    QUIETER = "quieter"  # - : the music down a step
    MUSIC = "music"  # START and NEXT pressed together: up a step, past the cap to silent


DECK = frozenset({Action.TOGGLE, Action.HOLD, Action.NEXT, Action.BACK, Action.STOP, Action.MUSIC})
