"""An output folder written whole: one writer at a time, every file swapped in at once.

The export writes seven files. Written in place, a full disk (or a pulled
plug, or a kill) part-way leaves a torn file under its real name beside the
last export's others, and two exports into one folder interleave into a
mixture nobody can tell from a real one. Here every output is first written
into a staging folder inside the output folder (same file system), each file
fsynced, then renamed over its final name one by one: a final name only ever
holds a whole file, and a failure before the renames leaves the last
export's files as they were. A lock file held for the whole run keeps a
second writer out: it is refused at once with what is going on.

The lock and the staging folders are fixed names in a folder the user
chose: a link, a FIFO or a device at the lock's name is refused (never
followed or waited on), and a staging folder a killed run left behind is
removed by the next run (never following a link out of the folder).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from poolside.records import plain
from poolside.records.durable import sync_folder

LOCK = ".poolside-export.lock"
STAGE_PREFIX = ".poolside-export-"


class OutputBusy(Exception):
    """Another writer holds the output folder, or its lock's name is not a file."""


@contextlib.contextmanager
def written_whole(out: Path) -> Iterator[Path]:
    """A staging folder to write every output into; on a clean exit each file
    replaces its final name in ``out``. Raises :class:`OutputBusy`."""
    out.mkdir(parents=True, exist_ok=True)
    lock = _lock(out / LOCK)
    try:
        _remove_left_stages(out)
        stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=out))
        try:
            yield stage
            names = sorted(os.listdir(stage))
            for name in names:
                _fsync(stage / name)
            for name in names:
                os.replace(stage / name, out / name)  # a link at the name is replaced, not followed
            sync_folder(out)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    finally:
        os.close(lock)


def _lock(path: Path) -> int:
    try:  # the user's folder: whatever stands at the name is theirs to remove
        fd = plain.open_plain(path, os.O_RDWR | os.O_CREAT, replace=False)
    except plain.NotPlain as err:
        raise OutputBusy(f"{err.strerror}: remove it") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise OutputBusy(
            f"another export is writing to {path.parent}: wait for it to finish, or choose"
            " another --out"
        ) from None
    return fd


def _remove_left_stages(out: Path) -> None:
    """Staging folders of runs that were killed: ours (by name), real folders only."""
    for entry in os.scandir(out):
        if entry.name.startswith(STAGE_PREFIX) and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
