"""Spoken cues: phrases, rendering with the real espeak-ng, and its absence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from poolside.config import Config
from poolside.core.engine import Event
from poolside.devices.voice import Voice, phrase
from poolside.hardware import Hardware

from .conftest import program_from

PROGRAM = program_from(
    {
        "name": "v",
        "phases": [
            {"kind": "ramp", "label": "RAMP-IN", "move": "Easy bounces", "duration": 20},
            {"kind": "work", "label": "JUMP", "move": "Jumping jacks", "duration": 30},
        ],
    }
)
ramp, work = PROGRAM.phases
needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (.ci/run installs it)"
)


@pytest.mark.parametrize(
    ("events", "words"),
    [
        ([Event("next", 10, work)], "Next: Jumping jacks"),
        ([Event("countdown", 17, work, count=3)], "Three"),
        ([Event("countdown", 19, work, count=1)], "One"),
        ([Event("phase", 0, ramp)], "Ramp in"),
        ([Event("block_end", 20, ramp), Event("phase", 20, work)], "Jump"),
        ([Event("halfway", 35, work)], "Halfway"),
        ([Event("countdown", 49, None, count=1), Event("finish", 50)], "Well done"),
        ([Event("pause", 3, ramp)], None),
    ],
)
def test_one_phrase_for_events_that_come_together(events, words) -> None:
    assert phrase(events) == words


@needs_espeak
def test_phrases_are_rendered_once_and_cached(tmp_path: Path) -> None:
    voice = Voice(tmp_path / "voice")
    assert voice.available
    rendered = voice.prepare(PROGRAM)
    expected = {
        "Next: Easy bounces",
        "Next: Jumping jacks",
        "Three",
        "Two",
        "One",
        "Ramp in",
        "Jump",
        "Halfway",
        "Well done",
    }
    assert rendered == len(expected)
    for words in expected:
        wav = voice.file(words).read_bytes()
        assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE" and len(wav) > 2000
    assert not list((tmp_path / "voice").glob("*.part"))
    assert voice.prepare(PROGRAM) == 0, "a second start renders nothing"


@needs_espeak
def test_the_kiosk_speaks_through_the_speaker(tmp_path: Path) -> None:
    hardware = Hardware.open(Config(), program=PROGRAM, voice=Voice(tmp_path))
    try:
        assert hardware.voice is not None and hardware.player.speaker is not None
        speaker = hardware.player.speaker
        assert set(speaker._spoken) == set(hardware.voice.ready.values()), "loaded ahead"
        hardware.cue([Event("next", 10, work)])
        assert speaker.said == hardware.voice.file("Next: Jumping jacks")
    finally:
        hardware.close()


def test_without_espeak_there_is_simply_no_voice(tmp_path: Path) -> None:
    voice = Voice(tmp_path, espeak="no-such-espeak")
    assert not voice.available and voice.prepare(PROGRAM) == 0
    hardware = Hardware.open(Config(), program=PROGRAM, voice=voice)
    try:
        assert hardware.voice is None
        assert not any("spoken" in notice for notice in hardware.notices)
        hardware.cue([Event("next", 10, work)])  # tones only, nothing raised
    finally:
        hardware.close()
