"""What every ``poolside`` command shares: exit statuses, argument types, the
config in force, and how bad input is said.

Exit status is a contract for scripts: 0 success, 1 bad input (every problem
printed as ``file:line:col: message``), 2 usage errors (argparse's own).
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from datetime import date

from poolside.config import Config, find_config, load_config
from poolside.core import calendar, words
from poolside.core.view import ScreenName
from poolside.core.yamlfile import FileProblems

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as the shell reports a reader gone away
DATA_HELP = "data folder (default: $POOLSIDE_DATA, $STATE_DIRECTORY, ~/.local/share/poolside)"


def add_data_option(parser: argparse.ArgumentParser) -> None:
    """``--data DIR``: the one attendance folder ``run``, ``doctor`` and ``sync`` share."""
    parser.add_argument("--data", metavar="DIR", help=DATA_HELP)


SCREENS = tuple(name.value for name in ScreenName)  # what `poolside render --screen` draws


class BadInput(Exception):
    """Bad input already explained to the user; exit status 1."""


class MissingConfig(BadInput):
    """The config named (--config, $POOLSIDE_CONFIG) is not there."""


def add_language_option(parser: argparse.ArgumentParser) -> None:
    """``--language``: what the screen shows (and the voice says), for this run."""
    parser.add_argument(
        "--language",
        type=_language,
        metavar="CODE",
        help=f"show and say everything in this language ({', '.join(words.bundled_codes())},"
        " or a locale file); default: language: in the config",
    )


def _language(value: str) -> str:
    if words.names_a_locale(value):
        return value
    known = ", ".join(words.bundled_codes())
    raise argparse.ArgumentTypeError(
        f"no language '{value}' here: poolside has {known}, or give a locale file"
    )


def screen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", type=size, metavar="WxH", help="screen or window size")
    parser.add_argument(
        "--theme",
        choices=("colour", "plain"),
        default="colour",
        help="plain: black and white, for bright sun",
    )


def positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text}")
    return value


def whole(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, got {text!r}")
    return value


def non_negative(text: str) -> float:
    return 0.0 if text.strip() in ("0", "0.0") else positive(text)


def percent(text: str) -> float:
    value = non_negative(text)
    if value > 100:
        raise argparse.ArgumentTypeError(f"must be from 0 to 100: {text}")
    return value


def participant(text: str) -> str:
    from poolside.records.attendance import PARTICIPANT_CODE  # sqlite3 only where needed

    if not PARTICIPANT_CODE.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"participant codes are letters, digits, - and _ (e.g. P001), got {text!r}"
        )
    return text


def size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size (WxH, e.g. 1920x1080): {text}") from None
    if not (64 <= width <= 16384 and 64 <= height <= 16384):
        raise argparse.ArgumentTypeError(f"size out of range: {text}")
    return width, height


def event_name(text: str) -> str:
    """A REDCap unique event name as REDCap makes them (``week_1_arm_1``)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,99}", text):
        raise argparse.ArgumentTypeError(
            f"not a REDCap unique event name (lower-case letters, digits and _): {text!r}"
        )
    return text


def day(text: str) -> date:
    try:
        found = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None
    if not calendar.in_span(found):
        raise argparse.ArgumentTypeError(
            f"{text} is not a date poolside works with ({calendar.SPAN})"
        )
    return found


def counted(most: int) -> Callable[[str], int]:
    """A whole number from 1 to ``most``: a typo's extra digits are refused, not allocated."""

    def read(text: str) -> int:
        value = whole(text)
        if value > most:
            raise argparse.ArgumentTypeError(f"must be at most {most}, got {text!r}")
        return value

    return read


def config_for(args: argparse.Namespace) -> Config:
    path = find_config(args.config)
    if path is not None and not os.path.lexists(path):
        raise MissingConfig(f"config file not found: {path}")
    return load_config(path)


def problem_lines(err: Exception) -> tuple[str, ...]:
    """Bad input as the user reads it: located file problems, else one line."""
    if isinstance(err, FileProblems):
        return tuple(str(p) for p in err.problems)
    return (f"poolside: {err}",)
