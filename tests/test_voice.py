"""Spoken cues: phrases, rendering with the real espeak-ng, and its absence."""

from __future__ import annotations

import itertools
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


@needs_espeak
def test_each_word_is_queued_after_its_tone_on_the_same_channel(tmp_path: Path) -> None:
    hardware = Hardware.open(Config(), program=PROGRAM, voice=Voice(tmp_path))
    try:
        speaker = hardware.player.speaker
        assert speaker is not None and hardware.voice is not None
        hardware.cue([Event("phase", 20, work)])
        jump = hardware.voice.file("Jump")
        assert speaker.said == jump
        assert speaker._channel.get_queue() is speaker._spoken[jump], "after the tone, not under"
    finally:
        hardware.close()


def test_a_quiet_recording_is_levelled_to_the_tones_rms_within_its_peaks(tmp_path: Path) -> None:
    import math
    import wave
    from array import array

    from poolside.devices.voice import SPEECH_PEAK, SPEECH_RMS, level

    quiet = array("h", (round(2000 * math.sin(i / 7)) for i in range(22050)))
    path = tmp_path / "quiet.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(22050)
        out.writeframes(quiet.tobytes())
    gain = level(path)
    with wave.open(str(path), "rb") as back:
        samples = array("h", back.readframes(back.getnframes()))
    rms = math.sqrt(sum(x * x for x in samples) / len(samples))
    assert gain > 4 and max(abs(x) for x in samples) <= SPEECH_PEAK
    assert abs(20 * math.log10(rms / SPEECH_RMS)) < 0.5, "as loud as a tone"


def _levels_db(raw: bytes, rate: int, window_s: float) -> list[tuple[float, float, int]]:
    """(time, dBFS, zero crossings per second) of each window of 16-bit mono audio."""
    import math
    from array import array

    data, win, rows = array("h", raw), int(window_s * rate), []
    for k in range(len(data) // win):
        part = data[k * win : (k + 1) * win]
        rms = math.sqrt(sum(x * x for x in part) / len(part)) or 1.0
        crossings = sum(1 for a, b in itertools.pairwise(part) if (a < 0) != (b < 0))
        rows.append((k * window_s, 20 * math.log10(rms / 32767), round(crossings / window_s)))
    return rows


@needs_espeak
@pytest.mark.slow
def test_what_the_speaker_plays_has_the_word_after_its_tone_and_as_loud(tmp_path: Path) -> None:
    """The kiosk as it runs, its sound written by SDL's disk audio driver, in
    real time: the 1 kHz work tone (2,000 zero crossings a second), then
    "Jump" (not a pure tone) within 0.6 s, its loudest part within 6 dB."""
    import os
    import signal
    import subprocess
    import sys

    program = tmp_path / "short.yaml"
    program.write_text(
        "name: short\nphases:\n  - {kind: work, label: JUMP, move: Tucks, duration: 3,"
        " cues: {halfway: false}}\n"
    )
    raw = tmp_path / "out.raw"
    env = dict(
        os.environ,
        SDL_AUDIODRIVER="disk",
        SDL_DISKAUDIOFILE=str(raw),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    command = [sys.executable, "-m", "poolside", "run", str(program), "--windowed", "--start"]
    child = subprocess.Popen(
        [*command, "--get-ready", "1", "--data", str(tmp_path / "data")],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None
    for line in child.stderr:  # the kiosk says each screen as it shows it
        if "screen finished" in line:
            break
    child.send_signal(signal.SIGTERM)
    child.communicate(timeout=30)
    rows = _levels_db(raw.read_bytes(), 44100, 0.05)
    pure = [abs(r[2] - 2000) <= 40 and r[1] > -30 for r in rows]  # the 1 kHz tone alone
    runs, first = [], None  # (start, end) indexes of runs of pure-tone windows
    for index, alone in enumerate([*pure, False]):
        if alone and first is None:
            first = index
        elif not alone and first is not None:
            runs.append((first, index))
            first = None
    start, end = max(runs, key=lambda run: run[1] - run[0])
    tone_db = rows[start + 1][1]
    assert (end - start) * 0.05 >= 0.7, "0.8 s of tone with nothing said under it"
    after = [r for r in rows[end : end + 12] if abs(r[2] - 2000) > 40]
    assert after and max(r[1] for r in after) > tone_db - 6, (tone_db, after)
