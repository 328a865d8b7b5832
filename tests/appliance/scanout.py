"""Read the frame a KMS display is scanning out, from inside the guest.

Runs in the guest as root with the system Python alone (no poolside, no
pygame), while the kiosk holds the display. It asks the kernel which
framebuffer each active CRTC scans out (``GETCRTC``), takes a handle to it
(``GETFB``, root only), maps it (``MAP_DUMB``) and reads the pixels: what the
display shows, whichever process drew it. QEMU's own screendump does not
show what SDL's KMSDRM draws on these emulated displays, so this is the
test's eye.

Prints one JSON object: width, height and the share of the most common
colours (sampled); with ``--save FILE`` it also writes a quarter-size PPM.

usage: python3 scanout.py [--card /dev/dri/card0] [--save FILE.ppm]
"""

from __future__ import annotations

import argparse
import collections
import fcntl
import json
import mmap
import os
import struct
import sys

# include/uapi/drm/drm.h: DRM_IOWR(nr, size) = _IOC(READ|WRITE, 'd', nr, size)


def _iowr(nr: int, size: int) -> int:
    return (3 << 30) | (size << 16) | (ord("d") << 8) | nr


CARD_RES = "<4Q8I"  # drm_mode_card_res: 4 pointers, 4 counts, min/max sizes
CRTC = "<QIIIIIII68s"  # drm_mode_crtc: ..., fb_id, x, y, gamma, mode_valid, mode
FB_CMD = "<7I"  # drm_mode_fb_cmd: fb_id, width, height, pitch, bpp, depth, handle
MAP_DUMB = "<IIQ"  # drm_mode_map_dumb: handle, pad, offset
GETRESOURCES = _iowr(0xA0, struct.calcsize(CARD_RES))
GETCRTC = _iowr(0xA1, struct.calcsize(CRTC))
GETFB = _iowr(0xAD, struct.calcsize(FB_CMD))
MAP_DUMB_IOCTL = _iowr(0xB3, struct.calcsize(MAP_DUMB))


def _ioctl(fd: int, request: int, fmt: str, *values: int | bytes) -> tuple:
    buffer = bytearray(struct.pack(fmt, *values))
    fcntl.ioctl(fd, request, buffer, True)
    return struct.unpack(fmt, buffer)


def scanned_out_framebuffers(fd: int) -> list[int]:
    """The framebuffer ids the card's active CRTCs show."""
    counts = _ioctl(fd, GETRESOURCES, CARD_RES, *([0] * 12))
    n_crtcs = counts[5]
    ids = bytearray(4 * n_crtcs)
    _ioctl(fd, GETRESOURCES, CARD_RES, 0, _address(ids), 0, 0, 0, n_crtcs, 0, 0, 0, 0, 0, 0)
    shown = []
    for (crtc_id,) in struct.iter_unpack("<I", ids):
        crtc = _ioctl(fd, GETCRTC, CRTC, 0, 0, crtc_id, 0, 0, 0, 0, 0, bytes(68))
        fb_id, mode_valid = crtc[3], crtc[7]
        if fb_id and mode_valid:
            shown.append(fb_id)
    return shown


def _address(buffer: bytearray) -> int:
    import ctypes

    return ctypes.addressof((ctypes.c_char * len(buffer)).from_buffer(buffer))


def read_frame(fd: int, fb_id: int) -> tuple[int, int, bytes]:
    """(width, height, RGB bytes) of framebuffer ``fb_id`` (32 bpp XRGB)."""
    _, width, height, pitch, bpp, _, handle = _ioctl(fd, GETFB, FB_CMD, fb_id, 0, 0, 0, 0, 0, 0)
    if not handle:
        raise SystemExit("GETFB gave no handle: run as root")
    if bpp != 32:
        raise SystemExit(f"framebuffer has {bpp} bits per pixel; only 32 is read")
    offset = _ioctl(fd, MAP_DUMB_IOCTL, MAP_DUMB, handle, 0, 0)[2]
    with mmap.mmap(fd, pitch * height, mmap.MAP_SHARED, mmap.PROT_READ, offset=offset) as m:
        raw = m[: pitch * height]
    rgb = bytearray(width * height * 3)
    for y in range(height):
        row = raw[y * pitch : y * pitch + width * 4]
        rgb[y * width * 3 : (y + 1) * width * 3 : 3] = row[2::4]  # XRGB little-endian: B G R X
        rgb[y * width * 3 + 1 : (y + 1) * width * 3 : 3] = row[1::4]
        rgb[y * width * 3 + 2 : (y + 1) * width * 3 : 3] = row[0::4]
    return width, height, bytes(rgb)


def summary(width: int, height: int, rgb: bytes, step: int = 7) -> dict:
    """Image size and the share of each of the most common colours (sampled)."""
    counts: collections.Counter[tuple[int, int, int]] = collections.Counter()
    for i in range(0, len(rgb) - 2, 3 * step):
        counts[(rgb[i], rgb[i + 1], rgb[i + 2])] += 1
    total = sum(counts.values()) or 1
    top = [[list(colour), round(n / total, 4)] for colour, n in counts.most_common(8)]
    return {"width": width, "height": height, "colours": top}


def save_quarter(path: str, width: int, height: int, rgb: bytes) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    small_w, small_h = width // 4, height // 4
    out = bytearray()
    for y in range(small_h):
        row = rgb[(4 * y) * width * 3 : (4 * y + 1) * width * 3]
        for x in range(small_w):
            out += row[12 * x : 12 * x + 3]
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (small_w, small_h) + bytes(out))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--card", default="/dev/dri/card0")
    parser.add_argument("--save")
    args = parser.parse_args()
    fd = os.open(args.card, os.O_RDWR | os.O_CLOEXEC)
    shown = scanned_out_framebuffers(fd)
    if not shown:
        print(json.dumps({"error": "no active CRTC is scanning out a framebuffer"}))
        return 1
    width, height, rgb = read_frame(fd, shown[0])
    if args.save:
        save_quarter(args.save, width, height, rgb)
    print(json.dumps(summary(width, height, rgb)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
