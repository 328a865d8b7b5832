"""What a KMS display is scanning out, read back from the kernel.

The kiosk's first frame can reach the screen as black without any error:
SDL's renderer and the GL context it drew into can disagree (the desktop
"opengl" renderer on an OpenGL ES context: every draw rejected, every flip
a cleared buffer), and SDL, pygame and systemd all see a kiosk that started.
So before the kiosk says READY it reads the frames the displays show: it asks
the kernel which framebuffer each active CRTC scans out (``GETCRTC``), gets a
handle to it (``GETFB``: only for the DRM master, the kiosk's own SDL file
descriptor, or for root), maps it (``MAP_DUMB``) and samples its pixels. A
frame of one colour everywhere is blank: none of the kiosk's screens is.

Standard library only, so the same file serves as a tool on a machine
without poolside (the booted test reads the guest's screen with it)::

    python3 scanout.py [--card /dev/dri/card0] [--save FRAME.ppm]

prints the frame's size and its most common colours as JSON.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import ctypes
import fcntl
import json
import mmap
import os
import re
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass

# include/uapi/drm/drm.h: DRM_IOWR(nr, size) = _IOC(READ|WRITE, 'd', nr, size).
_CARD_RES = "<4Q8I"  # drm_mode_card_res: 4 array pointers, 4 counts, min/max sizes
_CRTC = "<QIIIIIII68s"  # drm_mode_crtc: ..., fb_id, x, y, gamma size, mode_valid, mode
_FB_CMD = "<7I"  # drm_mode_fb_cmd: fb_id, width, height, pitch, bpp, depth, handle
_MAP_DUMB = "<IIQ"  # drm_mode_map_dumb: handle, pad, offset
_GEM_CLOSE = "<II"  # drm_gem_close: handle, pad
CARD = re.compile(r"/dev/dri/card\d+")


def _ioc(direction: int, nr: int, fmt: str) -> int:
    return (direction << 30) | (struct.calcsize(fmt) << 16) | (ord("d") << 8) | nr


_GETRESOURCES = _ioc(3, 0xA0, _CARD_RES)
_GETCRTC = _ioc(3, 0xA1, _CRTC)
_GETFB = _ioc(3, 0xAD, _FB_CMD)
_MAP_DUMB_IOCTL = _ioc(3, 0xB3, _MAP_DUMB)
_GEM_CLOSE_IOCTL = _ioc(1, 0x09, _GEM_CLOSE)


Colours = collections.Counter[tuple[int, int, int]]  # sampled colours: how often each


class Unreadable(Exception):
    """The frame cannot be read here (no KMS card, not the master, a format
    this reader does not know): nothing is known about the screen."""


@dataclass(frozen=True)
class Frame:
    """A scanned-out frame, sampled every ``step`` pixels across and down."""

    width: int
    height: int
    step: int
    rgb: bytes  # (width // step) x (height // step) pixels, 3 bytes each

    def colours(self) -> Colours:
        rgb = self.rgb
        return collections.Counter(zip(rgb[0::3], rgb[1::3], rgb[2::3], strict=True))

    @property
    def blank(self) -> bool:
        """One colour everywhere: nothing the kiosk draws looks like that."""
        return len(self.colours()) <= 1

    def shows(self, drawn: Colours, share: float = 0.03) -> bool:
        """Whether this is the picture whose sampled colours are ``drawn``: its two
        most common colours (the background, the text) each on about as much of
        the frame (within ``share``, 8 a channel). The console's text, an old
        frame or a blank one is not; a GPU's tiled layout, which moves pixels
        about, keeps their shares."""
        if not drawn:
            return not self.blank
        mine = self.colours()
        total, drawn_total = sum(mine.values()), sum(drawn.values())
        for colour, count in drawn.most_common(2):
            if count / drawn_total < 0.01:
                continue
            near = sum(
                n
                for c, n in mine.items()
                if all(abs(a - b) <= 8 for a, b in zip(c, colour, strict=True))
            )
            if not total or abs(near / total - count / drawn_total) > share:
                return False
        return True

    def summary(self, most: int = 8) -> dict[str, object]:
        counts = self.colours()
        total = sum(counts.values()) or 1
        top = [[list(c), round(n / total, 4)] for c, n in counts.most_common(most)]
        return {"width": self.width, "height": self.height, "colours": top}

    def ppm(self) -> bytes:
        columns, rows = self.width // self.step, self.height // self.step
        return b"P6\n%d %d\n255\n" % (columns, rows) + self.rgb


def _ioctl(fd: int, request: int, fmt: str, *values: int | bytes) -> tuple[int, ...]:
    buffer = bytearray(struct.pack(fmt, *values))
    try:
        fcntl.ioctl(fd, request, buffer, True)
    except OSError as err:
        raise Unreadable(f"DRM ioctl {request:#x}: {err.strerror}") from None
    return struct.unpack(fmt, buffer)


def shown_framebuffers(fd: int) -> list[int]:
    """The ids of the framebuffers the card's active CRTCs scan out."""
    count = _ioctl(fd, _GETRESOURCES, _CARD_RES, *([0] * 12))[5]
    ids = (ctypes.c_uint32 * max(count, 1))()
    _ioctl(fd, _GETRESOURCES, _CARD_RES, 0, ctypes.addressof(ids), 0, 0, 0, count, *([0] * 6))
    shown = []
    for crtc_id in ids[:count]:
        crtc = _ioctl(fd, _GETCRTC, _CRTC, 0, 0, crtc_id, 0, 0, 0, 0, 0, bytes(68))
        fb_id, mode_valid = crtc[3], crtc[7]
        if fb_id and mode_valid:
            shown.append(fb_id)
    return shown


def read_frame(fd: int, fb_id: int, step: int = 8) -> Frame:
    """Framebuffer ``fb_id`` (32 bits a pixel, XRGB), every ``step``-th pixel.

    A tiled buffer (a GPU's own layout) reads as scrambled pixels, but a
    blank one still reads as one colour, which is what the kiosk asks.
    """
    _, width, height, pitch, bpp, _, handle = _ioctl(fd, _GETFB, _FB_CMD, fb_id, 0, 0, 0, 0, 0, 0)
    if not handle:
        raise Unreadable("the kernel gives a framebuffer's pixels to the DRM master or root only")
    try:
        if bpp != 32:
            raise Unreadable(f"the framebuffer has {bpp} bits a pixel; this reads 32")
        offset = _ioctl(fd, _MAP_DUMB_IOCTL, _MAP_DUMB, handle, 0, 0)[2]
        try:
            view = mmap.mmap(fd, pitch * height, mmap.MAP_SHARED, mmap.PROT_READ, offset=offset)
        except OSError as err:
            raise Unreadable(f"mapping the framebuffer: {err.strerror}") from None
        with view:
            frame = sampled_xrgb(view, width, height, pitch, step)
    finally:
        with contextlib.suppress(Unreadable):
            _ioctl(fd, _GEM_CLOSE_IOCTL, _GEM_CLOSE, handle, 0)
    return frame


def sampled_xrgb(
    pixels: bytes | memoryview | mmap.mmap, width: int, height: int, pitch: int, step: int = 8
) -> Frame:
    """Every ``step``-th pixel across and down of a 32-bit XRGB picture (little-endian:
    B, G, R, X in memory): a framebuffer's, or the surface the kiosk drew it from,
    so the two are sampled alike and can be compared."""
    columns = width // step
    rgb = bytearray()
    for y in range(0, height - height % step, step):
        line = pixels[y * pitch : y * pitch + columns * step * 4]
        row = bytearray(3 * columns)
        row[0::3] = line[2 :: 4 * step]
        row[1::3] = line[1 :: 4 * step]
        row[2::3] = line[0 :: 4 * step]
        rgb += row
    return Frame(width, height, step, bytes(rgb))


def not_shown(frames: list[Frame], drawn: list[Colours]) -> list[int]:
    """The frames (numbered from 1) that are not one of the ``drawn`` pictures, each
    picture matched once, and the numbers of the frames missing for the rest.
    With nothing ``drawn`` to compare, a frame only has to be not blank."""
    left = list(drawn)
    wrong = []
    for number, frame in enumerate(frames, 1):
        if not drawn:
            if frame.blank:
                wrong.append(number)
            continue
        match = next((i for i, colours in enumerate(left) if frame.shows(colours)), None)
        if match is not None:
            left.pop(match)
        elif left:
            wrong.append(number)  # (a CRTC beyond the kiosk's outputs is not its business)
    return wrong + list(range(len(frames) + 1, max(1, len(drawn)) + 1))


def own_cards() -> Iterator[int]:
    """This process's open file descriptors on a KMS card (SDL's, under KMSDRM)."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return
    for name in names:
        with contextlib.suppress(OSError, ValueError):
            if CARD.fullmatch(os.readlink(f"/proc/self/fd/{name}")):
                yield int(name)


def own_frames(step: int = 8) -> list[Frame]:
    """The frame on each screen, read through this process's own card (the master):
    one per active CRTC, so one per output the kiosk drives."""
    reasons = []
    for fd in own_cards():
        try:
            shown = shown_framebuffers(fd)
            if shown:
                return [read_frame(fd, fb_id, step) for fb_id in shown]
            reasons.append("no active CRTC")
        except Unreadable as err:
            reasons.append(str(err))
    raise Unreadable("; ".join(reasons) or "this process has no KMS card open")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Read the frame a KMS display scans out.")
    parser.add_argument("--card", default="/dev/dri/card0")
    parser.add_argument("--save", help="write the frame (every 4th pixel) as a PPM file")
    args = parser.parse_args(argv)
    fd = os.open(args.card, os.O_RDWR | os.O_CLOEXEC)
    try:
        shown = shown_framebuffers(fd)
        if not shown:
            print(json.dumps({"error": "no active CRTC is scanning out a framebuffer"}))
            return 1
        frame = read_frame(fd, shown[0], step=4)
    except Unreadable as err:
        print(json.dumps({"error": str(err)}))
        return 1
    finally:
        os.close(fd)
    if args.save:
        os.makedirs(os.path.dirname(args.save) or ".", exist_ok=True)
        with open(args.save, "wb") as out:
            out.write(frame.ppm())
    print(json.dumps(frame.summary()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
