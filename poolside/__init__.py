"""poolside: a pool-side interval timer for the jump-and-hop aquatic program."""

import os

# pygame prints a banner to stdout on import, which would corrupt
# `poolside run --events -`; set before any module here imports pygame.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

__version__ = "0.1.0"


def import_pygame_quickly() -> None:
    """Import pygame without setuptools' ``pkg_resources``.

    pygame's ``pkgdata`` tries ``pkg_resources`` first, only to find its own
    files, and falls back to plain paths when that import fails; importing
    it costs a Pi's kiosk about a third of a second before the first frame.
    It is hidden only while pygame is imported, so anything else that wants
    it later still gets it.
    """
    import sys

    if "pygame" in sys.modules or "pkg_resources" in sys.modules:
        return
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # the import fails
    try:
        import pygame  # noqa: F401
    finally:
        del sys.modules["pkg_resources"]
