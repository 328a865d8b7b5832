"""``poolside check``'s warning for a program text missing a language the file gives.

A program may give each text per language (``move: {en: ..., es: ...}``).
Where one text leaves out a language that others in the same file give,
a kiosk in that language shows that one text in English: valid, but likely
forgotten. Each such text is a warning with its place, ``file:line:col``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml

from poolside.core.bounded import read_bounded
from poolside.core.words import LANGUAGE_CODE
from poolside.core.yamlfile import MAX_FILE_BYTES

MAX_WARNINGS = 50


def warnings_for(path: Path) -> list[str]:
    """The located warnings for ``path``, a program that has already passed its check."""
    texts = list(_texts_by_language(path))
    everywhere = set().union(*(codes for _, _, _, codes in texts))
    found = []
    for line, column, what, codes in texts:
        if missing := sorted(everywhere - codes):
            found.append(
                f"{path}:{line}:{column}: warning: {what} gives no {', '.join(missing)}"
                " (other texts here do): shown in English there, else the first given"
            )
    if len(found) > MAX_WARNINGS:
        found = [*found[:MAX_WARNINGS], f"{path}: warning: and {len(found) - MAX_WARNINGS} more"]
    return found


def _texts_by_language(path: Path) -> Iterator[tuple[int, int, str, set[str]]]:
    """(line, column, key, language codes) of each text given per language."""
    data = read_bounded(path, MAX_FILE_BYTES).decode("utf-8-sig", "replace")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    stack = [yaml.compose(data, Loader=loader)]  # valid and within the limits already
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                if _per_language(value):
                    mark = value.start_mark
                    codes = {code.value for code, _ in value.value}
                    yield mark.line + 1, mark.column + 1, str(key.value), codes
                else:
                    stack.append(value)


def _per_language(node: yaml.Node) -> bool:
    return (
        isinstance(node, yaml.MappingNode)
        and bool(node.value)
        and all(
            isinstance(key, yaml.ScalarNode) and LANGUAGE_CODE.fullmatch(str(key.value))
            for key, _ in node.value
        )
    )
