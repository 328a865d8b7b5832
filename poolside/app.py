"""The kiosk: the main loop that wires the engine, the view and the screen.

One thread owns pygame, the engine and (later) the store. The loop sleeps
until the next engine deadline, the next visible change (a digit, a 3-2-1
pulse) or input, and redraws only when the view has changed: about once a
second, not sixty times.

The same :class:`Kiosk` runs in a window (``poolside run``) and off-screen
(``poolside run --headless``), so tests and benchmarks exercise the real
drawing code.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import traceback
import warnings
from collections.abc import Callable

import pygame
from gpiozero.exc import BadPinFactory

from poolside.config import Config
from poolside.core.clock import (
    clock_for,
)
from poolside.core.cues import cue_name
from poolside.core.engine import Event, Session, State
from poolside.core.presses import PressClassifier, earliest
from poolside.core.program import Program
from poolside.core.view import Context, View, build_view, error_view, next_change
from poolside.devices.buttons import GpioButtons, classifiers
from poolside.devices.screen import Renderer
from poolside.devices.sound import CuePlayer, Speaker, open_buzzer
from poolside.devices.theme import THEMES
from poolside.devices.voice import Voice, phrase
from poolside.selection import Choice

HOLD_TO_STOP_S = 1.0  # Escape held this long stops a session (real seconds)
HOME_REFRESH_S = 1.0
DEFAULT_WINDOW = (1280, 720)
KEYS = {
    pygame.K_SPACE: "toggle",
    pygame.K_RIGHT: "next",
    pygame.K_n: "next",
    pygame.K_LEFT: "back",
    pygame.K_b: "back",
    pygame.K_s: "stop",
    pygame.K_f: "fullscreen",
    pygame.K_q: "quit",
}
KEYBOARD_HINT = "Space start/pause · → next · ← back · hold Esc stop · F full screen · Q quit"


class Kiosk:
    """The kiosk's state and its one step; no windows, no sleeping.

    ``tick(now)`` polls the engine, hands its events to ``emit``, redraws if
    the view changed, and returns the clock time it next needs to wake.
    """

    def __init__(
        self,
        surface_source: Callable[[], pygame.Surface],
        renderer: Renderer,
        choice: Choice | None,
        get_ready_s: float,
        emit: Callable[[Event], None] = lambda event: None,
        present: Callable[[], None] = lambda: None,
        context: Callable[[], Context] = Context,
        keep_going: bool = True,
        on_events: Callable[[list[Event]], None] = lambda events: None,
    ) -> None:
        self._surface = surface_source
        self._renderer = renderer
        self._present = present
        self._emit = emit
        self._context = context
        self._keep_going = keep_going  # show errors on screen instead of raising
        self._on_events = on_events  # the cues: started before the frame is drawn
        self.get_ready_s = get_ready_s
        self.session = Session(choice.program, get_ready_s) if choice else None
        self.error: View | None = None
        self.frames = 0
        self._shown: View | None = None

    # -- input ----------------------------------------------------------------
    def act(self, action: str, now: float) -> None:
        """A button or key: toggle, next, back, stop."""
        session = self.session
        if session is None or self.error is not None:
            return
        state = session.state(now)
        if action == "toggle" and state in (State.FINISHED, State.STOPPED):
            self.session = Session(session.program, self.get_ready_s)  # back home
        elif action == "toggle":
            session.toggle(now)
        elif action == "next":
            session.skip(now)
        elif action == "back":
            session.back(now)
        elif action == "stop":
            session.stop(now)

    def show_error(self, title: str, lines: tuple[str, ...], hint: str) -> None:
        self.error = error_view(title, lines, hint)

    def redraw(self) -> None:
        """Draw on the next tick even if nothing changed (resize, expose)."""
        self._shown = None

    # -- state ----------------------------------------------------------------
    def state(self, now: float) -> State | None:
        return self.session.state(now) if self.session else None

    def in_class(self, now: float) -> bool:
        """A session is under way, so quitting by key is refused."""
        return self.state(now) in (State.GET_READY, State.RUNNING, State.PAUSED)

    # -- the step -------------------------------------------------------------
    def tick(self, now: float) -> float | None:
        try:
            self._step(now)
        except Exception as err:  # show it and keep running: never die at the pool
            if not self._keep_going:
                raise
            traceback.print_exc()
            self.show_error(
                "SOMETHING WENT WRONG",
                (f"{type(err).__name__}: {err}",),
                "Press Q to quit and start poolside again.",
            )
            self._show(self.error)
        return self._wake(now)

    def _step(self, now: float) -> None:
        if self.session is not None and self.error is None:
            events = self.session.poll(now)
            if events:
                self._on_events(events)
            for event in events:
                self._emit(event)
        self._show(self.error or self._view(now))

    def _show(self, view: View | None) -> None:
        if view is not None and view != self._shown:
            self._renderer.draw(self._surface(), view)
            self._present()
            self.frames += 1
            self._shown = view

    def _wake(self, now: float) -> float | None:
        session = self.session
        if session is None or self.error is not None:
            return None
        candidates = (session.next_deadline(), next_change(session, now))
        wakes = [t for t in candidates if t is not None]
        if session.state(now) is State.IDLE:
            wakes.append(now + HOME_REFRESH_S)
        return min(wakes) if wakes else None

    def _view(self, now: float) -> View:
        assert self.session is not None
        return build_view(self.session, now, self._context())


def home_context(choice: Choice, status: tuple[str, ...] = ()) -> Callable[[], Context]:
    """The home screen's outside facts: title, plan week, the wall clock."""
    week = f"week {choice.week} of {choice.plan.weeks}" if choice.week and choice.plan else ""

    def context() -> Context:
        return Context(
            title=choice.program.title,
            week=week,
            wall_clock=time.strftime("%H:%M"),
            status=status,
        )

    return context


# -- running it -------------------------------------------------------------------
def run_screen(
    args: argparse.Namespace,
    config: Config,
    choice: Choice | None,
    get_ready_s: float,
    problems: tuple[str, ...] = (),
) -> int:
    """``poolside run``: the full-screen (or windowed) kiosk with its hardware."""
    pygame.display.init()
    pygame.font.init()
    pygame.display.set_caption("poolside")
    window = _Window(args)
    clock = clock_for(args.speed)
    hardware = Hardware.open(config, program=choice.program if choice else None)
    context = home_context(choice, (*hardware.notices, KEYBOARD_HINT)) if choice else Context
    kiosk = Kiosk(
        surface_source=window.surface,
        renderer=Renderer(THEMES[args.theme]),
        choice=choice,
        get_ready_s=get_ready_s,
        present=pygame.display.flip,
        context=context,
        on_events=hardware.cue,
    )
    if problems:
        kiosk.show_error(
            "PROGRAM FILE PROBLEM",
            problems,
            "Fix the file and start poolside again (poolside check FILE lists the same). "
            "Press Q to quit.",
        )
    width, height = window.surface().get_size()
    print(
        f"poolside: video driver {pygame.display.get_driver()}, {width}x{height}", file=sys.stderr
    )
    for notice in hardware.notices:
        print(f"poolside: {notice}", file=sys.stderr)
    if args.start:
        kiosk.act("toggle", clock.now())
    controls = Controls(hardware)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop like Ctrl-C
    try:
        while True:
            wake = kiosk.tick(clock.now())
            timeout = 1.0 if wake is None else (wake - clock.now()) / clock.speed
            soon = earliest([controls.next_deadline(), hardware.player.next_deadline()])
            if soon is not None:
                timeout = min(timeout, soon - time.monotonic())
            events = [pygame.event.wait(max(1, round(timeout * 1000))), *pygame.event.get()]
            hardware.player.update()
            actions = [controls.action(event) for event in events]
            actions += controls.poll(time.monotonic())
            for action in filter(None, actions):
                now = clock.now()
                if action == "close" or (
                    action == "quit" and (kiosk.error is not None or not kiosk.in_class(now))
                ):
                    return 0
                if action == "fullscreen":
                    window.toggle()
                    kiosk.redraw()
                elif action == "redraw":
                    kiosk.redraw()
                else:
                    kiosk.act(action, now)
    except KeyboardInterrupt:
        return 130
    finally:
        hardware.close()
        pygame.quit()


BUTTON_EDGE = pygame.event.custom_type()


class Hardware:
    """Buttons, buzzer and speaker, as far as they are there.

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
    ) -> None:
        self.buttons = buttons
        self.player = player
        self.voice = voice
        self.classify = classify
        self.notices = notices

    @classmethod
    def open(
        cls,
        config: Config,
        pin_factory: object | None = None,
        program: Program | None = None,
        voice: Voice | None = None,
    ) -> Hardware:
        notices: list[str] = []
        buttons = buzzer = speaker = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # gpiozero's pin factory fallback chatter
            gpio_here = True
            try:
                buttons = GpioButtons(config.buttons, _post_edge, pin_factory)
            except BadPinFactory:
                gpio_here = False
                notices.append("no GPIO here: keyboard only, no buzzer")
            except Exception as err:
                notices.append(f"no GPIO buttons ({type(err).__name__}: {err}): keyboard only")
            if gpio_here:
                try:
                    buzzer = open_buzzer(config.buzzer, pin_factory)
                except Exception as err:
                    notices.append(f"no buzzer ({type(err).__name__}: {err})")
        if config.sound.speaker:
            try:
                speaker = Speaker(config.sound)
            except pygame.error as err:
                notices.append(f"no sound device ({err}): cues on screen only")
        player = CuePlayer(buzzer, speaker, config.sound.profile)
        classify = classifiers(config.buttons) if buttons else {}
        if speaker is None or not config.sound.voice:
            voice = None
        else:
            voice = voice or Voice()
            try:
                if program is not None:
                    voice.prepare(program)
            except (OSError, subprocess.SubprocessError) as err:
                notices.append(f"no spoken cues ({err})")
                voice = None
            if voice is not None and not voice.available:
                voice = None  # no espeak-ng: tones only, nothing to warn about
        return cls(buttons, player, classify, tuple(notices), voice)

    def cue(self, events: list[Event]) -> None:
        name = cue_name(events)
        if name is not None:
            self.player.play(name)
        words = phrase(events) if self.voice is not None else None
        if words and self.voice is not None and self.player.speaker is not None:
            wav = self.voice.file(words)
            if wav.exists():
                self.player.speaker.say(wav)

    def close(self) -> None:
        self.player.close()
        if self.buttons is not None:
            self.buttons.close()


def _post_edge(role: str, pressed: bool, when: float) -> None:
    """Called on gpiozero's thread: only post; the main loop does the rest."""
    pygame.event.post(pygame.event.Event(BUTTON_EDGE, role=role, pressed=pressed, when=when))


class Controls:
    """Keys and buttons to kiosk actions, in real (unscaled) time.

    Escape works like the STOP button: it must be held, so a stray key press
    cannot end a class.
    """

    def __init__(self, hardware: Hardware | None = None) -> None:
        self.hardware = hardware
        self.classify = dict(hardware.classify) if hardware else {}
        self.classify["escape"] = PressClassifier(None, "stop", HOLD_TO_STOP_S)

    def action(self, event: pygame.event.Event, now: float | None = None) -> str | None:
        when = time.monotonic() if now is None else now
        if event.type == pygame.QUIT:
            return "close"
        if event.type == BUTTON_EDGE and event.role in self.classify:
            return self.classify[event.role].edge(event.pressed, event.when)
        if event.type in (pygame.KEYDOWN, pygame.KEYUP) and event.key == pygame.K_ESCAPE:
            return self.classify["escape"].edge(event.type == pygame.KEYDOWN, when)
        if event.type == pygame.KEYDOWN:
            return KEYS.get(event.key)
        if event.type in (
            pygame.VIDEORESIZE,
            pygame.VIDEOEXPOSE,
            pygame.WINDOWSIZECHANGED,
            pygame.WINDOWEXPOSED,
        ):
            return "redraw"
        return None

    def poll(self, now: float) -> list[str]:
        """Holds that completed by ``now``."""
        buttons = self.hardware.buttons if self.hardware else None
        actions = []
        for role, classifier in self.classify.items():
            level = buttons.is_pressed(role) if buttons and role in buttons.devices else None
            action = classifier.poll(now, level)
            if action:
                actions.append(action)
        return actions

    def next_deadline(self) -> float | None:
        return earliest([c.next_deadline() for c in self.classify.values()])


class _Window:
    """The display surface, full screen or windowed, and the switch between."""

    def __init__(self, args: argparse.Namespace) -> None:
        self._size = args.size or DEFAULT_WINDOW
        desktop = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        self.fullscreen = args.fullscreen or not (args.windowed or desktop)
        self._open()

    def _open(self) -> None:
        if self.fullscreen:
            pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
        else:
            pygame.display.set_mode(self._size, pygame.RESIZABLE)
        pygame.mouse.set_visible(not self.fullscreen)

    def toggle(self) -> None:
        self.fullscreen = not self.fullscreen
        self._open()

    def surface(self) -> pygame.Surface:
        return pygame.display.get_surface()
