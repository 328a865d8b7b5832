"""The examples in the package's docstrings run, and say what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import poolside

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(poolside.__path__, "poolside.")
    if not info.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"


def test_the_engine_has_examples_and_they_ran() -> None:
    result = doctest.testmod(importlib.import_module("poolside.core.engine"))
    assert result.attempted >= 3 and result.failed == 0
