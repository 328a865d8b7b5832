"""Writes the disk refused, kept where the kiosk's next start finds them.

Past the reserve (:mod:`poolside.records.reserve`), a write the data disk
refuses waits in memory. So that a restart of the kiosk (systemd's, after
the watchdog, or by hand) does not lose it, every change to that list is
also written, whole, to a file on another file system: the service's
runtime folder (``/run/poolside``, kept across restarts), else the user's
runtime folder, else a private folder in ``/dev/shm``. The next start-up
on the same data folder puts the writes in, in order, and deletes the file.
RAM does not survive a power cut; nothing on a full disk would either.

Each write is data, not code: a :mod:`poolside.records.writes` value, kept
as its name and its fields in JSON, so a file found there can only ask for
the store's writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import asdict, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from poolside.core.bounded import Unreadable, read_bounded
from poolside.records import plain
from poolside.records.durable import write_whole
from poolside.records.store import ClockFacts, Run
from poolside.records.writes import Write, arguments, from_arguments

MAX_SPILL_BYTES = 16 * 2**20  # a very long class of a full roster, many times over


def spill_path(data: Path, device: str) -> Path | None:
    """Where this data folder's held writes go; ``None`` if no private folder is usable."""
    key = hashlib.sha256(str(data.resolve()).encode()).hexdigest()[:12]
    name = f"held-{device}-{key}.json"
    for base in (os.environ.get("RUNTIME_DIRECTORY"), os.environ.get("XDG_RUNTIME_DIR")):
        if base and _private(Path(base.split(":")[0])):
            return Path(base.split(":")[0]) / name
    folder = Path("/dev/shm") / f"poolside-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None
    return folder / name if _private(folder) else None


def _private(folder: Path) -> bool:
    """A real folder of ours that nobody else may write to."""
    try:
        info = folder.lstat()
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.getuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def save(path: Path, writes: list[Write]) -> None:
    """Replace the file with ``writes`` (none: remove it). Best effort: RAM may be short too."""
    try:
        if not writes:
            path.unlink(missing_ok=True)
            return
        partial = path.with_name(f".{path.name}.part")
        fd = plain.open_plain(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump([encoded(write) for write in writes], handle)
        partial.replace(path)
    except OSError:
        pass


def load(path: Path) -> list[Write]:
    """The writes kept at ``path`` that this version can apply."""
    return read_kept(path)[0]


def read_kept(path: Path) -> tuple[list[Write], list[Any]]:
    """The writes kept at ``path`` this version can apply, in order, and the rest as
    they were stored (an update in between, a damaged file): never all or nothing.
    An unreadable file, a link or a FIFO gives neither (nothing is read)."""
    try:
        data = read_bounded(path, MAX_SPILL_BYTES, follow=False)
    except (OSError, Unreadable):
        return [], []
    try:
        items = json.loads(data)
    except ValueError:
        return [], [data.decode("utf-8", "replace")]
    if not isinstance(items, list):
        return [], [items]
    writes, unusable = [], []
    for item in items:
        try:
            writes.append(_decode(item))
        except (ValueError, TypeError, KeyError, AttributeError):
            unusable.append(item)
    return writes, unusable


def set_aside(folders: list[Path], unusable: list[Any]) -> Path | None:
    """Keep writes this version cannot apply, for a look by hand, in the first of
    ``folders`` that takes them (the data folder, else the runtime one); where."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    data = json.dumps(unusable, default=str, indent=1).encode()
    for folder in folders:
        path = folder / f"held-set-aside-{stamp}.json"
        try:
            write_whole(path, data)
        except OSError:
            continue
        return path
    return None


def encoded(write: Write) -> dict[str, Any]:
    """A write as the file keeps it (also for one set aside)."""
    return {"write": write.name, "args": [_value(a) for a in arguments(write)]}


def _value(value: Any) -> Any:
    if isinstance(value, ClockFacts):
        return {"ClockFacts": {**asdict(value), "wall": value.wall.isoformat()}}
    if isinstance(value, Run):
        return {"Run": asdict(value)}
    if isinstance(value, list) and value and isinstance(value[0], tuple):
        return [list(item) for item in value]  # start_run's (record id, participant) pairs
    return value


def _decode(item: dict[str, Any]) -> Write:
    return from_arguments(item["write"], [_typed(a) for a in item["args"]])


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"ClockFacts"}:
        facts = value["ClockFacts"]
        names = {f.name for f in fields(ClockFacts)}
        facts = {k: v for k, v in facts.items() if k in names}
        return ClockFacts(**{**facts, "wall": datetime.fromisoformat(facts["wall"])})
    if isinstance(value, dict) and set(value) == {"Run"}:
        return Run(**value["Run"])
    if isinstance(value, list) and value and isinstance(value[0], list):
        return [tuple(item) for item in value]
    return value
