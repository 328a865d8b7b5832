"""``poolside run``: the kiosk in a window or full screen, with its hardware.

The display is opened (refusing SDL's invisible fallback), with a window on
every connected output (:mod:`poolside.devices.outputs`), the buttons,
buzzer, light and speaker are opened as far as they are there, and the
kiosk (:mod:`poolside.kiosk.build`) runs in the one loop
(:mod:`poolside.kiosk.loop`), woken by an input or its next deadline. On
KMSDRM the first frame is read back from every screen before systemd hears
READY.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pygame

from poolside.config import Config
from poolside.core.actions import DECK, Action
from poolside.core.clock import Clock, clock_for
from poolside.core.engine import Event
from poolside.core.presses import earliest
from poolside.core.scanner import Output
from poolside.core.view import Context, file_problem_view
from poolside.devices.outputs import Outputs, describe, match_renderer
from poolside.devices.scanout import Colours, Frame, Unreadable, not_shown, own_frames
from poolside.devices.screen import INVISIBLE_DRIVERS, Renderer
from poolside.devices.theme import THEMES
from poolside.devices.wakeup import Waker
from poolside.errors import CannotRun
from poolside.hardware import Controls, Hardware, keyboard_hint
from poolside.kiosk.build import CutOff, build_kiosk
from poolside.kiosk.lead import leading_link
from poolside.kiosk.loop import Loop
from poolside.kiosk.state import Display, Kiosk, Surroundings, each_event, home_context
from poolside.notify import Notifier
from poolside.selection import Choice

if TYPE_CHECKING:
    from poolside.records.attendance import Attendance

# An error screen nobody answers ends the kiosk after this long, under systemd,
# so that its restart policy tries again (a file fixed meanwhile, a device back)
# instead of the loop feeding the watchdog beside a dead screen forever.
ERROR_RESTART_S = 120.0
EXIT_AFTER_ERROR = 1
SYNC_STATUS_EVERY_S = 60.0  # the outbox is listed at most this often
DEFAULT_WINDOW = (1280, 720)
STARTING_S = 60.0  # systemd waits this long for the display, fonts and sound to open
PHRASE_S = 30.0  # and this long for each spoken phrase rendered on a first start
FRAME_READS = 12  # the first frame is read back this often, at most, before READY
FRAME_REREAD_S = 0.1  # apart (a GPU may still be writing it), presented again every 4th


@dataclass(frozen=True)
class WindowOptions:
    """How ``poolside run`` shows the kiosk: what its flags asked for."""

    speed: float = 1.0  # --speed: the program runs this many times faster (demos)
    theme: str = "colour"
    start: bool = False  # --start: begin at once
    size: tuple[int, int] | None = None  # of a window; full screen takes the display's
    fullscreen: bool = False
    windowed: bool = False  # neither: full screen unless there is a desktop


def run_screen(
    options: WindowOptions,
    config: Config,
    choice: Choice | None,
    get_ready_s: float,
    problems: tuple[str, ...] = (),
    problem_in: str = "program",
    attendance: Attendance | None = None,
    cut_off: CutOff | None = None,
    notices: tuple[str, ...] = (),
    emit_event: Callable[[Event], None] | None = None,
) -> int:
    """``poolside run``: the full-screen (or windowed) kiosk with its hardware.

    ``cut_off`` is a run a power cut interrupted, with its decision (see
    :mod:`poolside.kiosk.build`); ``events`` gets each event as it falls
    due (``emit_event``, for ``--events``), after the cues and the records.
    ``problems`` are shown on the error screen, titled by the file they are in
    (``problem_in``: config, program or roster).
    """
    notifier = Notifier()
    notifier.extend_start(STARTING_S)  # from here: the display, fonts, sound
    renderer = open_display()
    pygame.font.init()
    try:
        outputs = Outputs(_full_screen(options), options.size or DEFAULT_WINDOW)
    except pygame.error as err:  # e.g. KMSDRM without EGL: "EGL not initialized"
        raise CannotRun(
            f"the screen could not be opened ({pygame.display.get_driver()}: {err}); "
            "poolside doctor says what is missing"
        ) from None
    clock = clock_for(options.speed)
    waker = Waker(pygame.display.get_driver(), window_id=outputs.outputs[0].window.id)
    hardware = Hardware.open(
        config,
        program=choice.program if choice else None,
        waker=waker,
        starting=lambda: notifier.extend_start(PHRASE_S),
        cues_on_time=True,  # a frame being drawn must not stretch a tone
    )
    status = (*notices, *hardware.notices, keyboard_hint())
    live = _live_status(attendance) if attendance else tuple
    keys_only = hardware.buttons is None
    context = home_context(choice, status, live, keys_only) if choice else Context
    controls = Controls(hardware)
    kiosk = build_kiosk(
        Display(outputs.surfaces, Renderer(THEMES[options.theme]), outputs.present),
        choice,
        get_ready_s,
        records=attendance,
        cut_off=cut_off,
        start=options.start,
        now=clock.now(),
        outside=Surroundings(
            context=context,
            typed=lambda: controls.scans.typed,
            screen_log=_say,
            music_level=hardware.music_level if hardware.player.music is not None else None,
            hold_stops=config.buttons.stop is None,
            followers=leading_link(config, options.speed),
        ),
        observers=[
            hardware.cue,
            *([attendance] if attendance else []),
            *([each_event(emit_event)] if emit_event else []),
        ],
        problem=file_problem_view(problems, problem_in) if problems else None,
    )
    print(
        f"poolside: video driver {pygame.display.get_driver()}, {describe(outputs.sizes())}; "
        f"renderer {renderer}; idle on {waker.how}",
        file=sys.stderr,
    )
    print(f"poolside: {hardware.gpio}", file=sys.stderr)
    for notice in hardware.notices:
        print(f"poolside: {notice}", file=sys.stderr)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop like Ctrl-C
    window_inputs = _WindowInputs(kiosk, clock, controls, hardware, attendance, outputs, notifier)

    def present_again() -> None:
        kiosk.redraw()
        kiosk.tick(clock.now())

    loop = Loop(
        kiosk,
        clock,
        notifier,
        sleep=waker.wait,
        handle=window_inputs.handle,
        soon=lambda: earliest([controls.next_deadline(), hardware.player.next_deadline()]),
        first_frame=lambda: first_frame_shown(
            pygame.display.get_driver(), present_again, outputs.sampled
        ),
    )
    try:
        return loop.run() or 0
    except KeyboardInterrupt:
        return 130
    finally:
        for ending in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C cannot cut the cleanup
            signal.signal(ending, signal.SIG_IGN)
        notifier.stopping()
        hardware.close()
        waker.close()
        outputs.close(say=_say)
        pygame.quit()


@dataclass
class _WindowInputs:
    """What the window's inputs do, once the loop has woken: keys, buttons and
    codes to the screen that is up; Q, F, a closed window; the error screen
    left by a deck button; and the buzzer's steps and held writes seen to."""

    kiosk: Kiosk
    clock: Clock
    controls: Controls
    hardware: Hardware
    attendance: Attendance | None
    outputs: Outputs
    notifier: Notifier
    error_since: float | None = None  # when the error screen came up (real time)

    def handle(self, events: Sequence[pygame.event.Event]) -> int | None:
        kiosk, clock, controls = self.kiosk, self.clock, self.controls
        self.hardware.player.update()
        if self.attendance is not None and not self.attendance.saving:
            self.attendance.retry()  # the disk may have room again
        if kiosk.error is not None and self.error_since is None:
            self.error_since = time.monotonic()
        scanning = kiosk.accepts_codes(clock.now())
        actions = [a for event in events for a in controls.action(event, scanning=scanning)]
        actions += controls.poll(time.monotonic())
        if kiosk.error is not None and leave_error(
            actions, self.error_since, self.notifier, time.monotonic()
        ):
            return EXIT_AFTER_ERROR  # systemd (Restart=always) starts a fresh kiosk
        for action in actions:
            now = clock.now()
            if action == Action.CLOSE or (
                action == Action.QUIT and (kiosk.error is not None or not kiosk.running_class(now))
            ):
                return 0
            if action == Action.FULLSCREEN:
                self.outputs.toggle()
                kiosk.redraw()
            elif action == Action.REDRAW:
                kiosk.redraw()
            else:
                kiosk.act(action, now)
        return None


def leave_error(actions: list[Output], since: float | None, notifier: Notifier, now: float) -> bool:
    """On the error screen: a deck button (no keyboard on the box) or time ends the kiosk.

    Any press of START, NEXT or STOP asks for a fresh start; under systemd an
    error left standing for ERROR_RESTART_S does too.
    """
    if any(a in DECK for a in actions):
        _say("leaving the error screen: a button was pressed")
        return True
    if notifier.active and since is not None and now - since >= ERROR_RESTART_S:
        _say(f"the error screen stood {ERROR_RESTART_S:.0f} s: exiting for systemd to restart")
        return True
    return False


def _say(line: str) -> None:
    """One line on stderr, which systemd puts in the journal."""
    print(f"poolside: {line}", file=sys.stderr, flush=True)


def open_display() -> str:
    """Start SDL's video, refusing a fallback to a driver that shows nothing;
    the window's renderer, chosen for the driver (``match_renderer``).

    With no desktop and no KMSDRM driver, SDL quietly picks ``offscreen``:
    the kiosk would run a class nobody can see.
    """
    try:
        pygame.display.init()
    except pygame.error as err:
        raise CannotRun(f"no display: SDL video did not start ({err})") from None
    driver = pygame.display.get_driver()
    renderer = match_renderer(driver)
    if driver in INVISIBLE_DRIVERS and not os.environ.get("SDL_VIDEODRIVER"):
        pygame.display.quit()
        raise CannotRun(
            f"no display: SDL found none and fell back to its invisible '{driver}' driver. "
            "Run it on a desktop or a console with KMS (install.sh sets that up), "
            "or use --headless --start"
        )
    return renderer


def first_frame_shown(
    driver: str, present_again: Callable[[], None], drawn: Callable[[], list[Colours]] = list
) -> str:
    """On KMSDRM, read back the frame each display scans out: READY means they are there.

    ``drawn`` gives each output's drawn frame as sampled colours: each frame
    read back must be one of them, not merely not blank (beside a second
    output, the console's text was seen left on the first). A GPU may still
    be writing a buffer when it is first read, so a read that is not the
    kiosk's (or an output not yet scanning out) is retried, and the frame
    presented again, before the kiosk gives up: it then exits (systemd
    starts it again, and ``poolside doctor`` says why) rather than run a
    class on a black screen. Where the frames cannot be read back (another
    video driver, not the DRM master), it says so.
    """
    if driver != "KMSDRM":
        return "first frame on screen"
    frames: list[Frame] = []
    for attempt in range(FRAME_READS):
        try:
            frames = own_frames()
        except Unreadable as err:
            _say(f"screen check: the frame on the screen was not read back ({err})")
            return "first frame drawn (not read back)"
        if not not_shown(frames, drawn()):
            sizes = describe([(frame.width, frame.height) for frame in frames])
            colours = " and ".join(str(len(frame.colours())) for frame in frames)
            shown = f"{sizes}, {colours} colours sampled"
            _say(f"screen check: the first frame is on the screen ({shown})")
            return "first frame on screen"
        time.sleep(FRAME_REREAD_S)
        if attempt % 4 == 3:
            present_again()
    expected = drawn()
    outputs = max(1, len(expected))
    if len(frames) < outputs:
        _say(f"screen check: PROBLEM: {len(frames)} of {outputs} outputs scan out a frame")
        raise CannotRun(
            f"only {len(frames)} of the {outputs} screens shows a frame: "
            "the display driver did not set the others' mode; poolside doctor says more"
        )
    number = not_shown(frames, expected)[0]
    frame = frames[number - 1]
    which = "the screen" if len(frames) == 1 else f"screen {number} of {len(frames)}"
    colour, _ = frame.colours().most_common(1)[0]
    if frame.blank:
        _say(f"screen check: PROBLEM: {which} shows one colour, {colour}, not the kiosk's frame")
        raise CannotRun(
            f"{which} stays blank ({colour} everywhere) although SDL drew the first frame: "
            "the renderer and the GL context disagree, or the GPU driver cannot draw; "
            "poolside doctor says more"
        )
    _say(f"screen check: PROBLEM: {which} shows another picture (mostly {colour}), not the kiosk's")
    raise CannotRun(
        f"{which} shows another picture (mostly {colour}) than the kiosk drew: the display "
        "kept the console's or an old frame; poolside doctor says more"
    )


def _live_status(attendance: Attendance) -> Callable[[], tuple[str, ...]]:
    """Storage problems as they happen, and the sync state (read once a minute)."""
    from poolside.records.sync import status_line

    folder = attendance.store.folder
    cached: list[tuple[float, str]] = []

    def lines() -> tuple[str, ...]:
        now = time.monotonic()
        if not cached or now - cached[0][0] >= SYNC_STATUS_EVERY_S:
            cached[:] = [(now, status_line(folder))]
        sync_line = cached[0][1]
        return (*attendance.status(), *([sync_line] if sync_line else []))

    return lines


def _full_screen(options: WindowOptions) -> bool:
    """Full screen when asked, or when there is no desktop to put a window on."""
    desktop = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return options.fullscreen or not (options.windowed or desktop)
