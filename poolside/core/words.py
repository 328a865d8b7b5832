"""Every word the kiosk shows or says, looked up in a locale file.

A locale file (``poolside/locales/es.yaml``, or one of your own named by
``language:`` in config.yaml) gives each line of text by key, with its
fields in braces, and the espeak-ng voice that speaks it::

    name: Español
    voice: es
    words:
      finished.time_done: "tiempo hecho {done} de {total}"

English (``en.yaml``) is the reference: it has every key, and the others
must use the same keys and fields. A key a locale leaves out is said in
English, and ``poolside check`` names it; an unknown key or field is a
located problem, as in any file poolside reads.

The kiosk speaks one language at a time, so the locale in use is set once
at start (:func:`use`) and read where text is made (:func:`text`), as
gettext does. Words a record keeps (a stop reason, a cancel reason) stay
in English in the batch: only what is shown or said is translated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from string import Formatter

from yaml.nodes import MappingNode, Node

from poolside.core.yamlfile import FileProblems, Problem, Reader

BUNDLED = Path(__file__).resolve().parent.parent / "locales"
ENGLISH = "en"
_NAME = re.compile(r"[a-z_]+")  # a field as the code fills it in: {time}, {count}
_LOCALE_KEYS = ("name", "voice", "words")
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")  # ISO 639 (en, es, fil): how programs key texts
_VOICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+-]{0,39}")  # espeak-ng's: en-us, mb-de1, en+f3


@dataclass(frozen=True)
class Locale:
    """One language's words; ``missing`` are English keys it does not give."""

    code: str
    name: str
    voice: str  # espeak-ng's -v
    words: Mapping[str, str]
    missing: tuple[str, ...] = field(default=())

    def text(self, key: str, **fields: object) -> str:
        """The line ``key`` with its fields filled in; English where this locale
        has none. A key English lacks is a bug in poolside: KeyError."""
        template = self.words.get(key)
        if template is None:
            template = english().words[key]
        return template.format(**fields)


def bundled_codes() -> tuple[str, ...]:
    """The languages poolside comes with (their files' names)."""
    return tuple(sorted(path.stem for path in BUNDLED.glob("*.yaml")))


def names_a_locale(ref: str) -> bool:
    """A bundled language's code, or the name of a locale file (read later)."""
    return ref in bundled_codes() or ref.endswith((".yaml", ".yml"))


@cache
def english() -> Locale:
    return _read(BUNDLED / f"{ENGLISH}.yaml", reference=None)


def load_locale(ref: str | Path, folder: Path | None = None) -> Locale:
    """A bundled language by code (``es``), or a locale file (from ``folder``,
    the config file's, when relative); raises :class:`FileProblems`."""
    text = str(ref)
    if LANGUAGE_CODE.fullmatch(text):
        if text not in bundled_codes():
            known = ", ".join(bundled_codes())
            message = f"no language '{text}' here (poolside has {known}); or name a locale file"
            raise FileProblems([Problem(text, 1, 1, message)])
        return _bundled(text)
    path = Path(text)
    if folder is not None and not path.is_absolute():
        path = folder / path
    return _read(path, reference=english())


@cache
def _bundled(code: str) -> Locale:
    return english() if code == ENGLISH else _read(BUNDLED / f"{code}.yaml", english())


def _read(path: Path, reference: Locale | None) -> Locale:
    reader = Reader(path)
    node = reader.load_file(path)
    locale = _locale(reader, node, path, reference) if node is not None else None
    reader.raise_if_any()
    assert locale is not None
    return locale


def _locale(reader: Reader, node: Node, path: Path, reference: Locale | None) -> Locale | None:
    top = reader.fields(node, _LOCALE_KEYS, required=_LOCALE_KEYS, what="a locale file")
    if top is None or "words" not in top:
        return None
    if not LANGUAGE_CODE.fullmatch(path.stem):
        reader.problem(node, "name a locale file by its language code, as fr.yaml")
    name = reader.text(top["name"], "name") if "name" in top else None
    voice = reader.text(top["voice"], "voice") if "voice" in top else None
    if voice is not None and not _VOICE.fullmatch(voice):
        reader.problem(top["voice"], f"voice '{voice}' is not an espeak-ng voice name (es, es-419)")
    known = tuple(reference.words) if reference else _keys_of(top["words"])
    found = reader.fields(top["words"], known, what="words") or {}
    words: dict[str, str] = {}
    for key, value_node in found.items():
        value = reader.text(value_node, key)
        if value is None:
            continue
        given = _fields(value)
        if given is None:
            reader.problem(value_node, f"{key}: braces only around a field, as {{time}}")
            continue
        wanted = _fields(reference.words[key]) if reference else given
        if given != wanted:
            shown = ", ".join(f"{{{name}}}" for name in sorted(wanted or ())) or "none"
            reader.problem(value_node, f"{key} takes the fields {shown}, as in English")
            continue
        words[key] = value
    if name is None or voice is None or reader.problems:
        return None
    missing = tuple(key for key in known if key not in words)
    return Locale(path.stem, name, voice, words, missing)


def _keys_of(node: Node) -> tuple[str, ...]:
    """English's own keys: whatever it gives is the reference."""
    if not isinstance(node, MappingNode):
        return ()
    return tuple(str(key.value) for key, _ in node.value)


def _fields(template: str) -> frozenset[str] | None:
    """The fields a line names, or ``None`` if it has braces that are not one
    plain ``{name}``: no ``{0}``, ``{time:>5}``, ``{time.real}`` or a lone brace,
    which would fail (or reach into the value) when the line is shown."""
    try:
        parsed = list(Formatter().parse(template))
    except ValueError:
        return None
    names = set()
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not _NAME.fullmatch(name) or spec or conversion:
            return None
        names.add(name)
    return frozenset(names)


# -- the locale in use ------------------------------------------------------------
_in_use: list[Locale] = []


def use(locale: Locale) -> None:
    """Speak ``locale`` from now on (the kiosk sets it once, at start)."""
    _in_use[:] = [locale]


def current() -> Locale:
    return _in_use[0] if _in_use else english()


def text(key: str, **fields: object) -> str:
    """The line ``key`` in the locale in use."""
    return current().text(key, **fields)


__all__ = ["FileProblems", "Locale", "bundled_codes", "current", "load_locale", "text", "use"]
