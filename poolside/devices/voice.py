"""Spoken cues ("Next: jumping jacks", "Rest", "Three", "Two", "One").

The words are the locale's (:mod:`poolside.core.words`), spoken in its
espeak-ng voice. Rendered once per program by espeak-ng into a cache folder
of WAV files, named by a hash of the words and the voice settings, so a class never waits
for speech synthesis and a second start renders nothing. Without espeak-ng
the voice is simply off: tones, buzzer and screen carry every cue anyway.
"""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys
import wave
from array import array
from collections.abc import Callable, Iterable
from pathlib import Path

from poolside import tools
from poolside.core.cues import most_important
from poolside.core.engine import Event, EventType, schedule
from poolside.core.program import Program
from poolside.core.words import current, text
from poolside.devices.sound import AMPLITUDE

ESPEAK = "espeak-ng"
WORDS_PER_MINUTE = 150
# espeak-ng spoke some 13 dB under the cue tones (measured from what SDL's
# disk audio driver wrote); each file is brought up to the tones' loudness
# (the RMS of their sine), as far as its peaks allow, when it is rendered.
SPEECH_RMS = AMPLITUDE / math.sqrt(2)
SPEECH_PEAK = 32000
LEVELLED = "levelled-2"  # in the cache key: files levelled otherwise are rendered again
_PRIORITY = ("finish", "phase", "countdown", "halfway", "next")


def cache_dir() -> Path:
    """systemd's CacheDirectory= when set, else the XDG cache folder."""
    if os.environ.get("CACHE_DIRECTORY"):
        return Path(os.environ["CACHE_DIRECTORY"].split(":")[0]) / "voice"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "poolside" / "voice"


def phrase(events: Iterable[Event]) -> str | None:
    """What to say for events due together: the most important one only."""
    event = most_important(events, _PRIORITY)
    if event is None:
        return None
    if event.type == EventType.FINISH:
        return text("say.well_done")
    if event.type == EventType.COUNTDOWN:
        return text(f"say.{event.count}") if event.count in (1, 2, 3) else None
    if event.type == EventType.HALFWAY:
        return text("say.halfway")
    if event.phase is None:
        return None
    word = event.phase.label.replace("-", " ").capitalize()
    return text("say.next", move=event.phase.move or word) if event.type == EventType.NEXT else word


def level(wav: Path) -> float:
    """Scale a 16-bit mono WAV to SPEECH_RMS, without its peaks passing
    SPEECH_PEAK; returns the gain applied."""
    with wave.open(str(wav), "rb") as source:
        params = source.getparams()
        samples = array("h", source.readframes(params.nframes))
    if params.sampwidth != 2 or not samples:
        return 1.0
    if sys.byteorder == "big":
        samples.byteswap()
    rms = math.sqrt(sum(x * x for x in samples) / len(samples)) or 1.0
    peak = max(abs(x) for x in samples) or 1
    gain = min(SPEECH_RMS / rms, SPEECH_PEAK / peak)
    levelled = array("h", (round(x * gain) for x in samples))
    if sys.byteorder == "big":
        levelled.byteswap()
    with wave.open(str(wav), "wb") as target:
        target.setparams(params)
        target.writeframes(levelled.tobytes())
    return gain


class Voice:
    """espeak-ng speech for a program's cues, rendered ahead into WAV files."""

    def __init__(
        self, folder: Path | None = None, espeak: str = ESPEAK, language: str | None = None
    ) -> None:
        self.folder = folder or cache_dir()
        # a name is looked up in the system's folders only; a full path is taken as given
        self.espeak = espeak if os.path.isabs(espeak) else tools.find(espeak)  # None: no voice
        if self.espeak is not None and not os.access(self.espeak, os.X_OK):
            self.espeak = None
        self.language = language  # espeak-ng's voice; None: the locale's
        self.ready: dict[str, Path] = {}  # phrase -> its WAV, once prepared

    @property
    def speaks(self) -> str:
        """The espeak-ng voice used: as given, else the locale's."""
        return self.language or current().voice

    @property
    def available(self) -> bool:
        return self.espeak is not None

    def has_voice(self) -> bool:
        """Whether espeak-ng lists the voice it would speak in (``--voices=``)."""
        if self.espeak is None:
            return False
        listed = subprocess.run(
            [self.espeak, f"--voices={self.speaks}"],
            capture_output=True,
            text=True,
            timeout=10,
            env=tools.environment(),
        )
        return len(listed.stdout.splitlines()) > 1  # a header, then one line per voice

    def file(self, words: str) -> Path:
        key = f"{WORDS_PER_MINUTE}|{LEVELLED}|{self.speaks}|{words}"
        key = hashlib.sha256(key.encode()).hexdigest()[:20]
        return self.folder / f"{key}.wav"

    def render(self, words: str) -> Path:
        """``words`` spoken into their cache file (levelled), which is returned.

        The words go to espeak-ng on its standard input, so whatever a locale or
        a program says (a leading dash, a NUL) is only ever words, never an
        option; the file is written under a temporary name and renamed."""
        assert self.espeak is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.file(words)
        partial = target.with_suffix(".part")
        partial.unlink(missing_ok=True)  # a link or FIFO left there: espeak-ng must not open it
        speak = [self.espeak, "-v", self.speaks, "-s", str(WORDS_PER_MINUTE)]
        subprocess.run(
            [*speak, "-w", str(partial), "--stdin"],
            input=words.encode("utf-8"),
            check=True,
            capture_output=True,
            timeout=30,
            env=tools.environment(),
        )
        level(partial)
        partial.replace(target)
        return target

    def prepare(self, program: Program, before_each: Callable[[], None] = lambda: None) -> int:
        """Render every phrase the program can need that is not cached yet.

        Returns how many were rendered; ``before_each`` is called before each
        render (the kiosk tells systemd it is still starting). Each file is
        written under a temporary name and renamed, so an interrupted render
        never leaves half a WAV.
        """
        if self.espeak is None:
            return 0
        wanted = {phrase([event]) for event in schedule(program)}
        rendered = 0
        for words in sorted(w for w in wanted if w):
            target = self.file(words)
            self.ready[words] = target
            if target.exists():
                continue
            before_each()
            self.render(words)
            rendered += 1
        return rendered
