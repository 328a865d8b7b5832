"""Strict YAML reading that remembers where every value came from.

Programs, plans and config files are edited by hand by instructors and study
teams, so a mistake must come back as ``file:line:col: message`` pointing at
the offending node, and *every* mistake in a file must be reported at once.

PyYAML's plain ``safe_load`` is unsuitable: it reads ``1:30`` as 90
(sexagesimal), ``no`` as False and ``0755`` as 493, silently keeps the last of
duplicate keys, and expands aliases without limit.  So files are only
*composed* into a node tree (which keeps line and column marks) and the
schema code in this package converts nodes itself through :class:`Reader`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from poolside.core import calendar
from poolside.core.bounded import Unreadable, read_bounded

MAX_FILE_BYTES = 1_000_000
MAX_NESTING = 64  # levels, flow or block: PyYAML slows down steeply (and recurses) with depth
_FLOW = re.compile(r"""'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|#[^\n]*|[\[\]{}\n]""")

_INT_TAG = "tag:yaml.org,2002:int"
_NULL_TAG = "tag:yaml.org,2002:null"
_PLAIN_WHOLE = re.compile(r"[1-9][0-9]*|0")
_MINUTES_SECONDS = re.compile(r"([0-9]+):([0-5][0-9])")
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# What a text may not hold once its escapes are read: control characters (but
# tab and newline, which a folded description has) and lone surrogates. The
# kiosk could not draw them (a NUL stops pygame), so check refuses them too.
_UNSHOWABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SYNTAX_HINTS = {
    "mapping values are not allowed here": " (text with ': ' in it must be put in quotes)",
    "found character '\\t' that cannot start any token": " (indent with spaces, not tabs)",
    "exceeded maximum nesting depth": f" (at most {MAX_NESTING} levels are allowed)",
}


@dataclass(frozen=True, order=True)
class Problem:
    """One located mistake in a file; ``line`` and ``col`` count from 1."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class FileProblems(Exception):
    """Raised when a file has mistakes; carries all of them, in file order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


MAX_VALUES = 20_000  # nodes per file: 2,000 phases written out (a real one has under 100)
MAX_PROBLEMS = 100  # per file: reading stops there, and says so


class _TooManyValues(Exception):
    """Raised while composing, as soon as a file holds more than MAX_VALUES nodes."""


_NULL_WORD = re.compile(r"~|null|Null|NULL|")
_YAML11_INT = re.compile(  # PyYAML's int resolver, so that '0x1f' is an int written wrongly
    r"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"
    r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+"
)
_STR_TAG = "tag:yaml.org,2002:str"
_INT_START = frozenset("+-0123456789")


class _ReaderResolver(yaml.resolver.Resolver):
    """Tags for just what :class:`Reader` asks of a scalar: empty, a whole
    number, or text; and a count of nodes.

    Every node passes through ``resolve``, from the C composer too, so this is
    where an oversized file is stopped before it is all in memory.  PyYAML's
    full resolver tries a dozen patterns per scalar for floats, booleans and
    timestamps that nothing here reads by tag.
    """

    _nodes = 0  # per loader: the first += makes it the instance's own

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        self._nodes += 1
        if self._nodes > MAX_VALUES:
            raise _TooManyValues
        if kind is not ScalarNode or not isinstance(value, str):
            return str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]
        if isinstance(implicit, tuple) and implicit[0]:  # plain, untagged
            if _NULL_WORD.fullmatch(value):
                return _NULL_TAG
            if value[:1] in _INT_START and _YAML11_INT.fullmatch(value):
                return _INT_TAG
        return _STR_TAG


_FastLoader: type | None = None
if yaml.__with_libyaml__:  # libyaml's scanner, parser and composer: 1 MB in well under 1 s
    from yaml._yaml import CParser

    class _CLoader(CParser, yaml.constructor.SafeConstructor, _ReaderResolver):
        """All in C but tag resolution.  An alias comes back as a node met twice
        in the tree, which :func:`_settle` finds."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _FastLoader = _CLoader


class _PlainLoader(yaml.SafeLoader, _ReaderResolver):
    """Pure Python: refuses an alias where it stands (which defeats "billion
    laughs" files: programs have ``repeat:`` for repetition), and words syntax
    errors as PyYAML does, which the hints below are written for. Slow; used
    when the fast loader met an alias or a syntax error, for the message."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in the stubs
            raise yaml.MarkedYAMLError(
                problem="aliases (*name) are not allowed here; write the value out or use repeat:",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


EXPLAIN_BELOW = 200_000  # characters: a broken file this small is parsed again for PyYAML's words


class _AliasFound(Exception):
    """The tree shares a node: the file used an alias."""


def _settle(node: Node) -> tuple[Node, str] | None:
    """Walk the tree once, without recursion: plain style as ``None``, and the
    first node that cannot be used, with why: nested more than MAX_NESTING
    levels (block or flow), or half a surrogate pair ("\\ud800", not text).
    Raises :class:`_AliasFound` for a node met twice."""
    seen: set[int] = set()
    stack: list[tuple[Node, int]] = [(node, 0)]
    while stack:
        current, depth = stack.pop()
        if id(current) in seen:
            raise _AliasFound
        seen.add(id(current))
        if isinstance(current, ScalarNode):
            if current.style == "":
                current.style = None
            if not current.value.isascii():
                try:
                    current.value.encode("utf-8")
                except UnicodeEncodeError:
                    return current, "a \\u escape here is half a surrogate pair"
            continue
        if depth >= MAX_NESTING:
            return current, f"nested more than {MAX_NESTING} levels deep"
        if isinstance(current, SequenceNode):
            stack.extend((item, depth + 1) for item in reversed(current.value))
        elif isinstance(current, MappingNode):
            pairs = reversed(current.value)
            stack.extend((item, depth + 1) for pair in pairs for item in pair[::-1])
    return None


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where flow brackets first nest deeper than MAX_NESTING (line, col), if they do.

    Quoted strings and comments are skipped; a cheap pass, done before PyYAML
    is given the text.
    """
    depth, line, line_start = 0, 1, 0
    for token in _FLOW.finditer(text):
        found = token.group()
        if found == "\n":
            line, line_start = line + 1, token.end()
        elif found in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line, token.start() - line_start + 1
        elif found in "]}":
            depth = max(0, depth - 1)
        else:
            line += found.count("\n")
            if "\n" in found:
                line_start = token.start() + found.rfind("\n") + 1
    return None


class Reader:
    """Converts composed nodes to Python values, collecting located problems.

    Every conversion returns ``None`` after recording a problem, so callers
    keep going and the user sees every mistake in one run.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.problems: list[Problem] = []

    # -- problems -------------------------------------------------------
    def problem(self, node: Node | None, message: str) -> None:
        mark = node.start_mark if node is not None else None
        line = mark.line + 1 if mark else 1
        col = mark.column + 1 if mark else 1
        if len(self.problems) >= MAX_PROBLEMS:
            # nobody reads the 330,000th copy of one mistake: stop reading here
            stop = f"stopped after {MAX_PROBLEMS} problems; fix these and check again"
            raise FileProblems([*self.problems, Problem(self.path, line, col, stop)])
        self.problems.append(Problem(self.path, line, col, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise FileProblems(self.problems)

    # -- loading --------------------------------------------------------
    def load(self, data: bytes) -> Node | None:
        """Decode and compose one YAML document; ``None`` if that failed."""
        if len(data) > MAX_FILE_BYTES:
            self.problems.append(
                Problem(self.path, 1, 1, f"file is larger than {MAX_FILE_BYTES} bytes")
            )
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            col = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
            self.problems.append(
                Problem(self.path, line, col, "file is not UTF-8 text (save it as UTF-8)")
            )
            return None
        deep = _too_deep(text)
        if deep is not None:
            self.problems.append(
                Problem(self.path, *deep, f"nested more than {MAX_NESTING} levels deep")
            )
            return None
        first: yaml.YAMLError | None = None
        if _FastLoader is not None:
            try:
                return self._compose(text, _FastLoader, reraise=len(text) <= EXPLAIN_BELOW)
            except _AliasFound:
                pass  # parsed again below, to say where the alias is
            except (yaml.MarkedYAMLError, yaml.reader.ReaderError) as err:
                first = err  # parsed again below, for PyYAML's words (the hints use them)
        return self._compose(text, _PlainLoader, reraise=False, first=first)

    def _compose(
        self, text: str, loader_class: type, reraise: bool, first: yaml.YAMLError | None = None
    ) -> Node | None:
        """One document's nodes, or ``None`` with the problem recorded.

        ``reraise``: a syntax error is raised instead, for :meth:`load` to ask
        the plain loader to word it.  An alias is always raised.  ``first``:
        the fast loader's error, used where the plain one runs out of stack.
        """
        loader = None
        try:
            loader = loader_class(text)  # its reader refuses control characters at once
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as err:
            if reraise:
                raise
            self.problems.append(self._syntax_problem(err))
            return None
        except yaml.reader.ReaderError as err:
            if reraise:
                raise
            before = text[: max(0, err.position)]
            line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
            self.problems.append(
                Problem(self.path, line, col, f"character U+{err.character:04X} is not allowed")
            )
            return None
        except yaml.YAMLError as err:
            self.problems.append(Problem(self.path, 1, 1, f"YAML error: {err}"))
            return None
        except RecursionError:  # Python's composer recurses; libyaml's did not, and said where
            if isinstance(first, yaml.MarkedYAMLError):
                self.problems.append(self._syntax_problem(first))
            else:
                self.problems.append(Problem(self.path, 1, 1, "nested too deeply"))
            return None
        except _TooManyValues:
            message = f"more than {MAX_VALUES:,} values in one file; split it or use repeat:"
            self.problems.append(Problem(self.path, 1, 1, message))
            return None
        finally:
            if loader is not None:
                loader.dispose()
        if node is None:
            self.problems.append(Problem(self.path, 1, 1, "file is empty"))
        elif (unusable := _settle(node)) is not None:
            where, message = unusable
            line, col = where.start_mark.line + 1, where.start_mark.column + 1
            self.problems.append(Problem(self.path, line, col, message))
            return None
        return node if isinstance(node, Node) else None

    def _syntax_problem(self, err: yaml.MarkedYAMLError) -> Problem:
        """PyYAML's message, located, with the start of what was left open."""
        mark = err.problem_mark or err.context_mark
        message = err.problem or "YAML syntax error"
        message += _SYNTAX_HINTS.get(message, "")
        opened = err.context_mark
        if err.context and err.context.startswith("expected a single document"):
            message = "only one document is allowed per file; remove the second ---"
        elif err.context and opened is not None and mark is not None and opened.line != mark.line:
            what = err.context.removeprefix("while ")
            message += f" ({what} that starts on line {opened.line + 1})"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return Problem(self.path, line, col, message)

    def load_file(self, path: str | Path) -> Node | None:
        try:
            data = read_bounded(path, MAX_FILE_BYTES)
        except Unreadable as err:
            self.problems.append(Problem(self.path, 1, 1, f"cannot read: {err}"))
            return None
        except OSError as err:
            self.problems.append(Problem(self.path, 1, 1, f"cannot read: {err.strerror}"))
            return None
        return self.load(data)

    # -- structure ------------------------------------------------------
    def fields(
        self,
        node: Node,
        allowed: Sequence[str],
        required: Sequence[str] = (),
        what: str = "this",
    ) -> dict[str, Node] | None:
        """Read a mapping: no duplicate keys, no unknown keys, required present."""
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping of key: value lines")
            return None
        found: dict[str, Node] = {}
        near_misses: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.problem(key_node, "keys must be plain words")
                continue
            key = key_node.value
            if key in found:
                first = found[key].start_mark.line + 1
                self.problem(key_node, f"duplicate key '{key}' (first given on line {first})")
            elif key not in allowed:
                guess = closest(key, allowed)
                if guess is not None:
                    near_misses.add(guess)
                self.problem(key_node, f"unknown key '{key}' in {what}{did_you_mean(key, allowed)}")
            else:
                found[key] = value_node
        for key in required:
            if key not in found and key not in near_misses:
                self.problem(node, f"{what} is missing '{key}'")
        return found

    def items(self, node: Node, what: str) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{what} must be a list (lines starting with '- ')")
            return None
        return list(node.value)

    # -- scalars --------------------------------------------------------
    def _scalar(self, node: Node, what: str) -> ScalarNode | None:
        if not isinstance(node, ScalarNode):
            self.problem(node, f"{what} must be a single value, not a list or mapping")
            return None
        if node.tag == _NULL_TAG and node.style is None:
            self.problem(node, f"{what} is empty")
            return None
        return node

    def text(self, node: Node, what: str) -> str | None:
        """A string as written: ``no`` stays "no", ``1:30`` stays "1:30"."""
        scalar = self._scalar(node, what)
        if scalar is None:
            return None
        value = str(scalar.value).strip()
        if not value:
            self.problem(node, f"{what} is empty")
            return None
        hidden = next((c for c in value if unshowable(c)), None)
        if hidden is not None:  # an escape ("\0", "\x1b") the YAML reader let through
            self.problem(
                node, f"{what} holds U+{ord(hidden):04X}, a control character nothing can show"
            )
            return None
        return value

    def whole(self, node: Node, what: str, minimum: int = 0) -> int | None:
        """A whole number written in plain decimal (no octal, hex or signs)."""
        scalar = self._scalar(node, what)
        if scalar is None:
            return None
        if scalar.tag != _INT_TAG or scalar.style is not None:
            self.problem(node, f"{what} must be a whole number, got '{scalar.value}'")
            return None
        if not _PLAIN_WHOLE.fullmatch(scalar.value):
            self.problem(node, f"{what} must be written in plain digits, got '{scalar.value}'")
            return None
        number = int(scalar.value)
        if number < minimum:
            self.problem(node, f"{what} must be at least {minimum}, got {number}")
            return None
        return number

    def number(self, node: Node, what: str, low: float, high: float) -> float | None:
        """A plain decimal number between ``low`` and ``high`` (0.7, 20, 1.5)."""
        scalar = self._scalar(node, what)
        if scalar is None:
            return None
        if scalar.style is not None or not _DECIMAL.fullmatch(scalar.value):
            self.problem(node, f"{what} must be a number, got '{scalar.value}'")
            return None
        value = float(scalar.value)
        if not low <= value <= high:
            self.problem(node, f"{what} must be from {low:g} to {high:g}, got {value:g}")
            return None
        return value

    def choice(self, node: Node, what: str, choices: Sequence[str]) -> str | None:
        """One word out of ``choices``, with a hint for a typo."""
        value = self.text(node, what)
        if value is not None and value not in choices:
            self.problem(node, f"{what} '{value}' is not known{did_you_mean(value, choices)}")
            return None
        return value

    def seconds(self, node: Node, what: str = "duration") -> int | None:
        """A duration: whole seconds (``30``) or a quoted ``"M:SS"`` string."""
        scalar = self._scalar(node, what)
        if scalar is None:
            return None
        raw = scalar.value.strip()
        if scalar.style is None and ":" in raw:
            self.problem(
                node,
                f"{what} {raw} must be quoted: YAML reads an unquoted {raw} as a "
                f'base-60 number; write "{raw}" or the number of seconds',
            )
            return None
        if scalar.style is None:
            if scalar.tag != _INT_TAG or not _PLAIN_WHOLE.fullmatch(raw):
                self.problem(
                    node,
                    f'{what} must be whole seconds (30) or "M:SS" in quotes ("2:00"), '
                    f"got '{raw}'",
                )
                return None
            total = int(raw)
        else:
            match = _MINUTES_SECONDS.fullmatch(raw)
            if match:
                total = int(match[1]) * 60 + int(match[2])
            elif _PLAIN_WHOLE.fullmatch(raw):
                total = int(raw)
            else:
                self.problem(node, f'{what} must look like "M:SS" (e.g. "2:00") or 30, got "{raw}"')
                return None
        if total <= 0:
            self.problem(node, f"{what} must be longer than 0 seconds")
            return None
        return total

    def flag(self, node: Node, what: str) -> bool | None:
        scalar = self._scalar(node, what)
        if scalar is None:
            return None
        if scalar.style is None and scalar.value in ("true", "false"):
            return bool(scalar.value == "true")
        self.problem(node, f"{what} must be true or false, got '{scalar.value}'")
        return None

    def day(self, node: Node, what: str) -> date | None:
        """A calendar date written ``YYYY-MM-DD`` (quoted or not)."""
        scalar = self._scalar(node, what)
        if scalar is None:
            return None
        raw = scalar.value.strip()
        try:
            if not _ISO_DAY.fullmatch(raw):
                raise ValueError
            found = date.fromisoformat(raw)
        except ValueError:
            self.problem(node, f"{what} must be a date written YYYY-MM-DD, got '{raw}'")
            return None
        if not calendar.in_span(found):
            self.problem(node, f"{what} {raw} is not a date poolside works with ({calendar.SPAN})")
            return None
        return found


def unshowable(character: str) -> bool:
    """A control character (but tab and newline) or a lone surrogate: nothing draws it."""
    return _UNSHOWABLE.match(character) is not None


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice ``word`` is most likely a typo of, if any is close."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """A hint to end a message with: the closest choice, else all of them."""
    guess = closest(word, choices)
    if guess is not None:
        return f"; did you mean '{guess}'?"
    return f" (expected one of: {', '.join(choices)})"
