"""What each event sounds like: tone patterns for the buzzer and the speaker.

One pattern per cue, from the design's cue table: 3-2-1 pips, a long tone as
work starts, a descending pair for rest, a chime at block end, a triple at
the end. When several events fall in one moment (a block ends as recovery
starts) only the most important one sounds, so cues never pile up.

The ``pool-safe`` profile keeps every tone at 900 Hz or below and no tone
shorter than 0.15 s: nothing that could pass for a lifeguard's whistle
(high, 2-4 kHz, trilled).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from poolside.core.engine import Event, EventType


@dataclass(frozen=True)
class Tone:
    hz: int  # 0 is silence
    seconds: float


Pattern = tuple[Tone, ...]


def _repeat(pattern: Pattern, times: int) -> Pattern:
    return pattern * times


PATTERNS: dict[str, Pattern] = {
    "next": (Tone(600, 0.15),),
    "countdown": (Tone(880, 0.12),),
    "work": (Tone(1000, 0.8),),
    "rest": (Tone(1000, 0.25), Tone(0, 0.05), Tone(700, 0.35)),
    "phase": (Tone(800, 0.5),),
    "halfway": (Tone(800, 0.1), Tone(0, 0.1), Tone(800, 0.1)),
    "block_end": (Tone(1200, 0.15), Tone(0, 0.05), Tone(900, 0.15), Tone(0, 0.05), Tone(600, 0.4)),
    "finish": _repeat((Tone(1000, 0.3), Tone(0, 0.15)), 3),
    "stop": (Tone(400, 0.6),),
}

# Most important first: of the events due at one moment, the first that has a
# cue is the one played.
_PRIORITY = ("finish", "stop", "block_end", "phase", "countdown", "halfway", "next")
POOL_SAFE_MAX_HZ = 900
POOL_SAFE_MIN_S = 0.15


def most_important(events: Iterable[Event], priority: Sequence[str]) -> Event | None:
    """Of events due together, the first in ``priority`` order, if any."""
    by_type: dict[str, Event] = {event.type: event for event in events}
    return next((by_type[kind] for kind in priority if kind in by_type), None)


def cue_name(events: Iterable[Event]) -> str | None:
    """The one cue to play for events due together, or ``None``."""
    event = most_important(events, _PRIORITY)
    if event is None:
        return None
    if event.type == EventType.PHASE and event.phase is not None:
        return event.phase.kind if event.phase.kind in ("work", "rest") else "phase"
    return event.type


def pattern(name: str, profile: str = "standard") -> Pattern:
    tones = PATTERNS[name]
    if profile == "pool-safe":
        tones = _pool_safe(tones)
    return tones


def _pool_safe(tones: Pattern) -> Pattern:
    """The whole pattern an octave (or more) down until its highest tone is at
    most POOL_SAFE_MAX_HZ, so that its tune keeps its shape: rest still falls,
    the block-end chime still steps down. Lowering each tone on its own
    turned rest's 1000-700 into a rising 500-700."""
    octaves = 0
    while max(tone.hz for tone in tones) >> octaves > POOL_SAFE_MAX_HZ:
        octaves += 1
    return tuple(Tone(tone.hz >> octaves, max(tone.seconds, POOL_SAFE_MIN_S)) for tone in tones)


def duration(tones: Pattern) -> float:
    return sum(tone.seconds for tone in tones)
