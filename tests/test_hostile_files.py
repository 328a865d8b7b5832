"""Inputs that must be refused before they are read: huge files, devices, FIFOs.

Each is named like a real input (program, roster, batch, sidecar) and given
to the real command in a child process, with a time limit: a FIFO that was
opened for reading would hang it, ``/dev/zero`` or a sparse 3 GB file read
whole would take the time limit or the memory. The child's peak memory
comes from ``wait4``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from poolside.records.outbox import sidecar_text

MAX_RSS_MB = 150  # a child reading nothing big stays far below this
LIMIT_S = 30


# The child's own peak, VmHWM of its address space, written as it exits. Not
# wait4's ru_maxrss: that counts the address space the child was forked from,
# this pytest process, whose size depends on the tests run before.
PEAK = """
import atexit, os, runpy, sys
def peak():
    with open("/proc/self/status") as status, open(os.environ["PEAK_FILE"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
atexit.register(peak)
sys.argv[0] = "poolside"
runpy.run_module("poolside", run_name="__main__")
"""


def _run(*args: str, cwd: Path) -> tuple[int, str, str, float, float]:
    """(exit status, stdout, stderr, seconds, peak RSS in MB) of ``poolside ARGS``."""
    out, err, peak = cwd / "stdout.txt", cwd / "stderr.txt", cwd / "peak-kb.txt"
    t0 = time.monotonic()
    with out.open("w") as stdout, err.open("w") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-c", PEAK, *args],
            stdout=stdout,
            stderr=stderr,
            cwd=cwd,
            env={**os.environ, "PEAK_FILE": str(peak)},
        )
        try:
            status = child.wait(timeout=LIMIT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            pytest.fail(f"poolside {' '.join(args)} still running after {LIMIT_S} s")
    seconds = time.monotonic() - t0
    peak_mb = int(peak.read_text()) / 1024  # missing: the child did not exit by itself
    return status, out.read_text(), err.read_text(), seconds, peak_mb


def _hostile(folder: Path, name: str, kind: str) -> Path:
    path = folder / name
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    elif kind == "huge":
        with path.open("wb") as handle:
            handle.truncate(3 * 2**30)  # sparse: 3 GB that take no disk
    return path


KINDS = ("fifo", "zero", "huge")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["program.yaml", "roster.csv", "config.yaml"])
def test_check_refuses_at_once_with_a_located_message(tmp_path: Path, kind: str, name: str):
    path = _hostile(tmp_path, name, kind)
    status, _, err, _, rss = _run("check", str(path), cwd=tmp_path)
    assert status == 1 and err.startswith(f"{path}:1:1: cannot read: "), err
    assert "Traceback" not in err
    assert rss < MAX_RSS_MB, rss


@pytest.mark.parametrize("kind", KINDS)
def test_run_refuses_such_a_program_at_once(tmp_path: Path, kind: str) -> None:
    path = _hostile(tmp_path, "class.yaml", kind)
    status, _, err, _, rss = _run("run", str(path), "--headless", "--start", cwd=tmp_path)
    assert status == 1 and f"{path}:1:1: cannot read" in err and "Traceback" not in err
    assert rss < MAX_RSS_MB


@pytest.mark.parametrize("kind", KINDS)
def test_run_refuses_such_a_locale_file_at_once(tmp_path: Path, kind: str) -> None:
    path = _hostile(tmp_path, "fr.yaml", kind)
    status, _, err, _, rss = _run(
        "run", "--headless", "--start", "--language", str(path), cwd=tmp_path
    )
    assert status == 1 and f"{path}:1:1: cannot read" in err and "Traceback" not in err, err
    assert rss < MAX_RSS_MB


def _export(source: Path, tmp_path: Path) -> tuple[int, str, str, float, float]:
    return _run(
        "export", str(source), "--out", str(tmp_path / "out"), "--start", "2027-01-04",
        cwd=tmp_path,
    )  # fmt: skip


def _good_batch(folder: Path) -> Path:
    record = {
        "id": "00000000-0000-4000-8000-000000000001",
        "type": "session",
        "device": "pool-a",
        "seq": 1,
        "participant": "P001",
        "started_at": "2027-01-04T09:00:00+00:00",
        "clock_synced": True,
        "program": "jump-and-hop-20",
        "week": 1,
        "mode": "class",
        "planned_s": 1200,
        "completed_s": 1200,
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "good.jsonl"
    path.write_text(json.dumps(record) + "\n")
    return path


@pytest.mark.parametrize("kind", KINDS)
def test_export_skips_such_a_batch_or_sidecar_and_reads_the_rest(tmp_path: Path, kind: str):
    source = tmp_path / "in"
    good = _good_batch(source)
    bad = _hostile(source, "bad.jsonl", kind)
    _hostile(source, "good.jsonl.sha256", kind)
    status, _, err, _, rss = _export(source, tmp_path)
    assert status == 0, err
    problems = (tmp_path / "out" / "problems.txt").read_text()
    assert f"{bad}: " in problems, problems
    assert "P001" in (tmp_path / "out" / "sessions.csv").read_text()
    assert good.exists() and rss < MAX_RSS_MB


def test_a_batch_line_of_megabytes_is_reported_and_memory_stays_bounded(tmp_path: Path):
    source = tmp_path / "in"
    good = _good_batch(source)
    data = good.read_bytes() + b'{"id": "' + b"x" * (20 * 2**20) + b'"}\n' + good.read_bytes()
    good.write_bytes(data)
    (source / "good.jsonl.sha256").write_text(sidecar_text("good.jsonl", data))
    status, _, err, _, rss = _export(source, tmp_path)
    assert status == 0, err
    problems = (tmp_path / "out" / "problems.txt").read_text()
    assert f"{good}:2: longer than" in problems
    assert "does not match" not in problems, "every byte is still hashed"
    assert rss < MAX_RSS_MB, rss


@pytest.mark.parametrize(
    ("content", "located"),
    [
        (b"name: a\x00b\n", ":1:8: character U+0000 is not allowed"),
        (b"name: x\nphases: " + b"[" * 5000 + b"]" * 5000 + b"\n", ":2:73: nested more than 64"),
        (b"name: x\r\x1b[2Jphases: []\r", ":1:"),
        (b'name: x\ntitle: "\\ud800"\nphases: []\n', ":2:8: a \\u escape here is half a"),
    ],
    ids=["nul", "deep", "cr-and-escape", "lone-surrogate"],
)
def test_control_characters_and_deep_nesting_are_located_problems(
    tmp_path: Path, content: bytes, located: str
) -> None:
    path = tmp_path / "class.yaml"
    path.write_bytes(content)
    status, _, err, seconds, _ = _run("check", str(path), cwd=tmp_path)
    assert status == 1 and f"{path}{located}" in err and "Traceback" not in err, err
    assert seconds < 10


def _megabyte_of(unit: str, head: str = "name: big\nphases:\n", tail: str = "") -> bytes:
    """``head`` + ``unit`` repeated + ``tail``, just under the 1,000,000-byte limit."""
    room = 999_000 - len(head) - len(tail)
    return (head + unit * (room // len(unit)) + tail).encode()


LADDER = "name: big\nphases:\n" + "".join(" " * i + "- \n" for i in range(80))  # 80 levels
PHASE = "  - {kind: work, label: JUMP, move: Tuck jumps, duration: 30}\n"
MEGABYTE_FILES = {
    # shape: (content, what check must say about it)
    "many-phases": (_megabyte_of(PHASE), ":1:1: more than 20,000 values in one file"),
    "flow-list": (_megabyte_of("1, ", "name: big\nphases: [", "1]\n"), ":1:1: more than 20,000"),
    "block-nesting": (
        _megabyte_of("# ...\n", LADDER),
        ":66:64: nested more than 64 levels deep",
    ),
    "same-mistake": (
        _megabyte_of("  - " + "not a phase " * 5 + "\n"),
        ":103:5: stopped after 100 problems; fix these and check again",
    ),
    "one-long-title": (
        _megabyte_of("x", "name: big\nphases: [{kind: work, duration: 30}]\ntitle: "),
        ": ok (program big, 0:30)",
    ),
    "aliases": (
        _megabyte_of(PHASE, "name: big\nmoves: &m [a, b]\nphases:\n", "  - *m\n"),
        ":1:1: more than 20,000 values",
    ),
    "one-alias": (
        b"name: &a big\ntitle: *a\nphases: [{kind: work, duration: 30}]\n",
        ":2:8: aliases (*name) are not allowed here",
    ),
}


@pytest.mark.parametrize("shape", MEGABYTE_FILES)
def test_check_of_any_megabyte_file_answers_at_once_with_a_located_message(
    tmp_path: Path, shape: str
) -> None:
    """Each shape stresses another part of reading: the node count, nesting,
    the problem list, one huge scalar, and aliases, found from the fast
    parser's tree.  The limit is ~10x what it takes here (about 0.5 s),
    loose for a busy machine yet far below the 7 s a flow list took."""
    content, said = MEGABYTE_FILES[shape]
    path = tmp_path / "class.yaml"
    path.write_bytes(content)
    status, out, err, seconds, rss = _run("check", str(path), cwd=tmp_path)
    assert "Traceback" not in err
    assert f"{path}{said}" in out + err, (out + err)[-500:]
    assert status == (0 if "ok" in said else 1)
    assert len((out + err).splitlines()) <= 101
    assert seconds < 5 and rss < MAX_RSS_MB, (seconds, rss)


def test_a_roster_with_lone_carriage_returns_is_read_or_located(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(b"code,name,start\rP001,Ann,2027-01-04\r\x00\r")
    status, out, err, _, _ = _run("check", str(path), cwd=tmp_path)
    assert "Traceback" not in err
    assert (status == 0 and "roster" in out) or (status == 1 and f"{path}:" in err)
