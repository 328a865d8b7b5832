"""Interval programs: the YAML an instructor edits, and the flat timeline run from it.

A program file lists phases and blocks; a block repeats its phases ``repeat``
times and may rotate moves round by round::

    name: jump-and-hop-20
    phases:
      - kind: ramp
        label: RAMP-IN
        move: Easy two-foot bounces
        duration: "2:00"
      - block: Block 1
        repeat: 4
        phases:
          - kind: work
            label: JUMP
            moves: [Two-foot vertical jumps, Jumping jacks]
            duration: 30
          - kind: rest
            duration: 30

Any text (``title``, ``description``, ``label``, ``move``, ``coach``, a
block's name) may be given in several languages, one per language code::

        move:
          en: Jumping jacks
          es: Saltos de tijera
          de: Hampelmann

The program is read in the kiosk's language (:mod:`poolside.core.words`):
its text, else the English, else the first given. A phase with no label
takes the locale's word for its kind.

Loading flattens that into :class:`Phase` steps with absolute start offsets,
which is all the engine, the screen and the records need.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from poolside.core import words
from poolside.core.yamlfile import Reader, did_you_mean

PHASE_KINDS = ("warm-up", "ramp", "work", "rest", "recovery", "cool-down")
MAX_PROGRAM_S = 4 * 60 * 60

_PROGRAM_KEYS = ("name", "title", "description", "music", "phases")
_PLAYLIST = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}")  # a folder's name, never a path
_PHASE_KEYS = ("kind", "label", "move", "moves", "coach", "duration", "cues")
_BLOCK_KEYS = ("block", "repeat", "phases")
_MOVE_KEYS = ("move", "coach")
_CUE_KEYS = ("next", "countdown", "halfway")


@dataclass(frozen=True)
class Cues:
    """Which cues lead into and run through a phase.

    ``next`` is the T-10 s "next: <move>" announcement of this phase,
    ``countdown`` the 3-2-1 pips before it starts, ``halfway`` a cue at its
    middle (e.g. "switch legs" for single-leg hops).
    """

    next: bool = True
    countdown: bool = True
    halfway: bool = False


@dataclass(frozen=True)
class Phase:
    """One step of the flattened timeline."""

    index: int
    start_s: int
    duration_s: int
    kind: str
    label: str
    move: str | None = None
    coach: str | None = None
    block: int | None = None
    block_name: str | None = None
    round: int | None = None
    rounds: int | None = None
    cues: Cues = Cues()
    ends_block: bool = False  # the last step of a block's last round

    @property
    def end_s(self) -> int:
        return self.start_s + self.duration_s


@dataclass(frozen=True)
class Program:
    name: str
    phases: tuple[Phase, ...]
    title: str = ""
    description: str = ""
    source: str = ""
    music: str | None = None  # a playlist (a folder in music.folder); "none": no music

    @property
    def duration_s(self) -> int:
        return self.phases[-1].end_s if self.phases else 0

    @property
    def block_count(self) -> int:
        return max((p.block for p in self.phases if p.block is not None), default=0)

    @property
    def work_count(self) -> int:
        """Work phases in the timeline: the dose a session record counts against."""
        return sum(1 for p in self.phases if p.kind == "work")

    @property
    def content_hash(self) -> str:
        r"""Which protocol ran, as 16 hex digits of SHA-256 over the timeline: each
        phase's kind, length, block and round, in order.

        The same for any language the kiosk reads the file in and any way the
        YAML is written; a changed length, an added round or a plan week's cut
        gives another. Session records carry it (``program_hash``), and
        ``poolside plan`` prints it, so a record can be matched to its file and week.

        >>> from poolside.core.program import parse_program
        >>> a = parse_program(b"name: a\nphases: [{kind: work, duration: 30, label: JUMP}]")
        >>> b = parse_program(b"name: b\nphases: [{kind: work, duration: '0:30'}]")
        >>> a.content_hash == b.content_hash, len(a.content_hash)
        (True, 16)
        """
        timeline = [[p.kind, p.duration_s, p.block, p.round] for p in self.phases]
        return hashlib.sha256(json.dumps(timeline).encode()).hexdigest()[:16]

    def with_blocks(self, count: int) -> Program:
        """The same program cut to its first ``count`` blocks.

        What lies between the kept blocks and the last block (the recoveries
        of dropped blocks) goes; what follows the last block (ramp-out,
        cool-down) stays. Used by the 24-week plan for the early weeks.
        """
        if not 1 <= count <= self.block_count:
            raise ValueError(f"{self.name} has {self.block_count} blocks, not {count}")
        if count == self.block_count:
            return self
        in_blocks = [i for i, p in enumerate(self.phases) if p.block is not None]
        keep_until = max(i for i, p in enumerate(self.phases) if p.block == count)
        kept = self.phases[: keep_until + 1] + self.phases[in_blocks[-1] + 1 :]
        return replace(self, phases=_renumber(kept))


def _renumber(phases: tuple[Phase, ...] | list[Phase]) -> tuple[Phase, ...]:
    start = 0
    result = []
    for index, phase in enumerate(phases):
        result.append(replace(phase, index=index, start_s=start))
        start += phase.duration_s
    return tuple(result)


@dataclass(frozen=True)
class _Step:
    """A phase as written, before flattening (one per YAML phase item)."""

    kind: str
    label: str
    moves: tuple[tuple[str, str | None], ...]
    coach: str | None
    duration_s: int
    cues: Cues


def load_program(path: str | Path) -> Program:
    """Read and validate a program file; raises :class:`FileProblems`."""
    reader = Reader(path)
    node = reader.load_file(path)
    program = _read_program(reader, node, str(path)) if node is not None else None
    reader.raise_if_any()
    assert program is not None
    return program


def parse_program(data: bytes, path: str = "<program>") -> Program:
    """Like :func:`load_program` for bytes already in memory."""
    reader = Reader(path)
    node = reader.load(data)
    program = _read_program(reader, node, path) if node is not None else None
    reader.raise_if_any()
    assert program is not None
    return program


def _read_program(reader: Reader, node: Node, source: str) -> Program | None:
    top = reader.fields(node, _PROGRAM_KEYS, required=("name", "phases"), what="the program")
    if top is None:
        return None
    name = reader.text(top["name"], "name") if "name" in top else None
    title = _in_language(reader, top["title"], "title") if "title" in top else None
    description = (
        _in_language(reader, top["description"], "description") if "description" in top else ""
    )
    music = _playlist(reader, top["music"]) if "music" in top else None
    if "phases" not in top:
        return None
    items = reader.items(top["phases"], "phases")
    if items is None:
        return None
    if not items:
        reader.problem(top["phases"], "a program needs at least one phase")
        return None

    groups: list[tuple[str | None, int, list[_Step]]] = []
    for item in items:
        if isinstance(item, MappingNode) and any(k.value == "block" for k, _ in item.value):
            block = _read_block(reader, item)
            if block is not None:
                groups.append(block)
        else:
            step = _read_step(reader, item, in_block=False)
            if step is not None:
                groups.append((None, 1, [step]))
    if reader.problems:
        return None

    total = sum(repeat * sum(s.duration_s for s in steps) for _, repeat, steps in groups)
    if total > MAX_PROGRAM_S:
        hours, rest = divmod(total, 3600)
        reader.problem(
            top["phases"],
            f"program lasts {hours} h {rest // 60:02d} min; the longest allowed is 4 hours",
        )
        return None

    phases = _flatten(groups)
    assert name is not None
    return Program(
        name=name,
        title=title or name,
        description=description or "",
        phases=phases,
        source=source,
        music=music,
    )


def _playlist(reader: Reader, node: Node) -> str | None:
    """``music:``: ``none``, or the name of a folder in the config's music folder."""
    text = reader.text(node, "music")
    if text is None:
        return None
    if (text != "none" and not _PLAYLIST.fullmatch(text)) or ".." in text:
        reader.problem(node, "music: is none or the name of a folder in music.folder (no path)")
        return None
    return text


def _flatten(groups: list[tuple[str | None, int, list[_Step]]]) -> tuple[Phase, ...]:
    phases: list[Phase] = []
    block_number = 0
    for block_name, repeat, steps in groups:
        if block_name is not None:
            block_number += 1
        for round_index in range(repeat):
            for position, step in enumerate(steps):
                move, coach = (
                    step.moves[round_index % len(step.moves)] if step.moves else (None, None)
                )
                in_block = block_name is not None
                phases.append(
                    Phase(
                        index=0,
                        start_s=0,
                        duration_s=step.duration_s,
                        kind=step.kind,
                        label=step.label,
                        move=move,
                        coach=coach or step.coach,
                        block=block_number if in_block else None,
                        block_name=block_name,
                        round=round_index + 1 if in_block else None,
                        rounds=repeat if in_block else None,
                        cues=step.cues,
                        ends_block=in_block
                        and round_index == repeat - 1
                        and position == len(steps) - 1,
                    )
                )
    return _renumber(phases)


def _read_block(reader: Reader, node: Node) -> tuple[str | None, int, list[_Step]] | None:
    fields = reader.fields(node, _BLOCK_KEYS, required=_BLOCK_KEYS, what="a block")
    if fields is None:
        return None
    name = _in_language(reader, fields["block"], "block name") if "block" in fields else None
    repeat = reader.whole(fields["repeat"], "repeat", minimum=1) if "repeat" in fields else None
    steps: list[_Step] = []
    if "phases" in fields:
        items = reader.items(fields["phases"], "a block's phases")
        if items is not None and not items:
            reader.problem(fields["phases"], "a block needs at least one phase")
        for item in items or []:
            if isinstance(item, MappingNode) and any(k.value == "block" for k, _ in item.value):
                reader.problem(item, "blocks cannot be nested; list the phases directly")
                continue
            step = _read_step(reader, item, in_block=True)
            if step is not None:
                steps.append(step)
    if name is None or repeat is None or not steps:
        return None
    return name, repeat, steps


def _read_step(reader: Reader, node: Node, in_block: bool) -> _Step | None:
    fields = reader.fields(node, _PHASE_KEYS, required=("kind", "duration"), what="a phase")
    if fields is None:
        return None
    kind = None
    if "kind" in fields:
        kind = reader.text(fields["kind"], "kind")
        if kind is not None and kind not in PHASE_KINDS:
            reader.problem(fields["kind"], _unknown_kind(kind))
            kind = None
    duration = reader.seconds(fields["duration"]) if "duration" in fields else None
    label = _in_language(reader, fields["label"], "label") if "label" in fields else None
    coach = _in_language(reader, fields["coach"], "coach") if "coach" in fields else None
    moves = _read_moves(reader, fields, in_block)
    cues = _read_cues(reader, fields.get("cues"), kind)
    if kind is None or duration is None or moves is None or cues is None:
        return None
    return _Step(
        kind=kind,
        label=label or words.text(f"kind.{kind}"),
        moves=moves,
        coach=coach,
        duration_s=duration,
        cues=cues,
    )


def _read_moves(
    reader: Reader, fields: dict[str, Node], in_block: bool
) -> tuple[tuple[str, str | None], ...] | None:
    if "move" in fields and "moves" in fields:
        reader.problem(fields["moves"], "give either move or moves, not both")
        return None
    if "move" in fields:
        move = _in_language(reader, fields["move"], "move")
        return None if move is None else ((move, None),)
    if "moves" not in fields:
        return ()
    if not in_block:
        reader.problem(
            fields["moves"],
            "moves rotate round by round, so they belong in a block; use move here",
        )
        return None
    items = reader.items(fields["moves"], "moves")
    if items is None:
        return None
    if not items:
        reader.problem(fields["moves"], "moves needs at least one move")
        return None
    moves: list[tuple[str, str | None]] = []
    for item in items:
        if isinstance(item, MappingNode):
            entry = reader.fields(item, _MOVE_KEYS, required=("move",), what="a move")
            if entry is None or "move" not in entry:
                continue
            move = _in_language(reader, entry["move"], "move")
            coach = _in_language(reader, entry["coach"], "coach") if "coach" in entry else None
        else:
            move, coach = _in_language(reader, item, "move"), None
        if move is not None:
            moves.append((move, coach))
    return tuple(moves) if len(moves) == len(items) else None


def _in_language(reader: Reader, node: Node, what: str) -> str | None:
    """A text for every language, or a mapping of language codes to texts: the
    one for the locale in use, else the English, else the first given."""
    if not isinstance(node, MappingNode):
        return reader.text(node, what)
    given: dict[str, str] = {}
    for key, value in node.value:
        code = key.value if isinstance(key, ScalarNode) else None
        if not isinstance(code, str) or not words.LANGUAGE_CODE.fullmatch(code):
            reader.problem(key, f"{what}: each key is a language code such as en or es")
        elif code in given:
            reader.problem(key, f"{what}: '{code}' given twice")
        elif (said := reader.text(value, f"{what} ({code})")) is not None:
            given[code] = said
    if not node.value:
        reader.problem(node, f"{what} is empty")
    if not given:
        return None
    return given.get(words.current().code) or given.get(words.ENGLISH) or next(iter(given.values()))


def _read_cues(reader: Reader, node: Node | None, kind: str | None) -> Cues | None:
    default = Cues(halfway=kind == "work")
    if node is None:
        return default
    fields = reader.fields(node, _CUE_KEYS, what="cues")
    if fields is None:
        return None
    read = {key: reader.flag(value, f"cues.{key}") for key, value in fields.items()}
    values = {key: flag for key, flag in read.items() if flag is not None}
    if len(values) < len(read):
        return None
    return replace(default, **values)


def _unknown_kind(kind: str) -> str:
    return f"unknown phase kind '{kind}'{did_you_mean(kind, PHASE_KINDS)}"
