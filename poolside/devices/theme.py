"""Colours and shapes for each screen, readable from the water.

Backgrounds come from the Okabe-Ito colour-blind-safe palette (lightened or
darkened where needed) and every text colour has at least 7:1 contrast
(WCAG AAA) on its background: :func:`contrast` is checked by the tests. Colour
is never the only signal: each phase kind also has a word and a shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from poolside.core.view import Mark

RGB = tuple[int, int, int]

BLACK: RGB = (0, 0, 0)
WHITE: RGB = (255, 255, 255)
YELLOW: RGB = (240, 228, 66)


@dataclass(frozen=True)
class Style:
    background: RGB
    text: RGB
    shape: str  # a phase kind's or a person's symbol (screen.py's _shape), or "none"


@dataclass(frozen=True)
class Theme:
    name: str
    kinds: dict[str, Style]
    neutral: Style  # home, get-ready, finished
    paused: Style  # stripes of background and text; panel text on black
    error: Style
    # A person's state on the check-in and the roll (View.mark): the whole screen
    # takes its colour and the name its symbol, so the deck reads it from afar.
    marks: dict[Mark, Style]

    def for_kind(self, kind: str | None) -> Style:
        return self.kinds.get(kind or "", self.neutral)


COLOUR = Theme(
    name="colour",
    kinds={
        "work": Style((230, 159, 0), BLACK, "triangle"),  # orange, 9.3:1
        "rest": Style((86, 180, 233), BLACK, "circle"),  # sky blue, 9.1:1
        "recovery": Style((0, 84, 62), WHITE, "waves"),  # deep bluish green, 9.0:1
        "ramp": Style((224, 176, 208), BLACK, "steps"),  # light reddish purple, 11.3:1
        "warm-up": Style((0, 53, 95), WHITE, "diamond"),  # dark blue, 12.5:1
        "cool-down": Style((0, 53, 95), WHITE, "diamond"),
    },
    neutral=Style(BLACK, WHITE, "none"),
    paused=Style(YELLOW, BLACK, "none"),  # 15.9:1
    error=Style((122, 0, 0), WHITE, "none"),  # dark red, 11.5:1
    marks={
        Mark.PRESENT: Style((0, 84, 62), WHITE, "check"),  # deep bluish green, 9.0:1
        Mark.ABSENT: Style(BLACK, WHITE, "ring"),
        Mark.REFUSED: Style((122, 0, 0), WHITE, "cross"),  # dark red, 11.5:1
    },
)

PLAIN = Theme(
    name="plain",
    kinds={
        "work": Style(WHITE, BLACK, "triangle"),
        "rest": Style(BLACK, WHITE, "circle"),
        "recovery": Style(BLACK, WHITE, "waves"),
        "ramp": Style(WHITE, BLACK, "steps"),
        "warm-up": Style(WHITE, BLACK, "diamond"),
        "cool-down": Style(BLACK, WHITE, "diamond"),
    },
    neutral=Style(BLACK, WHITE, "none"),
    paused=Style(WHITE, BLACK, "none"),
    error=Style(BLACK, WHITE, "none"),
    marks={
        Mark.PRESENT: Style(WHITE, BLACK, "check"),
        Mark.ABSENT: Style(BLACK, WHITE, "ring"),
        Mark.REFUSED: Style(BLACK, WHITE, "cross"),
    },
)

THEMES = {theme.name: theme for theme in (COLOUR, PLAIN)}


def relative_luminance(colour: RGB) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = colour
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio, from 1 (none) to 21 (black on white)."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
