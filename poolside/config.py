"""config.yaml: which program and plan a Pi runs, and when the program began.

Looked up in this order: ``--config PATH``, ``$POOLSIDE_CONFIG``, the user's
``~/.config/poolside/config.yaml``, then ``/etc/poolside/config.yaml``. No file
at all means the defaults, so a laptop runs the timer with no set-up.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

from yaml.nodes import Node, SequenceNode

from poolside.core import catalog
from poolside.core.catalog import DEFAULT_PLAN, is_file
from poolside.core.checkin import MODES
from poolside.core.engine import DEFAULT_GET_READY_S
from poolside.core.lights import LIGHT_KINDS
from poolside.core.timetable import DAYS, NotATimetable, Timetable, class_time
from poolside.core.words import ENGLISH, Locale, bundled_codes, load_locale, names_a_locale
from poolside.core.yamlfile import Reader, did_you_mean

SYSTEM_CONFIG = Path("/etc/poolside/config.yaml")
BUZZER_KINDS = ("active", "passive", "none")
SOUND_PROFILES = ("standard", "pool-safe")
GPIO_PINS = range(2, 28)  # BCM numbers on the 40-pin header
_PINS = ("start", "next", "stop")

# -- how a value is read ---------------------------------------------------------
# Each takes (reader, node, where) and returns the value, or None with a located
# problem recorded; "where" is the key as the user wrote it ("sound.volume").
Read = Callable[[Reader, Node, str], Any]


def _pin(reader: Reader, node: Node, where: str) -> int | None:
    """A BCM pin number, or the word ``none`` for a part that is not fitted."""
    if getattr(node, "value", None) == "none":
        return None
    pin = reader.whole(node, where)
    if pin is not None and pin not in GPIO_PINS:
        reader.problem(node, f"{where} must be a BCM GPIO number from 2 to 27, got {pin}")
    return pin


def _number(low: float, high: float, scale: float = 1.0) -> Read:
    def read(reader: Reader, node: Node, where: str) -> float | None:
        value = reader.number(node, where, low, high)
        return None if value is None else value * scale

    return read


def _choice(options: tuple[str, ...]) -> Read:
    return lambda reader, node, where: reader.choice(node, where, options)


def _text(reader: Reader, node: Node, where: str) -> str | None:
    return reader.text(node, where)


SITE_MAX = 60


def _site(reader: Reader, node: Node, where: str) -> str | None:
    """The pool's name as the study team's report shows it: printable, one line."""
    value = reader.text(node, where)
    if value is not None and (len(value) > SITE_MAX or not value.isprintable()):
        reader.problem(node, f"{where} must be one printable line of at most {SITE_MAX} characters")
        return None
    return value


def _timetable(reader: Reader, node: Node, where: str) -> Timetable | None:
    """Days (``mon`` ... ``sun``) to a class time or a list of them; each wrong
    time is a problem at its own place."""
    before = len(reader.problems)
    by_day: dict[str, list[str]] = {}
    for day, value in (reader.fields(node, DAYS, what=where) or {}).items():
        what = f"{where}.{day}"
        nodes = reader.items(value, what) if isinstance(value, SequenceNode) else [value]
        times = []
        for item in nodes or []:
            written = reader.text(item, what)
            try:
                times.append(class_time(written) if written is not None else "")
            except NotATimetable as err:
                reader.problem(item, f"{what}: {err}")
        by_day[day] = [t for t in times if t]
    if len(reader.problems) > before:
        return None
    try:
        return Timetable.of(by_day)
    except NotATimetable as err:
        reader.problem(node, f"{where}: {err}")
        return None


def _destination(reader: Reader, node: Node, where: str) -> str | None:
    """Where sync copies to, refused where rsync or ssh could read it as an option."""
    from poolside.records.sync import destination_problem

    value = reader.text(node, where)
    problem = None if value is None else destination_problem(value)
    if problem is not None:
        reader.problem(node, f"{where}: {problem}")
        return None
    return value


def _path(reader: Reader, node: Node, where: str) -> Path | None:
    """A path from the config file's folder (the reader's path)."""
    text = reader.text(node, where)
    return Path(reader.path).parent / text if text else None


def _language(reader: Reader, node: Node, where: str) -> str | None:
    """A bundled language's code, or a locale file of your own (xx.yaml)."""
    value = reader.text(node, where)
    if value is None or names_a_locale(value):
        return value
    reader.problem(
        node,
        f"{where} '{value}' is not a language poolside has ({', '.join(bundled_codes())})"
        f"{did_you_mean(value, bundled_codes())}, nor a locale file (.yaml)",
    )
    return None


def _flag(reader: Reader, node: Node, where: str) -> bool | None:
    return reader.flag(node, where)


def _pull_up(reader: Reader, node: Node, where: str) -> bool | None:
    """true, false, or ``none`` (an external resistor: then active_state says how)."""
    return None if getattr(node, "value", None) == "none" else reader.flag(node, where)


def _high(reader: Reader, node: Node, where: str) -> bool | None:
    state = reader.choice(node, where, ("high", "low"))
    return None if state is None else state == "high"


def setting(default: Any, read: Read, doc: str, key: str | None = None) -> Any:
    """A field of a config section: its default, how it is read, what it is for,
    and its key in config.yaml when that is not the field's name. The section's
    dataclass is its schema: keys, reading, defaults and docs in one table."""
    return field(default=default, metadata={"read": read, "doc": doc, "key": key})


# -- the sections ------------------------------------------------------------------
@dataclass(frozen=True)
class Buttons:
    """BCM pins of the buttons (``none``: not fitted) and how they are read.

    Buttons connect the pin to GND and use the internal pull-up. With no
    STOP button, holding START for ``stop_hold`` stops a session. With an
    external resistor instead (``pull_up: none``), ``active_state`` says
    whether a pressed button reads high or low.
    """

    start: int | None = setting(17, _pin, "START/PAUSE button")
    next: int | None = setting(27, _pin, "NEXT button (held: back)")
    stop: int | None = setting(22, _pin, "STOP button, held to stop; none: hold START")
    pull_up: bool | None = setting(True, _pull_up, "internal pull-up; none: external resistor")
    active_high: bool | None = setting(
        None, _high, "with pull_up: none, high or low when pressed", key="active_state"
    )
    bounce_s: float = setting(0.02, _number(0, 200, 0.001), "debounce, ms", key="bounce_ms")
    stop_hold_s: float = setting(2.0, _number(0.3, 10), "seconds STOP is held", key="stop_hold")
    back_hold_s: float = setting(1.0, _number(0.3, 10), "seconds NEXT is held", key="back_hold")


@dataclass(frozen=True)
class Buzzer:
    kind: str = setting(
        "active", _choice(BUZZER_KINDS), "active (own oscillator), passive (PWM piezo) or none"
    )
    pin: int = setting(18, _pin, "BCM pin of the buzzer's transistor")


@dataclass(frozen=True)
class Light:
    """An optional light for every cue (wiring.md): ``flash``, one lamp or strobe
    lit while the buzzer sounds; ``stack``, a red-amber-green stack light that
    also holds the phase's colour."""

    kind: str = setting("none", _choice(LIGHT_KINDS), "none, flash (one lamp) or stack")
    pin: int = setting(23, _pin, "flash: BCM pin of the lamp's MOSFET or relay input")
    red: int = setting(5, _pin, "stack: BCM pin of the red lamp (work)")
    amber: int = setting(6, _pin, "stack: the amber lamp (get ready, recovery, paused)")
    green: int = setting(13, _pin, "stack: the green lamp (rest)")
    active_high: bool = setting(True, _flag, "false: a relay board that switches on low")


@dataclass(frozen=True)
class Sound:
    speaker: bool = setting(True, _flag, "tones (and voice) through the sound card")
    volume: float = setting(0.7, _number(0, 1), "0 to 1")
    max_volume: float = setting(1.0, _number(0, 1), "a cap the volume cannot pass")
    profile: str = setting("standard", _choice(SOUND_PROFILES), "pool-safe: nothing whistle-like")
    voice: bool = setting(True, _flag, "spoken cues, when espeak-ng is installed")


@dataclass(frozen=True)
class Music:
    """Music under the class (docs/running-a-class.md, "Music under the class"): a
    folder of OGG, MP3 or WAV files, whose subfolders are playlists a program can
    name; it dips under each cue."""

    folder: Path | None = setting(None, _path, "a folder of music (subfolders: playlists)")
    volume: float = setting(0.5, _number(0, 1), "the music's level, 0 to 1")
    max_volume: float = setting(0.8, _number(0, 1), "a cap the volume keys cannot pass")
    duck_db: float = setting(15.0, _number(3, 40), "how far it dips under a cue, dB")


@dataclass(frozen=True)
class Sync:
    """Where ``poolside sync`` copies batches: a folder, ``host:path`` or ``rsync://``."""

    to: str | None = setting(None, _destination, "a folder, user@host:path or rsync://host/module")


LINK_ROLES = ("alone", "leader", "follower")
DEFAULT_LINK_PORT = 47474
HOST_MAX = 253


def _port(reader: Reader, node: Node, where: str) -> int | None:
    port = reader.whole(node, where)
    if port is not None and not 1024 <= port <= 65535:
        reader.problem(node, f"{where} must be a port from 1024 to 65535, got {port}")
        return None
    return port


def _host(reader: Reader, node: Node, where: str) -> str | None:
    """A host name or address on the pool's LAN: letters, digits and . - : only."""
    value = reader.text(node, where)
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:")
    if value is not None and (
        not value or len(value) > HOST_MAX or value.startswith("-") or set(value) - allowed
    ):
        reader.problem(node, f"{where} must be a host name or address, got {value!r}")
        return None
    return value


@dataclass(frozen=True)
class Linked:
    """Several screens showing one class (docs/installing.md, "Several screens"):
    this Pi leads (its kiosk runs the class; followers show it) or follows
    (its screen shows the leader's class), paired by ``poolside pair``."""

    role: str = setting("alone", _choice(LINK_ROLES), "alone, leader or follower")
    leader: str | None = setting(None, _host, "a follower's leader: its host name or address")
    port: int = setting(DEFAULT_LINK_PORT, _port, "the UDP port the leader answers on")
    key: Path | None = setting(None, _path, "the pairing key (default: link.key beside this file)")
    sound: bool = setting(
        False, _flag, "a follower sounds the cues too (sound takes 73 ms to cross 25 m)"
    )


def _section(kind: type) -> Read:
    return lambda reader, node, where: _read_section(reader, node, kind, where)


@dataclass(frozen=True)
class Config:
    """Settings with their defaults; ``program`` overrides the plan's choice."""

    program: str | None = setting(None, _text, "always run this program (a file or a name)")
    plan: str = setting(DEFAULT_PLAN, _text, "the 24-week plan (a file or a name)")
    program_start: date | None = setting(
        None, lambda r, n, w: r.day(n, w), "week 1 starts here; the plan picks the program"
    )
    get_ready_s: float = setting(
        DEFAULT_GET_READY_S, lambda r, n, w: r.seconds(n, w), "countdown, s", key="get_ready"
    )
    roster: Path | None = setting(None, _path, "who may be checked in (a CSV)")
    site: str | None = setting(
        None, _site, "the pool's name, in every record and the study team's report"
    )
    timetable: Timetable | None = setting(
        None, _timetable, "days and start times of the classes offered (mon: 07:00)"
    )
    resume_within_s: float = setting(
        30 * 60.0,
        lambda r, n, w: r.seconds(n, w),
        "how long a cut-off or paused class can be resumed",
        key="resume_within",
    )
    mode: str = setting("class", _choice(MODES), "how the roll is taken: class, solo, headcount")
    language: str = setting(
        ENGLISH, _language, "what the kiosk shows and says: en, es, de or a locale file"
    )
    buttons: Buttons = setting(Buttons(), _section(Buttons), "the deck's buttons")
    buzzer: Buzzer = setting(Buzzer(), _section(Buzzer), "the buzzer")
    light: Light = setting(Light(), _section(Light), "a light for every cue")
    sound: Sound = setting(Sound(), _section(Sound), "the speaker")
    music: Music = setting(Music(), _section(Music), "music under the class")
    sync: Sync = setting(Sync(), _section(Sync), "where batches go")
    linked: Linked = setting(
        Linked(), _section(Linked), "several screens showing one class", key="screens"
    )
    source: Path | None = None  # the file read, if any

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

    def link_key(self) -> Path:
        """The pairing key: ``screens.key``, else link.key beside the config file."""
        if self.linked.key is not None:
            return self.linked.key
        return (self.source.parent if self.source else SYSTEM_CONFIG.parent) / "link.key"

    def locale(self, language: str | None = None) -> Locale:
        """The ``language:`` in force (or ``language``, as asked on the command
        line), read; a file is taken from the config file's folder."""
        return load_locale(language or self.language, self.source.parent if self.source else None)


def keys(section: type) -> tuple[str, ...]:
    """The keys a section takes in config.yaml, from its schema."""
    return tuple(key for key, _ in _schema(section))


def _schema(section: type) -> list[tuple[str, Field[Any]]]:
    return [(f.metadata["key"] or f.name, f) for f in fields(section) if "read" in f.metadata]


CONFIG_KEYS = keys(Config)


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
    config: Config | None = None
    if node is not None and (config := _read_section(reader, node, Config, "")) is not None:
        config = replace(config, source=path)
        _check_pins_differ(reader, config, node)
        _check_leader_named(reader, config, node)
    reader.raise_if_any()
    assert config is not None
    return config


def _read_section(reader: Reader, node: Node, section: type, where: str) -> Any:
    """One section from its schema: each key read as its field says; ``None``
    (with every problem recorded) if any is wrong."""
    what = where or "the config"
    before = len(reader.problems)
    found = reader.fields(node, keys(section), what=what) or {}
    values: dict[str, Any] = {}
    for key, spec in _schema(section):
        if key in found:
            values[spec.name] = spec.metadata["read"](
                reader, found[key], f"{where}.{key}".lstrip(".")
            )
    if section is Buttons:
        _check_pull_up(reader, values, found)
    return section(**values) if len(reader.problems) == before else None


def _check_pull_up(reader: Reader, values: dict[str, Any], found: dict[str, Node]) -> None:
    """``active_state`` goes with ``pull_up: none``, and that needs it."""
    external = "pull_up" in found and getattr(found["pull_up"], "value", None) == "none"
    if external and "active_high" not in values:
        reader.problem(found["pull_up"], "with pull_up: none, say active_state: high or low")
    elif "active_state" in found and values.get("pull_up", True) is not None:
        reader.problem(found["active_state"], "active_state goes with pull_up: none only")


def _check_pins_differ(reader: Reader, config: Config, node: Node) -> None:
    sections = reader.fields(node, CONFIG_KEYS) or {}
    used: dict[int, str] = {}
    parts = [(f"buttons.{role}", getattr(config.buttons, role)) for role in _PINS]
    if config.buzzer.kind != "none":
        parts.append(("buzzer.pin", config.buzzer.pin))
    if config.light.kind == "flash":
        parts.append(("light.pin", config.light.pin))
    elif config.light.kind == "stack":
        parts += [
            (f"light.{lamp}", getattr(config.light, lamp)) for lamp in ("red", "amber", "green")
        ]
    for name, pin in parts:
        if pin is None:
            continue
        if pin in used:
            reader.problem(
                sections.get(name.split(".")[0]), f"{name} and {used[pin]} are both on GPIO {pin}"
            )
        used[pin] = name


def _check_leader_named(reader: Reader, config: Config, node: Node) -> None:
    """A follower needs its leader's address; nothing else takes one."""
    section = (reader.fields(node, CONFIG_KEYS) or {}).get("screens")
    if config.linked.role == "follower" and config.linked.leader is None:
        reader.problem(section, "screens.role: follower needs screens.leader: the leader's host")
