"""The pairing key: 32 random bytes that every screen of one pool shares, so that
its messages are sealed (:mod:`poolside.core.link`) and nobody else's open.

It is never typed: ``poolside pair STICK`` carries it on a USB stick. On the
first Pi (no key anywhere) it makes one and writes it to both; on each other
Pi it takes the stick's. A key is shown only as its fingerprint, the first
eight hex digits of its SHA-256, so two Pis can be compared at a glance.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from enum import StrEnum
from pathlib import Path

from poolside.core.link import KEY_BYTES
from poolside.errors import CannotRun
from poolside.records.durable import sync_folder, write_whole

STICK_FILE = "poolside-link.key"


class Paired(StrEnum):
    """What ``poolside pair`` did."""

    MADE = "made a new key, on this Pi and the stick"
    TO_STICK = "copied this Pi's key to the stick"
    FROM_STICK = "took the stick's key"
    ALREADY = "this Pi and the stick already have the same key"


def fingerprint(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def read_key(path: Path) -> bytes:
    """The key in ``path``; :class:`CannotRun` saying what is wrong, never a traceback."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CannotRun(f"{path}: no pairing key; run `poolside pair` with the USB stick") from None
    except PermissionError:
        raise CannotRun(f"{path}: the pairing key cannot be read by this user") from None
    if len(data) != KEY_BYTES:
        raise CannotRun(f"{path}: not a pairing key ({len(data)} bytes, not {KEY_BYTES})")
    return data


def write_key(path: Path, key: bytes, group: int | None = None) -> None:
    """``key`` into ``path`` whole or not at all, readable by its owner and ``group``
    only (the service's group, where given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_whole(path, key, mode=0o640)
    if group is not None:
        with contextlib.suppress(PermissionError):  # not root: the user's own group stays
            os.chown(path, -1, group)
    sync_folder(path.parent)


def pair(here: Path, stick: Path, replace: bool = False, group: int | None = None) -> Paired:
    """Share one key between this Pi (``here``) and the stick folder ``stick``.

    Where both hold a key and they differ, the stick's replaces this Pi's only
    when ``replace`` says so (this Pi was paired with another pool's screens)."""
    if not stick.is_dir():
        raise CannotRun(f"{stick}: not a folder (is the USB stick mounted there?)")
    on_stick = stick / STICK_FILE
    ours = read_key(here) if here.exists() else None
    theirs = read_key(on_stick) if on_stick.exists() else None
    if ours is None and theirs is None:
        key = secrets.token_bytes(KEY_BYTES)
        write_key(on_stick, key)
        write_key(here, key, group)
        return Paired.MADE
    if theirs is None:
        assert ours is not None
        write_key(on_stick, ours)
        return Paired.TO_STICK
    if ours == theirs:
        return Paired.ALREADY
    if ours is not None and not replace:
        raise CannotRun(
            f"{here} holds another key ({fingerprint(ours)}) than the stick's "
            f"({fingerprint(theirs)}); --replace takes the stick's"
        )
    write_key(here, theirs, group)
    return Paired.FROM_STICK
