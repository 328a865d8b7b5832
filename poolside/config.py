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

from poolside.core import catalog
from poolside.core.catalog import DEFAULT_PLAN, is_file
from poolside.core.checkin import MODES
from poolside.core.engine import DEFAULT_GET_READY_S
from poolside.core.yamlfile import Reader

SYSTEM_CONFIG = Path("/etc/poolside/config.yaml")
CONFIG_KEYS = (
    "program",
    "plan",
    "program_start",
    "get_ready",
    "roster",
    "mode",
    "buttons",
    "buzzer",
    "sound",
    "sync",
)
_BUTTON_KEYS = (
    "start",
    "next",
    "stop",
    "pull_up",
    "active_state",
    "bounce_ms",
    "stop_hold",
    "back_hold",
)
_BUZZER_KEYS = ("kind", "pin")
_SOUND_KEYS = ("speaker", "volume", "max_volume", "profile", "voice")
_SYNC_KEYS = ("to",)
BUZZER_KINDS = ("active", "passive", "none")
SOUND_PROFILES = ("standard", "pool-safe")
GPIO_PINS = range(2, 28)  # BCM numbers on the 40-pin header
_PINS = ("start", "next", "stop")


@dataclass(frozen=True)
class Buttons:
    """BCM pins of the buttons (``None``: not fitted) and how they are read.

    Buttons connect the pin to GND and use the internal pull-up. With no
    STOP button, holding START for ``stop_hold_s`` stops a session. With an
    external resistor instead (``pull_up: none``), ``active_state`` says
    whether a pressed button reads high or low.
    """

    start: int | None = 17
    next: int | None = 27
    stop: int | None = 22
    pull_up: bool | None = True
    active_high: bool | None = None
    bounce_s: float = 0.02
    stop_hold_s: float = 2.0
    back_hold_s: float = 1.0


@dataclass(frozen=True)
class Buzzer:
    kind: str = "active"  # active (on/off, own oscillator), passive (PWM piezo), none
    pin: int = 18


@dataclass(frozen=True)
class Sound:
    speaker: bool = True
    volume: float = 0.7
    max_volume: float = 1.0  # a cap the volume setting cannot pass
    profile: str = "standard"  # pool-safe: nothing that sounds like a whistle
    voice: bool = True  # spoken cues, when espeak-ng is installed


@dataclass(frozen=True)
class Sync:
    """Where ``poolside sync`` copies batches: a folder, ``host:path`` or ``rsync://``."""

    to: str | None = None


@dataclass(frozen=True)
class Config:
    """Settings with their defaults; ``program`` overrides the plan's choice."""

    program: str | None = None
    plan: str = DEFAULT_PLAN
    program_start: date | None = None
    get_ready_s: float = DEFAULT_GET_READY_S
    roster: Path | None = None  # the roster CSV; codes not on it are refused
    mode: str = "class"  # how the roll is taken: class, solo or headcount (drop-in)
    buttons: Buttons = Buttons()
    buzzer: Buzzer = Buzzer()
    sound: Sound = Sound()
    sync: Sync = Sync()
    source: Path | None = None

    def resolve(self, ref: str) -> Path:
        """A program or plan this config names: a bundled name, or a path taken
        from the config file's folder (as ``roster:`` is), wherever poolside is
        started from. The one place ``run``, ``plan`` and ``doctor`` look."""
        return catalog.resolve(ref, self.source.parent if self.source else None)

    def program_file(self) -> Path:
        """The ``program:`` in force: the config's, else the default 20-minute core."""
        return self.resolve(self.program or catalog.DEFAULT_PROGRAM)

    def plan_file(self) -> Path:
        return self.resolve(self.plan)


def data_dir(explicit: str | None = None) -> Path:
    """Where attendance lives: --data, $POOLSIDE_DATA, systemd's StateDirectory, XDG."""
    for candidate in (explicit, os.environ.get("POOLSIDE_DATA"), os.environ.get("STATE_DIRECTORY")):
        if candidate:
            return Path(candidate.split(":")[0])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "poolside"


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
        if is_file(candidate):
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
    fields = reader.fields(node, CONFIG_KEYS, what="the config")
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
    if "roster" in fields:
        roster = reader.text(fields["roster"], "roster")
        values["roster"] = path.parent / roster if roster else None
    if "mode" in fields:
        values["mode"] = reader.choice(fields["mode"], "mode", MODES)
    if "buttons" in fields:
        values["buttons"] = _read_buttons(reader, fields["buttons"])
    if "buzzer" in fields:
        values["buzzer"] = _read_buzzer(reader, fields["buzzer"])
    if "sound" in fields:
        values["sound"] = _read_sound(reader, fields["sound"])
    if "sync" in fields:
        values["sync"] = _read_sync(reader, fields["sync"])
    if reader.problems:
        return None
    config = Config(source=path, **values)  # type: ignore[arg-type]
    _check_pins_differ(reader, config, fields)
    return None if reader.problems else config


def _read_pin(reader: Reader, node: Node, what: str) -> int | None:
    """A BCM pin number, or the word ``none`` for a part that is not fitted."""
    if getattr(node, "value", None) == "none":
        return None
    pin = reader.whole(node, what)
    if pin is not None and pin not in GPIO_PINS:
        reader.problem(node, f"{what} must be a BCM GPIO number from 2 to 27, got {pin}")
    return pin


def _read_buttons(reader: Reader, node: Node) -> Buttons | None:
    before = len(reader.problems)
    fields = reader.fields(node, _BUTTON_KEYS, what="buttons") or {}
    values: dict[str, object] = {}
    for role in _PINS:
        if role in fields:
            values[role] = _read_pin(reader, fields[role], f"buttons.{role}")
    if "pull_up" in fields:
        node = fields["pull_up"]
        none = getattr(node, "value", None) == "none"
        values["pull_up"] = None if none else reader.flag(node, "buttons.pull_up")
    if "active_state" in fields:
        state = reader.choice(fields["active_state"], "buttons.active_state", ("high", "low"))
        values["active_high"] = state == "high"
    if values.get("pull_up", True) is None and "active_high" not in values:
        reader.problem(fields["pull_up"], "with pull_up: none, say active_state: high or low")
    elif "active_high" in values and values.get("pull_up", True) is not None:
        reader.problem(fields["active_state"], "active_state goes with pull_up: none only")
    if "bounce_ms" in fields:
        bounce = reader.number(fields["bounce_ms"], "buttons.bounce_ms", 0, 200)
        values["bounce_s"] = (bounce or 0) / 1000
    for key in ("stop_hold", "back_hold"):
        if key in fields:
            values[f"{key}_s"] = reader.number(fields[key], f"buttons.{key}", 0.3, 10)
    return Buttons(**values) if len(reader.problems) == before else None  # type: ignore[arg-type]


def _read_buzzer(reader: Reader, node: Node) -> Buzzer | None:
    before = len(reader.problems)
    fields = reader.fields(node, _BUZZER_KEYS, what="buzzer") or {}
    values: dict[str, object] = {}
    if "kind" in fields:
        values["kind"] = reader.choice(fields["kind"], "buzzer.kind", BUZZER_KINDS)
    if "pin" in fields:
        values["pin"] = _read_pin(reader, fields["pin"], "buzzer.pin")
    return Buzzer(**values) if len(reader.problems) == before else None  # type: ignore[arg-type]


def _read_sound(reader: Reader, node: Node) -> Sound | None:
    before = len(reader.problems)
    fields = reader.fields(node, _SOUND_KEYS, what="sound") or {}
    values: dict[str, object] = {}
    for key in ("speaker", "voice"):
        if key in fields:
            values[key] = reader.flag(fields[key], f"sound.{key}")
    for key in ("volume", "max_volume"):
        if key in fields:
            values[key] = reader.number(fields[key], f"sound.{key}", 0, 1)
    if "profile" in fields:
        values["profile"] = reader.choice(fields["profile"], "sound.profile", SOUND_PROFILES)
    return Sound(**values) if len(reader.problems) == before else None  # type: ignore[arg-type]


def _read_sync(reader: Reader, node: Node) -> Sync | None:
    before = len(reader.problems)
    fields = reader.fields(node, _SYNC_KEYS, what="sync") or {}
    values: dict[str, object] = {}
    for key in _SYNC_KEYS:
        if key in fields:
            values[key] = reader.text(fields[key], f"sync.{key}")
    return Sync(**values) if len(reader.problems) == before else None  # type: ignore[arg-type]


def _check_pins_differ(reader: Reader, config: Config, fields: dict[str, Node]) -> None:
    used: dict[int, str] = {}
    parts = [(f"buttons.{role}", getattr(config.buttons, role)) for role in _PINS]
    if config.buzzer.kind != "none":
        parts.append(("buzzer.pin", config.buzzer.pin))
    for name, pin in parts:
        if pin is None:
            continue
        if pin in used:
            section = fields.get(name.split(".")[0])
            reader.problem(section, f"{name} and {used[pin]} are both on GPIO {pin}")
        used[pin] = name
