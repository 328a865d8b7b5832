"""Reading an input file whole, with its size checked before a byte is read.

Programs, plans, configs, rosters and sidecars come from anyone's USB stick.
A 3 GB file, ``/dev/zero`` or a FIFO named like one must be refused at once,
never read into memory or waited on: the file is opened without blocking,
``fstat`` must say it is a regular file within the limit, and at most
``limit + 1`` bytes are read (a file that grows while being read is caught
too).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class Unreadable(ValueError):
    """Not a regular file, or larger than the limit; the message says which."""


def read_bounded(path: str | Path, limit: int, follow: bool = True) -> bytes:
    """The bytes of ``path``; raises :class:`Unreadable` or ``OSError``.

    ``follow=False``: a link is not followed (``OSError`` ELOOP).
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    try:
        data = read_regular(fd, limit)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise Unreadable(f"file is larger than {limit} bytes")
    return data


def read_regular(fd: int, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the open regular file ``fd``.

    A file that is larger (by ``fstat`` first, or as it grows) comes back
    ``limit + 1`` bytes long, for the caller to refuse or to compare unequal.
    """
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise Unreadable("not a regular file (a device, FIFO or folder?)")
    if info.st_size > limit:
        raise Unreadable(f"file is larger than {limit} bytes")
    chunks, size = [], 0
    while size <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - size))):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
