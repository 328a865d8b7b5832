"""SDL's own functions, called on the library pygame loaded, with the GIL let go.

pygame's ``_sdl2.video`` renderer keeps Python's GIL through each call, and
presenting a frame blocks until the display takes it (a vertical blank on a
Pi; 0.5-0.8 s under emulation): the buzzer's thread, which times each tone,
then cannot run, and in the booted guest every tone of a class read back
1.0-1.6 s long where it is 0.1-0.6 s. ``pygame.display.flip`` lets the GIL
go, and a call through ``ctypes`` does too, so the kiosk's windows are
drawn through these (poolside/devices/outputs.py). They are SDL 2's stable
API, the same on Debian's SDL and the one in pygame's wheel.
"""

from __future__ import annotations

import contextlib
import ctypes
from functools import cache

PIXELFORMAT_XRGB8888 = 0x16161804  # SDL_PIXELFORMAT_RGB888: pygame's 32-bit surfaces
SURFACE_MASKS = (0xFF0000, 0x00FF00, 0x0000FF, 0)  # that format, as pygame's masks
PIXELFORMAT_RGBA32 = 0x16762004  # SDL_PIXELFORMAT_ABGR8888: R, G, B, A bytes (little-endian)
TEXTUREACCESS_STREAMING = 1

_SIGNATURES: dict[str, tuple[object, list[object]]] = {
    "SDL_GetError": (ctypes.c_char_p, []),
    "SDL_GetWindowFromID": (ctypes.c_void_p, [ctypes.c_uint32]),
    "SDL_GetDisplayBounds": (ctypes.c_int, [ctypes.c_int, ctypes.c_void_p]),
    "SDL_CreateRenderer": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]),
    "SDL_DestroyRenderer": (None, [ctypes.c_void_p]),
    "SDL_CreateTexture": (
        ctypes.c_void_p,
        [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_int, ctypes.c_int],
    ),
    "SDL_DestroyTexture": (None, [ctypes.c_void_p]),
    "SDL_UpdateTexture": (
        ctypes.c_int,
        [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int],
    ),
    "SDL_RenderClear": (ctypes.c_int, [ctypes.c_void_p]),
    "SDL_RenderCopy": (
        ctypes.c_int,
        [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p],
    ),
    "SDL_RenderPresent": (None, [ctypes.c_void_p]),
    "SDL_RenderReadPixels": (
        ctypes.c_int,
        [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_int],
    ),
}


class Rect(ctypes.Structure):
    _fields_ = [(name, ctypes.c_int) for name in ("x", "y", "w", "h")]


class SDLError(Exception):
    """An SDL call failed; SDL_GetError's words."""


@cache
def library() -> ctypes.CDLL:
    """The SDL 2 library pygame loaded (the system's, or the one in pygame's wheel),
    its functions typed. Import pygame first."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = sorted({line.split()[-1] for line in maps if "/libSDL2-2" in line})
    except OSError:
        paths = []
    for path in [*paths, "libSDL2-2.0.so.0"]:
        with contextlib.suppress(OSError):
            sdl = ctypes.CDLL(path)
            for name, (result, arguments) in _SIGNATURES.items():
                function = getattr(sdl, name)
                function.restype = result
                function.argtypes = arguments
            return sdl
    raise SDLError("the SDL 2 library pygame uses was not found")


def failed(call: str) -> SDLError:
    said = library().SDL_GetError() or b""
    return SDLError(f"{call}: {said.decode(errors='replace')}")
