"""The class's music: a playlist from a folder, through pygame's music stream.

``music.folder`` (on the Pi, or a USB stick's mount) holds OGG, MP3 or WAV
files; each of its subfolders is a playlist a program can name
(``music: NAME``, or ``music: none`` for silence). The tracks play in name
order, one after another, from the start of the class; the music pauses
with the class and fades out at its end. Under every cue and spoken word it
dips (:mod:`poolside.core.music`). A track pygame cannot play is skipped.
The level moves in steps of LEVEL_STEP and never passes ``max_volume``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from poolside.core.music import Ducking

if TYPE_CHECKING:
    from poolside.config import Music as MusicConfig

FORMATS = (".ogg", ".mp3", ".wav")
LEVEL_STEP = 0.1
FADE_OUT_MS = 1500
MAX_TRACKS = 1000


def tracks(folder: Path | None, playlist: str | None) -> list[Path]:
    """The playlist's files in name order: the folder's own, or its subfolder's."""
    if folder is None or playlist == "none":
        return []
    where = folder / playlist if playlist else folder
    try:
        found = sorted(p for p in where.iterdir() if p.suffix.lower() in FORMATS and p.is_file())
    except OSError:
        return []
    return found[:MAX_TRACKS]


class MusicPlayer:
    """One playlist under one class; every method is quick and never blocks."""

    def __init__(
        self,
        config: MusicConfig,
        playlist: list[Path],
        clock: Callable[[], float] = time.monotonic,
        stream: Any = None,
    ) -> None:
        if stream is None:
            import pygame

            stream = pygame.mixer.music
        self._stream = stream
        self._clock = clock
        self.playlist = playlist
        self.max_level = config.max_volume
        self.level = min(config.volume, config.max_volume)
        self.ducking = Ducking(config.duck_db)
        self.playing = False  # the class is on and its music with it
        self.paused = False
        self._index = -1
        self.skipped: list[str] = []  # tracks pygame could not play, each once

    def start(self) -> None:
        """The class begins: the first track."""
        self.playing, self.paused, self._index = True, False, -1
        self._next()

    def pause(self) -> None:
        if self.playing and not self.paused:
            self._stream.pause()
            self.paused = True

    def resume(self) -> None:
        if self.playing and self.paused:
            self._stream.unpause()
            self.paused = False

    def stop(self) -> None:
        """The class is over: fade out."""
        if self.playing:
            self._stream.fadeout(FADE_OUT_MS)
        self.playing = self.paused = False

    def louder(self) -> float:
        self.level = min(self.max_level, round(self.level + LEVEL_STEP, 2))
        self.update()
        return self.level

    def quieter(self) -> float:
        self.level = max(0.0, round(self.level - LEVEL_STEP, 2))
        self.update()
        return self.level

    def duck(self, seconds: float) -> None:
        """A cue sounds for ``seconds`` from now: dip under it."""
        self.ducking.duck(self._clock(), seconds)
        self.update()

    def volume(self) -> float:
        """What the stream is set to now: the level, times the dip."""
        return self.level * self.ducking.gain(self._clock())

    def update(self) -> None:
        """Set the stream's volume for now, and go on to the next track if one ended."""
        self._stream.set_volume(self.volume())
        if self.playing and not self.paused and not self._stream.get_busy():
            self._next()

    def next_deadline(self) -> float | None:
        return self.ducking.next_change(self._clock())

    def _next(self) -> None:
        for _ in range(len(self.playlist)):
            self._index = (self._index + 1) % len(self.playlist)
            track = self.playlist[self._index]
            try:
                self._stream.load(str(track))
                self._stream.set_volume(self.volume())
                self._stream.play()
                return
            except Exception:  # pygame.error: a file it cannot play
                if track.name not in self.skipped:
                    self.skipped.append(track.name)
        self.playing = False  # nothing in the playlist plays

    def close(self) -> None:
        if self.playing:
            self._stream.stop()
        self.playing = False
