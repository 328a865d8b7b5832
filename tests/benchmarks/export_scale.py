"""Benchmark: ``poolside export`` time and peak memory as the input grows.

Writes batches of synthetic session records (1,000 a file, 200 participants,
over 24 weeks) and times the real command in a child process. Its memory is
what the machine must hold at once: every 20 ms, the peak resident sizes
(VmHWM) of the processes alive then (the command and the second-core process
it may have started) are added up, and the largest such sum is kept. Two
second-core processes that never run together are not added to each other;
two that do are added at their peaks, so the figure is an upper bound:

    python -m tests.benchmarks.export_scale --sizes 10000 100000 1000000

Each size is reported against the smallest one run in the same session:
time per record (flat means linear time) and peak memory (flat means the
input is streamed, not held). Each is also run through the reference
(:mod:`tests.benchmarks.export_reference`: only the dedupe and the weekly
counts, plain Python and orjson) on the same batches, right after the export,
and the export's time is given as a ratio of it: the target is at most
TARGET_RATIO, in at most TARGET_MB. Where DuckDB is installed, the floor of
:mod:`tests.benchmarks.export_native` (part of the export's work by a native
engine) is run on the same batches too and given as the same ratio.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

START = date(2027, 1, 4)
PER_BATCH = 1000
TARGET_RATIO, TARGET_MB = 1.5, 200


def write_batches(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    seq = 0
    for first in range(0, count, PER_BATCH):
        lines = []
        for _ in range(min(PER_BATCH, count - first)):
            seq += 1
            day = START + timedelta(days=seq % 168)
            record = {
                "id": str(uuid.uuid4()),
                "type": "session",
                "device": f"pool-{seq % 4}",
                "seq": seq // 4 + 1,
                "participant": f"P{seq % 200:03d}",
                "started_at": f"{day.isoformat()}T09:00:00+00:00",
                "clock_synced": True,
                "program": "jump-and-hop-20",
                "week": None,
                "mode": "class",
                "planned_s": 1200,
                "completed_s": 1200,
            }
            lines.append(json.dumps(record))
        (folder / f"b{first // PER_BATCH:06d}.jsonl").write_text("\n".join(lines) + "\n")


def run_export(source: Path, out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, its processes alive at once added) of one export."""
    command = [sys.executable, "-m", "poolside", "export", str(source), "--out", str(out)]
    command += ["--start", START.isoformat(), "--tz", "UTC", "--as-of", "2027-07-01"]
    return run_measured(command)


def run_reference(source: Path) -> tuple[float, float]:
    """The same for the orjson reference on the same batches."""
    module = "tests.benchmarks.export_reference"
    return run_measured([sys.executable, "-m", module, str(source), START.isoformat()])


def run_native(source: Path) -> tuple[float, float] | None:
    """The same for the DuckDB floor; None where DuckDB is not installed."""
    if importlib.util.find_spec("duckdb") is None:
        return None
    return run_measured([sys.executable, "-m", "tests.benchmarks.export_native", str(source)])


def run_measured(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, its processes alive at once added) of one command."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    peak_kib = 0
    while child.poll() is None:
        peak_kib = max(peak_kib, sum(_peak_kib(pid) for pid in _tree(child.pid)))
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"{command[2]} failed with status {child.returncode}")
    return elapsed, peak_kib / 1024


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc/PID/task/PID/children."""
    found, index = [pid], 0
    while index < len(found):
        try:
            children = Path(f"/proc/{found[index]}/task/{found[index]}/children").read_text()
        except OSError:
            children = ""
        found += [int(p) for p in children.split()]
        index += 1
    return found


def _peak_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0
    )


def measure(sizes: list[int]) -> list[dict[str, float]]:
    """Seconds and peak MB of the export for each size, smallest first."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="poolside-bench-") as scratch:
        for size in sorted(sizes):
            source = Path(scratch) / f"in-{size}"
            write_batches(source, size)
            elapsed, peak = run_export(source, Path(scratch) / f"out-{size}")
            reference, reference_peak = run_reference(source)
            native_s, native_mb = run_native(source) or (float("nan"), float("nan"))
            rows.append(
                {
                    "records": size,
                    "seconds": elapsed,
                    "peak_mb": peak,
                    "reference_s": reference,
                    "reference_mb": reference_peak,
                    "native_s": native_s,
                    "native_mb": native_mb,
                }
            )
            shutil.rmtree(source)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    rows = measure(args.sizes)
    base = rows[0]["seconds"] / rows[0]["records"]
    print(
        f"{'records':>10} {'seconds':>8} {'us/record':>10} {'vs first':>9} {'peak MB':>8}"
        f" {'reference s':>12} {'ref MB':>7} {'vs ref':>7} {'native s':>9} {'MB':>6} {'vs ref':>7}"
    )
    for row in rows:
        per = row["seconds"] / row["records"]
        print(
            f"{row['records']:>10.0f} {row['seconds']:>8.2f} {per * 1e6:>10.1f} "
            f"{per / base:>8.2f}x {row['peak_mb']:>8.1f} {row['reference_s']:>12.2f}"
            f" {row['reference_mb']:>7.1f} {row['seconds'] / row['reference_s']:>6.2f}x"
            f" {row['native_s']:>9.2f} {row['native_mb']:>6.1f}"
            f" {row['native_s'] / row['reference_s']:>6.2f}x"
        )
    print(f"target: at most {TARGET_RATIO}x the reference, in at most {TARGET_MB} MB")
    print(f"peak memory, largest vs smallest: {rows[-1]['peak_mb'] / rows[0]['peak_mb']:.2f}x")


if __name__ == "__main__":
    main()
