"""No two texts on a screen overlap, and none leaves it.

Every view the kiosk draws while it is walked through all its screens by
keys (test_locales' walk: check-in, cancel, resume offer after a power cut,
get-ready, each phase, paused, the roll in class, the questions after a
class, solo and drop-in) is collected in each language, then drawn at the
three shapes a pool meets (full HD, the 800x480 touchscreen, a portrait
TV) with no status notice, with the longest one, and with the three
longest (the corner shows three). Each drawn text's box, and each symbol's
(a phase's shape, a person's tick, ring or cross), must lie inside the
screen and meet no other's.
"""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import combinations
from pathlib import Path

import pygame
import pytest

from poolside.core import words
from poolside.core.view import View
from poolside.devices.screen import Drawn, Renderer

from .test_locales import _everything_shown

# The touchscreen, tightest of the three, in the README's test command; the others
# in the slow run.
SIZES = [
    (800, 480),
    pytest.param((1920, 1080), marks=pytest.mark.slow),
    pytest.param((1080, 1920), marks=pytest.mark.slow),
]
LANGUAGES = [words.ENGLISH, "es", "de"]


def notices() -> list[str]:
    """The status lines a Pi can show, in the locale in use, longest first."""
    lines = [
        words.text("status.to_sync", count=12, when="last sync 2027-03-01 09:41"),
        words.text("status.not_saved", error="[Errno 28] No space left on device"),
        words.text("status.no_gpio"),
        words.text("status.no_sound"),
        words.text("status.card_full"),
        words.text("status.keyboard"),
        words.text("status.checkpoint_unusable"),
        words.text("music.no_tracks", folder="/var/lib/poolside/music"),
    ]
    return sorted(lines, key=len, reverse=True)


def _shape(view: View) -> View:
    """The view with its figures made alike: views that differ only in the time shown
    are laid out alike, so one of them is drawn."""

    def same(text: str) -> str:
        return re.sub(r"\d", "8", text)

    return replace(view, big=same(view.big), left=same(view.left), progress=0, pulse=False)


_VIEWS: dict[str, list[View]] = {}


def views_in(language: str, folder: Path) -> list[View]:
    """Every distinct view the walk draws in ``language`` (walked once per language)."""
    if language not in _VIEWS:
        seen: dict[View, None] = {}
        original = Renderer.draw

        def recording(renderer: Renderer, surface: pygame.Surface, view: View) -> None:
            seen.setdefault(_shape(view))
            original(renderer, surface, view)

        words.use(words.load_locale(language))
        Renderer.draw = recording  # type: ignore[method-assign]
        try:
            _everything_shown(folder)
        finally:
            Renderer.draw = original  # type: ignore[method-assign]
        _VIEWS[language] = list(seen)
    words.use(words.load_locale(language))
    return _VIEWS[language]


def clashes(drawn: list[Drawn], screen: pygame.Rect) -> list[str]:
    """Each text outside the screen, and each pair of texts whose boxes meet."""
    found = [f"{d.role} {d.text!r} {d.rect} leaves the screen" for d in drawn
             if not screen.contains(d.rect)]  # fmt: skip
    for a, b in combinations(drawn, 2):
        if a.rect.colliderect(b.rect):
            found.append(f"{a.role} {a.text!r} {a.rect} meets {b.role} {b.text!r} {b.rect}")
    return found


@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_meets_another_or_leaves_the_screen(language, size, tmp_path) -> None:
    views = views_in(language, tmp_path)
    assert len({view.screen for view in views}) >= 8, "the walk reached every screen"
    longest = notices()
    corners = [(), tuple(longest[:1]), tuple(longest[:3])]
    renderer = Renderer()
    problems = []
    surface = pygame.Surface(size)
    for view in views:
        for corner in corners:
            renderer.draw(surface, replace(view, corner=corner))
            assert renderer.drawn, view
            symbols = [Drawn(f"symbol {name}", "", rect, (0, 0, 0), (0, 0, 0))
                       for name, rect in renderer.shapes]  # fmt: skip
            problems += [f"{view.screen}: {c}" for c in clashes([*renderer.drawn, *symbols],
                         surface.get_rect())]  # fmt: skip
    assert not problems, f"{len(problems)} clashes, the first: " + "\n".join(problems[:8])


def test_the_check_finds_texts_that_meet() -> None:
    """The check itself: two boxes that share a pixel meet; touching edges do not."""
    a = Drawn("line0", "a", pygame.Rect(0, 0, 10, 10), (0, 0, 0), (255, 255, 255))
    touching = Drawn("line1", "b", pygame.Rect(0, 10, 10, 10), (0, 0, 0), (255, 255, 255))
    sharing = Drawn("corner0", "c", pygame.Rect(9, 9, 10, 10), (0, 0, 0), (255, 255, 255))
    screen = pygame.Rect(0, 0, 15, 30)
    assert clashes([a, touching], screen) == []
    assert len(clashes([a, sharing], screen)) == 2, "they meet, and c leaves the screen"
