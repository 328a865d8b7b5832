"""The export's output folder: whole files only, one writer, no name followed.

Through the real command in child processes, on a real tmpfs that fills up
(CI runs as root; elsewhere these skip), with real links and FIFOs.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from poolside.records.outdir import LOCK, STAGE_PREFIX

from .conftest import run_poolside

OUTPUTS = (
    "disposition.csv", "participants.csv", "problems.txt", "redcap-dictionary.csv",
    "redcap.csv", "report.html", "sessions.csv", "weekly.csv",
)  # fmt: skip
LINE = (
    '{"id": "%s-%d", "type": "session", "device": "pool-a", "seq": %d, "participant": "%s",'
    ' "started_at": "2027-01-%02dT09:00:00+00:00", "clock_synced": true, "program": "j",'
    ' "week": null, "mode": "class", "planned_s": 1200, "completed_s": 1200}\n'
)


def _batches(folder: Path, prefix: str, records: int) -> Path:
    """``records`` sessions of participants ``PREFIX0`` ... in one folder of batches."""
    folder.mkdir(parents=True)
    lines = [LINE % (prefix, n, n, f"{prefix}{n % 40}", 4 + n % 20) for n in range(1, records + 1)]
    for start in range(0, records, 1000):
        (folder / f"b{start:07d}.jsonl").write_text("".join(lines[start : start + 1000]))
    return folder


def _export(source: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return run_poolside(
        "export", str(source), "--out", str(out), "--start", "2027-01-04", "--tz", "UTC",
        "--as-of", "2027-07-01",
    )  # fmt: skip


def _start_export(source: Path, out: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "poolside", "export", str(source), "--out", str(out)]
    command += ["--start", "2027-01-04", "--tz", "UTC", "--as-of", "2027-07-01"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _files(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def _codes(out: Path, name: str) -> set[str]:
    rows = csv.DictReader(io.StringIO((out / name).read_text(encoding="utf-8")))
    return {row["participant"] for row in rows}


@contextmanager
def _tmpfs(folder: Path, size: str) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_disk_that_fills_mid_export_leaves_the_last_export_whole(tmp_path: Path) -> None:
    """A 512 KiB output disk holds a small export; a large one fills it part-way
    through: one line, exit 1, and every file of the last export is still there,
    byte for byte, with no staging folder left. Once there is room, the next
    export completes whole."""
    small = _batches(tmp_path / "small", "A", 200)
    large = _batches(tmp_path / "large", "B", 6000)
    with _tmpfs(tmp_path / "disk", "512k") as disk:
        out = disk / "out"
        assert _export(small, out).returncode == 0
        before = _files(out)
        failed = _export(large, out)
        assert failed.returncode == 1, failed.stdout
        assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr
        assert "No space left" in failed.stderr or "full" in failed.stderr
        assert _files(out) == before, "the last export, whole"
        assert not [p for p in out.iterdir() if p.name.startswith(STAGE_PREFIX)]
        subprocess.run(["mount", "-o", "remount,size=16m", str(disk)], check=True)
        assert _export(large, out).returncode == 0
        assert _codes(out, "participants.csv") == _codes(out, "sessions.csv")
        assert {c[0] for c in _codes(out, "participants.csv")} == {"B"}


def test_a_second_export_into_a_folder_being_written_is_refused_and_changes_nothing(
    tmp_path: Path,
) -> None:
    """While one export holds the folder (its lock, held here), another is refused
    at once with why; once it is free, the export runs."""
    source = _batches(tmp_path / "in", "A", 50)
    out = tmp_path / "out"
    out.mkdir()
    with open(out / LOCK, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        refused = _export(source, out)
    assert refused.returncode == 1
    assert f"another export is writing to {out}" in refused.stderr
    assert sorted(p.name for p in out.iterdir()) == [LOCK]
    assert _export(source, out).returncode == 0
    assert set(OUTPUTS) <= {p.name for p in out.iterdir()}


@pytest.mark.slow  # six exports of 3,000 records
def test_two_exports_at_once_leave_one_whole_export_never_a_mixture(tmp_path: Path) -> None:
    """Two real exports of different collections into one folder, started together:
    whichever wrote, every file is from one of them."""
    sources = [_batches(tmp_path / "in-a", "A", 3000), _batches(tmp_path / "in-b", "B", 3000)]
    out = tmp_path / "out"
    for _ in range(3):
        children = [_start_export(source, out) for source in sources]
        results = [(child.wait(timeout=120), child.stderr.read()) for child in children]
        for child in children:
            child.stdout.close()
            child.stderr.close()
        assert any(code == 0 for code, _ in results)
        for code, said in results:
            assert code == 0 or "another export is writing" in said, said
        letters = {c[0] for name in ("participants.csv", "sessions.csv", "weekly.csv")
                   for c in _codes(out, name)}  # fmt: skip
        assert len(letters) == 1, "one export's files, not a mixture"
        report = (out / "report.html").read_text()
        assert f"<td>{letters.pop()}0</td>" in report


def test_no_fixed_name_in_the_output_folder_is_followed_or_waited_on(tmp_path: Path) -> None:
    """A link at the lock's name, a FIFO there, a link at an output's name, a link
    named like a staging folder: refused or replaced, never followed, and the
    files they point at are untouched."""
    source = _batches(tmp_path / "in", "A", 20)
    outside = tmp_path / "outside"
    outside.mkdir()
    precious = outside / "precious.txt"
    precious.write_text("keep me\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK).symlink_to(precious)
    refused = _export(source, out)
    assert refused.returncode == 1 and "is not a plain file" in refused.stderr
    (out / LOCK).unlink()
    os.mkfifo(out / LOCK)
    refused = _export(source, out)  # a FIFO: never opened to wait on
    assert refused.returncode == 1 and "is not a plain file" in refused.stderr
    (out / LOCK).unlink()
    (out / "report.html").symlink_to(precious)
    (out / f"{STAGE_PREFIX}left").symlink_to(outside)
    (out / f"{STAGE_PREFIX}killed").mkdir()
    (out / f"{STAGE_PREFIX}killed" / "link").symlink_to(precious)
    assert _export(source, out).returncode == 0
    assert precious.read_text() == "keep me\n" and sorted(os.listdir(outside)) == ["precious.txt"]
    assert not (out / "report.html").is_symlink() and "<html" in (out / "report.html").read_text()
    assert (out / f"{STAGE_PREFIX}left").is_symlink(), "a link is not ours to remove"
    assert not (out / f"{STAGE_PREFIX}killed").exists(), "a killed run's staging folder"
