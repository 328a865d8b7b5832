"""Finding programs by bundled name (``jump-and-hop-20``) or by file path."""

from __future__ import annotations

from pathlib import Path

PACKAGE_PROGRAMS = Path(__file__).resolve().parent.parent / "programs"
CHECKOUT_PROGRAMS = Path(__file__).resolve().parent.parent.parent / "programs"
DEFAULT_PROGRAM = "jump-and-hop-20"
DEFAULT_PLAN = "six-month"


class UnknownProgram(LookupError):
    """A name that is neither a file nor a bundled program."""


def bundled_dir() -> Path:
    """Where the bundled YAML lives.

    An installed wheel carries it inside the package (``poolside/programs``);
    a source checkout or editable install reads the top-level ``programs/``.
    """
    return PACKAGE_PROGRAMS if PACKAGE_PROGRAMS.is_dir() else CHECKOUT_PROGRAMS


def is_file(path: Path) -> bool:
    """``Path.is_file`` that says False instead of raising for a folder it may not read.

    ``poolside doctor`` run with ``sudo -u poolside`` from root's home keeps a
    working folder (and a ``$HOME``) the service user cannot search: a
    relative program name or ``~/.config`` there must count as "not here".
    """
    try:
        return path.is_file()
    except OSError:
        return False


def _is_other_file(path: Path) -> bool:
    """Something that is there but not a regular file (a FIFO, a device, a link to one).

    Named as an input, it is the user's file: its loader refuses it with its
    name and line 1, rather than a "no such program" that sends them looking.
    """
    try:
        return path.exists() and not path.is_dir()
    except OSError:
        return False


def bundled_names() -> list[str]:
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def resolve(ref: str, relative_to: Path | None = None) -> Path:
    """A program or plan reference to a file path.

    A reference is a path (absolute, or relative to ``relative_to`` when
    given, else to the current folder) or the name of a bundled file.
    """
    candidate = Path(ref).expanduser()
    if relative_to is not None and not candidate.is_absolute():
        candidate = relative_to / candidate
    if is_file(candidate) or _is_other_file(candidate):
        return candidate
    bundled = bundled_dir() / f"{ref}.yaml"
    if "/" not in ref and is_file(bundled):
        return bundled
    names = ", ".join(bundled_names()) or "none"
    raise UnknownProgram(f"no file or bundled program named '{ref}' (bundled: {names})")
