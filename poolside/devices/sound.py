"""Cue sounds on the buzzer and the speaker, played without blocking.

:class:`CuePlayer` starts a pattern the moment its event is polled, on the
engine's deadline, and steps the buzzer through it without blocking: in the
kiosk a thread of its own switches the buzzer and the light at each step's
deadline (``on_time=True``), so a frame being drawn cannot stretch a tone;
elsewhere the caller's loop wakes at :meth:`CuePlayer.next_deadline` and
calls :meth:`CuePlayer.update` (a manual clock in tests, doctor). A new cue
simply replaces the rest of the old one. The speaker gets the whole pattern
as one generated sound (no audio files), started at the same moment.

Either output may be missing: no buzzer configured, or no sound card. Then
cues are visual only, and the screen says so.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from array import array
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from poolside.config import Buzzer as BuzzerConfig
from poolside.config import Sound as SoundConfig
from poolside.core.cues import PATTERNS, Pattern, pattern
from poolside.core.lights import Lamp

if TYPE_CHECKING:  # pygame is imported where a speaker is opened, not by every command
    import pygame

    from poolside.devices.music import MusicPlayer

# TonalBuzzer: A5 (880 Hz) in the middle, two octaves either way (220-3520 Hz).
_MID_HZ = 880
_OCTAVES = 2
_FADE_S = 0.005  # ramps on each tone so the speaker does not click
AMPLITUDE = 16000  # of 32767: room for speech, levelled to the same RMS, to peak above it


class ToneOutput(Protocol):
    def tone(self, hz: int) -> None: ...
    def close(self) -> None: ...


class LightOutput(ToneOutput, Protocol):
    """A light (:mod:`poolside.devices.light`): lit with the tones, and a colour held."""

    def hold(self, lamp: Lamp | None) -> None: ...


class ActiveBuzzer:
    """An active buzzer (its own oscillator): on for any tone, off for silence."""

    def __init__(self, config: BuzzerConfig, pin_factory: object | None = None) -> None:
        from gpiozero import Buzzer

        self.device = Buzzer(config.pin, pin_factory=pin_factory)

    def tone(self, hz: int) -> None:
        if hz:
            self.device.on()
        else:
            self.device.off()

    def close(self) -> None:
        self.device.close()


class PassiveBuzzer:
    """A passive piezo driven by PWM at each tone's pitch."""

    def __init__(self, config: BuzzerConfig, pin_factory: object | None = None) -> None:
        from gpiozero import TonalBuzzer
        from gpiozero.tones import Tone

        self._tone_class = Tone
        self.device = TonalBuzzer(
            config.pin,
            mid_tone=Tone.from_frequency(_MID_HZ),
            octaves=_OCTAVES,
            pin_factory=pin_factory,
        )

    def tone(self, hz: int) -> None:
        if hz:
            low, high = _MID_HZ / 2**_OCTAVES, _MID_HZ * 2**_OCTAVES
            self.device.play(self._tone_class.from_frequency(min(max(hz, low), high)))
        else:
            self.device.stop()

    def close(self) -> None:
        self.device.close()


def open_buzzer(config: BuzzerConfig, pin_factory: object | None = None) -> ToneOutput | None:
    """The configured buzzer, or ``None`` when there is none (or no GPIO)."""
    if config.kind == "active":
        return ActiveBuzzer(config, pin_factory)
    if config.kind == "passive":
        return PassiveBuzzer(config, pin_factory)
    return None


class Speaker:
    """Tones generated in code and played through pygame.mixer."""

    def __init__(self, config: SoundConfig) -> None:
        import pygame

        if not pygame.mixer.get_init():
            pygame.mixer.init(frequency=44100, size=-16, channels=1, buffer=512)
        self._pygame = pygame
        rate, _, channels = pygame.mixer.get_init()
        self.volume = min(config.volume, config.max_volume)
        self._sounds = {
            name: self._sound(pattern(name, config.profile), rate, channels) for name in PATTERNS
        }
        self._channel: pygame.mixer.Channel | None = None
        pygame.mixer.set_reserved(1)  # channel 0 is the voice's alone
        self._voice_channel = pygame.mixer.Channel(0)
        self._spoken: dict[Path, pygame.mixer.Sound] = {}
        self.said: Path | None = None  # the last spoken cue

    def _sound(self, tones: Pattern, rate: int, channels: int) -> pygame.mixer.Sound:
        samples = synthesise(tones, rate)
        if channels > 1:
            samples = array("h", (s for s in samples for _ in range(channels)))
        sound = self._pygame.mixer.Sound(buffer=samples.tobytes())
        sound.set_volume(self.volume)
        return sound

    def play(self, name: str, then_say: Path | None = None) -> None:
        """Cue ``name`` now, cutting the last one short; then, on the same
        channel, the spoken word, queued to start as the tone ends: said at
        the same moment, a 1 kHz tone 0.8 s long masked "Jump" completely."""
        if self._channel is not None:
            self._channel.stop()
            self._voice_channel.stop()
        self._channel = self._sounds[name].play()
        if then_say is not None and self._channel is not None:
            self._channel.queue(self._spoken[then_say])
            self.said = then_say

    def preload(self, wavs: Iterable[Path]) -> None:
        """Load spoken cues before the class, so saying one reads no file."""
        for wav in wavs:
            if wav not in self._spoken:
                sound = self._spoken[wav] = self._pygame.mixer.Sound(str(wav))
                sound.set_volume(self.volume)

    def length(self, wav: Path | None) -> float:
        """How long a preloaded spoken cue lasts, s (0 for none)."""
        return float(self._spoken[wav].get_length()) if wav in self._spoken else 0.0

    def say(self, wav: Path) -> None:
        """Play a preloaded spoken cue on its own channel, cutting off the last one."""
        self._voice_channel.stop()
        self._voice_channel.play(self._spoken[wav])
        self.said = wav

    def close(self) -> None:
        self._pygame.mixer.quit()


def synthesise(tones: Pattern, rate: int) -> array[int]:
    """16-bit samples of a pattern: sine tones with short fades, and silences.

    A sine of ``hz`` repeats exactly every ``rate / gcd(rate, hz)`` samples
    (441 for 1 kHz at 44.1 kHz), so one cycle is computed and repeated, and
    only the fades are worked sample by sample: a start-up's nine cues take
    milliseconds, not the 0.4 s a sample-by-sample loop took.
    """
    samples = array("h")
    fade = max(1, int(_FADE_S * rate))
    for tone in tones:
        count = int(tone.seconds * rate)
        if not tone.hz:
            samples.extend(array("h", bytes(2 * count)))
            continue
        step = 2 * math.pi * tone.hz / rate
        cycle = min(count, rate // math.gcd(rate, tone.hz))
        body = array("h", [int(AMPLITUDE * math.sin(step * i)) for i in range(cycle)])
        body *= -(-count // cycle)
        del body[count:]
        for i in [*range(min(fade, count)), *range(max(0, count - fade), count)]:
            envelope = min(1.0, i / fade, (count - i) / fade)
            body[i] = int(AMPLITUDE * envelope * math.sin(step * (i % cycle)))
        samples.extend(body)
    return samples


class CuePlayer:
    """Plays one cue at a time on whatever outputs there are: the buzzer and the
    light switched together, step by step, and the speaker.

    With ``on_time``, a thread of its own switches the buzzer and the light at
    each step's deadline, waiting in real time (``clock`` must be the real
    monotonic clock then). The kiosk's loop draws frames that take tens of
    milliseconds on a Pi (seconds under emulation); a tone switched off from
    that loop lasts until the frame is done. The thread touches nothing but
    the two outputs, under one lock, and sleeps without a timeout between
    cues, so an idle kiosk wakes no more often. pygame (the speaker, the
    music) stays on the caller's thread.
    """

    def __init__(
        self,
        buzzer: ToneOutput | None,
        speaker: Speaker | None,
        profile: str = "standard",
        clock: Callable[[], float] = time.monotonic,
        light: LightOutput | None = None,
        music: MusicPlayer | None = None,
        on_time: bool = False,
    ) -> None:
        self.buzzer = buzzer
        self.speaker = speaker
        self.light = light
        self.music = music
        self.profile = profile
        self._clock = clock
        self._steps: list[tuple[float, int]] = []  # (when, hz), still to come
        self._switched = [out for out in (buzzer, light) if out is not None]
        self._changed = threading.Condition()  # guards _steps and the outputs
        self._closed = False
        self._thread: threading.Thread | None = None
        if on_time and self._switched:
            self._thread = threading.Thread(
                target=self._switch_on_time, name="poolside-cues", daemon=True
            )
            self._thread.start()

    def play(self, name: str, then_say: Path | None = None) -> None:
        """Start cue ``name`` now, cutting short whatever was playing; the
        speaker says ``then_say`` (a preloaded WAV) as its tone ends."""
        now = self._clock()
        if self.speaker is not None:
            self.speaker.play(name, then_say)
        steps = []
        at = now
        for tone in pattern(name, self.profile):
            steps.append((at, tone.hz))
            at += tone.seconds
        steps.append((at, 0))
        if self.music is not None:  # under the tone and the word after it
            spoken = self.speaker.length(then_say) if self.speaker is not None else 0.0
            self.music.duck(at - now + spoken)
        with self._changed:
            self._steps = steps
            self._switch_due()  # the first tone from here, at once
            self._changed.notify()
        if self.music is not None:
            self.music.update()

    def say(self, wav: Path) -> None:
        """A spoken cue alone (no tone), the music dipped under it."""
        if self.speaker is None:
            return
        if self.music is not None:
            self.music.duck(self.speaker.length(wav))
        self.speaker.say(wav)

    def update(self) -> None:
        """Switch the buzzer for every step now due (unless its own thread does),
        and move the music's dip."""
        if self._thread is None:
            with self._changed:
                self._switch_due()
        if self.music is not None:
            self.music.update()

    def _switch_due(self) -> None:
        now = self._clock()
        while self._steps and self._steps[0][0] <= now + 1e-4:
            _, hz = self._steps.pop(0)
            for output in self._switched:  # the buzzer, then the light: the same moment
                output.tone(hz)

    def _switch_on_time(self) -> None:
        """The cue thread: each step at its deadline; between cues, asleep until a play.

        A write that fails (a GPIO error) is said on stderr, for the journal, and
        the thread goes on with the next step: ended by it, every later cue
        would be silent with nothing said."""
        with self._changed:
            while not self._closed:
                try:
                    self._switch_due()
                except Exception as err:  # the buzzer's or light's own error, whatever it is
                    print(f"poolside: a cue step failed: {err!r}", file=sys.stderr)
                wait = self._steps[0][0] - self._clock() if self._steps else None
                if wait is None or wait > 0:
                    self._changed.wait(wait)

    def hold(self, lamp: Lamp | None) -> None:
        """The colour the light holds between cues (a stack light's phase colour)."""
        if self.light is not None:
            with self._changed:
                self.light.hold(lamp)

    def next_deadline(self) -> float | None:
        """When the caller's loop must next call :meth:`update` (monotonic s), if ever:
        the buzzer's next step (unless its own thread switches it), the music's dip."""
        step = self._steps[0][0] if self._steps and self._thread is None else None
        dip = self.music.next_deadline() if self.music is not None else None
        return min((t for t in (step, dip) if t is not None), default=None)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for output in (self.buzzer, self.light, self.music, self.speaker):
            if output is not None:
                output.close()
