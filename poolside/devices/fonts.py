"""Which font draws a text: the bundled one, else one of the machine's that has its glyphs.

pygame's bundled bold sans font draws Latin, Greek and Cyrillic. For other
scripts the screen looks, at run time, for the fonts Debian and Raspberry
Pi OS package: Noto Sans (``fonts-noto-core``: Latin, Greek, Cyrillic),
Noto Sans Arabic (the same package), Noto Sans CJK (``fonts-noto-cjk``:
Chinese, Japanese, Korean) and DejaVu Sans (``fonts-dejavu-core``). A text
is drawn in the bundled font when it has every glyph (so every screen looks
as it always has), else in the first of those that has them all.
:meth:`Fonts.missing` says which characters no font here can draw: ``poolside
check`` warns of them, because they would be empty boxes at the pool.

Coverage is read from the font files with pygame.freetype (a glyph a font
lacks has no metrics), once per text.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)
INSTALL_HINT = "sudo apt install fonts-noto-core fonts-noto-cjk"


class Fonts:
    """The bundled font (``None``, as pygame names it), then the system fonts found."""

    def __init__(self, candidates: Sequence[str] = SYSTEM_FONTS) -> None:
        import pygame.freetype

        if not pygame.freetype.get_init():
            pygame.freetype.init()
        self._freetype = pygame.freetype
        self.files: list[str | None] = [None, *(p for p in candidates if Path(p).is_file())]
        self._faces: dict[str | None, object] = {}
        self._chosen: dict[str, str | None] = {}

    def file_for(self, text: str) -> str | None:
        """The first font that has every glyph of ``text`` (the bundled one if none)."""
        chosen = self._chosen.get(text)
        if chosen is None and text not in self._chosen:
            wanted = _drawn(text)
            chosen = next((f for f in self.files if not self._lacks(f, wanted)), None)
            if len(self._chosen) < 10_000:
                self._chosen[text] = chosen
        return chosen

    def missing(self, text: str) -> str:
        """The characters of ``text`` that no font here has, in order, each once."""
        wanted = _drawn(text)
        lacking = set(wanted)
        for file in self.files:
            lacking &= self._lacks(file, "".join(sorted(lacking)))
            if not lacking:
                return ""
        return "".join(dict.fromkeys(c for c in wanted if c in lacking))

    def _lacks(self, file: str | None, chars: str) -> set[str]:
        if not chars:
            return set()
        face = self._faces.get(file)
        if face is None:
            face = self._faces[file] = self._freetype.Font(file, 24)
        metrics = face.get_metrics(chars)  # type: ignore[attr-defined]
        return {c for c, m in zip(chars, metrics, strict=True) if m is None}


def _drawn(text: str) -> str:
    """The characters that are glyphs: not spaces, not controls."""
    return "".join(dict.fromkeys(c for c in text if c.isprintable() and not c.isspace()))


@functools.cache
def machine_fonts() -> Fonts:
    """The fonts of this machine, looked for once."""
    return Fonts()
