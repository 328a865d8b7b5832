"""What the kiosk listens to and sounds through: keys, buttons, buzzer, speaker, voice.

Every part is optional. :meth:`Hardware.open` takes what is there and leaves
a notice for the screen about what is not: no GPIO means keyboard only, no
sound card means buzzer and screen, no espeak-ng means tones without words.
:class:`Controls` turns keys and button edges into the kiosk's actions.
"""

from __future__ import annotations

import subprocess
import time
import warnings
from collections.abc import Callable

import pygame
from gpiozero.exc import BadPinFactory

from poolside.config import Config
from poolside.core.actions import Action
from poolside.core.cues import cue_name
from poolside.core.engine import Event, EventType
from poolside.core.lights import Lamp, held_lamp
from poolside.core.presses import Chord, PressClassifier, earliest
from poolside.core.program import Program
from poolside.core.scanner import Output, ScanBuffer
from poolside.core.words import text
from poolside.devices.buttons import BEGIN_HOLD_S, GpioButtons, classifiers
from poolside.devices.light import open_light
from poolside.devices.music import MusicPlayer, tracks
from poolside.devices.pins import lgpio_folder
from poolside.devices.sound import CuePlayer, Speaker, open_buzzer
from poolside.devices.voice import Voice, phrase
from poolside.devices.wakeup import Waker

NO_GPIO = "GPIO: pin factory none: nothing held"  # the journal's line, as doctor reads it
HOLD_TO_STOP_S = 1.0  # Escape held this long stops a session (real seconds)
KEYS = {
    pygame.K_RIGHT: Action.NEXT,
    pygame.K_n: Action.NEXT,
    pygame.K_LEFT: Action.BACK,
    pygame.K_b: Action.BACK,
    pygame.K_s: Action.STOP,
    pygame.K_f: Action.FULLSCREEN,
    pygame.K_q: Action.QUIT,
    pygame.K_EQUALS: Action.LOUDER,  # the + key without shift
    pygame.K_PLUS: Action.LOUDER,
    pygame.K_KP_PLUS: Action.LOUDER,
    pygame.K_MINUS: Action.QUIETER,
    pygame.K_KP_MINUS: Action.QUIETER,
}


def keyboard_hint() -> str:
    """The keys, for the status corner, in the locale in use."""
    return text("status.keyboard")


# Keys that may be part of a participant code typed by a reader.
CODE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
ENTER_KEYS = (pygame.K_RETURN, pygame.K_KP_ENTER)


BUTTON_EDGE = pygame.event.custom_type()


class Hardware:
    """Buttons, buzzer, light and speaker, as far as they are there.

    Each part is optional: no GPIO means keyboard only, no sound card means
    buzzer and screen. Each missing part leaves a notice for the screen.
    """

    def __init__(
        self,
        buttons: GpioButtons | None,
        player: CuePlayer,
        classify: dict[str, PressClassifier],
        notices: tuple[str, ...],
        voice: Voice | None = None,
        gpio: str = NO_GPIO,
    ) -> None:
        self.buttons = buttons
        self.player = player
        self.voice = voice
        self.classify = classify
        self.notices = notices
        self.gpio = gpio  # what the kiosk holds, for its journal (poolside doctor reads it)
        self.held: Lamp | None = None  # the colour a stack light holds now

    @classmethod
    def open(
        cls,
        config: Config,
        pin_factory: object | None = None,
        program: Program | None = None,
        voice: Voice | None = None,
        waker: Waker | None = None,
        starting: Callable[[], None] = lambda: None,
        cues_on_time: bool = False,
    ) -> Hardware:
        """``waker``: the loop's, woken by each button edge (else only queued);
        ``starting`` is called as each spoken phrase is rendered, before the class;
        ``cues_on_time``: the buzzer and light stepped by a thread of their own, in
        real time (the kiosk), not by the loop's :meth:`CuePlayer.update`."""
        notices: list[str] = []
        post = _edge_poster(waker)
        buttons = buzzer = speaker = None
        with warnings.catch_warnings(), lgpio_folder():
            warnings.simplefilter("ignore")  # gpiozero's pin factory fallback chatter
            gpio_here = True
            try:
                buttons = GpioButtons(config.buttons, post, pin_factory)
            except BadPinFactory:
                gpio_here = False
                notices.append(text("status.no_gpio"))
            except Exception as err:
                notices.append(text("status.buttons_failed", error=type(err).__name__))
            if gpio_here:
                try:
                    buzzer = open_buzzer(config.buzzer, pin_factory)
                except Exception as err:
                    notices.append(text("status.buzzer_failed", error=type(err).__name__))
        if config.sound.speaker:
            try:
                speaker = Speaker(config.sound)
            except pygame.error:  # poolside doctor shows the detail
                # what is left to cue on: the buzzer if there is one, else the screen
                notices.append(text("status.no_sound" if buzzer else "status.no_sound_no_buzzer"))
        light = None
        if config.light.kind != "none" and gpio_here:
            try:
                with warnings.catch_warnings(), lgpio_folder():
                    warnings.simplefilter("ignore")
                    light = open_light(config.light, pin_factory)
            except Exception as err:  # a pin taken, a bad relay board: the rest still works
                notices.append(text("status.light_failed", error=type(err).__name__))
        music = _music(config, program, speaker is not None, notices)
        player = CuePlayer(
            buzzer, speaker, config.sound.profile, light=light, music=music, on_time=cues_on_time
        )
        classify = classifiers(config.buttons) if buttons else {}
        if speaker is not None and config.sound.voice and program is not None:
            voice = _prepared_voice(voice or Voice(), program, speaker, notices, starting)
        else:
            voice = None
        gpio = gpio_summary(config, buttons, buzzer, light) if gpio_here else NO_GPIO
        return cls(buttons, player, classify, tuple(notices), voice, gpio)

    def cue(self, events: list[Event], session: object = None, now: float = 0.0) -> None:
        """An observer of the kiosk: the one cue for these events, heard at once."""
        name = cue_name(events)
        self.held = held_lamp(events, self.held)
        self.player.hold(self.held)
        wav = None
        if self.voice is not None and self.player.speaker is not None:
            wav = self.voice.ready.get(phrase(events) or "")
        music = self.player.music
        if music is not None:  # with the class: begun, paused, resumed, over
            for event in events:
                if event.type == EventType.START:
                    music.start()
                elif event.type == EventType.PAUSE:
                    music.pause()
                elif event.type == EventType.RESUME:
                    music.resume()
                elif event.type in (EventType.FINISH, EventType.STOP):
                    music.stop()
        if name is not None:
            self.player.play(name, then_say=wav)  # the word right after its tone, not under it
        elif wav is not None:
            self.player.say(wav)

    def music_level(self, step: int) -> float | None:
        """The music a step louder (+1) or quieter (-1), or as it is (0); its level, or
        None without music."""
        music = self.player.music
        if music is None:
            return None
        if step == 0:
            return music.level
        return music.louder() if step > 0 else music.quieter()

    def close(self) -> None:
        self.player.close()
        if self.buttons is not None:
            self.buttons.close()


def _music(
    config: Config, program: Program | None, speaker: bool, notices: list[str]
) -> MusicPlayer | None:
    """The program's playlist from ``music.folder``, if there is music to play."""
    folder = config.music.folder
    choice = program.music if program is not None else None
    if folder is None or choice == "none":
        return None
    if not speaker:
        notices.append(text("music.no_speaker"))
        return None
    found = tracks(folder, choice)
    if not found:
        where = folder / choice if choice else folder
        notices.append(text("music.no_tracks", folder=where))
        return None
    return MusicPlayer(config.music, found)


def _prepared_voice(
    voice: Voice,
    program: Program,
    speaker: Speaker,
    notices: list[str],
    starting: Callable[[], None],
) -> Voice | None:
    """Speech rendered and loaded before the class; ``None`` means tones only.

    Without espeak-ng there is nothing to warn about; a failed render is said.
    """
    if not voice.available:
        return None
    try:
        voice.prepare(program, before_each=starting)
        speaker.preload(voice.ready.values())
    except (OSError, subprocess.SubprocessError, pygame.error) as err:
        notices.append(text("status.no_voice", error=err))
        return None
    return voice


def configured_pins(config: Config) -> dict[int, str]:
    """Each GPIO line the config gives a part, and the part.

    >>> configured_pins(Config())
    {17: 'START', 27: 'NEXT', 22: 'STOP', 18: 'buzzer'}
    """
    pins = {
        pin: role.upper()
        for role in ("start", "next", "stop")
        if (pin := getattr(config.buttons, role)) is not None
    }
    if config.buzzer.kind != "none":
        pins[config.buzzer.pin] = "buzzer"
    light = config.light
    if light.kind == "flash":
        pins[light.pin] = "light"
    elif light.kind == "stack":
        pins.update({light.red: "red lamp", light.amber: "amber lamp", light.green: "green lamp"})
    return pins


def gpio_summary(
    config: Config, buttons: GpioButtons | None, buzzer: object | None, light: object | None
) -> str:
    """One line for the journal: the pin factory, its chip, and each line held.

    >>> from poolside.config import Config
    >>> gpio_summary(Config(), None, None, None)  # doctest: +ELLIPSIS
    'GPIO: pin factory ...: nothing held'
    """
    from gpiozero import Device

    factory = Device.pin_factory
    chip = getattr(factory, "chip", None)
    name = type(factory).__name__ if factory is not None else "none"
    opened = {role.upper() for role in (buttons.devices if buttons is not None else ())}
    opened |= {"buzzer"} if buzzer is not None else set()
    opened |= {"light", "red lamp", "amber lamp", "green lamp"} if light is not None else set()
    held = [f"{part} GPIO{pin}" for pin, part in configured_pins(config).items() if part in opened]
    where = f" on /dev/gpiochip{chip}" if isinstance(chip, int) else ""
    return f"GPIO: pin factory {name}{where}: {', '.join(held) or 'nothing held'}"


def _edge_poster(waker: Waker | None) -> Callable[[str, bool, float], None]:
    """What gpiozero's thread calls: only post (and wake the loop); the loop does the rest."""
    post = waker.post if waker is not None else pygame.event.post

    def edge(role: str, pressed: bool, when: float) -> None:
        post(pygame.event.Event(BUTTON_EDGE, role=role, pressed=pressed, when=when))

    return edge


class Controls:
    """Keys, buttons and code readers to kiosk actions, in real (unscaled) time.

    Space works like the START button (short: start/pause or check in;
    held: begin the class) and Escape like STOP: it must be held, so a
    stray key press cannot end a class. While the kiosk takes codes
    (``scanning``), letters, digits and Enter go through a
    :class:`~poolside.core.scanner.ScanBuffer`, which tells a reader typing
    a code from a person pressing N or Q.
    """

    def __init__(self, hardware: Hardware | None = None) -> None:
        self.hardware = hardware
        self.classify = dict(hardware.classify) if hardware else {}
        # Keys do not chatter (keyboards debounce in their firmware), and a tap
        # whose press and release are read in one batch has both edges at the
        # same instant: with a debounce window the release would be dropped as
        # chatter and the tap would turn into a hold (an empty class begun).
        self.classify["escape"] = PressClassifier(None, Action.STOP, HOLD_TO_STOP_S, bounce_s=0.0)
        self.classify["space"] = PressClassifier(
            Action.TOGGLE, Action.HOLD, BEGIN_HOLD_S, bounce_s=0.0
        )
        deck = self.classify
        together = "start" in deck and "next" in deck  # the music on any deck, two buttons too
        self.chord = Chord(deck["start"], deck["next"], Action.MUSIC) if together else None
        self.scans = ScanBuffer()

    def action(
        self, event: pygame.event.Event, now: float | None = None, scanning: bool = False
    ) -> list[Output]:
        """What one input event asks for (often nothing, or not yet)."""
        when = time.monotonic() if now is None else now
        if event.type == pygame.QUIT:
            return [Action.CLOSE]
        if event.type == BUTTON_EDGE and event.role in self.classify:
            said = _some(self.classify[event.role].edge(event.pressed, event.when))
            return said + _some(self.chord.after_edge() if self.chord else None)
        if event.type in (pygame.KEYDOWN, pygame.KEYUP):
            held = {pygame.K_ESCAPE: "escape", pygame.K_SPACE: "space"}.get(event.key)
            if held is not None:
                return _some(self.classify[held].edge(event.type == pygame.KEYDOWN, when))
        if event.type == pygame.KEYDOWN:
            char = _code_char(event)
            if scanning and char is not None:
                return self.scans.char(char, KEYS.get(event.key), when)
            if scanning and event.key in ENTER_KEYS:
                return self.scans.enter(when)
            return _some(KEYS.get(event.key))
        if event.type in (
            pygame.VIDEORESIZE,
            pygame.VIDEOEXPOSE,
            pygame.WINDOWSIZECHANGED,
            pygame.WINDOWEXPOSED,
        ):
            return [Action.REDRAW]
        return []

    def poll(self, now: float) -> list[Output]:
        """Holds that completed by ``now``, and keys a reader did not type."""
        buttons = self.hardware.buttons if self.hardware else None
        actions: list[Output] = []
        for role, classifier in self.classify.items():
            level = buttons.is_pressed(role) if buttons and role in buttons.devices else None
            actions.extend(_some(classifier.poll(now, level)))
        return actions + self.scans.poll(now)

    def next_deadline(self) -> float | None:
        deadlines = [c.next_deadline() for c in self.classify.values()]
        return earliest([*deadlines, self.scans.next_deadline()])


def _some(action: str | None) -> list[Output]:
    return [] if action is None else [action]


def _code_char(event: pygame.event.Event) -> str | None:
    """The character a key typed, if it can be part of a participant code.

    ``unicode`` can be empty on some drivers (and in synthetic events), so
    letters and digits fall back to the key's own name.
    """
    text = getattr(event, "unicode", "") or ""
    if len(text) == 1 and text in CODE_CHARS:
        return text
    name = pygame.key.name(event.key) if not text else ""
    if len(name) == 1 and name in CODE_CHARS:
        return name
    if name.startswith("[") and name.endswith("]") and name[1:-1].isdigit():
        return name[1:-1]  # the keypad: "[1]"
    return None
