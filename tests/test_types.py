"""One name, one type: a screen, a roll's mode and an event's type are enums, so a
misspelling is caught by mypy before anything runs, not at the pool.

The type check runs mypy, as CI does (``--strict``), on a short snippet that
uses the package; the source check walks poolside's code for a field of one
of those kinds compared with a bare string, which mypy cannot check (a
StrEnum is a str), so that every such test names the enum's member.
"""

from __future__ import annotations

import ast
from pathlib import Path

from mypy import api

PACKAGE = Path(__file__).resolve().parent.parent / "poolside"
ENUM_FIELDS = {"screen", "mode", "type"}  # View.screen, Roll.mode, Event.type

SNIPPET = """\
from poolside.core.checkin import Mode, Person, Roll
from poolside.core.engine import Event, EventType
from poolside.core.view import ScreenName, View

View(screen=ScreenName.RUNING)
Event(EventType.FINSH, 0.0)
Roll([Person("P001", "Ann")], Mode.SOLLO)
View(screen="running")
Roll([], "sollo")
View(screen=ScreenName.RUNNING)
Event(EventType.FINISH, 0.0)
Roll([Person("P001", "Ann")], Mode.SOLO)
"""


def test_mypy_catches_a_misspelt_screen_event_or_mode(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET)
    out, err, status = api.run(
        ["--strict", "--no-error-summary", "--cache-dir", str(tmp_path / "cache"), str(snippet)]
    )
    assert status == 1, (out, err)
    flagged = {int(line.split(":")[1]) for line in out.splitlines() if ": error:" in line}
    assert flagged == {5, 6, 7, 8, 9}, out  # each misspelling and bare string; not 10-12
    assert '"type[ScreenName]" has no attribute "RUNING"' in out
    assert '"type[EventType]" has no attribute "FINSH"' in out
    assert '"type[Mode]" has no attribute "SOLLO"' in out


def _string_comparisons(tree: ast.AST) -> list[tuple[int, str]]:
    """``x.screen == "home"``, ``x.mode != "solo"``, ``x.type in ("stop", ...)``."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare) or not isinstance(node.left, ast.Attribute):
            continue
        if node.left.attr not in ENUM_FIELDS:
            continue
        for other in node.comparators:
            items = other.elts if isinstance(other, ast.Tuple | ast.Set | ast.List) else [other]
            if any(isinstance(i, ast.Constant) and isinstance(i.value, str) for i in items):
                found.append((node.lineno, ast.unparse(node)))
    return found


def test_no_screen_mode_or_event_type_is_compared_with_a_bare_string() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(PACKAGE)}:{line}: {code}" for line, code in
                  _string_comparisons(tree)]  # fmt: skip
    assert not found, "\n".join(found)


def test_the_source_check_finds_a_bare_string() -> None:
    tree = ast.parse('if event.type in ("stop", "finish") or view.screen == "home": pass')
    assert len(_string_comparisons(tree)) == 2
    assert _string_comparisons(ast.parse("if event.type == EventType.STOP: pass")) == []
