"""Sleeping until the kiosk has something to do, on any SDL video driver.

``pygame.event.wait(timeout)`` does not sleep: it looks at SDL's queue
every millisecond, about 900 wake-ups a second (measured with pygame 2.6 and
SDL 2.28 on the dummy and the x11 drivers alike), which keeps a Pi's core
awake all day for a screen that changes once a second. So the kiosk's loop
blocks in ``select()`` instead, until the next deadline or until one of
these is readable:

- a wake-up pipe, written by :meth:`Waker.post` after it puts an event on
  SDL's queue (the GPIO buttons' callbacks, on gpiozero's thread);
- the keyboards SDL reads itself: on KMSDRM (a Pi with no desktop) the
  ``/dev/input/event*`` devices, opened read-only beside SDL (each reader
  gets its own copy of the events; nothing is grabbed), looked for again
  when a device comes or goes;
- on x11, the X server's connection.

Then SDL is pumped (``pygame.event.get()``) and reads its own copies. On a
driver with none of these (wayland, say) the wait is cut to POLL_S, which
is still far from a millisecond.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import select
from pathlib import Path

import pygame

from poolside.devices.sdl import SDLError
from poolside.devices.sdl import library as sdl_library

INPUT_DIR = Path("/dev/input")
POLL_S = 0.05  # where no input can wake the loop: 20 looks a second, not 1,000
NO_INPUT_DRIVERS = frozenset({"dummy", "offscreen"})  # nothing to read but posted events


class Waker:
    """The loop's one way to sleep: :meth:`wait`; and other threads' way to wake it."""

    def __init__(
        self, driver: str, input_dir: Path = INPUT_DIR, window_id: int | None = None
    ) -> None:
        """``driver`` as SDL names it ("KMSDRM", "x11"; any case); ``window_id``: an
        SDL window of the kiosk's, whose X connection is the one SDL reads."""
        driver = driver.lower()
        self._read, self._write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._poll_s: float | None = None
        self._x11: int | None = None
        self._inputs: _InputDevices | None = None
        if driver == "kmsdrm":
            self._inputs = _InputDevices(input_dir)
        elif driver == "x11" and window_id is not None:
            self._x11 = _x11_connection(window_id)
        if driver not in NO_INPUT_DRIVERS and self._inputs is None and self._x11 is None:
            self._poll_s = POLL_S
        self.driver = driver

    @property
    def how(self) -> str:
        """For the journal: what the loop sleeps on."""
        if self._inputs is not None and not self._inputs.fds:
            return f"a look every {POLL_S * 1000:.0f} ms (no input device could be opened)"
        if self._inputs is not None:
            return f"select() on {len(self._inputs.fds)} input device(s) and a wake-up pipe"
        if self._x11 is not None:
            return "select() on the X connection and a wake-up pipe"
        if self._poll_s is not None:
            return f"a look every {self._poll_s * 1000:.0f} ms ({self.driver} cannot wake it)"
        return "select() on a wake-up pipe"

    def post(self, event: pygame.event.Event) -> None:
        """Put ``event`` on SDL's queue and wake the loop; safe from any thread."""
        pygame.event.post(event)
        self.wake()

    def wake(self) -> None:
        with contextlib.suppress(OSError):  # full: a wake-up is pending anyway; closed: ending
            os.write(self._write, b"!")

    def wait(self, timeout_s: float) -> list[pygame.event.Event]:
        """Events as soon as there are any, else after ``timeout_s`` (maybe none)."""
        events = pygame.event.get()
        if events:
            return events
        if self._poll_s is not None or (self._inputs is not None and not self._inputs.fds):
            timeout_s = min(timeout_s, POLL_S)  # nothing to wake it: look often instead
        sources = [self._read]
        if self._inputs is not None:
            sources += self._inputs.fds
        if self._x11 is not None:
            sources.append(self._x11)
        ready, _, _ = select.select(sources, [], [], max(0.0, timeout_s))
        for fd in ready:
            if fd != self._x11:  # X's own bytes are for SDL to read
                self._drain(fd)
        if self._inputs is not None:
            self._inputs.refresh()  # a keyboard or code reader plugged in since (one stat)
        return pygame.event.get()

    def _drain(self, fd: int) -> None:
        try:
            while os.read(fd, 4096):
                pass
        except BlockingIOError:
            return
        except OSError:
            pass
        if fd != self._read and self._inputs is not None:
            self._inputs.drop(fd)  # end of file or an error: the device went away

    def close(self) -> None:
        for fd in (self._read, self._write):
            os.close(fd)
        if self._inputs is not None:
            self._inputs.close()


class _InputDevices:
    """The ``event*`` nodes of an input folder, open for reading, kept up to date."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._open: dict[str, int] = {}
        self._seen: int | None = None
        self.refresh()

    @property
    def fds(self) -> list[int]:
        return list(self._open.values())

    def refresh(self) -> None:
        """Open new devices, if the folder changed since the last look."""
        try:
            changed = self._folder.stat().st_mtime_ns
            if changed == self._seen:
                return
            self._seen = changed
            names = {p.name for p in self._folder.iterdir() if p.name.startswith("event")}
        except OSError:
            return
        for name in names - self._open.keys():
            try:
                flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
                self._open[name] = os.open(self._folder / name, flags)
            except OSError:
                pass  # not ours to read: SDL will not read it either
        for name in self._open.keys() - names:
            os.close(self._open.pop(name))

    def drop(self, fd: int) -> None:
        for name, open_fd in list(self._open.items()):
            if open_fd == fd:
                os.close(self._open.pop(name))
        self._seen = None  # look again at the next timeout

    def close(self) -> None:
        for fd in self._open.values():
            os.close(fd)
        self._open.clear()


class _Version(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint8), ("minor", ctypes.c_uint8), ("patch", ctypes.c_uint8)]


class _WindowInfo(ctypes.Structure):
    """SDL_SysWMinfo as far as X11's part of it, padded to the union's 64 bytes."""

    _fields_ = [
        ("version", _Version),
        ("subsystem", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("rest", ctypes.c_uint8 * 64),
    ]


SYSWM_X11 = 2  # SDL_SYSWM_TYPE


def _x11_connection(window_id: int) -> int | None:
    """The X server connection's descriptor, from the Display SDL opened for the window.

    pygame gives it only for its display module's window, which the kiosk has
    not (poolside/devices/outputs.py), so SDL is asked itself.
    """
    library = ctypes.util.find_library("X11")
    if library is None:
        return None
    try:
        sdl = sdl_library()
        sdl.SDL_GetWindowWMInfo.argtypes = [ctypes.c_void_p, ctypes.POINTER(_WindowInfo)]
        info = _WindowInfo()
        info.version = _Version(*pygame.get_sdl_version())
        window = sdl.SDL_GetWindowFromID(window_id)
        if not window or not sdl.SDL_GetWindowWMInfo(window, ctypes.byref(info)):
            return None
        if info.subsystem != SYSWM_X11 or not info.display:
            return None
        x11 = ctypes.CDLL(library)
        x11.XConnectionNumber.restype = ctypes.c_int
        x11.XConnectionNumber.argtypes = [ctypes.c_void_p]
        fd = int(x11.XConnectionNumber(info.display))
    except (OSError, AttributeError, SDLError):
        return None
    return fd if fd >= 0 else None
