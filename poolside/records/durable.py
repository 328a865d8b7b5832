"""Files that are whole or absent after a power cut: temporary name, fsync, rename.

The rename is atomic, and fsyncing the folder makes the rename itself
survive the cut. Used for the device id, the outbox's batches and their
copies on a USB stick or share, and the screens' pairing key.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from poolside.records import plain


def write_whole(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``path`` through ``.NAME.part`` and a rename; call :func:`sync_folder` after."""
    partial = path.with_name(f".{path.name}.part")
    # a link or FIFO planted at the temporary name is replaced, never followed
    fd = plain.open_plain(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with open(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)


def sync_folder(folder: Path | int) -> None:
    """fsync a folder (a path, or a descriptor open on it), so its renames survive a cut.

    Some file systems (FAT on a USB stick, some network shares) refuse to
    fsync a folder; there the rename is as safe as that file system allows.
    """
    handle = folder if isinstance(folder, int) else os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    except OSError as err:
        if err.errno != errno.EINVAL:
            raise
    finally:
        if not isinstance(folder, int):
            os.close(handle)
