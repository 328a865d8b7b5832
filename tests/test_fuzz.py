"""Generated hostile inputs: every loader answers with located problems, never a traceback.

Programs, plans, configs and rosters are written to real files and loaded
the way ``check`` and ``run`` load them; batch lines go through the
export's line reader. Inputs mix raw bytes, YAML and JSON built from the
trouble classes (control characters, lone surrogates, CR-only line ends,
deep nesting, huge fields, integers beyond 64 bits, dates out of range,
NaN and Infinity, duplicate keys) and good files with bytes changed. Each
example has a deadline, so a hang fails too. 10,000 examples a run, 2,000
for each of the five tests (``POOLSIDE_FUZZ_EXAMPLES`` sets the count per test).
"""

from __future__ import annotations

import json
import os
from datetime import UTC
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poolside.config import load_config
from poolside.core.plan import load_plan
from poolside.core.program import load_program
from poolside.core.yamlfile import FileProblems
from poolside.records.problems import Problems
from poolside.records.roster import load_roster
from poolside.records.scratch import read_line

from .conftest import PROGRAMS

EXAMPLES = int(os.environ.get("POOLSIDE_FUZZ_EXAMPLES", "2000"))  # x 5 tests = 10,000
pytestmark = pytest.mark.slow  # about 2 minutes: CI runs it with -m slow
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=2000,  # ms per example: a loader that hangs fails here
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same inputs every run: no test that passes by luck
)

TROUBLE_TEXT = st.sampled_from(
    [
        "\x00",
        "\x1b[2J",
        "\ud800",
        "\r",
        "\u202e",
        "9" * 40,
        "-9" * 30,
        "1:30",
        "0:30",
        "no",
        "0755",
        "&a",
        "*a",
        "!!python/object:os.system",
        "2027-02-30",
        "99999-01-01",
        ".nan",
        "NaN",
        "Infinity",
        "\t",
        "x" * 5000,
        "[" * 200,
        "{" * 200,
        "é",
        "😀",
    ]
)
KEYS = st.sampled_from(
    [
        "name", "title", "phases", "kind", "label", "move", "moves", "coach", "duration",
        "block", "repeat", "cues", "schedule", "weeks", "sessions_per_week", "program",
        "plan", "program_start", "get_ready", "roster", "mode", "buttons", "buzzer", "sound",
        "sync", "start", "next", "stop", "pin", "volume", "to", "week", "blocks", "x",
    ]
)  # fmt: skip
SCALARS = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=30),
    TROUBLE_TEXT,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(KEYS, inner, max_size=6)),
    max_leaves=25,
)


def _yaml_text(data: object) -> str:
    """YAML from data, written by hand: no PyYAML quoting to hide the traps."""
    if isinstance(data, dict):
        return (
            "\n".join(
                f"{key}:\n" + "\n".join("  " + line for line in _yaml_text(value).splitlines())
                for key, value in data.items()
            )
            or "{}"
        )
    if isinstance(data, list):
        return "\n".join("- " + _yaml_text(item).replace("\n", "\n  ") for item in data) or "[]"
    return str(data)


GOOD = [(PROGRAMS / name).read_bytes() for name in sorted(os.listdir(PROGRAMS))]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A bundled file with a few bytes changed, cut or repeated."""
    data = bytearray(draw(st.sampled_from(GOOD)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "repeat", "crlf"]))
        if action == "insert":
            data[at:at] = draw(TROUBLE_TEXT).encode("utf-8", "surrogatepass")
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif action == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(2, 20))
        else:
            data = bytearray(bytes(data).replace(b"\n", b"\r"))
    return bytes(data)


YAML_INPUTS = st.one_of(
    st.binary(max_size=3000),
    VALUES.map(lambda v: _yaml_text(v).encode("utf-8", "surrogatepass")),
    mutated(),
    st.builds(lambda key, n: f"{key}: ".encode() + b"[" * n + b"]" * n, KEYS, st.integers(1, 3000)),
    st.builds(lambda key: f"{key}: 1\n{key}: 2\n".encode(), KEYS),
)


def _loads_or_problems(load, path: Path) -> None:
    try:
        load(path)
    except FileProblems as problems:
        for problem in problems.problems:
            assert problem.line >= 1 and problem.col >= 1 and problem.message
            str(problem)


@pytest.mark.parametrize(
    "load", [load_program, load_plan, load_config], ids=["program", "plan", "config"]
)
@FUZZ
@given(data=YAML_INPUTS)
def test_yaml_inputs_give_located_problems_never_a_traceback(
    load, data: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz-input.yaml"
    path.write_bytes(data)
    _loads_or_problems(load, path)


CSV_INPUTS = st.one_of(
    st.binary(max_size=2000),
    st.lists(
        st.lists(st.one_of(st.text(max_size=12), TROUBLE_TEXT), min_size=1, max_size=5),
        min_size=1,
        max_size=20,
    ).map(
        lambda rows: ("code,name,start\n" + "\n".join(",".join(r) for r in rows)).encode(
            "utf-8", "surrogatepass"
        )
    ),
)


@FUZZ
@given(data=CSV_INPUTS)
def test_rosters_give_located_problems_never_a_traceback(
    data: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz-roster.csv"
    path.write_bytes(data)
    _loads_or_problems(load_roster, path)


RECORD_VALUES = st.one_of(
    SCALARS,
    st.sampled_from(
        [
            "2027-01-04T09:00:00+00:00",
            "0001-01-01T00:00:00+00:00",
            "9999-12-31T23:59:59-23:59",
            "2027-13-45T25:61:61Z",
            "P001",
        ]
    ),
)
CONTRACT_KEYS = [
    "id", "type", "device", "seq", "participant", "started_at", "clock_synced",
    "program", "week", "mode", "planned_s", "completed_s", "stopped_early", "effort",
]  # fmt: skip


@st.composite
def batch_lines(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["record", "raw", "nested", "duplicate"]))
    if kind == "raw":
        return draw(st.binary(max_size=500))
    if kind == "nested":
        depth = draw(st.integers(100, 100_000))
        return b'{"id": "x", "seq": ' + b"[" * depth + b"]" * depth + b"}"
    record = {
        key: draw(RECORD_VALUES)
        for key in CONTRACT_KEYS
        if draw(st.booleans()) or key in ("id", "type")
    }
    if draw(st.booleans()):
        record["type"] = "session"
    text = json.dumps(record, allow_nan=True, ensure_ascii=draw(st.booleans()))
    if kind == "duplicate":
        text = text[:-1] + ', "seq": 5, "seq": "five"}'
    return text.encode("utf-8", "surrogatepass")


@FUZZ
@given(raw=batch_lines())
def test_batch_lines_are_read_or_reported_never_a_traceback(raw: bytes) -> None:
    problems = Problems()
    row = read_line(raw, "fuzz.jsonl:1", 1, UTC, problems)
    assert row is not None or sum(problems.counts.values()) >= 1 or not raw.strip()


@settings(FUZZ, max_examples=max(50, EXAMPLES // 10))
@given(lines=st.lists(batch_lines(), min_size=1, max_size=8))
def test_whole_exports_of_generated_batches_finish_with_their_reports(
    lines: list[bytes], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Through the scratch database and every report: what SQLite cannot hold is caught."""
    from datetime import date

    from poolside.records.export import export
    from poolside.records.figures import Settings

    base = tmp_path_factory.mktemp("fuzz-export")
    (base / "in").mkdir()
    (base / "in" / "fuzz.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    settings_ = Settings(
        start=date(2027, 1, 4), start_from="test", weeks=24, per_week=3, threshold=75.0,
        zone=UTC, as_of=date(2027, 6, 30),
    )  # fmt: skip
    export([base / "in"], base / "out", settings_, None)
    assert (base / "out" / "problems.txt").exists()
