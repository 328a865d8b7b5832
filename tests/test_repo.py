"""Rules of the repository that code review alone would let slip."""

from __future__ import annotations

import ast
import re

from .conftest import REPO

FORBIDDEN_IN_CORE = (
    "pygame",
    "gpiozero",
    "sqlite3",
    "poolside.devices",
    "poolside.records",
    "poolside.kiosk",
    "poolside.cli",
    "subprocess",
    "socket",
)


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text)


def test_ci_runs_the_readme_test_command() -> None:
    run_command, test_command = _readme_commands()[:2]
    assert "poolside run" in run_command
    assert "pytest" in test_command
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci


def test_core_stays_pure() -> None:
    for path in sorted((REPO / "poolside" / "core").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(FORBIDDEN_IN_CORE), f"{path.name} imports {name}"
            if isinstance(node, ast.Attribute):
                assert node.attr not in ("write_text", "write_bytes", "sleep"), (
                    f"{path.name}:{node.lineno} {node.attr}"
                )
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "open":
                raise AssertionError(f"{path.name}:{node.lineno} opens a file")


# BCM GPIO number -> physical pin on the 40-pin header, for the pins we use.
HEADER = {17: 11, 27: 13, 22: 15, 18: 12, 23: 16, 5: 29, 6: 31, 13: 33}


def test_wiring_pin_table_matches_the_default_config() -> None:
    from poolside.config import Buttons, Buzzer, Light

    text = (REPO / "wiring.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| [^|]+ \| `([a-z_.]+)` \| GPIO(\d+) \| (\d+) \|", text, re.MULTILINE)
    table = {key: (int(gpio), int(header)) for key, gpio, header in rows}
    defaults = {f"buttons.{role}": getattr(Buttons(), role) for role in ("start", "next", "stop")}
    defaults["buzzer.pin"] = Buzzer().pin
    defaults |= {f"light.{key}": getattr(Light(), key) for key in ("pin", "red", "amber", "green")}
    assert set(table) == set(defaults)
    for key, pin in defaults.items():
        assert table[key] == (pin, HEADER[pin]), key


def test_the_readme_pi_install_is_the_installer_and_its_steps_parse() -> None:
    """The appliance test runs these blocks as written; keep them runnable."""
    import subprocess

    from .appliance.image import readme_block

    steps = readme_block(REPO / "README.md", "pi-install")
    assert steps[-1] == "sudo /opt/poolside/install.sh"
    assert any("<this repository>" in step for step in steps)
    assert readme_block(REPO / "README.md", "pi-check") == [
        "sudo /opt/poolside/venv/bin/poolside doctor"
    ]
    installer = REPO / "install.sh"
    assert installer.stat().st_mode & 0o111, "install.sh must be executable"
    assert subprocess.run(["sh", "-n", str(installer)]).returncode == 0
    for example in ("config.example.yaml", "roster.example.csv"):
        assert example in installer.read_text()


def test_install_sh_takes_one_option_for_several_screens_and_refuses_others() -> None:
    """``--leader`` or ``--follower HOST``; a follower without its leader, an option it
    does not know, or a host that reads as an option ends before anything is done."""
    import subprocess

    installer = str(REPO / "install.sh")
    for args, said in (
        (["--follower"], "needs the leader"),
        (["--follower", "-x"], "needs the leader"),
        (["--lead"], "unknown option --lead"),
    ):
        done = subprocess.run(["sh", installer, *args], capture_output=True, text=True)
        assert done.returncode == 2 and said in done.stderr, (args, done)
    text = (REPO / "install.sh").read_text()
    assert "poolside-link.service" in text and "poolside-follow.service" in text


def test_the_batch_format_document_names_every_field_a_batch_carries() -> None:
    """docs/batch-format.md is the contract outside readers go by: no field unnamed."""
    from poolside.records.store import CONTRACT, EXTRAS

    text = (REPO / "docs" / "batch-format.md").read_text(encoding="utf-8")
    missing = [f for f in (*CONTRACT, *EXTRAS, "boot_id", "monotonic_s") if f"`{f}`" not in text]
    assert missing == []


# "": the top level
SECTIONS = ("", "buttons", "buzzer", "light", "sound", "music", "sync", "screens")


def _shown_keys(yaml_text: str) -> dict[str, set[str]]:
    """The keys a config text shows (commented-out ones too), by section: a key at
    the left margin is the top level's, one indented under a section is that
    section's; a timetable's days are its own and not counted."""
    shown: dict[str, set[str]] = {section: set() for section in SECTIONS}
    section = ""
    for raw in yaml_text.splitlines():
        line = re.sub(r"^( *)# ", r"\1", raw)  # a key commented out is shown too
        match = re.match(r"^( *)([a-z_]+):", line)
        if match is None:
            continue
        indent, key = len(match.group(1)), match.group(2)
        if indent == 0:
            shown[""].add(key)
            section = key
        elif indent == 2 and section in shown and section != "":
            shown[section].add(key)
    return shown


def _schema_keys() -> dict[str, set[str]]:
    from poolside.config import Buttons, Buzzer, Config, Light, Linked, Music, Sound, Sync, keys

    classes = (Config, Buttons, Buzzer, Light, Sound, Music, Sync, Linked)
    return {section: set(keys(cls)) for section, cls in zip(SECTIONS, classes, strict=True)}


def test_the_config_reference_and_the_example_show_the_schema_whole() -> None:
    """The section dataclasses are the config's schema: docs/installing.md's reference
    and config.example.yaml (what install.sh copies) show every key of every
    section, and no key the schema does not have; every key has its doc."""
    from dataclasses import fields

    from poolside.config import Buttons, Buzzer, Config, Light, Linked, Music, Sound, Sync

    docs = (REPO / "docs" / "installing.md").read_text(encoding="utf-8")
    reference = docs[docs.index("## Config") :].split("```yaml", 1)[1].split("```", 1)[0]
    example = (REPO / "config.example.yaml").read_text(encoding="utf-8")
    schema = _schema_keys()
    assert _shown_keys(reference) == schema
    assert _shown_keys(example) == schema
    for section in (Config, Buttons, Buzzer, Light, Sound, Music, Sync, Linked):
        assert all(f.metadata["doc"] for f in fields(section) if "read" in f.metadata)


def test_the_config_key_check_sees_a_missing_or_an_unknown_key() -> None:
    shown = _shown_keys("buttons:\n  start: 17\n# mode: class\nextra: 1\ntimetable:\n  mon: 7\n")
    assert shown["buttons"] == {"start"} and shown[""] == {"buttons", "mode", "extra", "timetable"}
    assert shown != _schema_keys()


def _imports() -> dict[str, set[str]]:
    """Each module of the package and the package's modules it imports (those under
    ``if TYPE_CHECKING:`` too: a circle there is a circle in the design)."""
    modules = {}
    for path in (REPO / "poolside").rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        graph[name] = {other for other in found if other in modules and other != name}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Modules that import one another, directly or round a circle."""
    reach = {name: set(edges) for name, edges in graph.items()}
    changed = True
    while changed:  # the transitive closure: small enough to do plainly
        changed = False
        for seen in reach.values():
            more = set().union(*(reach[other] for other in seen)) - seen
            if more:
                seen |= more
                changed = True
    circles = {
        frozenset(o for o in reach[n] if n in reach[o]) | {n} for n in graph if n in reach[n]
    }
    return sorted(sorted(circle) for circle in circles)


def test_no_module_of_the_package_imports_itself_round_a_circle() -> None:
    graph = _imports()
    assert len(graph) > 80 and "poolside.kiosk.screens" in graph["poolside.kiosk.state"]
    assert _circles(graph) == []


def test_the_circle_check_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]


def test_a_kiosk_is_made_by_the_builder_only() -> None:
    """``Kiosk(...)`` is called in kiosk/build.py and nowhere else, in the package, the
    tests and the benchmarks, so the resume rule it holds cannot be stepped round."""
    calls = []
    for path in sorted([*(REPO / "poolside").rglob("*.py"), *(REPO / "tests").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            named = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            if named and node.func.id == "Kiosk":  # type: ignore[attr-defined]
                calls.append(str(path.relative_to(REPO)))
    assert calls == ["poolside/kiosk/build.py"]
