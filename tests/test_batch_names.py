"""Batch files named in any bytes, at any depth below a source folder: read, or
reported by name, never a traceback; every output stays valid one-line text."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poolside.cli import main

name_bytes = st.binary(min_size=1, max_size=40).filter(
    lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b"..")
)


def _record(n: int) -> bytes:
    return json.dumps({
        "id": f"r{n}", "type": "session", "device": "pool-a", "seq": n, "participant": f"P{n}",
        "started_at": "2027-01-04T09:00:00+00:00", "clock_synced": True, "program": "j",
        "week": None, "mode": "class", "planned_s": 1200, "completed_s": 1200,
    }).encode() + b"\n"  # fmt: skip


def _export(source: bytes, out: Path, capsys) -> tuple[int, str]:
    status = main(["export", os.fsdecode(source), "--out", str(out), "--tz", "UTC"])
    return status, capsys.readouterr().out


@pytest.mark.slow  # thirty trees of batches exported
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(paths=st.lists(st.lists(name_bytes, min_size=1, max_size=4), min_size=1, max_size=6))
def test_names_in_any_bytes_at_any_depth_are_read(paths, tmp_path_factory, capsys) -> None:
    root = os.fsencode(tmp_path_factory.mktemp("in"))
    written = set()
    for n, parts in enumerate(paths, start=1):
        *folders, name = parts
        folder = os.path.join(root, *folders) if folders else root
        try:
            os.makedirs(folder, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            continue  # a file already took that name: a tree cannot hold both
        target = os.path.join(folder, name + b".jsonl")
        if os.path.isdir(target) or target in written:
            continue
        with open(target, "wb") as handle:
            handle.write(_record(n))
        written.add(target)
    out = Path(os.fsdecode(root)).with_name(Path(os.fsdecode(root)).name + "-out")
    status, said = _export(root, out, capsys)
    assert status == 0
    assert f"{len(written)} unique records" in said
    for output in out.iterdir():
        text = output.read_bytes().decode("utf-8")  # valid UTF-8, whatever the names were
        if output.suffix == ".csv":
            rows = list(csv.reader(io.StringIO(text, newline="")))
            assert all(len(row) == len(rows[0]) for row in rows)
    sessions = (out / "sessions.csv").read_text(encoding="utf-8")
    sources = [row["source"] for row in csv.DictReader(io.StringIO(sessions, newline=""))]
    assert len(set(sources)) == len(written), "each file told apart by its shown name"
    assert all("\n" not in s and "\r" not in s for s in sources)


def test_a_tree_deeper_than_a_path_can_be_is_reported_and_the_rest_read(
    tmp_path: Path, capsys
) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "near.jsonl").write_bytes(_record(1))
    here = os.open(source, os.O_RDONLY)
    level = "d" * 250
    try:
        for _ in range(18):  # 18 x 251 bytes: past PATH_MAX (4096), few enough to remove
            os.mkdir(level, dir_fd=here)
            inner = os.open(level, os.O_RDONLY, dir_fd=here)
            os.close(here)
            here = inner
        fd = os.open("far.jsonl", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=here)
        os.write(fd, _record(2))
        os.close(fd)
    finally:
        os.close(here)
    status, said = _export(os.fsencode(source), tmp_path / "out", capsys)
    assert status == 0 and "1 unique records" in said
    problems = (tmp_path / "out" / "problems.txt").read_text()
    assert "## bad files: 1" in problems and "cannot be read (File name too long)" in problems
