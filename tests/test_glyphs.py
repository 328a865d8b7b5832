"""Text the screen cannot draw: found by ``poolside check``, drawn where a font can."""

from __future__ import annotations

from pathlib import Path

import pygame
import pytest

from poolside.devices.fonts import Fonts

from .conftest import run_poolside

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
NOWHERE = "\U00013000"  # an Egyptian hieroglyph: in none of the fonts looked for


def test_check_warns_with_line_and_column_of_text_no_font_here_can_draw(tmp_path: Path) -> None:
    program = tmp_path / "class.yaml"
    program.write_text(
        "name: class\n"
        "title: Aquafit\n"
        "phases:\n"
        "  - kind: work\n"
        "    duration: 30\n"
        f"    label: 'JUMP {NOWHERE}'\n"
        "    move: Sauts vers l'avant\n",
        encoding="utf-8",
    )
    result = run_poolside("check", str(program))
    assert result.returncode == 0, "a warning, not a problem: the file is valid"
    assert f"{program}: ok" in result.stdout
    (warning,) = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warning.startswith(f"{program}:6:12: warning: 'JUMP {NOWHERE}' has characters")
    assert f"({NOWHERE})" in warning and "fonts-noto-cjk" in warning
    roster = tmp_path / "roster.csv"
    roster.write_text(f"code,name,start\nP001,Ann,\nP002,Bo{NOWHERE},\n", encoding="utf-8")
    listed = run_poolside("check", str(roster))
    assert listed.returncode == 0
    assert f"{roster}:3:6: warning: 'Bo{NOWHERE}'" in listed.stderr


def test_a_text_is_drawn_in_the_bundled_font_unless_another_has_its_glyphs() -> None:
    if not Path(DEJAVU).is_file():
        pytest.skip("fonts-dejavu-core is not installed")
    pygame.font.init()
    fonts = Fonts(candidates=(DEJAVU,))
    assert fonts.file_for("JUMP · Ωμέγα · Прыжки") is None, "the bundled font has these"
    arabic = "القفز"
    assert fonts.file_for(arabic) == DEJAVU and fonts.missing(arabic) == ""
    assert (
        fonts.missing(f"中 {NOWHERE}") == f"中{NOWHERE}"
        or fonts.missing(f"中 {NOWHERE}") == NOWHERE
    )
    from poolside.core.view import ScreenName, View
    from poolside.devices.screen import Renderer

    surface = pygame.Surface((800, 480))
    renderer = Renderer(fonts=fonts)
    renderer.draw(surface, View(screen=ScreenName.HOME, word=arabic, big="20:00"))
    font = pygame.font.Font(DEJAVU, 40)
    assert all(m is not None for m in font.metrics(arabic)), "drawn in a font that has them"
