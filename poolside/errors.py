"""Errors that end a command with one line and exit status 1, never a traceback."""

from __future__ import annotations


class CannotRun(Exception):
    """The machine cannot do what was asked (no screen, say); the message says why."""
