"""The pool-side screen, rendered for real with the SDL dummy driver.

Every check reads the rendered pixels: digit height, text contrast, text on
screen, the phase colour and shape, at the touchscreen, HD, full HD and a
portrait size.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pygame
import pytest

from poolside.config import Config
from poolside.devices.screen import Renderer
from poolside.devices.theme import COLOUR, PLAIN, THEMES, contrast
from poolside.kiosk.render import view_at
from poolside.selection import choose_program

SIZES = [(800, 480), (1280, 720), (1920, 1080), (480, 800)]
SCREENS = [
    ("home", 0),
    ("get-ready", -7),
    ("running", 125),  # work, block 1
    ("running", 155),  # rest
    ("running", 400),  # recovery, 1:20 left
    ("running", 30),  # ramp-in
    ("running", 118.1),  # 3-2-1 pulse, inverted
    ("running", 143),  # T-7 s: next phase shown large
    ("paused", 300),
    ("finished", 0),
    ("error", 0),
]


@pytest.fixture(scope="module")
def choice():
    return choose_program("jump-and-hop-20", Config(), date(2027, 1, 4))


def _render(choice, screen: str, at: float, size, theme=COLOUR):
    surface = pygame.Surface(size)
    renderer = Renderer(theme)
    view = view_at(choice, screen, at)
    renderer.draw(surface, view)
    return surface, renderer, view


def _colours(surface: pygame.Surface, rect: pygame.Rect) -> Counter:
    area = surface.subsurface(rect.clip(surface.get_rect()))
    return Counter(
        tuple(area.get_at((x, y)))[:3]
        for x in range(area.get_width())
        for y in range(0, area.get_height(), 2)
    )


def _surrounding(surface: pygame.Surface, rect: pygame.Rect):
    """The most common colour on a ring just outside ``rect``: what text sits on."""
    ring = rect.inflate(6, 6).clip(surface.get_rect())
    points = [(x, y) for x in range(ring.left, ring.right) for y in (ring.top, ring.bottom - 1)]
    points += [(x, y) for y in range(ring.top, ring.bottom) for x in (ring.left, ring.right - 1)]
    return Counter(tuple(surface.get_at(p))[:3] for p in points).most_common(1)[0][0]


def _ink_height(surface: pygame.Surface, rect: pygame.Rect, colour) -> int:
    rows = [
        y
        for y in range(rect.top, rect.bottom)
        if any(tuple(surface.get_at((x, y)))[:3] == colour for x in range(rect.left, rect.right, 2))
    ]
    return rows[-1] - rows[0] + 1 if rows else 0


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(("screen", "at"), SCREENS, ids=lambda v: str(v))
def test_every_text_is_on_screen_with_aaa_contrast(choice, screen, at, size) -> None:
    surface, renderer, _view = _render(choice, screen, at, size)
    assert renderer.drawn, "nothing was drawn"
    whole = surface.get_rect()
    for item in renderer.drawn:
        assert whole.contains(item.rect), f"{item.role} '{item.text}' is clipped: {item.rect}"
        assert contrast(item.colour, item.background) >= 7, item
        seen = _colours(surface, item.rect)
        assert seen[item.colour] > 0, f"{item.role} not drawn in its colour"
        background = _surrounding(surface, item.rect)
        assert contrast(background, item.colour) >= 7, (item.role, background, item.colour)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("at", [125, 400, -7])
def test_the_digits_are_huge(choice, size, at) -> None:
    screen = "get-ready" if at < 0 else "running"
    surface, renderer, view = _render(choice, screen, at, size)
    (big,) = [d for d in renderer.drawn if d.role == "big"]
    height = _ink_height(surface, big.rect, big.colour)
    width, full = size
    if width > full:  # landscape: at least 40 % of the screen height
        assert height >= 0.4 * full, (view.big, height)
    elif len(view.big) <= 2:  # portrait: a third, leaving room for a larger word and hints
        assert height >= 0.33 * full, (view.big, height)
    else:  # portrait "M:SS" is bound by the width: at least 35 % of it
        assert height >= 0.35 * width, (view.big, height)


@pytest.mark.parametrize("size", [(1080, 1920), (480, 800)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_in_portrait_the_phase_word_and_the_next_phase_are_read_from_afar(choice, size) -> None:
    """The word gets the screen's width (it had 0.04 of the height); the next
    phase goes on two lines where that is larger (it had 0.03)."""
    _, renderer, view = _render(choice, "running", 195, size)
    word = next(d for d in renderer.drawn if d.role == "word")
    nexts = [d for d in renderer.drawn if d.role == "next"]
    assert word.text == "JUMP" and word.rect.h >= 0.08 * size[1], word
    assert " ".join(d.text for d in nexts) == view.next.replace(" · ", " ")
    assert len(nexts) == 2 and all(d.rect.h >= 0.045 * size[1] for d in nexts), nexts


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(
    ("at", "kind", "word"),
    [
        (30, "ramp", "RAMP-IN"),
        (125, "work", "JUMP"),
        (155, "rest", "REST"),
        (400, "recovery", "RECOVER"),
    ],
)
def test_phase_colour_word_and_shape_go_together(choice, size, at, kind, word) -> None:
    surface, renderer, _view = _render(choice, "running", at, size)
    style = COLOUR.for_kind(kind)
    assert tuple(surface.get_at((1, size[1] // 2)))[:3] == style.background
    assert ("word", word) in [(d.role, d.text) for d in renderer.drawn]
    (word_item,) = [d for d in renderer.drawn if d.role == "word"]
    icon = pygame.Rect(0, word_item.rect.top, word_item.rect.left, word_item.rect.h)
    assert _colours(surface, icon)[style.text] > 20, "the kind's shape is drawn beside the word"


def test_kinds_differ_by_colour_and_by_shape() -> None:
    kinds = ("work", "rest", "recovery", "ramp")
    assert len({COLOUR.for_kind(k).background for k in kinds}) == len(kinds)
    assert len({COLOUR.for_kind(k).shape for k in kinds}) == len(kinds)
    for theme in THEMES.values():
        styles = [*theme.kinds.values(), theme.neutral, theme.paused, theme.error]
        assert all(contrast(s.text, s.background) >= 7 for s in styles), theme.name


def test_countdown_pulse_inverts_the_screen(choice) -> None:
    plain, _, calm = _render(choice, "running", 117.5, (800, 480))  # 2.5 s left
    flash, _, pulse = _render(choice, "running", 118.1, (800, 480))  # "2" just appeared
    assert not calm.pulse and pulse.pulse and pulse.big == "2"
    rest = COLOUR.for_kind("ramp")
    assert tuple(plain.get_at((1, 240)))[:3] == rest.background
    assert tuple(flash.get_at((1, 240)))[:3] == rest.text


def test_paused_screen_is_unmistakable(choice) -> None:
    surface, renderer, _view = _render(choice, "paused", 300, (1280, 720))
    texts = [d.text for d in renderer.drawn]
    assert "PAUSED" in texts and "paused for 1:23" in texts
    assert any("resume" in t for t in texts)
    edge = Counter(tuple(surface.get_at((x, 5)))[:3] for x in range(0, 1280, 3))
    assert set(edge) >= {(0, 0, 0), (240, 228, 66)}, "yellow and black stripes"


def test_the_home_screen_shows_the_class_length_largest_and_labels_the_wall_clock(choice):
    from poolside.core.engine import Session
    from poolside.core.view import Context, build_view

    view = build_view(Session(choice.program, 10), 0.0, Context(wall_clock="09:41"))
    assert view.screen == "home" and view.big == "20:00", "what the class counts down from"
    assert "time now 09:41" in view.lines and view.big != "09:41"


def test_finished_screen_sums_up_the_class(choice) -> None:
    _, _renderer, view = _render(choice, "finished", 0, (800, 480))
    assert view.word == "DONE" and view.big == "20:00"
    assert "time done 20:00 of 20:00" in view.lines and "blocks done 3 of 3" in view.lines


def test_error_screen_carries_the_located_message(choice) -> None:
    surface, renderer, _view = _render(choice, "error", 0, (800, 480))
    assert tuple(surface.get_at((1, 1)))[:3] == COLOUR.error.background
    text = " ".join(d.text for d in renderer.drawn)
    assert "class.yaml:4:15: duration 1:30 must be quoted" in text


def test_plain_theme_is_black_and_white(choice) -> None:
    surface, _renderer, _ = _render(choice, "running", 125, (800, 480), PLAIN)
    greys = [c for c in _colours(surface, surface.get_rect()) if len(set(c)) == 1]
    assert len(greys) == len(_colours(surface, surface.get_rect())), "only black, white, greys"


@pytest.mark.parametrize("size", [40, 137, 400, 713])
def test_the_ink_box_from_metrics_is_where_the_pixels_are(size: int) -> None:
    """The digits are cropped to this box: a wrong one cuts glyphs off."""
    from poolside.devices.screen import _ink_box

    pygame.font.init()
    font = pygame.font.Font(None, size)
    texts = (
        [str(n) for n in range(60)]
        + [f"{m}:{s:02d}" for m in (1, 4, 10, 19) for s in range(0, 60, 7)]
        + ["09:41", "JUMP", "RECOVER"]
    )
    for text in texts:
        ink = font.render(text, True, (255, 255, 255)).get_bounding_rect()
        box = _ink_box(font, text)
        assert box.contains(ink), (text, box, ink)  # a smaller box cuts glyphs off
        assert box.w - ink.w <= 2 and box.h - ink.h <= 2, (text, box, ink)


def _placeholder_glyphs(text: str) -> list[str]:
    """Characters the bundled font lacks: they would show as empty boxes."""
    pygame.font.init()
    font = pygame.font.Font(None, 40)
    missing = font.render("\U000f0000", True, (255, 255, 255))  # private use: never in a font
    box = pygame.image.tobytes(missing, "RGBA")
    return [
        c
        for c in set(text)
        if not c.isspace()
        and pygame.image.tobytes(font.render(c, True, (255, 255, 255)), "RGBA") == box
    ]


@pytest.mark.parametrize(("screen", "at"), SCREENS, ids=lambda v: str(v))
def test_no_text_on_screen_falls_back_to_empty_boxes(choice, screen, at) -> None:
    from poolside.hardware import keyboard_hint

    _, renderer, _ = _render(choice, screen, at, (800, 480))
    texts = " ".join(d.text for d in renderer.drawn)
    assert _placeholder_glyphs(texts + keyboard_hint()) == []
    assert _placeholder_glyphs("→") == ["→"], "the check finds a missing glyph"


@pytest.mark.parametrize(
    "size",
    [
        (800, 480),  # the tightest, in the README's command; the others in the slow run
        pytest.param((1920, 1080), marks=pytest.mark.slow),
        pytest.param((1080, 1920), marks=pytest.mark.slow),
    ],
    ids=str,
)
@pytest.mark.parametrize("language", ["en", "es", "de"])
def test_instructions_are_never_drawn_below_the_readable_size(size, language) -> None:
    """Every move, coaching line and next phase of the bundled program, in each
    language, at each shape: no line's letters under 0.05 of the shorter side."""
    from poolside.core import words

    words.use(words.load_locale(language))
    try:
        choice = choose_program("jump-and-hop-20", Config(), date(2027, 1, 4))
        surface, renderer, smallest = pygame.Surface(size), Renderer(), {}
        phases = choice.program.phases  # each phase's texts, early and in its last seconds
        moments = [-7.0, *(t for p in phases for t in (p.start_s + 1.0, p.end_s - 2.0))]
        for at in moments:
            renderer.draw(surface, view_at(choice, "running" if at >= 0 else "get-ready", at))
            for drawn in renderer.drawn:
                if drawn.role in ("move", "coach", "next"):
                    smallest[drawn.role] = min(smallest.get(drawn.role, 1.0),
                                               drawn.rect.h / min(size))  # fmt: skip
    finally:
        words.use(words.load_locale("en"))
    assert min(smallest.values()) >= 0.05, smallest


@pytest.mark.parametrize("size", [(800, 480), (1920, 1080)], ids=str)
def test_a_long_instruction_wraps_before_it_shrinks(choice, size) -> None:
    """A move too long for one line at its size goes on two lines at that size (the
    digits give up height), instead of one line made smaller."""
    from dataclasses import replace

    short = replace(view_at(choice, "running", 125), move="Tuck jumps")
    long = replace(short, move="Tuck jumps with the knees to the chest and the arms sweeping down")
    heights = {}
    for name, view in (("short", short), ("long", long)):
        surface, renderer = pygame.Surface(size), Renderer()
        renderer.draw(surface, view)
        heights[name] = [d.rect.h for d in renderer.drawn if d.role == "move"]
    assert len(heights["short"]) == 1 and len(heights["long"]) == 2
    assert min(heights["long"]) >= heights["short"][0] - 2, heights
