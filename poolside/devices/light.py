"""The light channel's outputs: GPIO pins switching a lamp, a strobe or a stack light.

Each pin drives a logic-level MOSFET or an opto-isolated relay board that
switches the lamp's own 12-24 V SELV supply (wiring.md); ``active_high:
false`` is for relay boards that switch on a low input. A light is a
:class:`~poolside.devices.sound.ToneOutput`: the cue player switches it in
the same step as the buzzer, on the same deadlines, so it is never later
than the buzzer. See :mod:`poolside.core.lights` for what it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from poolside.core.lights import Lamp

if TYPE_CHECKING:
    from gpiozero import DigitalOutputDevice

    from poolside.config import Light as LightConfig


def _output(pin: int, config: LightConfig, pin_factory: object | None) -> DigitalOutputDevice:
    from gpiozero import DigitalOutputDevice

    return DigitalOutputDevice(
        pin, active_high=config.active_high, initial_value=False, pin_factory=pin_factory
    )


class FlashLight:
    """One lamp or strobe: lit while the buzzer sounds."""

    def __init__(self, config: LightConfig, pin_factory: object | None = None) -> None:
        self.lamp = _output(config.pin, config, pin_factory)

    def tone(self, hz: int) -> None:
        self.lamp.value = bool(hz)

    def hold(self, lamp: Lamp | None) -> None:
        """A single lamp has no colours to hold."""

    def close(self) -> None:
        self.lamp.close()


class StackLight:
    """Red, amber and green: the phase's colour held, all three lit during a cue."""

    def __init__(self, config: LightConfig, pin_factory: object | None = None) -> None:
        self.lamps: dict[Lamp, DigitalOutputDevice] = {}
        try:
            for lamp in Lamp:
                self.lamps[lamp] = _output(getattr(config, lamp.value), config, pin_factory)
        except Exception:
            self.close()
            raise
        self.held: Lamp | None = None
        self._flashing = False

    def tone(self, hz: int) -> None:
        self._flashing = bool(hz)
        self._show()

    def hold(self, lamp: Lamp | None) -> None:
        self.held = lamp
        self._show()

    def _show(self) -> None:
        for lamp, output in self.lamps.items():
            output.value = self._flashing or lamp == self.held

    def close(self) -> None:
        for output in self.lamps.values():
            output.close()


def open_light(
    config: LightConfig, pin_factory: object | None = None
) -> FlashLight | StackLight | None:
    """The configured light, or ``None`` when there is none."""
    if config.kind == "flash":
        return FlashLight(config, pin_factory)
    if config.kind == "stack":
        return StackLight(config, pin_factory)
    return None
