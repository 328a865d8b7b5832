"""config.yaml: which program and plan a Pi runs, and when the program began.

Looked up in this order: ``--config PATH``, ``$POOLSIDE_CONFIG``, the user's
``~/.config/poolside/config.yaml``, then ``/etc/poolside/config.yaml``. No file
at all means the defaults, so a laptop runs the timer with no set-up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from yaml.nodes import Node

from poolside.core.catalog import DEFAULT_PLAN
from poolside.core.engine import DEFAULT_GET_READY_S
from poolside.core.yamlfile import Reader

SYSTEM_CONFIG = Path("/etc/poolside/config.yaml")
_KEYS = ("program", "plan", "program_start", "get_ready")


@dataclass(frozen=True)
class Config:
    """Settings with their defaults; ``program`` overrides the plan's choice."""

    program: str | None = None
    plan: str = DEFAULT_PLAN
    program_start: date | None = None
    get_ready_s: float = DEFAULT_GET_READY_S
    source: Path | None = None


def user_config() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "poolside" / "config.yaml"


def find_config(explicit: str | None = None) -> Path | None:
    """The config file in force, or ``None`` when the defaults apply."""
    if explicit:
        return Path(explicit)
    if os.environ.get("POOLSIDE_CONFIG"):
        return Path(os.environ["POOLSIDE_CONFIG"])
    for candidate in (user_config(), SYSTEM_CONFIG):
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None) -> Config:
    """Read and validate a config file; raises ``FileProblems``."""
    if path is None:
        return Config()
    reader = Reader(path)
    node = reader.load_file(path)
    config = _read_config(reader, node, path) if node is not None else None
    reader.raise_if_any()
    assert config is not None
    return config


def _read_config(reader: Reader, node: Node, path: Path) -> Config | None:
    fields = reader.fields(node, _KEYS, what="the config")
    if fields is None:
        return None
    values: dict[str, object] = {}
    if "program" in fields:
        values["program"] = reader.text(fields["program"], "program")
    if "plan" in fields:
        values["plan"] = reader.text(fields["plan"], "plan")
    if "program_start" in fields:
        values["program_start"] = reader.day(fields["program_start"], "program_start")
    if "get_ready" in fields:
        values["get_ready_s"] = reader.seconds(fields["get_ready"], "get_ready")
    if reader.problems:
        return None
    return Config(source=path, **values)  # type: ignore[arg-type]
