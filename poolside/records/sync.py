"""``poolside sync``: copy the outbox's batches to where the study team collects them.

Two kinds of destination:

- a folder (a USB stick, a mounted network share, a folder that Syncthing
  or rclone carries on): batches land in ``DEST/<device>/``, copied to a
  temporary name, fsynced and renamed, then read back and compared by size
  and SHA-256;
- rsync, for ``host:path``, ``user@host:path`` and ``rsync://`` (or any
  folder with ``--rsync``): rsync writes to a temporary file and renames,
  ``--ignore-existing`` never overwrites, and a ``--checksum`` dry run
  afterwards must find nothing that differs.

A batch counts as synced, in ``outbox/synced.log``, only once it is verified
at the destination, so an interrupted sync resumes on the next run and a
repeated one changes nothing. An existing file of the same name with other
content is an error, never overwritten. Every failure is one line.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from poolside import tools
from poolside.core import words
from poolside.core.bounded import Unreadable, read_bounded, read_regular
from poolside.records import plain
from poolside.records.batchname import valid_device_id
from poolside.records.durable import sync_folder
from poolside.records.outbox import outbox_dir, sidecar_text, waiting
from poolside.records.store import DEVICE_FILE

LOG = "synced.log"
MAX_LOG_BYTES = 64 * 2**20  # a line per batch copied: decades of a Pi's classes
RSYNC_TIMEOUT_S = 30
SSH_KEY_CREDENTIAL = "sync-ssh-key"  # systemd LoadCredential= names
KNOWN_HOSTS_CREDENTIAL = "sync-known-hosts"


class SyncError(Exception):
    """A destination problem, said in one line; nothing was marked synced."""


@dataclass(frozen=True)
class SyncResult:
    destination: str
    copied: tuple[str, ...]
    waiting_before: int


def is_remote(dest: str) -> bool:
    """``rsync://...``, ``host:path`` or ``user@host:path`` (not ``C:`` or ``./a:b``)."""
    if dest.startswith("rsync://"):
        return True
    head, colon, _ = dest.partition(":")
    return bool(colon) and "/" not in head and len(head) > 1


def destination_problem(dest: str) -> str | None:
    """What makes ``dest`` (the config's text) unsafe to hand to rsync and ssh, or None.

    A NUL cannot be passed at all; a host that starts with ``-`` would be read
    by ssh as an option (``-oProxyCommand=...`` runs a command), whatever
    rsync's own ``--`` says."""
    if "\0" in dest:
        return "the destination holds a NUL character"
    if dest.startswith("-"):
        return f"the destination cannot start with '-' (a folder so named: ./{dest}): {dest!r}"
    if is_remote(dest):
        host = dest.removeprefix("rsync://").partition(":")[0].partition("/")[0]
        if host.rpartition("@")[2].startswith("-") or host.startswith("-"):
            return f"the destination's host cannot start with '-': {dest!r}"
    return None


def sync(data: Path, dest: str, use_rsync: bool = False) -> SyncResult:
    """Copy every batch not yet verified at ``dest``; raises :class:`SyncError`."""
    problem = destination_problem(dest)
    if problem is not None:
        raise SyncError(problem)
    device = _device(data)
    done = synced_names(data, dest)
    pending = [path for path in waiting(data) if path.name not in done]
    if pending and (use_rsync or is_remote(dest)):
        _by_rsync(pending, dest, device)
        _log(data, dest, [path.name for path in pending])
    elif pending:
        _to_folder(pending, Path(dest), device, lambda name: _log(data, dest, [name]))
    return SyncResult(dest, tuple(path.name for path in pending), len(pending))


# -- folders ----------------------------------------------------------------------
# Everything below the destination goes through directory file descriptors
# (openat-style) with O_NOFOLLOW: a link planted at the device folder, at a
# batch name or at a temporary name is refused or removed as a link, never
# followed out of the destination, and no check-then-use can race.
PART = re.compile(r"\.[^/]+\.jsonl(?:\.sha256)?\.part")  # sync's own temporary names
NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC


def _to_folder(
    batches: list[Path], dest: Path, device: str, verified: Callable[[str], None]
) -> None:
    """Copy and verify batch by batch, each noted as soon as it is verified."""
    try:
        root = os.open(dest, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        raise SyncError(f"{dest}: no such folder (is the USB stick or share mounted?)") from None
    except OSError as err:
        raise SyncError(_explain(err, dest)) from None
    try:
        folder = _device_folder(root, device, dest)
        try:
            _clean_parts(folder)
            for batch in batches:
                data = batch.read_bytes()
                where = dest / device
                _place(folder, batch.name, data, where)
                _place(
                    folder, f"{batch.name}.sha256", sidecar_text(batch.name, data).encode(), where
                )
                sync_folder(folder)
                _verify(folder, batch.name, data, where)
                verified(batch.name)
        finally:
            os.close(folder)
    except OSError as err:
        raise SyncError(_explain(err, dest)) from None
    finally:
        os.close(root)


def _device_folder(root: int, device: str, dest: Path) -> int:
    """DEST/<device>, made if missing, opened without following a link."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(device, 0o755, dir_fd=root)
    try:
        return os.open(device, os.O_RDONLY | os.O_DIRECTORY | NOFOLLOW, dir_fd=root)
    except OSError as err:
        if err.errno in (errno.ELOOP, errno.ENOTDIR):
            raise SyncError(
                f"{dest / device}: not a folder (a link or a file): refused, nothing written"
            ) from None
        raise


def _clean_parts(folder: int) -> None:
    """Remove what a killed sync left: only names of its own pattern, as entries.

    ``unlink`` removes a link itself, never what it points to; a folder of
    that name is left alone.
    """
    for name in os.listdir(folder):
        if PART.fullmatch(name) and not _is_dir(folder, name):
            os.unlink(name, dir_fd=folder)


def _is_dir(folder: int, name: str) -> bool:
    return stat.S_ISDIR(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)


def _read_entry(folder: int, name: str, where: Path, limit: int) -> bytes | None:
    """Up to ``limit + 1`` bytes of the regular file ``name`` (None if absent).

    A link or any other kind of entry is refused, never followed or waited on.
    """
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | NOFOLLOW, dir_fd=folder)
    except FileNotFoundError:
        return None
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise SyncError(f"{where / name}: is a link: refused, not followed") from None
        raise
    try:
        return read_regular(fd, limit)
    except Unreadable:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return b""  # larger than the batch: not the same file
        raise SyncError(f"{where / name}: not a regular file: refused") from None
    finally:
        os.close(fd)


def _place(folder: int, name: str, data: bytes, where: Path) -> None:
    """Write ``name`` whole (temporary name, fsync, rename), or find it already there."""
    there = _read_entry(folder, name, where, len(data))
    if there is not None:
        if there != data:
            raise SyncError(
                f"{where / name}: a different file of that name is there; not overwritten"
            )
        return
    part = f".{name}.part"
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o644, dir_fd=folder)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    except OSError:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(part, dir_fd=folder)  # torn: never renamed to the batch's name
        raise
    os.close(fd)
    os.rename(part, name, src_dir_fd=folder, dst_dir_fd=folder)  # replaces an entry, never follows


def _write_all(fd: int, data: bytes) -> None:
    """Every byte, or an error: a disk filling up may take part of a write and
    say so only on the next one."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def _verify(folder: int, name: str, data: bytes, where: Path) -> None:
    """Read the copy back: same size and SHA-256 as the batch, or an error."""
    copy = _read_entry(folder, name, where, len(data))
    if copy is None or hashlib.sha256(copy).digest() != hashlib.sha256(data).digest():
        raise SyncError(f"{where / name}: the copy reads back different; not counted as synced")


def _explain(err: OSError, dest: Path) -> str:
    where = err.filename or dest
    reasons = {
        errno.ENOSPC: "the destination is full",
        errno.EROFS: "the destination is read-only",
        errno.EACCES: "no permission to write there",
        errno.ENOENT: "the destination went away during the copy",
        errno.EIO: "input/output error (was the stick pulled out?)",
    }
    return f"{where}: {reasons.get(err.errno or 0, err.strerror or str(err))}"


# -- rsync ------------------------------------------------------------------------
def _by_rsync(batches: list[Path], dest: str, device: str) -> None:
    rsync = tools.find("rsync")
    if rsync is None:
        raise SyncError("rsync is not installed (sudo apt install rsync)")
    for batch in batches:  # a batch written just before a power cut may lack its sidecar
        sidecar = batch.with_name(f"{batch.name}.sha256")
        if not sidecar.exists():
            sidecar.write_text(sidecar_text(batch.name, batch.read_bytes()))
    files = [str(p) for b in batches for p in (b, b.with_name(f"{b.name}.sha256"))]
    target = f"{dest.rstrip('/')}/{device}/"
    base = [rsync, "--times", "--chmod=F444", f"--timeout={RSYNC_TIMEOUT_S}", *_ssh()]
    # "--": the destination (the config's text) and the files are never options
    _rsync([*base, "--ignore-existing", "--", *files, target])
    differ = _rsync([*base, "--dry-run", "--checksum", "--itemize-changes", "--", *files, target])
    if differ.strip():
        first = differ.strip().splitlines()[0]
        raise SyncError(f"{target}: differs from the batch ({first}); not overwritten")


def _rsync(command: list[str]) -> str:
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=RSYNC_TIMEOUT_S * 4,
            check=False,
            env=tools.environment(),  # and so the ssh it starts is the system's
        )
    except subprocess.TimeoutExpired:
        raise SyncError("rsync took too long: is the host reachable?") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        said = lines[0] if lines else f"exit status {done.returncode}"
        raise SyncError(f"rsync failed ({said})")
    return done.stdout


def _ssh() -> list[str]:
    """ssh options for the key systemd hands over with ``LoadCredential=``."""
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if not credentials or not (Path(credentials) / SSH_KEY_CREDENTIAL).exists():
        return []
    folder = Path(credentials)
    ssh = f"ssh -i {folder / SSH_KEY_CREDENTIAL} -o BatchMode=yes -o IdentitiesOnly=yes"
    if (folder / KNOWN_HOSTS_CREDENTIAL).exists():
        ssh += f" -o UserKnownHostsFile={folder / KNOWN_HOSTS_CREDENTIAL}"
    return ["-e", ssh]


# -- what was synced ----------------------------------------------------------------
def synced_names(data: Path, dest: str) -> set[str]:
    return {name for where, name, _ in _log_lines(data) if where == dest}


def status(data: Path) -> tuple[int, datetime | None]:
    """Batches not synced to any destination yet, and when a sync last copied one."""
    lines = _log_lines(data)
    done = {name for _, name, _ in lines}
    waiting_now = sum(1 for path in waiting(data) if path.name not in done)
    last = max((when for _, _, when in lines), default=None)
    return waiting_now, last


def status_line(data: Path) -> str:
    """The home screen's and doctor's word on sync: what waits, and the last sync."""
    waiting_now, last = status(data)
    if last is not None:
        when = words.text("status.last_sync", when=f"{last.astimezone():%Y-%m-%d %H:%M}")
    else:
        when = words.text("status.never_synced")
    if waiting_now:
        return words.text("status.to_sync", count=waiting_now, when=when)
    return words.text("status.all_synced", when=when) if last else ""


def _log(data: Path, dest: str, names: list[str]) -> None:
    """Append what was verified at ``dest``; a torn last line is ignored on reading."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    fd = plain.open_plain(outbox_dir(data) / LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.writelines(f"{stamp}\t{dest}\t{name}\n" for name in names)
        handle.flush()
        os.fsync(handle.fileno())


def _log_lines(data: Path) -> list[tuple[str, str, datetime]]:
    try:  # a link or a FIFO there is not read (nor waited on)
        text = read_bounded(outbox_dir(data) / LOG, MAX_LOG_BYTES, follow=False).decode()
    except (OSError, Unreadable, UnicodeDecodeError):  # no log yet, or no data folder at all
        return []
    lines = []
    for line in text.split("\n")[:-1]:  # only whole lines
        parts = line.split("\t")
        if len(parts) == 3:
            try:
                lines.append((parts[1], parts[2], datetime.fromisoformat(parts[0])))
            except ValueError:
                continue
    return lines


def _device(data: Path) -> str:
    """The device id, which names the folder at the destination: checked first."""
    try:
        text = (data / DEVICE_FILE).read_bytes()[:256].decode("utf-8", "replace").strip()
    except FileNotFoundError:
        raise SyncError(f"{data}: no attendance here yet (no {DEVICE_FILE})") from None
    except OSError as err:
        raise SyncError(f"{data / DEVICE_FILE}: {err.strerror}") from None
    if not valid_device_id(text):
        raise SyncError(
            f"{data / DEVICE_FILE} holds no usable device id (letters, digits, - and _): "
            "start the kiosk once to make a new one"
        )
    return text
