"""Benchmark: ``poolside check`` of 1 MB files, each shape another worst case.

    python -m tests.benchmarks.check_speed --runs 3

Each file is the largest input ``check`` accepts, built to stress one part
of reading (see ``MEGABYTE_FILES`` in the hostile-file tests).  The baseline,
in the same session: ``check`` of the bundled 20-minute program, which is
the interpreter's start and the imports and nothing more.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.test_hostile_files import MEGABYTE_FILES

BUNDLED = Path(__file__).resolve().parents[2] / "programs" / "jump-and-hop-20.yaml"


def _seconds(path: Path, runs: int) -> float:
    """Median wall time of ``python -m poolside check PATH``."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "poolside", "check", str(path)], capture_output=True, check=False
        )
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(runs: int) -> dict[str, float]:
    """Seconds per shape, and ``baseline`` for the bundled program."""
    result = {"baseline": _seconds(BUNDLED, runs)}
    with tempfile.TemporaryDirectory() as folder:
        for shape, (content, _) in MEGABYTE_FILES.items():
            path = Path(folder) / f"{shape}.yaml"
            path.write_bytes(content)
            result[shape] = _seconds(path, runs)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    figures = measure(parser.parse_args().runs)
    base = figures.pop("baseline")
    print(f"baseline (bundled program): {base:.2f} s")
    for shape, seconds in figures.items():
        print(f"{shape:>16}: {seconds:.2f} s ({seconds / base:.1f}x the baseline)")


if __name__ == "__main__":
    main()
