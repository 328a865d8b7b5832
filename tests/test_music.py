"""Music under a class: the playlist, the dip under every cue, the class's life.

The real pygame music stream on SDL's dummy audio driver, real WAV files,
and a manual clock for the dip: its volume is read from the mixer itself.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

import pygame
import pytest

from poolside.config import Music
from poolside.core.clock import ManualClock
from poolside.core.cues import duration, pattern
from poolside.core.music import DUCK_IN_S, RESTORE_S, STEP_S
from poolside.devices.music import MusicPlayer, tracks
from poolside.devices.sound import CuePlayer

from .conftest import program_from


def _wav(path: Path, seconds: float = 2.0, hz: int = 440) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rate = 8000
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = (
            int(8000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(int(rate * seconds))
        )
        out.writeframes(b"".join(struct.pack("<h", f) for f in frames))
    return path


@pytest.fixture
def mixer():
    pygame.mixer.init()
    yield pygame.mixer.music
    if pygame.mixer.get_init():
        pygame.mixer.music.stop()
        pygame.mixer.quit()


def test_a_playlist_is_the_folders_music_files_in_name_order(tmp_path: Path) -> None:
    for name in ("b.ogg", "a.MP3", "c.wav", "notes.txt", "calm/x.wav", "calm/y.ogg"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in tracks(tmp_path, None)] == ["a.MP3", "b.ogg", "c.wav"]
    assert [p.name for p in tracks(tmp_path, "calm")] == ["x.wav", "y.ogg"]
    assert tracks(tmp_path, "none") == [] and tracks(tmp_path, "missing") == []
    assert tracks(None, None) == []


def test_a_program_names_its_playlist_or_none_and_never_a_path() -> None:
    phases = [{"kind": "work", "duration": 10}]
    assert program_from({"name": "p", "music": "calm", "phases": phases}).music == "calm"
    assert program_from({"name": "p", "music": "none", "phases": phases}).music == "none"
    assert program_from({"name": "p", "phases": phases}).music is None
    from poolside.core.yamlfile import FileProblems

    for bad in ("../etc", "/media/usb", "a/b"):
        with pytest.raises(FileProblems) as found:
            program_from({"name": "p", "music": bad, "phases": phases})
        assert "music: is none or the name of a folder" in str(found.value)


def test_the_music_dips_15_db_in_under_100_ms_under_a_cue_and_comes_back(
    tmp_path: Path, mixer
) -> None:
    """The work cue (0.8 s): the mixer's own volume, read every 10 ms."""
    clock = ManualClock(100.0)
    music = MusicPlayer(Music(volume=0.6), [_wav(tmp_path / "a.wav")], clock=clock.now)
    player = CuePlayer(None, None, clock=clock.now, music=music)
    music.start()
    assert mixer.get_busy()
    assert mixer.get_volume() == pytest.approx(0.6, abs=0.01)
    player.play("work")
    heard: list[tuple[float, float]] = []
    wakes = 0
    while (deadline := player.next_deadline()) is not None:
        wakes += 1
        while clock.now() + 0.01 < deadline:  # the mixer as it is between wake-ups
            clock.advance(0.01)
            heard.append((clock.now() - 100.0, mixer.get_volume()))
        clock.set(deadline)
        player.update()
        heard.append((clock.now() - 100.0, mixer.get_volume()))
    clock.advance(1.0)
    player.update()
    heard.append((clock.now() - 100.0, mixer.get_volume()))
    ducked = 0.6 * 10 ** (-15 / 20)
    down = next(t for t, v in heard if v <= ducked + 0.01)
    assert down <= 0.1, "down by 15 dB within 100 ms"
    cue_s = duration(pattern("work"))
    during = [v for t, v in heard if DUCK_IN_S + 0.01 < t < cue_s - 0.01]
    assert during and max(during) <= ducked + 0.01, "held down while the cue sounds"
    after = [v for t, v in heard if t >= cue_s + RESTORE_S]
    assert after and min(after) == pytest.approx(0.6, abs=0.01), "back once it is over"
    rising = [v for t, v in heard if cue_s <= t <= cue_s + RESTORE_S]
    assert rising == sorted(rising), "restored smoothly, never jumping down"
    steps = round((DUCK_IN_S + RESTORE_S) / STEP_S) + 1  # the ramps, and the hold's end
    assert wakes <= steps + len(pattern("work")) + 1, "woken only for the dip and the tone"


def test_the_music_goes_with_the_class_and_the_deck_moves_it(tmp_path: Path, mixer) -> None:
    from poolside.config import Config
    from poolside.core.engine import Session
    from poolside.hardware import Hardware

    folder = tmp_path / "music"
    _wav(folder / "1.wav", 0.5)
    (folder / "2.ogg").write_bytes(b"not music")  # pygame cannot play it: skipped
    _wav(folder / "3.wav", 0.5, 660)
    config = Config(music=Music(folder=folder, volume=0.7, max_volume=0.8))
    program = program_from({"name": "p", "phases": [{"kind": "work", "duration": 20}]})
    hardware = Hardware.open(config, program=program)
    music = hardware.player.music
    assert music is not None and [p.name for p in music.playlist] == ["1.wav", "2.ogg", "3.wav"]
    session = Session(program, 0.0)
    session.start(0.0)
    hardware.cue(session.poll(0.0), session, 0.0)
    assert music.playing and pygame.mixer.music.get_busy()
    session.pause(1.0)
    hardware.cue(session.poll(1.0), session, 1.0)
    assert music.paused
    session.toggle(2.0)
    hardware.cue(session.poll(2.0), session, 2.0)
    assert not music.paused
    pygame.mixer.music.stop()  # as when the first track ends
    music.update()
    assert music.skipped == ["2.ogg"], "the broken one is passed over"
    assert pygame.mixer.music.get_busy() and music.playing, "and the next one plays"
    assert hardware.music_level(+1) == pytest.approx(0.8)
    assert hardware.music_level(+1) == pytest.approx(0.8), "never past max_volume"
    assert hardware.music_level(-1) == pytest.approx(0.7)
    session.stop(3.0)
    hardware.cue(session.poll(3.0), session, 3.0)
    assert not music.playing
    hardware.close()
    none = Hardware.open(config, program=program_from({"name": "q", "music": "none",
        "phases": [{"kind": "work", "duration": 20}]}))  # fmt: skip
    assert none.player.music is None
    none.close()


def test_plus_minus_and_start_held_in_class_move_the_music_and_show_its_level() -> None:
    from datetime import date

    from poolside.config import Config
    from poolside.core.actions import Action
    from poolside.devices.screen import Renderer
    from poolside.kiosk.build import build_kiosk
    from poolside.kiosk.state import Display, Surroundings
    from poolside.selection import choose_program

    levels = [0.5]

    def level(step: int) -> float:
        levels[0] = min(0.8, max(0.0, round(levels[0] + 0.1 * step, 2)))
        return levels[0]

    choice = choose_program("jump-and-hop-20", Config(), date(2027, 1, 4))
    surface = pygame.Surface((320, 240))
    renderer = Renderer()
    kiosk = build_kiosk(
        Display(lambda: [surface], renderer), choice, 10, outside=Surroundings(music_level=level)
    )
    kiosk.act(Action.LOUDER, 0.0)
    kiosk.tick(0.0)
    shown = [d.text for d in renderer.drawn]
    assert levels == [0.6] and "music 60 % (+/-, or START and NEXT together)" in shown
    kiosk.act(Action.TOGGLE, 1.0)  # the class begins; a STOP button is fitted
    for _ in range(3):  # START held: a step up each time, then round to silent
        kiosk.act(Action.HOLD, 12.0)
    assert levels == [0.0], "0.7, 0.8, then off"
    kiosk.tick(12.0)
    assert kiosk.state(12.0).value == "running", "START held does not stop the class"
    assert any("music off" in (d.text or "") for d in renderer.drawn)
    kiosk.act(Action.MUSIC, 13.0)  # START and NEXT together: the same step, on any deck
    assert levels == [0.1] and kiosk.state(13.0).value == "running"
    silent = build_kiosk(Display(lambda: [surface], renderer), choice, 10)
    silent.act(Action.QUIETER, 0.0)
    silent.tick(0.0)
    assert "no music for this class (music: in config.yaml)" in [d.text for d in renderer.drawn]


def test_start_and_next_together_step_the_music_on_a_two_button_deck() -> None:
    """Where START held stops the class (no STOP fitted), pressing START and NEXT
    together steps the music instead, and neither button's own action happens."""
    from gpiozero.pins.mock import MockFactory

    from poolside.config import Buttons, Config
    from poolside.core.actions import Action
    from poolside.hardware import BUTTON_EDGE, Controls, Hardware

    factory = MockFactory()
    hardware = Hardware.open(Config(buttons=Buttons(stop=None)), pin_factory=factory)
    try:
        controls = Controls(hardware)
        pygame.display.init()  # the event queue gpiozero's callbacks post to
        pygame.event.clear()
        factory.pin(17).drive_low()  # START down, as gpiozero's thread sees it
        factory.pin(27).drive_low()  # NEXT down 0 s later
        posted = pygame.event.get(BUTTON_EDGE)
        assert [(e.role, e.pressed) for e in posted] == [("start", True), ("next", True)]
        said = [action for event in posted for action in controls.action(event)]
        assert said == [Action.MUSIC]
        held_past_stop = posted[0].when + Buttons().stop_hold_s + 1
        assert controls.poll(held_past_stop) == [], "held together: not a stop, not a back"

        def edge(role: str, pressed: bool, when: float) -> list:
            return controls.action(
                pygame.event.Event(BUTTON_EDGE, role=role, pressed=pressed, when=when)
            )

        factory.pin(17).drive_high()
        factory.pin(27).drive_high()
        pygame.event.clear()  # their releases, given below at the times a hand takes
        released = edge("start", False, held_past_stop + 0.1)
        released += edge("next", False, held_past_stop + 0.2)
        assert released == [], "no toggle and no next on release"
        later = held_past_stop + 1.0  # NEXT alone, afterwards, is NEXT again
        assert edge("next", True, later) + edge("next", False, later + 0.2) == [Action.NEXT]
    finally:
        hardware.close()
