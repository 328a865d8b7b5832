"""Buttons and cues through gpiozero's mock pins and the real mixer (dummy driver)."""

from __future__ import annotations

import itertools
import math
import threading

import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin

from poolside.config import Buttons, Buzzer, Light, Sound
from poolside.core.clock import ManualClock
from poolside.core.cues import PATTERNS, POOL_SAFE_MAX_HZ, cue_name, duration, pattern
from poolside.core.engine import Event, Session
from poolside.core.presses import PressClassifier
from poolside.devices.buttons import GpioButtons, classifiers, edge_time
from poolside.devices.light import open_light
from poolside.devices.sound import AMPLITUDE, CuePlayer, Speaker, open_buzzer, synthesise
from poolside.hardware import Hardware

from .conftest import program_from


class Board:
    """Mock buttons wired like the box: edges go to the classifiers."""

    def __init__(self, config: Buttons | None = None) -> None:
        config = config or Buttons()
        self.clock = ManualClock(100.0)
        self.factory = MockFactory()
        self.classify = classifiers(config)
        self.actions: list[str] = []
        self.buttons = GpioButtons(config, self.post, self.factory, self.clock.now)

    def post(self, role: str, pressed: bool, when: float) -> None:
        action = self.classify[role].edge(pressed, when)
        if action:
            self.actions.append(action)

    def pin(self, role: str):
        return self.factory.pin(self.buttons.devices[role].pin.info.name)

    def poll(self) -> None:
        for role, c in self.classify.items():
            action = c.poll(self.clock.now(), self.buttons.is_pressed(role))
            if action:
                self.actions.append(action)

    def press(self, role: str, seconds: float, chatter: int = 0) -> None:
        """Press for ``seconds``, with ``chatter`` bounces 2 ms apart at each end."""
        pin = self.pin(role)
        for _ in range(chatter):
            pin.drive_low()
            self.clock.advance(0.002)
            pin.drive_high()
            self.clock.advance(0.002)
        pin.drive_low()
        held_until = self.clock.now() + seconds
        while self.clock.now() < held_until:
            self.clock.advance(min(0.25, held_until - self.clock.now()))
            self.poll()
        for _ in range(chatter):
            pin.drive_high()
            self.clock.advance(0.002)
            pin.drive_low()
            self.clock.advance(0.002)
        pin.drive_high()
        self.clock.advance(0.1)
        self.poll()


@pytest.fixture
def board():
    board = Board()
    yield board
    board.buttons.close()


def test_a_tap_shorter_than_the_debounce_is_a_tap_read_from_the_level(board: Board) -> None:
    """3 ms down: the release edge is dropped as chatter, so the loop is asked to
    look at the pin once the debounce is over, and sees a tap, not a hold."""
    classifier = board.classify["start"]
    pin = board.pin("start")
    pin.drive_low()
    board.clock.advance(0.003)
    pin.drive_high()
    assert board.actions == [] and classifier.is_pressed
    look = classifier.next_deadline()
    # the press is dated by the pin's own tick, so the time gpiozero's callback took
    # to come (real time, more on a loaded machine) moves it earlier, never later
    assert 100.0 + Buttons().bounce_s - 0.005 <= look <= 100.0 + Buttons().bounce_s + 1e-9
    board.clock.advance(look - board.clock.now() + 1e-9)  # the loop wakes at, or just after, it
    board.poll()
    assert board.actions == ["toggle"] and classifier.next_deadline() is None
    board.clock.advance(5.0)
    board.poll()
    assert board.actions == ["toggle"], "no hold: no empty class begun"


def test_short_and_long_presses_are_told_apart(board: Board) -> None:
    board.press("start", 0.2)
    board.press("next", 0.3)
    board.press("next", 1.5)
    board.press("start", 1.2)
    assert board.actions == ["toggle", "next", "back", "hold"]


def test_chatter_within_the_debounce_window_counts_once(board: Board) -> None:
    board.press("start", 0.15, chatter=4)
    board.press("next", 0.15, chatter=3)
    assert board.actions == ["toggle", "next"]


def test_stop_is_ignored_unless_held_two_seconds(board: Board) -> None:
    board.press("stop", 0.4)
    board.press("stop", 1.9)
    assert board.actions == []
    board.press("stop", 2.1)
    assert board.actions == ["stop"]


def test_a_held_action_fires_when_the_hold_completes_not_on_release(board: Board) -> None:
    pin = board.pin("stop")
    pin.drive_low()
    board.clock.advance(2.0)
    board.poll()
    assert board.actions == ["stop"], "the class stops while the button is still held"
    pin.drive_high()
    board.poll()
    assert board.actions == ["stop"]


def test_without_a_stop_button_start_is_held_longer() -> None:
    board = Board(Buttons(stop=None))
    try:
        assert set(board.buttons.devices) == {"start", "next"}
        board.press("start", 0.3)
        board.press("start", 1.5)
        assert board.actions == ["toggle", "toggle"], "1.5 s is short of stop_hold: a press"
        board.press("start", 2.2)
        assert board.actions == ["toggle", "toggle", "hold"]
    finally:
        board.buttons.close()


def test_a_release_lost_in_chatter_is_recovered_from_the_pin_level() -> None:
    c = PressClassifier("toggle", None, bounce_s=0.02)
    assert c.edge(True, 0.0) is None
    assert c.edge(False, 0.005) is None  # a 5 ms tap: taken for chatter
    assert c.is_pressed
    assert c.poll(0.01, still_pressed=False) is None  # still inside the window
    assert c.poll(0.05, still_pressed=False) == "toggle"
    assert not c.is_pressed


def test_a_hold_whose_release_is_seen_before_the_poll_is_still_a_hold() -> None:
    """The loop was busy (a slow frame) past the hold's deadline: the release
    edge, with its own time, is handled before the poll that would have fired
    the long action. STOP held 2.5 s must still stop; a short press stays short."""
    stop = PressClassifier(None, "stop", hold_s=2.0)
    stop.edge(True, 10.0)
    assert stop.edge(False, 12.5) == "stop"
    assert stop.poll(12.6, still_pressed=False) is None, "once only"
    start = PressClassifier("toggle", "hold", hold_s=1.0)
    start.edge(True, 20.0)
    assert start.edge(False, 20.4) == "toggle"
    start.edge(True, 30.0)
    assert start.poll(31.0, still_pressed=True) == "hold"
    assert start.edge(False, 31.5) is None, "a hold that fired on time: nothing more on release"


def test_a_release_read_from_the_level_past_the_hold_is_never_a_hold() -> None:
    """The loop was busy past the hold's deadline and the release edge is not
    here yet (gpiozero's thread starved by a slow frame), but the pin reads
    released: a 0.2 s tap must not begin a class, nor STOP one."""
    start = PressClassifier("toggle", "hold", hold_s=1.0)
    start.edge(True, 10.0)
    assert start.poll(11.3, still_pressed=False) == "toggle"
    assert start.edge(False, 10.2) is None, "the late edge, with its own time: nothing more"
    assert start.edge(True, 10.2004) is None, "chatter after it: nothing more"
    stop = PressClassifier(None, "stop", hold_s=2.0)
    stop.edge(True, 20.0)
    assert stop.poll(23.0, still_pressed=False) is None and not stop.is_pressed


def test_an_edge_keeps_its_own_time_when_the_callback_runs_late() -> None:
    """gpiozero's active_time/inactive_time count from the edge's own ticks (lgpio:
    the kernel's timestamp): a callback run 0.8 s late still posts the edge's time."""

    class Reported:
        active_time: float | None = 0.8
        inactive_time: float | None = None

    late = ManualClock(50.0)
    assert edge_time(Reported(), True, late.now) == pytest.approx(49.2)
    Reported.active_time = None  # the button changed again before the callback
    assert edge_time(Reported(), True, late.now) == 50.0
    Reported.active_time = -3.0  # ticks on another clock: not believed
    assert edge_time(Reported(), True, late.now) == 50.0
    Reported.inactive_time = 0.25
    assert edge_time(Reported(), False, late.now) == pytest.approx(49.75)


def test_next_deadline_is_when_a_hold_completes() -> None:
    c = PressClassifier("next", "back", hold_s=1.0)
    assert c.next_deadline() is None
    c.edge(True, 5.0)
    assert c.next_deadline() == 5.02, "first a look at the level, once the debounce is over"
    assert c.poll(5.02, still_pressed=True) is None
    assert c.next_deadline() == 6.0
    assert c.poll(6.0) == "back" and c.next_deadline() is None


def _events(*types: str, kind: str = "work") -> list[Event]:
    program = program_from({"name": "p", "phases": [{"kind": kind, "duration": 30}]})
    return [Event(t, 0, program.phases[0]) for t in types]


@pytest.mark.parametrize(
    ("types", "kind", "cue"),
    [
        (("phase",), "work", "work"),
        (("phase",), "rest", "rest"),
        (("phase",), "ramp", "phase"),
        (("block_end", "phase"), "recovery", "block_end"),
        (("countdown",), "work", "countdown"),
        (("finish", "countdown"), "work", "finish"),
        (("next",), "work", "next"),
        (("pause",), "work", None),
        (("halfway",), "work", "halfway"),
    ],
)
def test_one_cue_for_events_that_come_together(types, kind, cue) -> None:
    assert cue_name(_events(*types, kind=kind)) == cue


def _contour(tones) -> list[int]:
    """Up (1), same (0) or down (-1) from each sounding tone to the next."""
    heard = [t.hz for t in tones if t.hz]
    return [(b > a) - (b < a) for a, b in itertools.pairwise(heard)]


@pytest.mark.parametrize("name", PATTERNS)
def test_pool_safe_keeps_each_cue_s_tune_and_the_ratios_between_its_tones(name: str) -> None:
    standard, safe = pattern(name, "standard"), pattern(name, "pool-safe")
    assert _contour(safe) == _contour(standard), "rest still falls, the chime still steps down"
    ratios = {t.hz / s.hz for t, s in zip(standard, safe, strict=True) if t.hz}
    assert len(ratios) == 1 and ratios.pop() in (1, 2, 4), "the whole cue moved by octaves"


def test_pool_safe_profile_has_no_whistle_like_tones() -> None:
    for name in PATTERNS:
        safe = pattern(name, "pool-safe")
        assert all(t.hz <= POOL_SAFE_MAX_HZ for t in safe)
        assert all(t.seconds >= 0.15 for t in safe)
    assert any(t.hz > POOL_SAFE_MAX_HZ for t in pattern("work", "standard"))


def _history(pin) -> list[tuple[float, float]]:
    """(time since the first change, state) for each change of a mock pin."""
    times, at = [], 0.0
    for state in pin.states[1:]:
        at += state.timestamp
        times.append((at, state.state))
    return times


def test_active_buzzer_plays_each_pattern_as_pin_states_with_timings() -> None:
    factory = MockFactory()
    clock = ManualClock(0.0)
    buzzer = open_buzzer(Buzzer(kind="active", pin=18), factory)
    player = CuePlayer(buzzer, None, clock=clock.now)
    pin = factory.pin(18)
    for name in ("countdown", "rest", "block_end", "finish"):
        pin.clear_states()
        player.play(name)
        switched_at = [clock.now()]
        while (deadline := player.next_deadline()) is not None:
            clock.set(deadline)
            player.update()
            switched_at.append(clock.now())
        tones = pattern(name)
        expected_on = [t.hz > 0 for t in tones] + [False]
        levels = [bool(state) for _, state in _history(pin)]
        assert levels == [
            on for i, on in enumerate(expected_on) if i == 0 or on != expected_on[i - 1]
        ]
        assert switched_at[-1] - switched_at[0] == pytest.approx(duration(tones))


def test_passive_buzzer_plays_the_pitches() -> None:
    factory = MockFactory(pin_class=MockPWMPin)
    clock = ManualClock(0.0)
    player = CuePlayer(open_buzzer(Buzzer(kind="passive", pin=18), factory), None, clock=clock.now)
    pin = factory.pin(18)
    heard = []
    player.play("rest")
    heard.append(pin.frequency)
    while (deadline := player.next_deadline()) is not None:
        clock.set(deadline)
        player.update()
        heard.append(pin.frequency)
    assert [round(f) if f else None for f in heard] == [1000, None, 700, None]


def test_a_new_cue_cuts_the_old_one_short() -> None:
    factory = MockFactory()
    clock = ManualClock(0.0)
    player = CuePlayer(open_buzzer(Buzzer(pin=18), factory), None, clock=clock.now)
    player.play("finish")
    clock.advance(0.1)
    player.play("countdown")
    assert player.next_deadline() == pytest.approx(0.1 + 0.12)
    clock.advance(0.12)
    player.update()
    assert player.next_deadline() is None and factory.pin(18).state is False


class _Recorded:
    """An output that records each switch (hz, the thread that switched it) and
    says when the switches so far end with ``ending``."""

    def __init__(self, ending: list[int]) -> None:
        self.switches: list[tuple[int, str]] = []
        self.ending = ending
        self.done = threading.Event()
        self.closed = False

    def tone(self, hz: int) -> None:
        self.switches.append((hz, threading.current_thread().name))
        if [hz for hz, _ in self.switches[-len(self.ending) :]] == self.ending:
            self.done.set()

    def close(self) -> None:
        self.closed = True


def test_on_time_the_cue_thread_steps_the_pattern_with_no_loop_calling_update() -> None:
    tones = pattern("rest")  # tone, gap, tone: then silence
    output = _Recorded(ending=[700, 0])
    player = CuePlayer(output, None, on_time=True)
    player.play("rest")
    assert player.next_deadline() is None  # the caller's loop need not wake for the steps
    assert output.done.wait(10), output.switches
    player.close()
    assert [hz for hz, _ in output.switches] == [t.hz for t in tones] + [0]
    first, *later = [name for _, name in output.switches]
    assert first == threading.current_thread().name  # the onset at once, in play()
    assert set(later) == {"poolside-cues"}
    assert output.closed and not any(t.name == "poolside-cues" for t in threading.enumerate())


def test_on_time_a_failing_write_is_said_and_the_next_steps_still_play(capfd) -> None:
    class FailsOnce(_Recorded):
        failed = False

        def tone(self, hz: int) -> None:
            if hz == 0 and not self.failed:
                self.failed = True
                raise OSError("GPIO write failed")
            super().tone(hz)

    output = FailsOnce(ending=[700, 0])
    player = CuePlayer(output, None, on_time=True)
    player.play("rest")  # 1000, (0: fails), 700, 0
    assert output.done.wait(10), output.switches
    player.close()
    assert [hz for hz, _ in output.switches] == [1000, 700, 0]
    assert "poolside: a cue step failed: OSError('GPIO write failed')" in capfd.readouterr().err


def test_on_time_a_new_cue_cuts_the_old_one_short() -> None:
    output = _Recorded(ending=[880, 0])
    player = CuePlayer(output, None, on_time=True)
    player.play("finish")  # three tones over more than a second
    player.play("countdown")  # one pip, then silence
    assert output.done.wait(10), output.switches
    player.close()
    assert [hz for hz, _ in output.switches] == [pattern("finish")[0].hz, 880, 0]


def test_no_buzzer_configured_means_none() -> None:
    assert open_buzzer(Buzzer(kind="none")) is None


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000])
def test_tones_repeated_by_cycle_are_the_sine_with_its_fades_to_the_last_bit(rate: int) -> None:
    """Every sample of every cue against the formula worked sample by sample."""
    fade = max(1, int(0.005 * rate))
    for profile in ("standard", "pool-safe"):
        for name in PATTERNS:
            tones, samples, at = pattern(name, profile), synthesise(pattern(name, profile), rate), 0
            for tone in tones:
                count = int(tone.seconds * rate)
                for i in range(count):
                    envelope = min(1.0, i / fade, (count - i) / fade)
                    exact = AMPLITUDE * envelope * math.sin(2 * math.pi * tone.hz * i / rate)
                    assert abs(samples[at + i] - exact) < 1.001, (name, rate, i)  # int() truncates
                at += count
            assert at == len(samples)


def test_speaker_tones_are_generated_and_capped() -> None:
    samples = synthesise(pattern("rest"), 8000)
    assert len(samples) == int(0.25 * 8000) + int(0.05 * 8000) + int(0.35 * 8000)
    assert max(samples) <= 26000 and min(samples) >= -26000
    assert samples[0] == 0 and set(samples[2000:2400]) == {0}, "the gap is silent"
    speaker = Speaker(Sound(volume=0.9, max_volume=0.5))
    try:
        assert speaker.volume == 0.5
        speaker.play("work")
        speaker.play("countdown")
    finally:
        speaker.close()


def test_buttons_without_pull_up_use_the_configured_active_state(tmp_path) -> None:
    from poolside.config import load_config
    from poolside.core.yamlfile import FileProblems

    path = tmp_path / "config.yaml"
    path.write_text("buttons:\n  pull_up: none\n  active_state: high\n")
    config = load_config(path)
    assert (config.buttons.pull_up, config.buttons.active_high) == (None, True)
    board = Board(config.buttons)
    try:
        pin = board.pin("start")
        pin.drive_high()  # pressed: this box pulls the pin up when the button closes
        board.clock.advance(0.1)
        pin.drive_low()
        assert board.actions == ["toggle"]
    finally:
        board.buttons.close()
    path.write_text("buttons:\n  pull_up: none\n")
    with pytest.raises(FileProblems, match="say active_state: high or low"):
        load_config(path)


# -- the light channel -------------------------------------------------------------------
def _played(player: CuePlayer, clock: ManualClock, name: str) -> None:
    player.play(name)
    while (deadline := player.next_deadline()) is not None:
        clock.set(deadline)
        player.update()


def test_a_flash_light_is_lit_exactly_while_the_buzzer_sounds_for_every_cue() -> None:
    """The same steps on the same deadlines: each cue's rhythm in light, with no
    change of the lamp's pin later than the buzzer's."""
    factory = MockFactory()
    clock = ManualClock(0.0)
    light = open_light(Light(kind="flash", pin=23), factory)
    player = CuePlayer(open_buzzer(Buzzer(pin=18), factory), None, clock=clock.now, light=light)
    buzzer_pin, lamp_pin = factory.pin(18), factory.pin(23)
    for profile in ("standard", "pool-safe"):
        player.profile = profile
        for name in PATTERNS:
            buzzer_pin.clear_states()
            lamp_pin.clear_states()
            _played(player, clock, name)
            lit = [bool(state) for _, state in _history(lamp_pin)]
            assert lit == [bool(state) for _, state in _history(buzzer_pin)], name
            flashes = sum(1 for i, on in enumerate(lit) if on and (i == 0 or not lit[i - 1]))
            tones = pattern(name, profile)
            assert flashes == sum(1 for t in tones if t.hz), f"{name}: a flash per tone"
            onsets, at = [], 0.0
            for tone in tones:
                if tone.hz:
                    onsets.append(at)
                at += tone.seconds
            for first in onsets:  # the photosensitive-epilepsy limit: 3 flashes a second
                assert sum(1 for o in onsets if first <= o < first + 1.0) <= 3, name
    player.close()


def test_a_stack_light_holds_the_phase_colour_and_flashes_all_lamps_for_a_cue() -> None:
    """Through the kiosk's cue observer: amber while getting ready, red in work,
    green in rest, amber when paused, nothing after the class; all three lit
    while each cue sounds."""
    factory = MockFactory()
    clock = ManualClock(0.0)
    light = open_light(Light(kind="stack", red=5, amber=6, green=13), factory)
    player = CuePlayer(None, None, clock=clock.now, light=light)
    hardware = Hardware(None, player, {}, ())
    lamps = {"red": factory.pin(5), "amber": factory.pin(6), "green": factory.pin(13)}

    def lit() -> set[str]:
        return {name for name, pin in lamps.items() if pin.state}

    session = Session(program_from({"name": "t", "phases": [
        {"kind": "work", "duration": 20}, {"kind": "rest", "duration": 20},
    ]}), 5.0)  # fmt: skip

    def step(now: float) -> None:
        clock.set(now)
        events = session.poll(now)
        if events:
            hardware.cue(events, session, now)
        player.update()

    session.start(0.0)
    step(0.0)  # "next: work" is announced as the countdown starts: a flash
    step(0.3)
    assert lit() == {"amber"}, "getting ready"
    for now in (5.0, 5.9, 15.0, 25.0, 25.9):
        step(now)
        if now == 5.0:
            assert lit() == {"red", "amber", "green"}, "the work cue: all lamps"
        if now == 5.9:
            assert lit() == {"red"}, "work: red once the tone is over"
        if now == 25.9:
            assert lit() == {"green"}, "rest: green"
    session.pause(26.0)
    step(26.0)
    assert lit() == {"amber"}, "paused"
    session.toggle(27.0)
    step(27.0)
    assert lit() == {"green"}, "resumed in rest"
    step(46.0)  # the end (paused 1 s): three tones
    step(48.0)
    assert session.state(48.0).value == "finished" and lit() == set(), "nothing after the class"
    hardware.close()


def test_no_light_configured_means_none_and_its_pins_are_checked(tmp_path) -> None:
    from poolside.config import load_config

    assert open_light(Light()) is None
    path = tmp_path / "config.yaml"
    path.write_text("light:\n  kind: stack\n  red: 17\n")
    with pytest.raises(Exception) as found:
        load_config(str(path))
    assert "light.red and buttons.start are both on GPIO 17" in str(found.value)
    path.write_text("light:\n  kind: strobe\n")
    with pytest.raises(Exception) as found:
        load_config(str(path))
    assert "none, flash, stack" in str(found.value) or "flash" in str(found.value)
