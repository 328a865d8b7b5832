"""The other programs poolside starts, found only where the system keeps them.

A program poolside runs (espeak-ng, rsync and the ssh it starts, systemctl,
journalctl, blkid, mount) is looked up in the system's own folders, never in
the ``PATH`` it was started with: that may name the current folder (``.`` or
an empty entry), a USB stick or a folder of data, where a file of the same
name would then run as poolside. Each child gets the same fixed ``PATH``, so
what it starts in turn (rsync's ssh) is found the same way. A Python child is
started isolated (``-I``): neither the current folder nor ``PYTHONPATH`` nor
the user's site packages can put a module in front of poolside's.

Text that reaches a child's command line from a file (a destination, a
phrase to speak) goes after ``--`` or on its standard input, never where it
could be read as an option (and a host for ssh is checked not to start with
``-``: :func:`poolside.records.sync.destination_problem`).
"""

from __future__ import annotations

import os
import shutil
import sys

SYSTEM_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


def find(name: str) -> str | None:
    """The full path of the system's ``name``, or None where it is not installed."""
    return shutil.which(name, path=os.pathsep.join(SYSTEM_DIRS))


def environment() -> dict[str, str]:
    """The environment for a child: this one's, with the system's fixed ``PATH``."""
    return {**os.environ, "PATH": os.pathsep.join(SYSTEM_DIRS)}


def python(*arguments: str) -> list[str]:
    """The command line of a Python child running poolside's code only."""
    return [sys.executable, "-I", *arguments]
