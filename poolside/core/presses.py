"""Buttons as actions: debounce, and a short press told from a held one.

Wet waterproof buttons chatter, and gpiozero fires both ``when_pressed`` and
``when_held``, so the raw edges of every input (a GPIO pin, or a key) are fed
here with their times, and actions come out:

- the first edge of a press counts at once (no added lag); edges within
  ``bounce_s`` of the last accepted one are chatter and ignored;
- a press released before ``hold_s`` is a short press: its action fires on
  release;
- a press still down at ``hold_s`` fires its long action then, and nothing
  more on release. A button with no short action (STOP) must be held.

Pure and clock-driven: the loop calls :meth:`PressClassifier.poll` at
:meth:`next_deadline`, which is when a hold completes.

    >>> stop = PressClassifier(short=None, long="stop", hold_s=2.0)
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BOUNCE_S = 0.02


@dataclass
class PressClassifier:
    short: str | None
    long: str | None
    hold_s: float = 1.0
    bounce_s: float = DEFAULT_BOUNCE_S
    _pressed_at: float | None = None
    _held: bool = False
    _last_edge: float | None = None
    _look_at: float | None = None  # when a release lost in chatter can be read from the level

    @property
    def is_pressed(self) -> bool:
        return self._pressed_at is not None

    @property
    def spent(self) -> bool:
        """The press in progress has done its long action (or was cancelled)."""
        return self._pressed_at is not None and self._held

    def cancel(self) -> None:
        """The press in progress means something else (a chord): neither its
        short action on release nor its long one."""
        if self._pressed_at is not None:
            self._held = True

    def edge(self, pressed: bool, when: float) -> str | None:
        """A raw edge: the input went down (``pressed``) or up at ``when``."""
        if pressed == self.is_pressed:
            return None
        if self._last_edge is not None and when - self._last_edge < self.bounce_s:
            return None  # chatter
        self._last_edge = when
        if pressed:
            self._pressed_at, self._held = when, False
            self._look_at = when + self.bounce_s if self.bounce_s > 0 else None
            return None
        assert self._pressed_at is not None  # a release ends a press in progress
        action = None if self._held else self.short
        if not self._held and self.long is not None and when - self._pressed_at >= self.hold_s:
            # Held long enough, but the loop was busy past the hold's deadline and
            # sees the release first: it was still a hold.
            action = self.long
        self._pressed_at, self._held = None, False
        return action

    def poll(self, now: float, still_pressed: bool | None = None) -> str | None:
        """The long action once a press has lasted ``hold_s``.

        ``still_pressed`` is the input's level now, where it can be read: it
        ends a press whose release edge was lost in chatter or is late.
        """
        if self._look_at is not None and now >= self._look_at:
            self._look_at = None
        if self._pressed_at is None:
            return None
        if still_pressed is False and (
            self._last_edge is None or now >= self._last_edge + self.bounce_s
        ):
            return self._released_unseen(now)
        if self.long is not None and not self._held and now - self._pressed_at >= self.hold_s:
            self._held = True
            return self.long
        return None

    def _released_unseen(self, now: float) -> str | None:
        """The level says released, but no release edge came (lost in chatter, or
        still on its way from a thread the busy loop starved): when it let go is
        not known, only that it was by ``now``. A press whose hold completed
        unseen is therefore taken as short: a hold mistaken for a tap is pressed
        again, a tap mistaken for a hold would stop a class or begin one."""
        self._last_edge = now
        action = None if self._held else self.short
        self._pressed_at, self._held = None, False
        return action

    def next_deadline(self) -> float | None:
        """When the loop must poll: a tap shorter than ``bounce_s`` (a few ms,
        as a USB button box sends) had its release dropped as chatter and is
        read from the level then; else when a hold in progress completes."""
        if self._pressed_at is None:
            return None
        hold = None if self._held or self.long is None else self._pressed_at + self.hold_s
        return earliest([self._look_at, hold])


@dataclass
class Chord:
    """Two buttons pressed together: one action, instead of either button's own.

    The second press must come before the first one's hold completes; call
    :meth:`after_edge` after each edge of either button.

        >>> start = PressClassifier("toggle", "hold")
        >>> next_ = PressClassifier("next", "back")
        >>> chord = Chord(start, next_, "music")
        >>> start.edge(True, 0.0), chord.after_edge()
        (None, None)
        >>> next_.edge(True, 0.1), chord.after_edge()
        (None, 'music')
        >>> start.edge(False, 0.3), next_.edge(False, 0.3), start.poll(5.0)
        (None, None, None)
    """

    first: PressClassifier
    second: PressClassifier
    action: str
    _fired: bool = False

    def after_edge(self) -> str | None:
        both = self.first.is_pressed and self.second.is_pressed
        if both and not self._fired and not (self.first.spent or self.second.spent):
            self.first.cancel()
            self.second.cancel()
            self._fired = True
            return self.action
        if not (self.first.is_pressed or self.second.is_pressed):
            self._fired = False
        return None


def earliest(deadlines: list[float | None]) -> float | None:
    """The first of several optional deadlines."""
    known = [d for d in deadlines if d is not None]
    return min(known) if known else None
