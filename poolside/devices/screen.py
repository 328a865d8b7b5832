"""Drawing the pool-side screen with pygame, scaled to any display.

Layout is in fractions of the surface, so the same code serves the 800x480
touchscreen, a 1080p TV, 4K and portrait mounts. Text is fitted into boxes
(shrunk to fit, never clipped) using pygame's bundled bold sans font, so
nothing is downloaded and every machine renders alike.

Every text drawn is recorded in :attr:`Renderer.drawn` with its rectangle
and colours, which is what the tests check against the pixels.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import assert_never

import pygame

from poolside.core.view import PROGRESS_STEPS, ScreenName, View
from poolside.devices.fonts import Fonts, machine_fonts
from poolside.devices.theme import BLACK, COLOUR, RGB, WHITE, YELLOW, Style, Theme

# SDL's video drivers that show nothing: fine when chosen on purpose (tests),
# a fault when SDL falls back to one because it found no display.
INVISIBLE_DRIVERS = ("offscreen", "dummy")


@dataclass(frozen=True)
class Layout:
    """Where the running screen's parts go, in fractions of its height.

    The move and the coaching line sit above the next phase, one line each at
    their own height where they fit the width; a longer one wraps onto up to
    ``max_lines`` at that height before it is made smaller, and the digits give
    up height for it, down to ``digits_least``.
    """

    header: float  # the phase word's row
    word_right: float | None  # where the word's box ends (fraction of width); None: the margin
    digits: tuple[float, float]  # top, and the height they take when the rest fits
    digits_least: float  # the height the digits keep, however long the words
    move_line: float  # a line of the move
    coach_line: float  # a line of the coaching words
    max_lines: int
    next: tuple[float, float]  # top, height


LANDSCAPE = Layout(0.13, 0.6, (0.16, 0.5), 0.42, 0.085, 0.06, 2, (0.825, 0.085))
# Portrait: the word gets the whole width and the digits less height, so the
# word and the hints (on two lines where that is larger) are read from afar.
PORTRAIT = Layout(0.1, None, (0.19, 0.36), 0.34, 0.045, 0.035, 3, (0.74, 0.15))


# An instruction's line is never shorter than this share of the screen's shorter
# side (with the font's own spacing, its letters are about 0.05 of it):
# docs/installing.md's screen sizes say from how far that is read.
READABLE_LINE = 0.055
MAX_LINES = 4  # a neutral screen's lines under its digits
LINE_ROW = 0.075  # each line's row, as a fraction of the height
MAX_NOTICES = 3  # status notices in the corner: the first three, the most urgent first


@dataclass(frozen=True)
class Drawn:
    role: str
    text: str
    rect: pygame.Rect
    colour: RGB
    background: RGB


class Renderer:
    """Draws a :class:`View` onto a surface; holds only a font cache."""

    def __init__(self, theme: Theme = COLOUR, fonts: Fonts | None = None) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self.theme = theme
        self.fonts = fonts or machine_fonts()
        self._fonts: dict[tuple[str | None, int], pygame.font.Font] = {}
        self.drawn: list[Drawn] = []
        self.shapes: list[tuple[str, pygame.Rect]] = []  # each symbol drawn, and where

    def draw(self, surface: pygame.Surface, view: View) -> None:
        self.drawn, self.shapes = [], []
        self._drawing(view.screen)(surface, view)

    def _drawing(self, screen: ScreenName) -> Callable[[pygame.Surface, View], None]:
        """How each screen is drawn: every screen has its way (mypy checks the match)."""
        match screen:
            case ScreenName.RUNNING | ScreenName.GET_READY:
                return self._running
            case ScreenName.PAUSED:
                return self._paused
            case ScreenName.ERROR:
                return self._error
            case (
                ScreenName.HOME
                | ScreenName.RESUME_OFFER
                | ScreenName.CHECKIN
                | ScreenName.CANCEL
                | ScreenName.CLASS_ROLL
                | ScreenName.FINISHED
            ):
                return self._neutral
            case _:
                assert_never(screen)

    # -- screens ------------------------------------------------------------
    def _running(self, surface: pygame.Surface, view: View) -> None:
        width, height = surface.get_size()
        style = self.theme.for_kind(view.kind)
        if view.pulse:  # 3-2-1: the whole screen flashes inverted
            style = Style(style.text, style.background, style.shape)
        bg, fg = style.background, style.text
        surface.fill(bg)
        m = _margin(surface)
        layout = PORTRAIT if height > width * 1.1 else LANDSCAPE
        header = pygame.Rect(m, m, width - 2 * m, round(layout.header * height))
        icon = pygame.Rect(header.left, header.top, header.height, header.height)
        self._icon(surface, style.shape, icon, fg)
        word_left = icon.right + m if style.shape != "none" else header.left
        word_right = round(layout.word_right * width) if layout.word_right else header.right
        word_box = pygame.Rect(word_left, header.top, word_right - word_left, header.h)
        self._text(surface, "word", view.word, word_box, fg, bg, align="left")
        if layout is LANDSCAPE:  # beside the word, one above the other
            side = pygame.Rect(round(0.62 * width), header.top, width - m - round(0.62 * width), 0)
            side.height = header.height // 2
            self._text(surface, "where", view.where, side, fg, bg, align="right")
            side.top += side.height
            self._text(surface, "left", view.left, side, fg, bg, align="right")
        else:  # under the word, side by side
            row = pygame.Rect(m, header.bottom + m // 2, (width - 3 * m) // 2, round(0.04 * height))
            self._text(surface, "where", view.where, row, fg, bg, align="left")
            row.left = row.right + m
            self._text(surface, "left", view.left, row, fg, bg, align="right")

        band = _band(surface, *layout.next)
        gap = m // 3
        digits_top = round(layout.digits[0] * height)
        room = band.top - gap - digits_top - round(layout.digits_least * height)
        least = math.ceil(READABLE_LINE * min(width, height))
        blocks = self._instructions(view, layout, band.w, room, height, least)
        bottom = band.top - gap
        for role, lines, size, line_h in reversed(blocks):  # from the next phase up
            bottom -= len(lines) * line_h
            for index, line in enumerate(lines):
                row = pygame.Rect(band.left, bottom + index * line_h, band.w, line_h)
                self._text(surface, role, line, row, fg, bg, size=size)
            bottom -= gap
        digits_h = min(round(layout.digits[1] * height), bottom - digits_top)
        digits = pygame.Rect(band.left, digits_top, band.w, digits_h)
        self._text(surface, "big", view.big, digits, fg, bg, ink=True)

        if view.next_soon:  # T-10 s: the next phase in a band of inverted colour
            pygame.draw.rect(surface, fg, band.inflate(m, m // 2), border_radius=m // 2)
            self._lines(surface, "next", view.next, band, bg, fg)
        else:
            self._lines(surface, "next", view.next, band.inflate(0, -band.h // 4), fg, bg)
        _progress(surface, view.progress, fg)

    def _instructions(
        self, view: View, layout: Layout, width: int, room: int, height: int, least: int
    ) -> list[tuple[str, list[str], int, int]]:
        """The move and the coaching words as (role, lines, font size, line height):
        each on the fewest lines (up to ``layout.max_lines``) on which it fits the
        width at its line's height; where all of them take more than ``room``, the
        line heights shrink alike until they fit, but not below ``least`` (the
        digits give up more height instead)."""
        wanted = [("move", view.move, layout.move_line), ("coach", view.coach, layout.coach_line)]
        wanted = [(role, text, share) for role, text, share in wanted if text]
        scale = 1.0
        while True:
            blocks = []
            for role, text, share in wanted:
                line_h = max(least, round(share * height * scale))
                lines, size = self._wrapped(text, width, line_h, layout.max_lines)
                blocks.append((role, lines, size, line_h))
            taken = sum(len(lines) * line_h for _, lines, _, line_h in blocks)
            if taken <= room or all(line_h == least for *_, line_h in blocks):
                return blocks
            scale *= 0.9

    def _wrapped(self, text: str, width: int, line_h: int, most: int) -> tuple[list[str], int]:
        """``text`` on the fewest lines that fit ``width`` at the size of a ``line_h``
        line (split between words, the lines as even as can be); if even ``most``
        lines do not, ``most`` lines shrunk to fit."""
        size = self._size_for("Ág", width * 100, line_h)  # the size whose line fits line_h
        words = text.split(" ")
        lines: list[str] = [text]
        for count in range(1, min(most, len(words)) + 1):
            lines, widest = _even_lines(
                words, count, lambda line: self._font(size, line).size(line)[0]
            )
            if widest <= width:
                return lines, size
        return lines, min(self._size_for(line, width, line_h) for line in lines)

    def _paused(self, surface: pygame.Surface, view: View) -> None:
        width, height = surface.get_size()
        stripe = max(8, round(min(width, height) / 8))
        surface.fill(YELLOW)
        for x in range(-height, width + height, 2 * stripe):
            pygame.draw.polygon(
                surface,
                BLACK,
                [(x, 0), (x + stripe, 0), (x + stripe - height, height), (x - height, height)],
            )
        panel = surface.get_rect().inflate(-round(0.16 * width), -round(0.2 * height))
        pygame.draw.rect(surface, BLACK, panel)
        inner = panel.inflate(-_margin(surface) * 2, -_margin(surface) * 2)
        rows = _rows(inner, (0.3, 0.28, 0.14, 0.14, 0.14))
        self._text(surface, "word", view.word, rows[0], YELLOW, BLACK)
        self._text(surface, "big", view.big, rows[1], WHITE, BLACK, ink=True)
        for role_index, line in enumerate(view.lines[:3]):
            self._text(surface, f"line{role_index}", line, rows[2 + role_index], WHITE, BLACK)

    def _titled(self, surface: pygame.Surface, style: Style, title: str, band: float) -> None:
        """Fill the screen with ``style`` and write ``title`` across the top."""
        surface.fill(style.background)
        m = _margin(surface)
        width, height = surface.get_size()
        box = pygame.Rect(m, m, width - 2 * m, round(band * height))
        self._text(surface, "word", title, box, style.text, style.background)

    def _neutral(self, surface: pygame.Surface, view: View) -> None:
        """Title, digits, up to four lines and the status corner, laid out from the
        bottom up: the corner takes the rows its notices need, the lines sit above
        it, and the digits give up height to them, so no two ever meet. A person's
        state (``view.mark``) colours the whole screen and puts its symbol before
        the name."""
        style = self.theme.marks[view.mark] if view.mark else self.theme.neutral
        bg, fg = style.background, style.text
        self._titled(surface, style, view.word, 0.12)
        m = _margin(surface)
        width, height = surface.get_size()
        shown = view.lines[:MAX_LINES]
        row_h = round(LINE_ROW * height)
        corner_top = self._corner(surface, view, fg, bg)
        lines_top = corner_top - m // 2 - len(shown) * row_h  # just above the corner
        if not view.choices:  # the digits end at 0.6 of the height, if the rest fits
            lines_top = min(round(0.6 * height), lines_top)
        for index, line in enumerate(shown):
            row = pygame.Rect(m, lines_top + index * row_h, width - 2 * m, row_h)
            self._text(surface, f"line{index}", line, row.inflate(0, -row.h // 5), fg, bg)
        digits_top = round(0.17 * height)
        digits = pygame.Rect(m, digits_top, width - 2 * m, lines_top - m // 2 - digits_top)
        if view.choices:  # a question: its answers where the digits would be
            self._choices(surface, view.choices, view.chosen, digits, fg, bg)
            return
        if style.shape != "none":  # the state's symbol, as tall as the name, before it
            side = min(digits.h, digits.w // 4)
            icon = pygame.Rect(digits.left, digits.centery - side // 2, side, side)
            self._icon(surface, style.shape, icon, fg)
            digits = pygame.Rect(
                icon.right + 2 * m, digits.top, digits.right - icon.right - 2 * m, digits.h
            )
        self._text(surface, "big", view.big, digits, fg, bg, ink=True)

    def _choices(
        self,
        surface: pygame.Surface,
        choices: tuple[str, ...],
        chosen: int | None,
        box: pygame.Rect,
        fg: RGB,
        bg: RGB,
    ) -> None:
        """Every answer in a grid of as many columns as draws them largest, row by
        row; the chosen one inverted in a filled box, so it is seen from the deck."""
        gap = max(2, _margin(surface) // 3)

        def cells(columns: int) -> list[pygame.Rect]:
            rows = math.ceil(len(choices) / columns)
            w, h = (box.w - (columns - 1) * gap) // columns, (box.h - (rows - 1) * gap) // rows
            return [
                pygame.Rect(
                    box.left + (i % columns) * (w + gap), box.top + (i // columns) * (h + gap), w, h
                )
                for i in range(len(choices))
            ]

        def size(columns: int) -> int:
            cell = cells(columns)[0].inflate(-2 * gap, -2 * gap)
            return min(self._size_for(choice, cell.w, cell.h) for choice in choices)

        sizes = {columns: size(columns) for columns in range(1, len(choices) + 1)}
        columns = max(sizes, key=sizes.__getitem__)  # the first of the largest
        common = sizes[columns]  # one size for all: no answer looks more likely
        for index, (choice, cell) in enumerate(zip(choices, cells(columns), strict=True)):
            ink, paper = (bg, fg) if index == chosen else (fg, bg)
            if index == chosen:
                pygame.draw.rect(surface, fg, cell, border_radius=gap)
            inner = cell.inflate(-2 * gap, -2 * gap)
            self._text(surface, f"choice{index}", choice, inner, ink, paper, size=common)

    def _error(self, surface: pygame.Surface, view: View) -> None:
        style = self.theme.error
        bg, fg = style.background, style.text
        self._titled(surface, style, view.word, 0.14)
        m = _margin(surface)
        width, height = surface.get_size()
        size = max(12, round(0.065 * height))
        font = self._font(size, " ".join(view.lines))
        wrapped: list[str] = []
        for line in view.lines:
            wrapped.extend(_wrap(font, line, width - 2 * m))
        row_h = font.get_linesize()
        room = (height - round(0.2 * height) - m) // row_h
        if len(wrapped) > room:
            wrapped = [*wrapped[: room - 2], "…", wrapped[-1]]
        top = round(0.2 * height)
        for index, line in enumerate(wrapped):
            box = pygame.Rect(m, top + index * row_h, width - 2 * m, row_h)
            self._text(surface, f"line{index}", line, box, fg, bg, align="left")

    def _corner(self, surface: pygame.Surface, view: View, fg: RGB, bg: RGB) -> int:
        """The status notices at the foot of the screen; the top of what they take."""
        width, height = surface.get_size()
        m = _margin(surface)
        row_h = round(0.045 * height)
        notices = view.corner[:MAX_NOTICES]
        for index, line in enumerate(reversed(notices)):
            box = pygame.Rect(m, height - m - (index + 1) * row_h, width - 2 * m, row_h)
            self._text(surface, f"corner{index}", line, box, fg, bg, align="left")
        return height - m - len(notices) * row_h

    def _icon(self, surface: pygame.Surface, shape: str, box: pygame.Rect, colour: RGB) -> None:
        _shape(surface, shape, box, colour)
        if shape != "none":
            self.shapes.append((shape, box))

    # -- text ---------------------------------------------------------------
    def _lines(
        self,
        surface: pygame.Surface,
        role: str,
        text: str,
        box: pygame.Rect,
        colour: RGB,
        background: RGB,
    ) -> None:
        """``text`` on one line, or on two where that lets it be drawn larger
        (a narrow, portrait screen): split at its " · ", else at the space
        nearest the middle."""
        one = self._size_for(text, box.w, box.h)
        spaces = [i for i, char in enumerate(text) if char == " "]
        if not spaces or one >= box.h * 0.9:
            self._text(surface, role, text, box, colour, background)
            return
        if " · " in text:  # "NEXT: REST · Jog on the spot": the label, then the move
            first, second = text.split(" · ", 1)
            halves = (first, second)
        else:
            cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
            halves = (text[:cut], text[cut + 1 :])
        two = min(self._size_for(half, box.w, box.h // 2) for half in halves)
        if two <= one:
            self._text(surface, role, text, box, colour, background)
            return
        top, bottom = _rows(box, (1, 1))
        for half, row in zip(halves, (top, bottom), strict=True):
            self._text(surface, role, half, row, colour, background, size=two)

    def _size_for(self, text: str, width: int, height: int) -> int:
        """The font size :meth:`_fit` would choose for ``text`` in a box."""
        return self._fitted_size(text, width, height, ink=False)

    def _font(self, size: int, text: str = "") -> pygame.font.Font:
        """The font ``text`` is drawn in (:mod:`poolside.devices.fonts`), at ``size``."""
        key = (self.fonts.file_for(text), size)
        font = self._fonts.get(key)
        if font is None:
            font = self._fonts[key] = pygame.font.Font(key[0], size)
        return font

    def _text(
        self,
        surface: pygame.Surface,
        role: str,
        text: str,
        box: pygame.Rect,
        colour: RGB,
        background: RGB,
        align: str = "centre",
        ink: bool = False,
        size: int | None = None,
    ) -> None:
        """Draw ``text`` as large as fits ``box`` (its glyphs' ink, if ``ink``),
        or at ``size``, so that lines of one text match."""
        if not text or box.w < 4 or box.h < 4:
            return
        if size is None:
            image = self._fit(text, box.w, box.h, colour, ink)
        else:
            image = self._font(size, text).render(text, True, colour)
        rect = image.get_rect()
        rect.centery = box.centery
        if align == "left":
            rect.left = box.left
        elif align == "right":
            rect.right = box.right
        else:
            rect.centerx = box.centerx
        surface.blit(image, rect)
        self.drawn.append(Drawn(role, text, rect, colour, background))

    def _fit(self, text: str, width: int, height: int, colour: RGB, ink: bool) -> pygame.Surface:
        """Render ``text`` once, at the largest size whose box fits."""
        font = self._font(self._fitted_size(text, width, height, ink), text)
        image = font.render(text, True, colour)
        if ink:
            box = _ink_box(font, text).clip(image.get_rect())
            image = image.subsurface(box)
        return image

    def _fitted_size(self, text: str, width: int, height: int, ink: bool) -> int:
        """The largest font size at which ``text`` fits the box.

        Sizes are found from font metrics, not by rendering and scanning
        pixels: that keeps a full-HD redraw to a few milliseconds.
        """

        def measure(size: int) -> tuple[int, int]:
            font = self._font(size, text)
            if ink:
                box = _ink_box(font, text)
                return box.w, box.h
            return font.size(text)

        size = max(6, height)
        w, h = measure(size)
        size = max(6, math.floor(size * min(width / max(w, 1), height / max(h, 1))))
        w, h = measure(size)
        while size > 6 and (w > width or h > height):
            size -= max(1, size // 20)
            w, h = measure(size)
        return size


def _ink_box(font: pygame.font.Font, text: str) -> pygame.Rect:
    """Where the glyphs' ink lies in ``font.render(text)``, without rendering.

    Heights and the first glyph's left edge come from glyph metrics; the
    right edge from the rendered width less the last glyph's right bearing,
    because per-glyph advances do not always add up to the rendered width.
    """
    glyphs = [g for g in font.metrics(text) if g is not None]
    if not glyphs:
        return pygame.Rect(0, 0, 0, 0)
    top = max(g[3] for g in glyphs)
    bottom = min(g[2] for g in glyphs)
    left = glyphs[0][0]
    _, last_max_x, _, _, last_advance = glyphs[-1]
    right = font.size(text)[0] - (last_advance - last_max_x)
    return pygame.Rect(left, font.get_ascent() - top, right - left, top - bottom)


def _margin(surface: pygame.Surface) -> int:
    return max(4, round(0.03 * min(surface.get_size())))


def _band(surface: pygame.Surface, top: float, height: float) -> pygame.Rect:
    width, full = surface.get_size()
    m = _margin(surface)
    return pygame.Rect(m, round(top * full), width - 2 * m, round(height * full))


def _rows(box: pygame.Rect, weights: tuple[float, ...]) -> list[pygame.Rect]:
    total = sum(weights)
    rows, top = [], box.top
    for weight in weights:
        h = round(box.h * weight / total)
        rows.append(pygame.Rect(box.left, top, box.w, h))
        top += h
    return rows


def _progress(surface: pygame.Surface, progress: int, colour: RGB) -> None:
    width, height = surface.get_size()
    m = _margin(surface)
    bar = pygame.Rect(
        m, height - m - max(6, round(0.025 * height)), width - 2 * m, max(6, round(0.025 * height))
    )
    pygame.draw.rect(surface, colour, bar, width=max(1, bar.h // 5))
    done = bar.copy()
    done.width = round(bar.w * progress / PROGRESS_STEPS)
    if done.width:
        pygame.draw.rect(surface, colour, done)


def _shape(surface: pygame.Surface, shape: str, box: pygame.Rect, colour: RGB) -> None:
    """The kind's shape beside its word, so colour is never the only signal."""
    r = box.inflate(-box.w // 6, -box.h // 6)
    if shape == "triangle":
        pygame.draw.polygon(surface, colour, [r.midtop, r.bottomright, r.bottomleft])
    elif shape == "circle":
        pygame.draw.circle(surface, colour, r.center, r.w // 2)
    elif shape == "diamond":
        pygame.draw.polygon(surface, colour, [r.midtop, r.midright, r.midbottom, r.midleft])
    elif shape == "steps":
        third_w, third_h = r.w // 3, r.h // 3
        pygame.draw.polygon(
            surface,
            colour,
            [
                r.bottomleft,
                (r.left, r.bottom - third_h),
                (r.left + third_w, r.bottom - third_h),
                (r.left + third_w, r.bottom - 2 * third_h),
                (r.left + 2 * third_w, r.bottom - 2 * third_h),
                (r.left + 2 * third_w, r.top),
                r.topright,
                r.bottomright,
            ],
        )
    elif shape == "check":  # present: a tick
        thickness = max(3, r.w // 7)
        points = [(r.left, r.top + r.h * 0.55), (r.left + r.w * 0.38, r.bottom), (r.right, r.top)]
        pygame.draw.lines(surface, colour, False, points, thickness)
    elif shape == "ring":  # absent: an empty circle, a place not yet taken
        pygame.draw.circle(surface, colour, r.center, r.w // 2, width=max(3, r.w // 10))
    elif shape == "cross":  # refused
        thickness = max(3, r.w // 7)
        pygame.draw.line(surface, colour, r.topleft, r.bottomright, thickness)
        pygame.draw.line(surface, colour, r.topright, r.bottomleft, thickness)
    elif shape == "waves":
        thickness = max(2, r.h // 9)
        for row in range(3):
            y = r.top + r.h * (row + 0.5) / 3
            points = [
                (r.left + i * r.w / 16, y + math.sin(i / 16 * 2 * math.pi) * r.h / 10)
                for i in range(17)
            ]
            pygame.draw.lines(surface, colour, False, points, thickness)


def _even_lines(
    words: list[str], count: int, measure: Callable[[str], int]
) -> tuple[list[str], float]:
    """``words`` on ``count`` lines, cut where the widest line is narrowest; that width."""
    best: list[str] = []
    widest = math.inf
    for cuts in itertools.combinations(range(1, len(words)), count - 1):
        bounds = (0, *cuts, len(words))
        lines = [" ".join(words[a:b]) for a, b in itertools.pairwise(bounds)]
        width = max(map(measure, lines))
        if width < widest:
            best, widest = lines, width
    return best, widest


def _wrap(font: pygame.font.Font, text: str, width: int) -> list[str]:
    words, lines, line = text.split(" "), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if font.size(candidate)[0] <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines
