"""The loop's sleep: woken by a posted event, an input device, a new device; else it sleeps."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pygame
import pytest

from poolside.devices import sdl, wakeup
from poolside.devices.wakeup import Waker

LONG_S = 30.0  # a wait that ends early proves the wake-up; one that ran out would fail


@pytest.fixture
def display():
    pygame.display.init()
    pygame.display.set_mode((64, 64))
    pygame.event.get()
    yield
    pygame.display.quit()


def _key_press(path: Path) -> int:
    """Open the stand-in device for writing (kept open, as a device stays) and press."""
    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    os.write(fd, b"\0" * 24)  # one struct input_event
    return fd


def test_an_event_posted_from_another_thread_wakes_the_wait_at_once(display: None) -> None:
    waker = Waker("dummy")
    try:
        assert waker.how == "select() on a wake-up pipe"
        thread = threading.Thread(
            target=waker.post, args=(pygame.event.Event(pygame.USEREVENT, role="start"),)
        )
        t0 = time.monotonic()
        thread.start()
        events = waker.wait(LONG_S)
        while not events:  # the post may land between the queue look and select()
            events = waker.wait(LONG_S)
        thread.join()
        assert [e.role for e in events] == ["start"] and time.monotonic() - t0 < LONG_S
    finally:
        waker.close()


def test_nothing_to_do_sleeps_the_whole_timeout(display: None) -> None:
    waker = Waker("dummy")
    try:
        t0 = time.monotonic()
        assert waker.wait(0.2) == []
        assert time.monotonic() - t0 >= 0.19
    finally:
        waker.close()


def test_on_kmsdrm_an_input_device_wakes_it_and_a_new_one_is_found(
    display: None, tmp_path: Path
) -> None:
    """FIFOs stand in for /dev/input/event*: readable when a key is pressed."""
    os.mkfifo(tmp_path / "event0")
    os.mkfifo(tmp_path / "mouse0")  # not an event node: not read
    waker = Waker("KMSDRM", input_dir=tmp_path)  # as SDL names it on a Pi
    try:
        assert waker.how == "select() on 1 input device(s) and a wake-up pipe"
        writer = _key_press(tmp_path / "event0")
        t0 = time.monotonic()
        waker.wait(LONG_S)
        assert time.monotonic() - t0 < LONG_S
        assert waker.wait(0.0) == [] and waker.how.startswith("select() on 1 input"), "drained"
        os.mkfifo(tmp_path / "event1")  # a code reader plugged in
        os.utime(tmp_path, ns=(0, time.time_ns() + 10**9))  # the folder's mtime moves on
        waker.wait(0.0)
        assert waker.how == "select() on 2 input device(s) and a wake-up pipe"
        second = _key_press(tmp_path / "event1")
        t0 = time.monotonic()
        waker.wait(LONG_S)
        assert time.monotonic() - t0 < LONG_S
        (tmp_path / "event1").unlink()  # unplugged: the node goes, the device ends
        os.close(second)
        waker.wait(LONG_S)
        assert waker.how == "select() on 1 input device(s) and a wake-up pipe"
        os.close(writer)
    finally:
        waker.close()


@pytest.mark.parametrize(
    "driver", ["wayland", "KMSDRM"], ids=["no-wake-up-source", "kmsdrm-no-readable-device"]
)
def test_where_nothing_can_wake_it_the_loop_looks_often_not_every_millisecond(
    display: None, tmp_path: Path, driver: str
) -> None:
    """A driver with no source to select() on, or KMSDRM without /dev/input access
    (a missing group; here an empty folder): keys still reach the loop within 50 ms."""
    waker = Waker(driver, input_dir=tmp_path)
    try:
        assert waker.how.startswith("a look every 50 ms")
        t0 = time.monotonic()
        waker.wait(LONG_S)
        assert time.monotonic() - t0 < 1.0
    finally:
        waker.close()


def test_the_x_connection_is_asked_of_the_sdl_pygame_loaded() -> None:
    """On a desktop the loop sleeps on SDL's X connection, got from SDL itself for
    the kiosk's window: here the library is found and asked, and the dummy
    driver's window answers that it has no X connection."""
    from pygame._sdl2 import video

    pygame.display.init()
    try:
        window = video.Window("poolside", (64, 64))
        assert sdl.library().SDL_GetWindowFromID(window.id), "SDL knows the window by its id"
        assert wakeup._x11_connection(window.id) is None
        waker = Waker("x11", window_id=window.id)  # no X there: it looks every 50 ms
        assert waker.how.startswith("a look every 50 ms")
        waker.close()
    finally:
        pygame.display.quit()
