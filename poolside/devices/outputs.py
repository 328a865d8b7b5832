"""The screens one process drives: a window on each connected display.

A Pi 4 or 5 has two HDMI connectors on one DRM card, and a card has one
master, so a second process cannot set a mode beside the kiosk (seen in the
booted guest: SDL's "kmsdrm not available"). SDL's KMSDRM driver gives a
window per display instead, so one process opens one on each connected
display (``pygame._sdl2.video.Window``), each with an SDL renderer of its
own (pygame's display module has a single window). The view is drawn into
a surface of each output's size and uploaded as a texture on each, and
only then is each drawn and presented in turn, so both screens change
phase with the same frame. The renderer calls go through
:mod:`poolside.devices.sdl`, which lets Python's GIL go while SDL waits on
the display. How far apart the outputs' frames were handed to the display
is kept (:attr:`Outputs.spread`) and said in the journal when the kiosk
stops.

On a desktop the kiosk is one resizable window unless full screen is asked
for; full screen means every display.
"""

from __future__ import annotations

import ctypes
import os
import statistics
import time
from collections import deque
from collections.abc import Callable, Sequence

import pygame
from pygame._sdl2 import video

from poolside.devices import sdl
from poolside.devices.scanout import Colours, sampled_xrgb

TITLE = "poolside"
WINDOWPOS_UNDEFINED_DISPLAY = 0x1FFF0000  # SDL_WINDOWPOS_UNDEFINED_DISPLAY(0): | index
SPREADS_KEPT = 3600  # the last this many frames' spreads (an hour of one a second)
RENDER_DRIVER = "SDL_RENDER_DRIVER"  # SDL's hint: the renderer each window gets


def match_renderer(driver: str) -> str:
    """Choose the windows' SDL renderer for ``driver`` (before they open); its name.

    SDL's KMSDRM draws through EGL, which gives an OpenGL ES context where
    the desktop libGL is absent (Pi OS Lite, plain Debian). SDL still tries
    its desktop "opengl" renderer first: it starts without an error, every
    draw is rejected, and the screen stays black. So on KMSDRM the renderer
    that matches the context is asked for, unless the environment already
    names one.
    """
    if driver == "KMSDRM":
        os.environ.setdefault(RENDER_DRIVER, "opengles2")
    return os.environ.get(RENDER_DRIVER, "SDL's choice")


class Output:
    """One window: the surface the view is drawn into, and the renderer and texture
    that put it on the screen (SDL's, through :mod:`poolside.devices.sdl`)."""

    def __init__(self, window: video.Window) -> None:
        self.window = window
        self._sdl = sdl.library()
        pointer = self._sdl.SDL_GetWindowFromID(window.id)
        self._renderer = self._sdl.SDL_CreateRenderer(pointer, -1, 0) if pointer else None
        if not self._renderer:
            raise pygame.error(str(sdl.failed("SDL_CreateRenderer")))
        self._texture: int | None = None
        self.canvas = self._new_canvas()

    def _size(self) -> tuple[int, int]:
        width, height = self.window.size
        return width, height

    def _new_canvas(self) -> pygame.Surface:
        return pygame.Surface(self._size(), 0, 32, sdl.SURFACE_MASKS)

    def surface(self) -> pygame.Surface:
        """The surface to draw into, remade when the window changed size."""
        if self.canvas.get_size() != self._size():
            self.canvas = self._new_canvas()
            self._drop_texture()
        return self.canvas

    def upload(self) -> None:
        """The drawn surface into the window's texture (not shown yet)."""
        call = self._sdl
        width, height = self.canvas.get_size()
        if self._texture is None:
            self._texture = call.SDL_CreateTexture(
                self._renderer, sdl.PIXELFORMAT_XRGB8888, sdl.TEXTUREACCESS_STREAMING, width, height
            )
            if not self._texture:
                raise pygame.error(str(sdl.failed("SDL_CreateTexture")))
        pixels = self.canvas._pixels_address
        if call.SDL_UpdateTexture(self._texture, None, pixels, self.canvas.get_pitch()) < 0:
            raise pygame.error(str(sdl.failed("SDL_UpdateTexture")))

    def present(self) -> None:
        """The uploaded frame to the display; waits as SDL does, the GIL let go.

        The copy is drawn here, just before the swap, so that this renderer's
        GL context is the current one when SDL swaps the window: drawing makes
        it current, SDL's present alone does not, and the other outputs'
        uploads made theirs current in between.
        """
        call = self._sdl
        call.SDL_RenderClear(self._renderer)
        call.SDL_RenderCopy(self._renderer, self._texture, None, None)
        call.SDL_RenderPresent(self._renderer)

    def sampled(self) -> Colours:
        """The drawn surface's colours, sampled as the frame on the screen is
        (``scanout.sampled_xrgb``: the surface is XRGB too), to tell it is this one."""
        width, height = self.canvas.get_size()
        pixels = self.canvas.get_buffer().raw
        return sampled_xrgb(pixels, width, height, self.canvas.get_pitch()).colours()

    def shown(self) -> pygame.Surface:
        """What the window shows now, read back from its renderer."""
        width, height = self._size()
        pixels = ctypes.create_string_buffer(width * height * 4)
        read = self._sdl.SDL_RenderReadPixels(
            self._renderer, None, sdl.PIXELFORMAT_RGBA32, pixels, width * 4
        )
        if read < 0:
            raise pygame.error(str(sdl.failed("SDL_RenderReadPixels")))
        return pygame.image.fromstring(pixels.raw, (width, height), "RGBA")

    def _drop_texture(self) -> None:
        if self._texture is not None:
            self._sdl.SDL_DestroyTexture(self._texture)
            self._texture = None

    def close(self) -> None:
        """The texture, then the renderer, then the window, in SDL's order: a window
        destroyed under its renderer crashed doctor in the booted guest (KMSDRM's
        GL surface freed beneath the renderer's context: a segfault)."""
        self._drop_texture()
        if self._renderer:
            self._sdl.SDL_DestroyRenderer(self._renderer)
            self._renderer = None
        self.window.destroy()


class Outputs:
    """The kiosk's screens: every display full screen, or one window."""

    def __init__(self, fullscreen: bool, size: tuple[int, int], title: str = TITLE) -> None:
        self.fullscreen = fullscreen
        self._size = size
        self._title = title
        self.outputs: list[Output] = []
        self.spread: deque[float] = deque(maxlen=SPREADS_KEPT)  # s, first to last output
        self._spread_over = 0  # outputs the spread was last measured over
        self._open()

    def _open(self) -> None:
        displays = displays_to_use(pygame.display.get_desktop_sizes(), self.fullscreen)
        try:
            kms = pygame.display.get_driver() == "KMSDRM"
            for index, desktop in displays:
                window = video.Window(
                    self._title,
                    size=desktop if self.fullscreen else self._size,
                    position=(WINDOWPOS_UNDEFINED_DISPLAY | index,) * 2,
                    fullscreen=self.fullscreen and not kms,
                    resizable=not self.fullscreen,
                )
                if kms:
                    window.position = display_origin(index)
                self.outputs.append(Output(window))
        except pygame.error:
            self.close()
            raise
        pygame.mouse.set_visible(not self.fullscreen)

    def toggle(self) -> None:
        """Full screen on every display, or back to one window (the F key)."""
        self.close()
        self.fullscreen = not self.fullscreen
        self._open()

    def surfaces(self) -> list[pygame.Surface]:
        return [output.surface() for output in self.outputs]

    def present(self) -> None:
        """Every output's frame uploaded, then all presented in a row."""
        for output in self.outputs:
            output.upload()
        handed = []
        for output in self.outputs:
            output.present()
            handed.append(time.monotonic())
        if len(handed) > 1:
            self.spread.append(handed[-1] - handed[0])
            self._spread_over = len(handed)

    def spread_line(self) -> str | None:
        """How far apart the outputs' frames went to the display, for the journal."""
        if not self.spread:
            return None
        spread_ms = sorted(1000 * s for s in self.spread)
        p50 = statistics.median(spread_ms)
        p99 = spread_ms[min(len(spread_ms) - 1, int(0.99 * len(spread_ms)))]
        return (
            f"{len(spread_ms)} frames on {self._spread_over} outputs: the last "
            f"output's frame went to the display {p50:.1f} ms (p50), {p99:.1f} ms (p99), "
            f"{spread_ms[-1]:.1f} ms (max) after the first's"
        )

    def sampled(self) -> list[Colours]:
        return [output.sampled() for output in self.outputs]

    def sizes(self) -> list[tuple[int, int]]:
        return [output.canvas.get_size() for output in self.outputs]

    def close(self, say: Callable[[str], None] | None = None) -> None:
        """Every window closed; ``say`` gets the spread line first, if there is one."""
        spread = self.spread_line()
        if say is not None and spread is not None:
            say(spread)
        for output in self.outputs:
            output.close()
        self.outputs = []


def display_origin(index: int) -> tuple[int, int]:
    """Where SDL places display ``index`` in its one desktop space.

    KMSDRM fills a display with any window on it, and moves each window it
    makes to (0, 0), so SDL then looks for a window's display at (0, 0):
    display 0, for every window no wider than it (seen in the booted guest:
    the second window drawn on the first output, at its own size). So on
    KMSDRM the windows are made without SDL's full screen, which would place
    them by that position, and each is moved back onto its display.
    """
    bounds = sdl.Rect()
    if sdl.library().SDL_GetDisplayBounds(index, ctypes.byref(bounds)) < 0:
        raise pygame.error(str(sdl.failed("SDL_GetDisplayBounds")))
    return bounds.x, bounds.y


def displays_to_use(
    desktops: Sequence[tuple[int, int]], fullscreen: bool
) -> list[tuple[int, tuple[int, int]]]:
    """(index, desktop size) of each display to open a window on.

    Full screen takes every display SDL found (on a Pi, each connected HDMI
    output); a window takes the first.
    """
    found = list(enumerate(desktops)) or [(0, (0, 0))]
    return found if fullscreen else found[:1]


def describe(sizes: Sequence[tuple[int, int]]) -> str:
    """ "1920x1080", or "1920x1080 and 1280x720 (2 outputs)" for the journal."""
    shown = " and ".join(f"{w}x{h}" for w, h in sizes)
    return shown if len(sizes) == 1 else f"{shown} ({len(sizes)} outputs)"
