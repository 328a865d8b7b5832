"""The docs' screenshots are what the kiosk draws now.

docs/running-a-class.md gives the commands that draw every picture in
docs/screens/. Here they run as written (``poolside`` is this package's CLI)
into a scratch folder, and each picture committed must match the one drawn,
so a change to a screen that leaves its screenshot behind fails here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pygame
import pytest

from .conftest import REPO

DOCS = REPO / "docs"
SCREENS = DOCS / "screens"
ALLOWED_DIFFERENCE = 0.002  # of the pixels: anti-aliasing may differ, a changed word does not


def _regeneration_block() -> str:
    text = (DOCS / "running-a-class.md").read_text(encoding="utf-8")
    found = re.search(r"Regenerate them with:\n\n```\n(.+?)\n```", text, re.S)
    assert found, "running-a-class.md gives the commands that draw its screenshots"
    return found[1]


def _differing(drawn: Path, kept: Path) -> float:
    """The share of pixels whose colour differs between two pictures of one size."""
    new, old = pygame.image.load(str(drawn)), pygame.image.load(str(kept))
    assert new.get_size() == old.get_size(), kept.name
    a, b = pygame.image.tobytes(new, "RGB"), pygame.image.tobytes(old, "RGB")
    pixels = len(a) // 3
    same = sum(a[i : i + 3] == b[i : i + 3] for i in range(0, len(a), 3))
    return (pixels - same) / pixels


def test_every_picture_the_docs_show_is_drawn_by_the_block() -> None:
    """No picture the docs show is missing, and none is left that nothing draws."""
    shown = set()
    for page in [REPO / "README.md", *DOCS.glob("*.md")]:
        shown |= set(re.findall(r"screens/([\w.-]+\.png)", page.read_text(encoding="utf-8")))
    drawn = set(re.findall(r"docs/screens/([\w.-]+\.png)", _regeneration_block()))
    drawn |= {  # the loops' names: screen-at.png and screen-0.png
        f"{s.split(':')[0]}-{s.split(':')[1]}.png"
        for s in re.findall(r"for s in ([^;]+);", _regeneration_block())[0].split()
    }
    drawn |= {
        f"{s}-0.png" for s in re.findall(r"for s in ([^;]+);", _regeneration_block())[1].split()
    }
    on_disk = {p.name for p in SCREENS.glob("*.png")}
    assert shown <= on_disk, shown - on_disk
    assert on_disk == drawn, on_disk ^ drawn


@pytest.mark.slow  # fifteen real renders: run by CI with -m slow
def test_the_screenshots_are_what_the_kiosk_draws_now(tmp_path: Path) -> None:
    (tmp_path / "docs" / "screens").mkdir(parents=True)
    script = f'poolside() {{ "{sys.executable}" -m poolside "$@" >/dev/null; }}\nset -e\n'
    done = subprocess.run(
        ["bash", "-c", script + _regeneration_block()],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    drawn = sorted((tmp_path / "docs" / "screens").glob("*.png"))
    assert {p.name for p in drawn} == {p.name for p in SCREENS.glob("*.png")}
    stale = {}
    for picture in drawn:
        share = _differing(picture, SCREENS / picture.name)
        if share > ALLOWED_DIFFERENCE:
            stale[picture.name] = round(share, 4)
    assert not stale, f"redraw these with the block in running-a-class.md: {stale}"
