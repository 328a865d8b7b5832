"""Fixed names in the data folder, opened as plain files or not at all.

The data folder has names poolside always uses: the lock, the reserve, the
database and its journal, the device id, the outbox and its sync log, held
writes and temporary ``.part`` names. Whatever else stands at one of them (a
link to a file elsewhere, a FIFO, a device, a socket) is never followed and
never waited on: opening never blocks (``O_NONBLOCK``) and never goes through
a link (``O_NOFOLLOW``). A name that holds only poolside's own bookkeeping
(lock, reserve, log, journal, ``.part``) is replaced by a plain file; one
whose content matters (the database, the device id) is moved aside, kept for
a look by hand, as a damaged file is.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
from pathlib import Path

_NOT_OPENED = (errno.ELOOP, errno.ENXIO, errno.EISDIR, errno.ENOTDIR, errno.EWOULDBLOCK)


class NotPlain(OSError):
    """Something other than a plain file stands at a fixed name and cannot be replaced."""


def is_plain(path: Path) -> bool | None:
    """True for a plain file, False for anything else at ``path``, None for nothing."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return None


def is_real_folder(path: Path) -> bool:
    """A folder itself at ``path`` (not a link to one)."""
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False


def open_plain(path: Path, flags: int, mode: int = 0o600, replace: bool = True) -> int:
    """``os.open`` of a bookkeeping name: a plain file, made if missing; anything
    else there is removed (the entry only) and a plain file made in its place, or
    with ``replace=False`` (a name in someone else's folder) refused: :class:`NotPlain`."""
    fd = _try_open(path, flags, mode)
    if fd is not None:
        return fd
    if not replace:
        raise NotPlain(errno.EEXIST, f"{path} is not a plain file (a link or a special file)")
    clear(path)
    fd = _try_open(path, flags | os.O_CREAT | os.O_EXCL, mode)
    if fd is None:
        raise NotPlain(errno.EEXIST, f"{path} keeps coming back as a link or a special file")
    return fd


def clear(path: Path) -> None:
    """Remove whatever is at ``path`` unless it is a plain file or a folder (a folder
    at a fixed name is the user's to look at: :class:`NotPlain`)."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISREG(info.st_mode):
        return
    if stat.S_ISDIR(info.st_mode):
        raise NotPlain(errno.EISDIR, f"{path} is a folder, where poolside keeps a file")
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def move_aside(path: Path) -> Path | None:
    """A link or special file at a name whose content matters, renamed beside it
    (``NAME.not-a-file``) so a new plain file can be made; None if it was plain."""
    if is_plain(path) is not False:
        return None
    if is_real_folder(path):
        raise NotPlain(errno.EISDIR, f"{path} is a folder, where poolside keeps a file")
    kept = path.with_name(f"{path.name}.not-a-file")
    clear(kept)
    path.rename(kept)  # renames the entry itself: a link is moved, never followed
    return kept


def real_folder(path: Path) -> None:
    """``path`` as a folder of its own: made if missing; a link or file there removed
    and a folder made (never a folder somewhere else reached through a link)."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        path.mkdir()
        return
    if stat.S_ISDIR(info.st_mode):
        return
    path.unlink()
    path.mkdir()


def _try_open(path: Path, flags: int, mode: int) -> int | None:
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode)
    except FileNotFoundError:
        if flags & os.O_CREAT:
            raise
        return None
    except OSError as err:
        if err.errno in _NOT_OPENED:
            return None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return fd
