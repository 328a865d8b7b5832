"""Seconds as the clock text people read on the deck."""

from __future__ import annotations

import math


def clock_text(seconds: float) -> str:
    """``75`` -> ``"1:15"``; ``3725`` -> ``"1:02:05"``. Rounds up part seconds.

    Rounding up means a countdown shows 1 until the very end of the last
    second and never shows 0 while time is still left.
    """
    whole = max(0, math.ceil(seconds - 1e-9))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
