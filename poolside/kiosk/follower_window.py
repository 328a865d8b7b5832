"""``poolside follow``: a follower screen on a display (or off-screen), fed by
this Pi's link service, in the kiosk's one loop.

It wakes for the next thing due on the leader's clock, or when the link
service sends something (its socket is one more thing the loop's sleep
watches). Its light follows every cue; its speaker only where
``screens.sound`` asks (sound crosses 25 m of pool in 73 ms, so two
speakers are heard twice at the far end).
"""

from __future__ import annotations

import argparse
import json
import select
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import pygame

from poolside.config import Buttons, Config
from poolside.core import catalog
from poolside.core.clocksync import LeaderClock
from poolside.core.engine import Event, Session
from poolside.core.program import Program, load_program
from poolside.core.yamlfile import FileProblems
from poolside.devices.screen import Renderer
from poolside.devices.theme import THEMES
from poolside.kiosk.follower import FollowerScreen
from poolside.kiosk.loop import Loop
from poolside.kiosk.state import Display, Observer
from poolside.link.local import LocalLink
from poolside.notify import Notifier

DEFAULT_SIZE = (1280, 720)


class Programs:
    """The programs this Pi has, by content hash: the bundled ones and the YAML
    files beside the config; looked for again when the leader names a new one."""

    def __init__(self, folders: Sequence[Path]) -> None:
        self._folders = folders
        self._known: dict[str, Program] = {}
        self._looked_for: set[str] = set()

    def __call__(self, content_hash: str) -> Program | None:
        if content_hash not in self._known and content_hash not in self._looked_for:
            self._looked_for.add(content_hash)
            for folder in self._folders:
                for path in sorted(folder.glob("*.yaml")):
                    try:
                        program = load_program(path)
                    except (FileProblems, OSError, ValueError):
                        continue  # a plan, a locale, a config: not a program
                    self._known[program.content_hash] = program
        return self._known.get(content_hash)


def programs_for(config: Config) -> Programs:
    folders = [catalog.bundled_dir()]
    if config.source is not None:
        folders.append(config.source.parent)
    return Programs(folders)


def stamped_lines(stream: IO[str]) -> Observer:
    """``--events``: one JSON line per event, with the wall-clock time this screen
    acted on it ("wall"), to compare screens against one clock, and how late that
    was on this screen's own clock ("late", s: the host's scheduling, not the link's)."""

    def observe(events: list[Event], session: Session, now: float) -> None:
        wall = time.time()
        origin = session.timeline(now).origin
        for event in events:
            late = 0.0 if origin is None else now - (origin + event.at_s)
            line = {**event.as_dict(), "wall": wall, "late": round(late, 6)}
            stream.write(json.dumps(line) + "\n")
        stream.flush()

    return observe


def follower_parts(config: Config) -> Config:
    """What a follower opens of its Pi's parts: its light, and its buzzer and speaker
    only where ``screens.sound`` says so; no buttons (the class is the leader's)."""
    sound = config.linked.sound
    return replace(
        config,
        buttons=Buttons(start=None, next=None, stop=None),
        buzzer=config.buzzer if sound else replace(config.buzzer, kind="none"),
        sound=replace(config.sound, speaker=config.sound.speaker and sound, voice=False),
    )


def run_follower(config: Config, socket_path: Path, args: argparse.Namespace) -> int:
    """The follower screen until it is stopped; its exit status."""
    size = args.size or DEFAULT_SIZE
    outputs = None
    if args.headless:
        pygame.font.init()
        surface = pygame.Surface(size)
        display = Display(lambda: [surface], Renderer(THEMES[args.theme]))
        hardware = None
    else:
        from poolside.devices.outputs import Outputs
        from poolside.hardware import Hardware
        from poolside.kiosk.window import first_frame_shown, open_display

        open_display()
        pygame.font.init()
        outputs = Outputs(args.fullscreen, size, title="poolside: follower")
        display = Display(outputs.surfaces, Renderer(THEMES[args.theme]), outputs.present)
        hardware = Hardware.open(follower_parts(config), cues_on_time=True)
    link = LocalLink(socket_path, "screen")
    observers: list[Observer] = []
    if hardware is not None:
        observers.append(hardware.cue)
    events_file = open(args.events, "w", encoding="utf-8") if args.events else None  # noqa: SIM115
    if events_file is not None:
        observers.append(stamped_lines(events_file))
    screen = FollowerScreen(
        display,
        link,
        programs_for(config),
        observers=observers,
        screen_log=_say,
    )
    clock = LeaderClock(screen.fit, time.monotonic)
    notifier = Notifier()

    def first_frame() -> str:
        if outputs is None:
            return "first frame drawn (off-screen)"

        def present_again() -> None:
            screen.redraw()
            screen.tick(clock.now())

        driver = pygame.display.get_driver()
        return first_frame_shown(driver, present_again, outputs.sampled)

    loop = Loop(screen, clock, notifier, sleep=_sleeper(link), first_frame=first_frame)
    _say(f"following through {socket_path}")
    try:
        return loop.run() or 0
    finally:
        notifier.stopping()
        link.close()
        if hardware is not None:
            hardware.close()
        if events_file is not None:
            events_file.close()
        if outputs is not None:
            outputs.close(say=_say)
        pygame.quit()


def _sleeper(link: LocalLink) -> Callable[[float], list[Any]]:
    """Sleep until ``seconds`` pass or the link service sends something; a window's
    events are taken as they come (a closed window ends it)."""

    def sleep(seconds: float) -> list[Any]:
        fd = link.fileno()
        if fd is None:
            time.sleep(seconds)
        else:
            select.select([fd], [], [], seconds)
        if pygame.display.get_init() and any(e.type == pygame.QUIT for e in pygame.event.get()):
            raise KeyboardInterrupt
        return []

    return sleep


def _say(line: str) -> None:
    print(f"poolside follow: {line}", file=sys.stderr, flush=True)
