"""The waterproof buttons, through gpiozero.

gpiozero calls back on its own thread, so the callbacks here only hand the
edge (which button, down or up, when) to ``post``; the main loop feeds it to
a :class:`~poolside.core.presses.PressClassifier` per button. Debounce and
short/long are decided there, in one thread, on the loop's clock.

"When" is the edge's own time where the pin factory knows it: lgpio gives
the kernel's timestamp of each edge (CLOCK_MONOTONIC, the loop's clock; seen
0.2-8 ms before the callback in the booted guest), so a callback delayed by
a slow frame holding the interpreter does not stretch a tap into a hold or
squeeze two presses into chatter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from poolside.config import Buttons
from poolside.core.actions import Action
from poolside.core.presses import PressClassifier

Post = Callable[[str, bool, float], None]
BEGIN_HOLD_S = 1.0  # START held this long begins a class from the check-in


def classifiers(config: Buttons) -> dict[str, PressClassifier]:
    """What each fitted button does.

    START/PAUSE: short press toggles; held, it is "hold": on the home screen
    that begins the class, and with no STOP button fitted it also stops a
    class once held ``stop_hold_s``. NEXT: short press is next, held is
    back. STOP: must be held ``stop_hold_s``.
    """
    start_hold_s = BEGIN_HOLD_S if config.stop is not None else config.stop_hold_s
    result = {
        "start": PressClassifier(Action.TOGGLE, Action.HOLD, start_hold_s, config.bounce_s),
        "next": PressClassifier(Action.NEXT, Action.BACK, config.back_hold_s, config.bounce_s),
        "stop": PressClassifier(None, Action.STOP, config.stop_hold_s, config.bounce_s),
    }
    return {role: c for role, c in result.items() if getattr(config, role) is not None}


class GpioButtons:
    """The fitted buttons as gpiozero devices, posting their edges."""

    def __init__(
        self,
        config: Buttons,
        post: Post,
        pin_factory: object | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.devices: dict[str, Any] = {}  # gpiozero Buttons (gpiozero has no type hints)
        try:
            for role in ("start", "next", "stop"):
                pin = getattr(config, role)
                if pin is None:
                    continue
                button = make_button(pin, config, pin_factory)
                button.when_pressed = _poster(post, role, True, clock, button)
                button.when_released = _poster(post, role, False, clock, button)
                self.devices[role] = button
        except Exception:
            self.close()
            raise

    def is_pressed(self, role: str) -> bool:
        return bool(self.devices[role].is_pressed)

    def close(self) -> None:
        for button in self.devices.values():
            button.close()
        self.devices = {}


def make_button(pin: int, config: Buttons, pin_factory: object | None = None) -> Any:
    """A gpiozero Button wired as the config says; no gpiozero bounce (ours is used)."""
    from gpiozero import Button

    return Button(
        pin,
        pull_up=config.pull_up,
        active_state=config.active_high,
        bounce_time=None,
        pin_factory=pin_factory,
    )


MAX_EDGE_AGE_S = 10.0  # an older edge time is not believed (a factory's other clock)


def _poster(
    post: Post, role: str, pressed: bool, clock: Callable[[], float], button: Any
) -> Callable[[], None]:
    def callback() -> None:
        post(role, pressed, edge_time(button, pressed, clock))

    return callback


def edge_time(button: Any, pressed: bool, clock: Callable[[], float]) -> float:
    """When ``button`` changed to ``pressed``, on ``clock``: now, less how long ago
    the pin factory says the change happened (gpiozero's ``active_time`` and
    ``inactive_time`` count from the edge's own ticks). Called on gpiozero's
    thread as the edge is reported, so that edge is the button's last change."""
    now = clock()
    age = button.active_time if pressed else button.inactive_time
    if age is None or not 0.0 <= age <= MAX_EDGE_AGE_S:
        return now
    return float(now - age)
