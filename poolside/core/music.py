"""Music under a class, and how it dips for every cue and spoken word.

Water-aerobics classes run to music; the cues must still be heard over it.
When a cue or a spoken word starts, the music falls by ``depth_db`` (15 dB
by default) within DUCK_IN_S, stays down while it sounds, and comes back
over RESTORE_S once it is over. The gain moves in steps of STEP_S, each a
deadline the kiosk's loop wakes for, as it does for the buzzer; between
cues it does not wake at all.

Pure: the mixer is set from :meth:`Ducking.gain` by the devices.

    >>> ducking = Ducking(15.0)
    >>> ducking.duck(10.0, 0.8)
    >>> round(ducking.gain_db(10.0), 1), round(ducking.gain_db(10.08), 1)
    (0.0, -15.0)
    >>> round(ducking.gain_db(10.8 + RESTORE_S), 1)
    0.0
"""

from __future__ import annotations

from poolside.core.words import text

DUCK_IN_S = 0.08  # down by the full depth in under 100 ms
RESTORE_S = 0.5  # and back, more slowly, once the cue is over
STEP_S = 0.02  # the gain changes this often while it moves


def level_words(level: float) -> str:
    """What the screen says of the music's level after a step up or down."""
    said = text("music.percent", percent=round(100 * level)) if level else text("music.off")
    return text("music.level", level=said)


class Ducking:
    """The music's gain (dB) at any moment, from the cues ducked under so far."""

    def __init__(self, depth_db: float) -> None:
        self.depth_db = depth_db
        self._start: float | None = None  # when the current dip began
        self._from_db = 0.0  # the gain it began from (a cue during a restore)
        self._end = 0.0  # when the last cue (or word) is over

    def duck(self, now: float, seconds: float) -> None:
        """A cue (and its word) sounding from ``now`` for ``seconds``."""
        if self._start is None or now >= self._end:  # a new dip, from where the gain is
            self._from_db = self.gain_db(now)
            self._start = now
        self._end = max(self._end, now + seconds)

    def gain_db(self, now: float) -> float:
        start = self._start
        if start is None:
            return 0.0
        if now < start + DUCK_IN_S:
            share = max(0.0, (now - start) / DUCK_IN_S)
            return self._from_db + (-self.depth_db - self._from_db) * share
        if now < self._end:
            return -self.depth_db
        if now < self._end + RESTORE_S:
            return -self.depth_db * (1 - (now - self._end) / RESTORE_S)
        return 0.0

    def gain(self, now: float) -> float:
        """The gain as a factor of the music's level."""
        return float(10 ** (self.gain_db(now) / 20))

    def next_change(self, now: float) -> float | None:
        """When the gain next moves, if it will: every STEP_S in a ramp, else the
        end of the hold."""
        start = self._start
        if start is None:
            return None
        if now < start + DUCK_IN_S:
            return min(now + STEP_S, start + DUCK_IN_S)
        if now < self._end:
            return self._end
        if now < self._end + RESTORE_S:
            return min(now + STEP_S, self._end + RESTORE_S)
        return None
