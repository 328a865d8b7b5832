"""Every word the kiosk shows or says comes from the locale in use.

The kiosk is driven through every screen (check-in, cancel, resume offer,
get-ready, each phase, paused, the roll in class, the questions after a
class, solo and drop-in) on a manual clock with a real store, in Spanish
and in German; each text it draws, each status line and each phrase the
voice would say is searched for English words. English words are those of
en.yaml and of the bundled program's English texts, less any word the
other locale uses itself (START, NEXT and STOP are on the buttons; "Block"
is German too).
"""

from __future__ import annotations

import ast
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from poolside.config import Config
from poolside.core import words
from poolside.core.actions import Action
from poolside.core.cancel import CancelReason
from poolside.core.debrief import BORG_WORDED, STOP_REASONS
from poolside.core.engine import schedule
from poolside.core.program import PHASE_KINDS
from poolside.core.scanner import Scan
from poolside.core.view import bad_program_view
from poolside.core.yamlfile import FileProblems
from poolside.kiosk.screens import ScreenName
from poolside.selection import choose_program

from .conftest import PROGRAMS, run_poolside
from .test_checkin import Pool

OTHERS = [code for code in words.bundled_codes() if code != words.ENGLISH]
PROGRAM = "jump-and-hop-20"
_WORD = re.compile(r"[^\W\d_]{3,}")
_FIELDS = re.compile(r"\{\w*\}")


def _tokens(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def _program_texts(code: str) -> set[str]:
    """Every text of the bundled programs in ``code`` (titles, labels, moves, coaching)."""
    found: set[str] = set()
    for path in PROGRAMS.glob("jump-and-hop-*.yaml"):
        stack = [yaml.safe_load(path.read_text(encoding="utf-8"))]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if code in item and isinstance(item[code], str):
                    found.add(item[code])
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    return found


def _english_words(code: str) -> set[str]:
    """Words of English's texts that the other locale's texts do not use."""

    def used(locale: words.Locale, language: str) -> set[str]:
        said = [_FIELDS.sub("", line) for line in locale.words.values()]  # not {block}
        return set().union(*map(_tokens, [*said, *_program_texts(language)]))

    return used(words.english(), "en") - used(words.load_locale(code), code)


def _everything_shown(folder: Path) -> list[str]:
    """Every text drawn, said or put in the status corner while the kiosk is
    taken through each of its screens, in the locale in use."""
    from poolside.devices.voice import phrase
    from poolside.hardware import keyboard_hint
    from poolside.records.store import DEVICE_FILE
    from poolside.records.sync import status_line

    choice = choose_program(PROGRAM, Config(), date(2027, 1, 4))
    shown: list[str] = []

    class_folder = folder / "class"
    pool = Pool(class_folder, choice)
    pool.press("next", "toggle", Scan("P404"), Scan("P002"), "toggle", "toggle")  # Bo in
    pool.press("stop", "toggle", "next", "next", "back")  # the cancel screen, and back
    pool.press("hold")  # the class begins
    pool.run_to(until=130.0)
    pool.press(Action.LOUDER, "quit", "toggle")  # no music here; Q refused; paused
    pool.clock.advance(75.0)
    pool.press("next", "toggle", "next", "next", "toggle")  # the roll: Ann and Cy join
    pool.press("next", "toggle")  # Ann leaves, and is asked why
    asked = words.text("ask.left_reason", name="Ann")
    assert any(line.startswith(asked) for line in pool.texts()), asked
    pool.press("next", "toggle", "back")  # tired; back to the class
    pool.press(Scan("P404"), Scan("P001"))  # refused; Ann has left already
    pool.press("toggle")  # resumed
    pool.run_to()
    pool.press("next", "toggle")  # ask each swimmer's effort: yes
    pool.press("next", "next", "toggle", "toggle", "toggle")  # Bo 14, Cy skipped; home
    pool.press("toggle", "hold")  # Ann in, and a class stopped early
    pool.run_to(until=pool.clock.now() + 400.0)
    pool.press("stop", "next", "toggle", "toggle", "toggle")  # why; each one's effort: no; home
    pool.press("stop", "next", "toggle")  # today's class called off
    pool.press("toggle", "hold")  # one swimmer, then the power goes mid-class
    pool.run_to(until=pool.clock.now() + 300.0)
    pool.store.close()  # the power goes
    again = Pool(class_folder, choice)  # the resume offer
    again.press("next")
    shown.append(status_line(class_folder))  # batches waiting, never synced
    again.store.close()

    (folder / "solo").mkdir()
    (folder / "solo" / DEVICE_FILE).write_text("not a device id!\n", encoding="utf-8")
    solo = Pool(folder / "solo", choice, mode="solo")
    shown.extend(solo.records.status())  # the unusable device id
    solo.press("next", Scan("P003"), "toggle")
    solo.run_to()
    solo.press("next", "next", "toggle", "toggle")  # how hard it was, then home
    solo.store.close()

    dropin = Pool(folder / "dropin", choice, mode="headcount", people=[])
    dropin.press("toggle", "toggle", "next", Scan("P001"), "hold")
    dropin.run_to(until=30.0)
    dropin.store.close()
    shown.extend(line for each in (pool, again, solo, dropin) for line in each.seen)
    seen = set().union(*(each.screens_seen for each in (pool, again, solo, dropin)))
    seen |= _home_and_get_ready(choice, shown)
    assert seen == set(ScreenName) - {ScreenName.ERROR}, seen

    shown.extend(bad_program_view(()).lines)
    shown.append(bad_program_view(()).word)
    shown.append(keyboard_hint())
    shown.extend(filter(None, (phrase([event]) for event in schedule(choice.program))))
    return [line.replace(choice.program.name, "") for line in shown]


def _home_and_get_ready(choice, shown: list[str]) -> set[str]:
    """A kiosk with no roll (the home screen) and a get-ready countdown."""
    import pygame

    from poolside.devices.screen import Renderer
    from poolside.kiosk.build import build_kiosk
    from poolside.kiosk.state import Display

    renderer, surface = Renderer(), pygame.Surface((800, 480))
    kiosk = build_kiosk(Display(lambda: [surface], renderer), choice, 10)
    seen = set()
    for now, action in ((0.0, None), (1.0, "toggle"), (4.0, None), (9.5, None)):
        if action:
            kiosk.act(action, now)
        kiosk.tick(now)
        shown.extend(drawn.text for drawn in renderer.drawn)
        seen.add(kiosk.screens.current(now).name)
    return seen


def _english_left(lines: list[str], english: set[str]) -> set[str]:
    return {word for line in lines for word in _tokens(line) & english}


@pytest.mark.parametrize("code", OTHERS)
def test_no_english_is_left_on_any_screen_or_in_any_word_said(tmp_path, code) -> None:
    words.use(words.load_locale(code))
    shown = _everything_shown(tmp_path)
    left = _english_left(shown, _english_words(code))
    assert not left, f"English left in {code}: {sorted(left)}"
    assert len(set(shown)) > 100, "the tour reached every screen"


def test_the_search_finds_english_where_it_is_left() -> None:
    """A line left in English among the Spanish is found: the search can fail."""
    spanish = words.load_locale("es")
    held = words.english().text("hint.held", control="START")
    lines = [spanish.text("dropin.title"), f"{held}: begin", "Jumping jacks"]
    found = _english_left(lines, _english_words("es"))
    assert found == {"hold", "begin", "jumping", "jacks"}, "START is on the buttons: not English"


@pytest.mark.parametrize("code", words.bundled_codes())
def test_every_locale_gives_every_key_with_the_fields_english_has(code) -> None:
    locale = words.load_locale(code)
    assert locale.missing == ()
    assert set(locale.words) == set(words.english().words)
    assert locale.voice == code, "espeak-ng's voice for the language"


def test_every_key_the_code_asks_for_is_in_english_and_every_key_there_is_used() -> None:
    """Keys asked for by ``text("...")`` (either branch of an ``if``) exist; each key
    English has is named somewhere in the code, or built from a value (f"kind.{kind}")."""
    asked: set[str] = set()
    named: set[str] = set()
    for path in (PROGRAMS.parent / "poolside").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                named.add(node.value)
            func = getattr(node, "func", None)
            if getattr(func, "id", getattr(func, "attr", None)) == "text" and node.args:
                first = node.args[0]
                branches = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
                asked |= {b.value for b in branches if isinstance(b, ast.Constant)}
    keys = set(words.english().words)
    assert len(asked) > 50, "the search finds the keys asked for"
    assert asked <= keys, sorted(asked - keys)
    built = {  # keys made from a value, as f"kind.{kind}"
        *(f"kind.{kind}" for kind in PHASE_KINDS),
        *(f"cancel.{reason.value}" for reason in CancelReason),
        *(f"borg.{number}" for number in BORG_WORDED),
        *(f"stop.{reason}" for reason in STOP_REASONS),
        *(f"say.{count}" for count in (1, 2, 3)),
    }
    assert built <= keys
    unused = keys - named - built
    assert not unused, sorted(unused)


def test_a_locale_file_of_your_own_is_read_with_its_mistakes_placed(tmp_path) -> None:
    mine = tmp_path / "fr.yaml"
    mine.write_text(
        "name: Français\nvoice: fr\nwords:\n"
        "  run.paused: EN PAUSE\n"
        '  run.left: "il reste {temps}"\n'
        "  home.lenght: durée {length}\n",
        encoding="utf-8",
    )
    with pytest.raises(FileProblems) as raised:
        words.load_locale(mine)
    said = [str(problem) for problem in raised.value.problems]
    assert f"{mine}:5:13: run.left takes the fields {{time}}, as in English" in said
    assert any(
        line.startswith(f"{mine}:6:3: unknown key 'home.lenght'") and "home.length" in line
        for line in said
    ), said
    misnamed = tmp_path / "french.yaml"
    misnamed.write_text("name: Français\nvoice: -w /tmp/x\nwords: {}\n", encoding="utf-8")
    with pytest.raises(FileProblems) as raised:
        words.load_locale(misnamed)
    assert [str(problem) for problem in raised.value.problems] == [
        f"{misnamed}:1:1: name a locale file by its language code, as fr.yaml",
        f"{misnamed}:2:8: voice '-w /tmp/x' is not an espeak-ng voice name (es, es-419)",
    ]


def test_a_key_a_locale_leaves_out_is_said_in_english_and_named(tmp_path) -> None:
    mine = tmp_path / "fr.yaml"
    mine.write_text("name: Français\nvoice: fr\nwords:\n  run.paused: EN PAUSE\n", encoding="utf-8")
    locale = words.load_locale(mine)
    assert locale.text("run.paused") == "EN PAUSE"
    assert locale.text("run.left", time="1:00") == "1:00 left"
    assert "run.left" in locale.missing and "run.paused" not in locale.missing


def test_the_config_names_a_language_or_a_locale_file_beside_it(tmp_path) -> None:
    from poolside.config import load_config

    (tmp_path / "config.yaml").write_text("language: es\n", encoding="utf-8")
    assert load_config(tmp_path / "config.yaml").locale().name == "Español"
    (tmp_path / "fr.yaml").write_text(
        "name: Français\nvoice: fr\nwords:\n  run.paused: EN PAUSE\n", encoding="utf-8"
    )
    (tmp_path / "config.yaml").write_text("language: fr.yaml\n", encoding="utf-8")
    assert load_config(tmp_path / "config.yaml").locale().voice == "fr"
    (tmp_path / "config.yaml").write_text("language: gone.yaml\n", encoding="utf-8")
    checked = run_poolside("check", str(tmp_path / "config.yaml"))
    assert checked.returncode == 1
    assert checked.stderr.startswith(f"{tmp_path / 'gone.yaml'}:1:1: cannot read:")
    (tmp_path / "config.yaml").write_text("mode: class\nlanguage: esp\n", encoding="utf-8")
    with pytest.raises(FileProblems) as raised:
        load_config(tmp_path / "config.yaml")
    (problem,) = raised.value.problems
    assert (problem.line, problem.col) == (2, 11) and "did you mean 'es'" in problem.message


def test_a_program_gives_its_texts_per_language_and_falls_back_to_english() -> None:
    from poolside.core.program import parse_program

    data = (
        b"name: mixed\ntitle: {en: Mixed, de: Gemischt}\nphases:\n"
        b"  - kind: work\n    move: {en: Jumping jacks, es: Saltos de tijera}\n    duration: 30\n"
    )
    words.use(words.load_locale("de"))
    program = parse_program(data)
    assert program.title == "Gemischt"
    assert program.phases[0].move == "Jumping jacks", "no German given: the English"
    assert program.phases[0].label == "BELASTUNG", "no label: the locale's word for the kind"
    words.use(words.load_locale("es"))
    assert parse_program(data).phases[0].move == "Saltos de tijera"


def test_a_program_text_keyed_by_anything_but_a_language_code_is_refused() -> None:
    from poolside.core.program import parse_program

    data = b"name: x\nphases:\n  - kind: work\n    move: {English: Jumps, es: ''}\n"
    with pytest.raises(FileProblems) as raised:
        parse_program(data + b"    duration: 30\n", "x.yaml")
    said = [str(problem) for problem in raised.value.problems]
    assert said == [
        "x.yaml:4:12: move: each key is a language code such as en or es",
        "x.yaml:4:32: move (es) is empty",
    ]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_the_voice_speaks_the_locale_in_its_espeak_ng_voice(tmp_path) -> None:
    """espeak-ng, behind a wrapper that notes what it is asked (its options, and the
    words it is given on stdin), renders the German phrases in its German voice;
    the cache keeps one language's files from another's."""
    from poolside.devices.voice import Voice

    wrapper, asked = tmp_path / "espeak-ng", tmp_path / "asked.txt"
    wrapper.write_text(
        f'#!/bin/sh\nwords=$(cat)\necho "$@ $words" >> {asked}\n'
        f'printf %s "$words" | exec {shutil.which("espeak-ng")} "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    words.use(words.load_locale("de"))
    program = choose_program(PROGRAM, Config(), date(2027, 1, 4)).program
    german = Voice(tmp_path / "cache", espeak=str(wrapper))
    assert german.prepare(program) > 0
    lines = asked.read_text(encoding="utf-8").splitlines()
    assert lines and all(line.startswith("-v de -s ") for line in lines)
    assert any(line.endswith(" Gleich: Hampelmann") for line in lines)
    assert any(line.endswith(" Drei") for line in lines)
    assert german.ready["Drei"].stat().st_size > 1000, "a real rendering"
    assert Voice(tmp_path / "cache", language="en").file("Drei") != german.file("Drei")


@pytest.mark.parametrize(
    "line", ["{0} left", "{time:>99999} left", "{time.__class__} left", "{time!r} left",
             "{time} left {", "} {time} left", "{} left"],
)  # fmt: skip
def test_a_line_with_braces_that_are_not_a_plain_field_is_refused(tmp_path, line) -> None:
    """Shown, each would fail, pad the screen away or reach into the value."""
    mine = tmp_path / "xx.yaml"
    mine.write_text(f"name: X\nvoice: en\nwords:\n  run.left: '{line}'\n", encoding="utf-8")
    with pytest.raises(FileProblems) as raised:
        words.load_locale(mine)
    (problem,) = raised.value.problems
    assert (problem.line, problem.col) == (4, 13)
    assert problem.message in (
        "run.left: braces only around a field, as {time}",
        "run.left takes the fields {time}, as in English",
    )


def test_literal_braces_written_twice_are_kept(tmp_path) -> None:
    mine = tmp_path / "xx.yaml"
    mine.write_text("name: X\nvoice: en\nwords:\n  run.left: '{{{time}}} left'\n")
    assert words.load_locale(mine).text("run.left", time="1:00") == "{1:00} left"


def test_check_warns_of_a_program_text_missing_a_language_others_give(tmp_path) -> None:
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text(
        "name: mixed\ntitle:\n  en: Mixed\n  es: Mixto\nphases:\n  - kind: work\n"
        "    move: {en: Jumping jacks, de: Hampelmann}\n    duration: 30\n",
        encoding="utf-8",
    )
    result = run_poolside("check", str(mixed), str(PROGRAMS))
    assert result.returncode == 0
    said = " (other texts here do): shown in English there, else the first given"
    assert result.stderr.splitlines() == [
        f"{mixed}:3:3: warning: title gives no de{said}",
        f"{mixed}:7:11: warning: move gives no es{said}",
    ], "and none for the bundled programs, which give en, es and de throughout"


@pytest.mark.parametrize("size", [(800, 480), (1920, 1080), (480, 800)], ids=str)
@pytest.mark.parametrize("code", OTHERS)
def test_every_screen_fits_its_longer_words_at_half_the_english_size_or_more(code, size):
    """German and Spanish run longer than English: each text still fits the screen,
    and none is drawn smaller than half its English size (it would not be read
    from the water)."""
    import pygame

    from poolside.devices.screen import Renderer
    from poolside.kiosk.render import view_at

    from .test_screen import SCREENS

    def drawn(language: str) -> dict[tuple[str, float, str], pygame.Rect]:
        words.use(words.load_locale(language))
        choice = choose_program(PROGRAM, Config(), date(2027, 1, 4))
        rects = {}
        for screen, at in [*SCREENS, ("checkin", 0), ("cancel", 0), ("class-roll", 0)]:
            surface, renderer = pygame.Surface(size), Renderer()
            renderer.draw(surface, view_at(choice, screen, at))
            for item in renderer.drawn:
                assert surface.get_rect().contains(item.rect), (screen, item.text, item.rect)
                rects[(screen, at, item.role)] = item.rect
        return rects

    english, other = drawn(words.ENGLISH), drawn(code)
    shared = english.keys() & other.keys()
    assert len(shared) > 0.9 * len(english), "the same parts are drawn"
    small = {key: other[key].h / english[key].h for key in shared}
    assert min(small.values()) >= 0.5, min(small.items(), key=lambda item: item[1])
