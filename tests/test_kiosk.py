"""The kiosk loop: when it wakes, what it redraws, how it takes input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pygame
import pytest

from poolside.config import Config
from poolside.core.clock import ManualClock
from poolside.core.engine import State
from poolside.devices.screen import Renderer
from poolside.hardware import BUTTON_EDGE, Controls, Hardware
from poolside.kiosk.build import build_kiosk
from poolside.kiosk.headless import offscreen_kiosk
from poolside.kiosk.state import Display, each_event
from poolside.selection import choose_program

BAD = Path(__file__).parent / "bad_programs"


@pytest.fixture(scope="module")
def choice():
    return choose_program("jump-and-hop-20", Config(), date(2027, 1, 4))


class RecordingRenderer(Renderer):
    """The real renderer, noting the clock time and view of every frame."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__()
        self.clock = clock
        self.frames: list[tuple[float, object]] = []

    def draw(self, surface, view) -> None:
        super().draw(surface, view)
        self.frames.append((self.clock.now(), view))


def _full_class(choice, size=(800, 480)):
    clock = ManualClock(0.0)
    renderer = RecordingRenderer(clock)
    events = []
    surface = pygame.Surface(size)
    kiosk = build_kiosk(
        Display(lambda: [surface], renderer),
        choice,
        10,
        observers=[each_event(lambda e: events.append((clock.now(), e)))],
    )
    kiosk.tick(clock.now())  # the home screen
    kiosk.act("toggle", clock.now())
    wakes = 0
    while True:
        wake = kiosk.tick(clock.now())
        wakes += 1
        if kiosk.state(clock.now()) is State.FINISHED:
            break
        assert wake is not None and wake > clock.now() - 1e-6
        clock.set(max(wake, clock.now()))
    return kiosk, renderer, events, wakes


def test_a_class_redraws_about_once_a_second_not_per_frame(choice) -> None:
    kiosk, renderer, events, wakes = _full_class(choice)
    seconds = 10 + choice.program.duration_s
    countdowns = sum(1 for _, e in events if e.type == "countdown")
    # One frame per second, one more as each 3-2-1 pulse ends, home and finish.
    assert kiosk.frames == len(renderer.frames)
    assert seconds <= kiosk.frames <= seconds + countdowns + 3
    assert wakes <= kiosk.frames + len(events), "the loop only wakes when something is due"
    assert wakes < 1.3 * seconds  # a 60 fps loop would wake 72,600 times


def test_each_phase_and_each_digit_is_drawn_at_its_own_second(choice) -> None:
    _kiosk, renderer, events, _ = _full_class(choice)
    origin = 10.0
    drawn_at = {round(t, 6): view for t, view in renderer.frames}
    for second in range(-10, choice.program.duration_s):
        assert round(origin + second, 6) in drawn_at, f"no frame at program second {second}"
    for when, event in events:
        if event.type == "phase":
            view = drawn_at[round(when, 6)]
            assert when == origin + event.phase.start_s
            assert (view.word, view.move) == (event.phase.label, event.phase.move or "")


def test_finished_then_start_returns_home_with_a_new_session(choice) -> None:
    kiosk, *_ = _full_class(choice)
    finished = kiosk.session
    kiosk.act("toggle", 5000.0)
    assert kiosk.session is not finished
    assert kiosk.state(5000.0) is State.IDLE


def test_an_error_in_the_loop_becomes_an_error_screen_not_a_crash(choice, capsys) -> None:
    surface = pygame.Surface((800, 480))

    def broken_emit(event):
        raise OSError(28, "No space left on device")

    kiosk = build_kiosk(
        Display(lambda: [surface], Renderer()), choice, 10, observers=[each_event(broken_emit)]
    )
    kiosk.act("toggle", 0.0)
    assert kiosk.tick(0.0) is None
    assert kiosk.error is not None and kiosk.error.word == "SOMETHING WENT WRONG"
    assert "No space left on device" in kiosk.error.lines[0]
    assert tuple(surface.get_at((1, 1)))[:3] == (122, 0, 0)
    assert "Traceback" in capsys.readouterr().err  # logged for the journal, not shown
    kiosk.act("stop", 1.0)  # input does nothing on the error screen
    kiosk.tick(2.0)


def test_headless_kiosk_raises_instead_of_hiding_errors(choice) -> None:
    def broken(event):
        raise BrokenPipeError

    kiosk = offscreen_kiosk(choice, 10, (320, 240), broken)
    kiosk.act("toggle", 0.0)
    with pytest.raises(BrokenPipeError):
        kiosk.tick(0.0)


def _key(kind: int, key: int) -> pygame.event.Event:
    return pygame.event.Event(kind, key=key, mod=0, unicode="", scancode=0)


@pytest.mark.parametrize(
    ("key", "action"),
    [
        (pygame.K_RIGHT, "next"),
        (pygame.K_n, "next"),
        (pygame.K_LEFT, "back"),
        (pygame.K_b, "back"),
        (pygame.K_s, "stop"),
        (pygame.K_f, "fullscreen"),
        (pygame.K_q, "quit"),
        (pygame.K_x, None),
    ],
)
def test_keys_map_to_actions(key: int, action: str | None) -> None:
    assert Controls().action(_key(pygame.KEYDOWN, key), 0.0) == ([action] if action else [])


def test_space_is_the_start_button_short_press_or_hold() -> None:
    controls = Controls()
    assert controls.action(_key(pygame.KEYDOWN, pygame.K_SPACE), 5.0) == []
    assert controls.action(_key(pygame.KEYUP, pygame.K_SPACE), 5.1) == ["toggle"]
    controls.action(_key(pygame.KEYDOWN, pygame.K_SPACE), 6.0)
    assert controls.next_deadline() == pytest.approx(7.0)
    assert controls.poll(7.0) == ["hold"]
    assert controls.action(_key(pygame.KEYUP, pygame.K_SPACE), 7.5) == [], "held: no toggle"


def test_a_tap_read_in_one_batch_is_a_tap_not_a_hold() -> None:
    """Press and release handled at the same instant (a slow loop, a USB button box)."""
    controls = Controls()
    assert controls.action(_key(pygame.KEYDOWN, pygame.K_SPACE), 5.0) == []
    assert controls.action(_key(pygame.KEYUP, pygame.K_SPACE), 5.0) == ["toggle"]
    assert controls.next_deadline() is None
    assert controls.poll(9.0) == [], "no hold afterwards: the class is not begun"


def test_escape_stops_only_when_held() -> None:
    controls = Controls()
    assert controls.action(_key(pygame.KEYDOWN, pygame.K_ESCAPE), 10.0) == []
    assert controls.next_deadline() == pytest.approx(11.0)
    assert controls.poll(10.5) == []
    assert controls.poll(11.0) == ["stop"]
    assert controls.poll(12.0) == [], "one hold, one stop"
    controls.action(_key(pygame.KEYUP, pygame.K_ESCAPE), 12.5)
    controls.action(_key(pygame.KEYDOWN, pygame.K_ESCAPE), 20.0)
    controls.action(_key(pygame.KEYUP, pygame.K_ESCAPE), 20.4)
    assert controls.poll(21.5) == [] and controls.next_deadline() is None
    assert controls.action(pygame.event.Event(pygame.QUIT), 0.0) == ["close"]


def test_gpio_edges_posted_as_events_become_the_same_actions_as_keys() -> None:
    from gpiozero.pins.mock import MockFactory

    from poolside.config import Config

    factory = MockFactory()
    hardware = Hardware.open(Config(), pin_factory=factory)
    try:
        assert hardware.buttons is not None and set(hardware.classify) == {"start", "next", "stop"}
        controls = Controls(hardware)

        def edge(role: str, pressed: bool, when: float) -> list:
            event = pygame.event.Event(BUTTON_EDGE, role=role, pressed=pressed, when=when)
            return controls.action(event)

        assert edge("start", True, 1.0) == [] and edge("start", False, 1.2) == ["toggle"]
        controls.action(_key(pygame.KEYDOWN, pygame.K_SPACE), 1.3)
        assert controls.action(_key(pygame.KEYUP, pygame.K_SPACE), 1.4) == ["toggle"]
        assert edge("next", True, 2.0) == [] and edge("next", False, 2.1) == ["next"]
        pygame.display.init()  # the event queue the callbacks post to
        pygame.event.clear()
        factory.pin(22).drive_low()  # as gpiozero's thread would, on a real Pi
        (posted,) = pygame.event.get(BUTTON_EDGE)
        assert (posted.role, posted.pressed) == ("stop", True)
        assert controls.action(posted) == []
        assert controls.poll(posted.when + 1.0) == []
        assert controls.poll(posted.when + 2.0) == ["stop"]
    finally:
        hardware.close()


def _window(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    return subprocess.Popen(
        [sys.executable, "-m", "poolside", "run", "--windowed", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def _stop(child: subprocess.Popen[str]) -> tuple[int, str]:
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=30)
    return child.returncode, err


def test_the_window_runs_and_stops_on_sigterm() -> None:
    child = _window("jump-and-hop-20", "--start", "--size", "800x480")
    assert child.stderr is not None
    first = child.stderr.readline()
    assert (
        first.strip() == "poolside: video driver dummy, 800x480; renderer SDL's choice; "
        "idle on select() on a wake-up pipe"
    )
    time.sleep(0.5)
    assert child.poll() is None, "the kiosk keeps running"
    code, err = _stop(child)
    assert code == 130 and "Traceback" not in err


def test_a_bad_program_shows_the_error_screen_and_says_where(tmp_path: Path) -> None:
    bad = BAD / "duplicate-key.yaml"
    child = _window(str(bad))
    assert child.stderr is not None
    message = child.stderr.readline().strip()
    assert message == f"{bad}:6:5: duplicate key 'duration' (first given on line 5)"
    time.sleep(0.5)
    assert child.poll() is None, "the kiosk shows the error instead of exiting"
    code, err = _stop(child)
    assert code == 1 and "Traceback" not in err


def test_cues_start_before_the_frame_is_drawn(choice) -> None:
    order: list[str] = []
    clock = ManualClock(0.0)
    renderer = RecordingRenderer(clock)
    renderer_draw = renderer.draw

    def draw(surface, view):
        order.append(f"draw {view.word}")
        renderer_draw(surface, view)

    renderer.draw = draw  # type: ignore[method-assign]
    surface = pygame.Surface((320, 240))
    kiosk = build_kiosk(
        Display(lambda: [surface], renderer),
        choice,
        0,
        observers=[lambda events, session, now: order.append("cue " + events[-1].type)],
    )
    kiosk.act("toggle", 0.0)
    kiosk.tick(0.0)
    assert order[:2] == ["cue phase", "draw RAMP-IN"]


def test_no_gpio_and_no_sound_card_leave_notices_not_crashes(monkeypatch) -> None:
    from gpiozero import Device

    from poolside.config import Config

    monkeypatch.setattr(Device, "pin_factory", None)
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "no-such-factory")
    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")
    pygame.mixer.quit()
    hardware = Hardware.open(Config())
    try:
        assert hardware.buttons is None and hardware.player.buzzer is None
        assert hardware.player.speaker is None
        assert any("keyboard only" in n for n in hardware.notices)
        assert any("no sound device" in n for n in hardware.notices)
        assert any("cues on screen only" in n for n in hardware.notices)
        assert not any("cues on buzzer" in n for n in hardware.notices), "there is no buzzer"
        hardware.cue([])  # nothing to play on, nothing raised
        controls = Controls(hardware)
        controls.action(_key(pygame.KEYDOWN, pygame.K_SPACE), 0.0)
        assert controls.action(_key(pygame.KEYUP, pygame.K_SPACE), 0.1) == ["toggle"]
    finally:
        hardware.close()


def test_the_kiosk_records_attendance_and_stays_up_after_the_class(tmp_path: Path) -> None:
    from poolside.records.store import Store

    data = tmp_path / "data"
    child = _window(
        "jump-and-hop-20",
        "--start",
        "--speed",
        "600",
        "--size",
        "640x400",
        "--participant",
        "P001",
        "--participant",
        "P002",
        "--data",
        str(data),
    )
    try:
        deadline = time.monotonic() + 30
        records: list[dict] = []
        while time.monotonic() < deadline:
            if (data / "attendance.sqlite3").exists():
                records = Store(data, shared=True).records()
                if records and all(r["completed_s"] == 1200 for r in records):
                    break
            time.sleep(0.2)
        assert [
            (r["participant"], r["mode"], r["completed_s"], r["blocks_done"]) for r in records
        ] == [("P001", "class", 1200, 3), ("P002", "class", 1200, 3)]
        assert child.poll() is None, "the finished screen stays up"
    finally:
        code, err = _stop(child)
    assert code == 130 and "Traceback" not in err


def test_the_error_screen_is_left_with_a_deck_button_or_by_time_under_systemd() -> None:
    """The box has no keyboard: START (or any deck button) ends the kiosk for a fresh start;
    under systemd an error left standing ends it too, so the restart policy acts."""
    from poolside.kiosk.window import ERROR_RESTART_S, leave_error
    from poolside.notify import Notifier

    laptop, service = Notifier({}), Notifier({"NOTIFY_SOCKET": "/run/nothing-here"})
    for button in ("toggle", "hold", "next", "stop"):
        assert leave_error([button], 0.0, laptop, 1.0)
    assert not leave_error([], 0.0, laptop, ERROR_RESTART_S + 1), "a laptop waits for Q"
    assert not leave_error([], 0.0, service, ERROR_RESTART_S - 1)
    assert leave_error([], 0.0, service, ERROR_RESTART_S)


def test_q_during_a_class_is_refused_with_a_word_on_screen_for_a_few_seconds(choice) -> None:
    from poolside.core.words import text
    from poolside.kiosk.state import HINT_S

    refused = text("run.quit_refused")
    clock = ManualClock(0.0)
    renderer = RecordingRenderer(clock)
    surface = pygame.Surface((800, 480))
    kiosk = build_kiosk(Display(lambda: [surface], renderer), choice, 10)
    kiosk.act("toggle", clock.now())
    clock.advance(30.0)
    kiosk.tick(clock.now())
    kiosk.act("quit", clock.now())
    wake = kiosk.tick(clock.now())
    assert renderer.frames[-1][1].next == refused and kiosk.state(clock.now()) is State.RUNNING
    assert refused in [d.text for d in renderer.drawn]
    while clock.now() < 30.0 + HINT_S:
        assert wake is not None
        clock.advance(wake - clock.now())
        wake = kiosk.tick(clock.now())
    assert renderer.frames[-1][1].next.startswith("NEXT:"), "gone again by itself"


def test_events_are_written_by_the_window_too(tmp_path: Path) -> None:
    """``--events -`` was read only with --headless: the window now writes them, live."""
    import json

    program = tmp_path / "short.yaml"
    program.write_text(
        "name: short\nphases:\n  - {kind: work, duration: 2}\n  - {kind: rest, duration: 2}\n"
    )
    child = _window(str(program), "--start", "--get-ready", "0", "--speed", "10", "--events", "-")
    assert child.stdout is not None
    types = []
    for line in child.stdout:  # each line as the kiosk writes it; no guessing how long
        types.append(json.loads(line)["type"])
        if types[-1] == "finish":
            break
    code, err = _stop(child)
    assert types[0] == "start" and types.count("phase") == 2 and types[-1] == "finish", types
    assert code == 130 and "Traceback" not in err
