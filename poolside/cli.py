"""The ``poolside`` command: its subcommands, a module each under ``poolside.commands``.

Exit status is a contract for scripts: 0 success, 1 bad input (every problem
printed as ``file:line:col: message``), 2 usage errors (argparse's own).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from poolside import __version__
from poolside.commands import data, files, linked, run
from poolside.commands.common import EXIT_BAD_INPUT, EXIT_BROKEN_PIPE, BadInput, problem_lines
from poolside.core import catalog
from poolside.core.yamlfile import FileProblems
from poolside.errors import CannotRun


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except (FileProblems, catalog.UnknownProgram, BadInput, CannotRun) as err:
        print("\n".join(problem_lines(err)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the reader went away (`poolside plan six-month | head`): quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as err:  # permission, missing, full, read-only: one line, never a traceback
        where = f": {err.filename}" if err.filename else ""
        print(f"poolside: {err.strerror or err}{where}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="poolside",
        description="Pool-side interval timer for the jump-and-hop aquatic program.",
    )
    parser.add_argument("--version", action="version", version=f"poolside {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    config_option = argparse.ArgumentParser(add_help=False)
    config_option.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: ~/.config/poolside/config.yaml, "
        "then /etc/poolside/config.yaml)",
    )
    for commands_of in (files, run, data, linked):
        commands_of.add_parsers(commands, config_option)
    return parser
