"""The kiosk's windows: the view drawn for each output is what its window shows.

SDL's dummy driver has a software renderer, so what a window shows is read
back here (``Output.shown``: SDL_RenderReadPixels) and compared with what the
kiosk drew.
It has one display: where two are needed, the display list SDL reports is
replaced, and both windows open on the dummy's one display, each with its
own renderer. Two real displays, each scanning out the kiosk, are the booted
appliance test's (tests/appliance/checks.py, ``two-outputs``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pygame
import pytest

from poolside.core.view import error_view
from poolside.devices.outputs import Outputs, describe, display_origin, displays_to_use
from poolside.devices.screen import Renderer
from poolside.kiosk.state import Display, Frames

VIEW = error_view("POOL CLOSED", ("back at nine",), "press START")
OTHER_VIEW = error_view("POOL OPEN", ("lane 3",), "press NEXT")


@pytest.fixture
def video() -> Iterator[None]:
    pygame.display.init()
    pygame.font.init()
    yield
    pygame.display.quit()


def on_screen(outputs: Outputs) -> list[pygame.Surface]:
    """What each window shows, read back from its renderer."""
    return [output.shown() for output in outputs.outputs]


def differences(a: pygame.Surface, b: pygame.Surface) -> int:
    """Pixels (every 5th across and down) that differ; -1 for another size."""
    if a.get_size() != b.get_size():
        return -1
    width, height = a.get_size()
    points = [(x, y) for x in range(0, width, 5) for y in range(0, height, 5)]
    return sum(a.get_at(p)[:3] != b.get_at(p)[:3] for p in points)


def frames_for(outputs: Outputs) -> Frames:
    return Frames(Display(outputs.surfaces, Renderer(), outputs.present))


def test_the_window_shows_the_frame_the_kiosk_drew(video: None) -> None:
    outputs = Outputs(fullscreen=False, size=(640, 360))
    frames = frames_for(outputs)
    frames.show(VIEW)
    [shown] = on_screen(outputs)
    assert differences(shown, outputs.outputs[0].canvas) == 0
    colours = {shown.get_at((x, y))[:3] for x in range(0, 640, 4) for y in range(0, 360, 4)}
    assert len(colours) > 2, "the words are on it, not one colour"

    frames.show(OTHER_VIEW)  # the texture is updated, not left as the first frame
    [again] = on_screen(outputs)
    assert differences(again, outputs.outputs[0].canvas) == 0
    assert differences(again, shown) > 0
    assert outputs.spread_line() is None, "one output: nothing to spread"
    outputs.close()


def test_a_resized_window_is_drawn_at_its_new_size(video: None) -> None:
    outputs = Outputs(fullscreen=False, size=(640, 360))
    frames = frames_for(outputs)
    frames.show(VIEW)
    outputs.outputs[0].window.size = (500, 700)  # a desktop's window made tall
    frames.shown = None  # the kiosk's redraw on the resize event
    frames.show(VIEW)
    [shown] = on_screen(outputs)
    assert outputs.sizes() == [(500, 700)] and shown.get_size() == (500, 700)
    assert differences(shown, outputs.outputs[0].canvas) == 0
    outputs.close()


def test_full_screen_and_back_to_one_window(video: None) -> None:
    outputs = Outputs(fullscreen=False, size=(640, 360))
    outputs.toggle()
    assert outputs.fullscreen and outputs.sizes() == pygame.display.get_desktop_sizes()
    frames = frames_for(outputs)
    frames.show(VIEW)
    assert differences(on_screen(outputs)[0], outputs.outputs[0].canvas) == 0
    outputs.toggle()
    assert not outputs.fullscreen and outputs.sizes() == [(640, 360)]
    outputs.close()


def test_full_screen_opens_a_window_on_every_display_and_draws_each(
    video: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    desktop = pygame.display.get_desktop_sizes()[0]
    monkeypatch.setattr(pygame.display, "get_desktop_sizes", lambda: [desktop, desktop])
    outputs = Outputs(fullscreen=True, size=(640, 360))
    assert len(outputs.outputs) == 2
    frames = frames_for(outputs)
    frames.show(VIEW)
    for output, shown in zip(outputs.outputs, on_screen(outputs), strict=True):
        assert differences(shown, output.canvas) == 0
    first, second = on_screen(outputs)
    assert differences(first, second) == 0, "the same view on both"
    frames.show(OTHER_VIEW)
    assert len(outputs.spread) == 2, "one spread a frame shown on both"
    line = outputs.spread_line()
    assert line is not None and re.fullmatch(
        r"2 frames on 2 outputs: the last output's frame went to the display [\d.]+ ms \(p50\), "
        r"[\d.]+ ms \(p99\), [\d.]+ ms \(max\) after the first's",
        line,
    )
    outputs.close()
    assert outputs.outputs == []


def test_a_displays_origin_is_asked_of_sdl(video: None) -> None:
    """On KMSDRM each window is moved back onto its display by this (outputs.py)."""
    assert display_origin(0) == (0, 0)
    with pytest.raises(pygame.error, match="SDL_GetDisplayBounds"):
        display_origin(len(pygame.display.get_desktop_sizes()))


def test_which_displays_get_a_window() -> None:
    two = [(1920, 1080), (1280, 720)]
    assert displays_to_use(two, fullscreen=True) == [(0, two[0]), (1, two[1])]
    assert displays_to_use(two, fullscreen=False) == [(0, two[0])]
    assert describe(two) == "1920x1080 and 1280x720 (2 outputs)"
    assert describe(two[:1]) == "1920x1080"
