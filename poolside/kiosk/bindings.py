"""A screen's table of controls: what each does there, and the hint that says so.

One table per screen (:attr:`poolside.kiosk.screens.Screen.bindings`) drives
both: a press runs the binding's ``does``, and the hint drawn on the screen
is made of the bindings' ``says``, each control named as this kiosk has it.
A deck's buttons are START, NEXT and STOP (held: "hold NEXT"); a kiosk no
button answers names the keyboard's keys instead (Space, Right, Left, Esc);
a deck with no STOP button has no "hold STOP" to name. So a hint cannot name
a control the kiosk lacks, nor one that does something else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from poolside.core.actions import Action
from poolside.core.words import text

Next = TypeVar("Next")  # the kind of screen a control leads to
Says = Callable[[Any], "str | None"]  # (screen) -> what the control does there, in words


@dataclass(frozen=True)
class Binding(Generic[Next]):
    """One control on one screen: the actions that press it, what it does, and the
    words for that in the screen's hint (None: not hinted)."""

    actions: tuple[Action, ...]
    does: Callable[[Any, float], Next | None]  # a screen's method: (screen, now) -> next
    says: Says = lambda screen: None


def saying(key: str) -> Says:
    """A control's words that do not change: the locale's ``key``."""
    return lambda screen: text(key)


_DECK_NAMES = {
    Action.TOGGLE: "control.start",
    Action.NEXT: "control.next",
    Action.HOLD: "control.start",
    Action.BACK: "control.next",
    Action.STOP: "control.stop",
}
_KEY_NAMES = {
    Action.TOGGLE: "key.start",
    Action.NEXT: "key.next",
    Action.HOLD: "key.start",
    Action.BACK: "key.back",
    Action.STOP: "key.stop",
}
_HELD = {Action.HOLD, Action.BACK, Action.STOP}  # on a deck: a button held (BACK: NEXT held)


def control_name(action: Action, keys_only: bool, stop_fitted: bool) -> str | None:
    """What the instructor presses for ``action`` on this kiosk, in the locale's words
    ("hold STOP", "Left"); None where it has no such control (a deck with no STOP
    button, or an action no button gives)."""
    if keys_only:  # Left is its own key; Space and Esc are held
        name = _KEY_NAMES.get(action)
        held = action in (Action.HOLD, Action.STOP)
    else:
        name = None if action == Action.STOP and not stop_fitted else _DECK_NAMES.get(action)
        held = action in _HELD
    if name is None:
        return None
    return text("hint.held", control=text(name)) if held else text(name)


def hint(
    screen: object,
    bindings: Sequence[Binding[Any]],
    keys_only: bool,
    stop_fitted: bool,
    per_line: int,
) -> tuple[str, ...]:
    """The hint lines of ``screen``: each binding that says something there, named by
    the first of its actions this kiosk has a control for, ``per_line`` to a line."""
    items = []
    for binding in bindings:
        said = binding.says(screen)
        names = (control_name(a, keys_only, stop_fitted) for a in binding.actions)
        name = next((n for n in names if n is not None), None)
        if said and name:
            items.append(text("hint.item", control=name, does=said))
    return tuple(" · ".join(items[i : i + per_line]) for i in range(0, len(items), per_line))
