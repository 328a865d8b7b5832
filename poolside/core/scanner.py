"""Codes from keyboard-wedge readers, told apart from keys pressed by hand.

Cheap USB barcode and RFID-wristband readers pretend to be a keyboard: they
type the code and Enter, a few milliseconds a character. Some letters are
also kiosk keys (N next, S stop, Q quit ...), so while codes are accepted a
letter that starts a code is held back for ``gap_s``: if another character
follows that quickly it was a reader typing, otherwise it was a person
pressing a key, and the key's action comes out (``gap_s`` later, which no
one notices). Characters after the first are always part of the code, so a
code typed slowly by hand works too.

Pure and clock-driven like :mod:`poolside.core.presses`: the loop calls
:meth:`ScanBuffer.poll` at :meth:`ScanBuffer.next_deadline`.

    >>> scans = ScanBuffer()
    >>> for i, c in enumerate("P001"):
    ...     _ = scans.char(c, None, 0.01 * i)
    >>> scans.enter(0.05)
    [Scan(code='P001')]
"""

from __future__ import annotations

from dataclasses import dataclass, field

READER_GAP_S = 0.08  # readers type faster than this; people pressing a key do not
FORGET_AFTER_S = 10.0  # an unfinished code is dropped after this long
MAX_CODE = 32


@dataclass(frozen=True)
class Scan:
    """A code a reader (or a person) typed and ended with Enter."""

    code: str


# What comes out: a key's action (a string, as from any key) or a scan.
Output = str | Scan


@dataclass
class ScanBuffer:
    gap_s: float = READER_GAP_S
    forget_s: float = FORGET_AFTER_S
    _chars: list[str] = field(default_factory=list)
    _held_action: str | None = None  # the key action of a lone first character
    _last: float = 0.0

    @property
    def typed(self) -> str:
        """The code so far, for the screen (not while it may still be a key)."""
        return "" if self._held_action else "".join(self._chars)

    def char(self, char: str, action: str | None, when: float) -> list[Output]:
        """A character typed at ``when``; ``action`` is what its key does alone."""
        out = self.poll(when)
        # A first character may be a key; a second one makes both a code.
        self._held_action = None if self._chars else action
        if len(self._chars) < MAX_CODE:
            self._chars.append(char)
        self._last = when
        return out

    def enter(self, when: float) -> list[Output]:
        """Enter: the code typed so far, if there is one."""
        out = self.poll(when)
        if self._chars:
            out.append(Scan("".join(self._chars)))
        self.clear()
        return out

    def poll(self, now: float) -> list[Output]:
        """A held key's action once ``gap_s`` passed with nothing after it."""
        if not self._chars:
            return []
        if self._held_action is not None and now - self._last >= self.gap_s:
            action = self._held_action
            self.clear()
            return [action]
        if self._held_action is None and now - self._last >= self.forget_s:
            self.clear()
        return []

    def next_deadline(self) -> float | None:
        if not self._chars:
            return None
        return self._last + (self.gap_s if self._held_action else self.forget_s)

    def clear(self) -> None:
        self._chars.clear()
        self._held_action = None
