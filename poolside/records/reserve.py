"""Space held back on the data disk, given up the moment the disk is full.

An SD card fills up slowly (logs, a forgotten copy) and then all at once,
often mid-class. The kiosk keeps ``DATA/.reserve``, a few MiB allocated
while there is room; when SQLite or a batch write says the disk is full,
the reserve is deleted and the write tried again at once, so the class's
records are on disk (and survive a restart or a power cut) instead of
waiting in memory for space that may not come back before the plug is
pulled. The next start-up with room to spare allocates it again.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from poolside.records import plain

RESERVE_FILE = ".reserve"
RESERVE_BYTES = 4 * 2**20  # about 4,000 session records with their WAL pages: weeks of classes
ALMOST_NOTHING = 256 * 1024  # free bytes below which any write error is taken as "disk full"


def keep(folder: Path) -> bool:
    """Make sure ``folder/.reserve`` holds RESERVE_BYTES allocated; false if there is no room.

    Where there is no room, a reserve already there keeps what it held, and
    none is left behind where there was none.
    """
    path, size = folder / RESERVE_FILE, RESERVE_BYTES
    try:  # a link or FIFO at the name is replaced, never followed or waited on
        fd = plain.open_plain(path, os.O_WRONLY | os.O_CREAT)
    except OSError:
        return False
    had = 0
    try:
        info = os.fstat(fd)
        had = info.st_size
        if info.st_blocks * 512 >= size:
            return True
        os.posix_fallocate(fd, 0, size)  # blocks, not a sparse hole: really taken from the disk
        return True
    except OSError:
        if had:
            os.ftruncate(fd, had)  # what it held before, no part of a bigger one
        else:
            path.unlink(missing_ok=True)
        return False
    finally:
        os.close(fd)


def give_up(folder: Path) -> bool:
    """Delete the reserve, freeing its space; true if there was one to free."""
    path = folder / RESERVE_FILE
    try:
        held = path.lstat().st_blocks > 0
        path.unlink()
    except OSError:
        return False
    return held


def is_disk_full(err: BaseException, folder: Path) -> bool:
    """SQLite's "database or disk is full", ENOSPC/EDQUOT, or any write error on a
    disk with almost nothing left (SQLite says "disk I/O error" when the file
    beside the WAL cannot grow)."""
    if isinstance(err, sqlite3.OperationalError) and (
        getattr(err, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "is full" in str(err)
    ):
        return True
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    try:
        room = os.statvfs(folder)
    except OSError:
        return False
    return room.f_bavail * room.f_frsize < ALMOST_NOTHING
