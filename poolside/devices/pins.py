"""The folder gpiozero's lgpio pin factory works in, kept private.

lgpio (gpiozero's default pin factory on Raspberry Pi OS) makes a FIFO,
``.lgd-nfy<N>``, for its edge callbacks in its working folder, and changes
the whole process's current folder to it. By default that is the current
folder: ``/`` for the kiosk's unit, which ``ProtectSystem=strict`` keeps
read-only, so every button's callback fails; and for a person running
``poolside doctor``, wherever they stand, where the FIFOs are left behind.

:func:`lgpio_folder` points lgpio (``LG_WD``) at a folder of poolside's own
while the GPIO devices are made: under systemd the unit's runtime folder
(``/run/poolside/lgpio``, emptied when the unit stops), elsewhere a
temporary folder removed at exit. Afterwards the process gets its own
current folder back, so relative paths keep their meaning. An ``LG_WD``
already set is left as it is.

:func:`line_users` asks the kernel who holds a chip's lines, without
claiming them: ``poolside doctor`` checks the running kiosk's lines so.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import shutil
import struct
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

LG_WD = "LG_WD"


@contextlib.contextmanager
def lgpio_folder() -> Iterator[Path]:
    """Make GPIO devices inside this: lgpio's files go to a private folder."""
    if LG_WD not in os.environ:
        os.environ[LG_WD] = str(_private_folder())
    try:
        here: str | None = os.getcwd()
    except OSError:  # a folder removed under us: nothing to go back to
        here = None
    try:
        yield Path(os.environ[LG_WD])
    finally:
        if here is not None:
            with contextlib.suppress(OSError):
                os.chdir(here)


def _private_folder() -> Path:
    runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
    if runtime and Path(runtime).is_dir():
        folder = Path(runtime) / "lgpio"
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
        if folder.is_dir() and not folder.is_symlink():
            return folder
    folder = Path(tempfile.mkdtemp(prefix="poolside-lgpio-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


# linux/gpio.h: GPIO_V2_GET_LINEINFO_IOCTL = _IOWR(0xB4, 0x05, struct gpio_v2_line_info),
# 256 bytes: name[32], consumer[32], offset, num_attrs, flags (u64), attrs[10], padding[4].
_LINE_INFO = "<32s32sIIQ160s16s"
_GET_LINEINFO = (3 << 30) | (struct.calcsize(_LINE_INFO) << 16) | (0xB4 << 8) | 0x05
_LINE_USED = 1


def line_users(chip: Path, offsets: Iterable[int]) -> dict[int, str | None]:
    """Who holds each line of ``chip`` (its consumer's name, '' if it gave none),
    ``None`` for a free line: asked of the kernel without claiming any line, so
    it works while the kiosk holds them. Raises OSError if the chip cannot be read.
    """
    fd = os.open(chip, os.O_RDONLY | os.O_CLOEXEC)
    try:
        users: dict[int, str | None] = {}
        for offset in offsets:
            request = bytearray(struct.pack(_LINE_INFO, b"", b"", offset, 0, 0, b"", b""))
            fcntl.ioctl(fd, _GET_LINEINFO, request, True)
            _, consumer, _, _, flags, _, _ = struct.unpack(_LINE_INFO, request)
            used = bool(flags & _LINE_USED)
            users[offset] = consumer.split(b"\0", 1)[0].decode(errors="replace") if used else None
        return users
    finally:
        os.close(fd)
