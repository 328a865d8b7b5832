"""READY means the frame is on the screen: the renderer matched to KMSDRM's
GL context, the first frame read back from the display, and doctor's word.

The read-back itself (DRM ioctls on a real KMS card) runs in the booted
appliance test (tests/appliance), where a display scans out. Here the card
is what cannot run: ``own_frames`` is replaced by frames the tests make, and
everything around it (retries, giving up, the journal line doctor reads) is
the real code.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from poolside import doctor
from poolside.devices import scanout
from poolside.devices.outputs import RENDER_DRIVER, match_renderer
from poolside.devices.scanout import Colours
from poolside.errors import CannotRun
from poolside.kiosk import window as app

BLACK_FRAME = scanout.Frame(16, 8, 4, bytes(3 * 4 * 2))
HOME_FRAME = scanout.Frame(16, 8, 4, bytes(3 * 7) + b"\xff\xff\xff")


@pytest.fixture
def no_renderer_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    """No hint named, and the one ``match_renderer`` sets is taken away after the test
    (a ``delenv`` of an unset name alone would not undo it)."""
    monkeypatch.setenv(RENDER_DRIVER, "")
    monkeypatch.delenv(RENDER_DRIVER)


def test_kmsdrm_gets_the_renderer_of_its_gles_context(no_renderer_hint: None) -> None:
    assert match_renderer("KMSDRM") == "opengles2"
    assert os.environ[RENDER_DRIVER] == "opengles2"


@pytest.mark.parametrize("driver", ["x11", "wayland", "dummy"])
def test_a_desktop_keeps_sdls_own_choice(driver: str, no_renderer_hint: None) -> None:
    assert match_renderer(driver) == "SDL's choice"
    assert RENDER_DRIVER not in os.environ


def test_a_renderer_named_by_the_environment_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RENDER_DRIVER, "software")
    assert match_renderer("KMSDRM") == "software"


def test_a_frame_of_one_colour_is_blank_and_a_screen_with_text_is_not() -> None:
    assert BLACK_FRAME.blank
    assert not HOME_FRAME.blank
    assert HOME_FRAME.summary()["colours"] == [[[0, 0, 0], 0.875], [[255, 255, 255], 0.125]]
    assert HOME_FRAME.ppm().startswith(b"P6\n4 2\n255\n")


@pytest.fixture
def on_kmsdrm(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the kiosk says on stderr is collected; no real waiting between reads."""
    monkeypatch.setattr(app.time, "sleep", lambda seconds: None)
    said: list[str] = []
    monkeypatch.setattr(app, "_say", said.append)
    return said


Shown = scanout.Frame | list[scanout.Frame] | Exception


def frames(monkeypatch: pytest.MonkeyPatch, *shown: Shown) -> list[int]:
    """``own_frames`` gives ``shown`` in turn (the last one from then on): a frame
    (one output), the frames of each output, or an error; reads counted."""
    reads: list[int] = []

    def own_frames(step: int = 8) -> list[scanout.Frame]:
        reads.append(step)
        frame = shown[min(len(reads), len(shown)) - 1]
        if isinstance(frame, Exception):
            raise frame
        return frame if isinstance(frame, list) else [frame]

    monkeypatch.setattr(app, "own_frames", own_frames)
    return reads


def test_ready_once_the_frame_read_back_is_the_kiosks(
    monkeypatch: pytest.MonkeyPatch, on_kmsdrm: list[str]
) -> None:
    reads = frames(monkeypatch, HOME_FRAME)
    assert app.first_frame_shown("KMSDRM", lambda: None) == "first frame on screen"
    assert len(reads) == 1
    assert on_kmsdrm == ["screen check: the first frame is on the screen (16x8, 2 colours sampled)"]


def test_a_frame_still_being_written_is_read_again(
    monkeypatch: pytest.MonkeyPatch, on_kmsdrm: list[str]
) -> None:
    reads = frames(monkeypatch, BLACK_FRAME, BLACK_FRAME, HOME_FRAME)
    assert app.first_frame_shown("KMSDRM", lambda: None) == "first frame on screen"
    assert len(reads) == 3


def test_a_screen_that_stays_blank_is_no_ready_kiosk(
    monkeypatch: pytest.MonkeyPatch, on_kmsdrm: list[str]
) -> None:
    reads = frames(monkeypatch, BLACK_FRAME)
    presented: list[int] = []
    with pytest.raises(CannotRun, match=r"the screen stays blank \(\(0, 0, 0\) everywhere\)"):
        app.first_frame_shown("KMSDRM", lambda: presented.append(1))
    assert len(reads) == app.FRAME_READS
    assert len(presented) == app.FRAME_READS // 4, "presented again every 4th read"
    assert on_kmsdrm[-1].startswith("screen check: PROBLEM: the screen shows one colour")
    check = doctor.screen_check("\n".join(f"poolside: {line}" for line in on_kmsdrm))
    assert check is not None and check.status == "PROBLEM"


def drawn(*frames: scanout.Frame) -> Callable[[], list[Colours]]:
    """What the kiosk drew on each output, sampled as the frames are."""
    return lambda: [frame.colours() for frame in frames]


def test_two_outputs_are_ready_when_both_show_the_kiosk(
    monkeypatch: pytest.MonkeyPatch, on_kmsdrm: list[str]
) -> None:
    big = scanout.Frame(32, 8, 4, bytes(3 * 15) + b"\xff\xff\xff")
    reads = frames(monkeypatch, [HOME_FRAME], [HOME_FRAME, BLACK_FRAME], [big, HOME_FRAME])
    shown = app.first_frame_shown("KMSDRM", lambda: None, drawn(HOME_FRAME, big))
    assert shown == "first frame on screen"
    assert len(reads) == 3, "one output scanning out, then the second blank: read again"
    assert on_kmsdrm == [
        "screen check: the first frame is on the screen "
        "(32x8 and 16x8 (2 outputs), 2 and 2 colours sampled)"
    ]


def test_a_second_output_left_blank_or_dark_is_no_ready_kiosk(
    monkeypatch: pytest.MonkeyPatch, on_kmsdrm: list[str]
) -> None:
    frames(monkeypatch, [HOME_FRAME, BLACK_FRAME])
    with pytest.raises(CannotRun, match=r"screen 2 of 2 stays blank"):
        app.first_frame_shown("KMSDRM", lambda: None, drawn(HOME_FRAME, HOME_FRAME))
    assert on_kmsdrm[-1].startswith("screen check: PROBLEM: screen 2 of 2 shows one colour")

    frames(monkeypatch, [HOME_FRAME])
    with pytest.raises(CannotRun, match=r"only 1 of the 2 screens shows a frame"):
        app.first_frame_shown("KMSDRM", lambda: None, drawn(HOME_FRAME, HOME_FRAME))
    check = doctor.screen_check("\n".join(f"poolside: {line}" for line in on_kmsdrm))
    assert check is not None and check.status == "PROBLEM"


def test_the_consoles_text_left_on_a_screen_is_not_the_kiosks_frame(
    monkeypatch: pytest.MonkeyPatch, on_kmsdrm: list[str]
) -> None:
    """Seen in the booted guest beside a second output: the first still scanned out the
    console (black, a few lines of grey text), which is not blank, yet not the kiosk's."""
    console = scanout.Frame(16, 8, 4, bytes(3 * 6) + b"\xaa\xaa\xaa" * 2)
    checkin = scanout.Frame(16, 8, 4, b"\x00\x54\x3e" * 6 + b"\xff\xff\xff" * 2)
    reads = frames(monkeypatch, [console, checkin])
    with pytest.raises(
        CannotRun, match=r"screen 1 of 2 shows another picture \(mostly \(0, 0, 0\)\)"
    ):
        app.first_frame_shown("KMSDRM", lambda: None, drawn(HOME_FRAME, checkin))
    assert len(reads) == app.FRAME_READS
    assert on_kmsdrm[-1].startswith("screen check: PROBLEM: screen 1 of 2 shows another picture")
    assert not console.shows(HOME_FRAME.colours()) and checkin.shows(checkin.colours())
    assert HOME_FRAME.shows(HOME_FRAME.colours())


def test_a_frame_that_cannot_be_read_back_is_said_not_failed(
    monkeypatch: pytest.MonkeyPatch, on_kmsdrm: list[str]
) -> None:
    frames(monkeypatch, scanout.Unreadable("the kernel gives a framebuffer's pixels to root"))
    assert app.first_frame_shown("KMSDRM", lambda: None) == "first frame drawn (not read back)"
    check = doctor.screen_check(on_kmsdrm[-1])
    assert check is not None and check.status == "NOTE"


def test_other_drivers_are_not_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    reads = frames(monkeypatch, BLACK_FRAME)
    assert app.first_frame_shown("x11", lambda: None) == "first frame on screen"
    assert reads == []


def test_doctor_reads_the_kiosks_last_word_on_its_screen() -> None:
    log = (
        "poolside: screen check: PROBLEM: the screen shows one colour, (0, 0, 0)\n"
        "poolside: screen check: the first frame is on the screen (1920x1080, 12 colours)\n"
    )
    check = doctor.screen_check(log)
    assert check is not None and (check.status, check.what) == ("OK", "screen")
    assert doctor.screen_check("poolside: video driver KMSDRM, 1920x1080") is None


def test_a_process_with_no_card_open_cannot_read_the_screen() -> None:
    with pytest.raises(scanout.Unreadable, match="no KMS card open"):
        scanout.own_frames()
