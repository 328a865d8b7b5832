"""Benchmark: how far each cue lands from its engine deadline, in real time.

    python -m tests.benchmarks.cue_timing --seconds 120

A program of short phases (5 s work, 5 s rest, with 3-2-1 countdowns) runs
for ``--seconds`` of real time through the kiosk's own pieces. For every
event with a deadline it measures the error to:

- **buzzer**: the buzzer pin changing state (gpiozero's mock pin records the
  time of each change);
- **tone ends**: the buzzer pin going silent against the end of each tone
  as its pattern sets it, with the 1920x1080 frames drawn in the same loop:
  once with the buzzer stepped by that loop (``CuePlayer.update``, the
  baseline), once by the player's own thread (``on_time``, as the kiosk
  runs it), in the same session;
- **frame**: the end of drawing the frame that shows the new phase;
- **events**: the ``--events -`` JSON line of a real ``poolside run
  --headless`` child arriving at this process (against the first line, as
  the child's own clock origin cannot be seen from here).

Each is reported as median, p99, max and drift (the median error of the
last quarter of the run minus that of the first quarter).
The baseline, in the same session, is a loop counting ``sleep(1)`` ticks,
the way most open-source timers keep time: its drift is what ours avoids.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import poolside  # noqa: F401  (quiets pygame's banner)

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
import pygame
from gpiozero.pins.mock import MockFactory

from poolside.config import Buzzer, Light, Music
from poolside.core.cues import cue_name, pattern
from poolside.core.program import parse_program
from poolside.devices.light import open_light
from poolside.devices.music import MusicPlayer
from poolside.devices.screen import Renderer
from poolside.devices.sound import CuePlayer, open_buzzer
from poolside.kiosk.build import build_kiosk
from poolside.kiosk.state import Display
from poolside.selection import Choice

GET_READY_S = 3
FULL_HD = (1920, 1080)  # the pool's screen


def program(seconds: float) -> bytes:
    rounds = max(1, round(seconds / 10))
    return (
        "name: bench\nphases:\n  - block: B\n"
        f"    repeat: {rounds}\n    phases:\n"
        "      - kind: work\n        duration: 5\n"
        "      - kind: rest\n        duration: 5\n"
    ).encode()


@dataclass
class Errors:
    """Seconds after (positive) or before each deadline."""

    values: list[float]

    def drift(self) -> float:
        """Median error of the last quarter minus that of the first quarter.

        A trend, not one noisy sample: a loop that counts ticks grows it
        steadily; one driven by absolute deadlines keeps it near zero.
        """
        quarter = max(1, len(self.values) // 4)
        return statistics.median(self.values[-quarter:]) - statistics.median(self.values[:quarter])

    def row(self) -> dict[str, float]:
        ordered = sorted(self.values)
        return {
            "n": len(ordered),
            "median_ms": statistics.median(ordered) * 1000,
            "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
            "max_ms": max(ordered, key=abs) * 1000,
            "drift_ms": self.drift() * 1000,
        }


def in_process(
    seconds: float,
    music: Path | None = None,
    on_time: bool = False,
    size: tuple[int, int] = (1280, 720),
) -> tuple[Errors, Errors, Errors, Errors]:
    """Buzzer, light, frame and tone-end errors of our loop over ``seconds`` of
    real time; with ``music`` (a WAV file), that playing under it, dipping
    under each cue; ``on_time``: the buzzer stepped by the player's thread."""
    factory = MockFactory()
    buzzer = open_buzzer(Buzzer(pin=18), factory)
    light = open_light(Light(kind="flash", pin=23), factory)
    under = None
    if music is not None:
        pygame.mixer.init()
        under = MusicPlayer(Music(), [music] * 100)
        under.start()
    player = CuePlayer(buzzer, None, light=light, music=under, on_time=on_time)
    pin, lamp = factory.pin(18), factory.pin(23)
    surface = pygame.Surface(size)
    renderer = Renderer()
    choice = Choice(parse_program(program(seconds)))
    cue_deadlines: list[float] = []
    phase_deadlines: list[float] = []
    frame_ends: list[tuple[float, str]] = []
    origin: list[float] = []
    tone_ends: list[float] = []  # when each tone played should fall silent

    def cue(events, session, now) -> None:
        name = cue_name(events)
        if name:
            played_at = time.monotonic()
            player.play(name)
            cue_deadlines.append(origin[0] + events[-1].at_s + GET_READY_S)
            while tone_ends and tone_ends[-1] > played_at:  # cut short by this cue
                tone_ends.pop()
            at, sounding = played_at, False
            for tone in pattern(name):
                if sounding and not tone.hz:
                    tone_ends.append(at)
                sounding = bool(tone.hz)
                at += tone.seconds
            if sounding:
                tone_ends.append(at)
        phase_deadlines.extend(
            origin[0] + e.at_s + GET_READY_S for e in events if e.type in ("phase", "finish")
        )

    class TimedRenderer(Renderer):
        def draw(self, surface, view) -> None:
            renderer.draw(surface, view)
            frame_ends.append((time.monotonic(), view.word))

    kiosk = build_kiosk(
        Display(lambda: [surface], TimedRenderer()), choice, GET_READY_S, observers=[cue]
    )
    pin.clear_states()
    lamp.clear_states()
    cleared_at = pin._last_change  # the mock pin's own clock origin (benchmark only)
    lamp_cleared_at = lamp._last_change
    origin.append(time.monotonic())
    kiosk.begin(origin[0])
    end = origin[0] + seconds + GET_READY_S + 1
    while time.monotonic() < end:
        wake = kiosk.tick(time.monotonic())
        if not on_time:
            player.update()
        soon = min(x for x in (wake, player.next_deadline(), end) if x is not None)
        time.sleep(max(0.0, soon - time.monotonic()))
    player.close()
    if music is not None:
        pygame.mixer.quit()
    buzzer_errors = _rise_errors(pin, cleared_at, cue_deadlines)
    light_errors = _rise_errors(lamp, lamp_cleared_at, cue_deadlines)
    frames = [t for t, _ in frame_ends]
    frame_errors = [min((f for f in frames if f >= d), default=d) - d for d in phase_deadlines]
    end_errors = _edge_errors(pin, cleared_at, tone_ends, rising=False)
    return Errors(buzzer_errors), Errors(light_errors), Errors(frame_errors), Errors(end_errors)


def _rise_errors(pin: object, origin: float, deadlines: list[float]) -> list[float]:
    """Each deadline to the first rise of the mock pin at or after it."""
    return _edge_errors(pin, origin, deadlines, rising=True)


def _edge_errors(pin: object, origin: float, deadlines: list[float], rising: bool) -> list[float]:
    """Each deadline to the first rise (or fall) of the mock pin at or after it."""
    edges, at = [], origin
    for state in pin.states[1:]:  # type: ignore[attr-defined]
        at += state.timestamp
        if bool(state.state) == rising:
            edges.append(at)
    return [min((e for e in edges if e >= d - 0.001), default=d) - d for d in deadlines]


def events_lines(seconds: float) -> Errors:
    """Arrival of a headless child's event lines against their program seconds."""
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "bench.yaml")
        with open(path, "wb") as handle:
            handle.write(program(seconds))
        command = [sys.executable, "-m", "poolside", "run", path, "--headless", "--start"]
        command += ["--get-ready", str(GET_READY_S), "--events", "-"]
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        arrivals = []
        for line in child.stdout:
            event = json.loads(line)
            if event["type"] in ("phase", "countdown", "finish", "next", "halfway"):
                arrivals.append((time.monotonic(), float(event["t"])))
        child.wait()
    first_at, first_t = arrivals[0]
    return Errors([(at - first_at) - (t - first_t) for at, t in arrivals])


def tick_counting(seconds: int) -> float:
    """Drift of a sleep(1) loop over ``seconds`` ticks, with a frame drawn each tick."""
    start = time.monotonic()
    surface = pygame.Surface((1280, 720))
    renderer = Renderer()
    from poolside.core.view import ScreenName, View

    for tick in range(seconds):
        renderer.draw(surface, View(screen=ScreenName.RUNNING, word="JUMP", big=str(tick)))
        time.sleep(1)
    return time.monotonic() - start - seconds


def music_file(folder: Path, seconds: float = 60.0) -> Path:
    """A minute of a stereo 44.1 kHz chord as WAV: music for the mixer to play."""
    path = folder / "music.wav"
    rate, count = 44100, int(44100 * seconds)
    chord = (220.0, 277.2, 329.6)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = bytearray()
        for i in range(count):
            value = int(3000 * sum(math.sin(2 * math.pi * f * i / rate) for f in chord))
            frames += struct.pack("<hh", value, value)
        out.writeframes(bytes(frames))
    return path


def measure(seconds: float) -> dict[str, dict[str, float] | float]:
    pygame.font.init()
    buzzer, light, frame, _ = in_process(seconds)
    _, _, big_frame, ends_by_loop = in_process(seconds, size=FULL_HD)
    _, _, _, ends_on_time = in_process(seconds, size=FULL_HD, on_time=True)
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")  # mixed and played, no sound card needed
    with tempfile.TemporaryDirectory() as scratch:
        with_music, _, _, _ = in_process(seconds, music_file(Path(scratch)))
    return {
        "buzzer": buzzer.row(),
        "buzzer_with_music": with_music.row(),
        "frame_1080p": big_frame.row(),
        "tone_ends_by_loop": ends_by_loop.row(),
        "tone_ends_on_time": ends_on_time.row(),
        "light": light.row(),
        "frame": frame.row(),
        "events": events_lines(seconds).row(),
        "baseline_drift_ms": tick_counting(int(seconds)) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    args = parser.parse_args()
    result = measure(args.seconds)
    for name in (
        "buzzer",
        "buzzer_with_music",
        "light",
        "frame",
        "frame_1080p",
        "tone_ends_by_loop",
        "tone_ends_on_time",
        "events",
    ):
        row = result[name]
        assert isinstance(row, dict)
        print(
            f"{name:>18}: n={row['n']:.0f} median {row['median_ms']:.2f} ms, "
            f"p99 {row['p99_ms']:.2f} ms, max {row['max_ms']:.2f} ms, "
            f"drift {row['drift_ms']:+.2f} ms"
        )
    print(
        f"baseline sleep(1) loop: {result['baseline_drift_ms']:+.1f} ms after {args.seconds:.0f} s"
    )


if __name__ == "__main__":
    main()
