"""Every benchmark, one command, one table: ``python -m tests.benchmarks``.

    python -m tests.benchmarks            # about 8 minutes: the README's table
    python -m tests.benchmarks --quick    # about 2 minutes: a smoke run

Each benchmark runs in its own process (they own pygame, signals and pin
factories), and each figure is set against a baseline measured in the same
session, because these machines are shared and noisy: compare the ratios.
The table is Markdown, ready for the README.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from typing import Any


def _call(module: str, function: str, *args: Any) -> Any:
    """``tests.benchmarks.<module>.<function>(*args)`` in a fresh process, as JSON."""
    code = (
        f"import json; from tests.benchmarks.{module} import {function}; "
        f"print(json.dumps({function}(*{args!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{module}.{function} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ms(row: dict[str, float]) -> str:
    return f"{row['median_ms']:.2f} / {row['p99_ms']:.2f} / {row['max_ms']:.2f} ms"


def machine() -> str:
    import pygame

    import poolside  # noqa: F401  (quiets pygame's banner)

    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"pygame {pygame.version.ver} (SDL {'.'.join(map(str, pygame.get_sdl_version()))})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, a smoke test")
    parser.add_argument(
        "--cue-seconds", type=float, help="real-time length of the cue run (1200: a full class)"
    )
    args = parser.parse_args()
    cue_s = args.cue_seconds or (30.0 if args.quick else 120.0)
    cpu_s = 3.0 if args.quick else 10.0
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    rows: list[tuple[str, str, str, str]] = []

    print(f"machine: {machine()}", file=sys.stderr)
    print(f"cue timing: {cue_s:.0f} s of real time ...", file=sys.stderr)
    cues = _call("cue_timing", "measure", cue_s)
    rows.append(
        ("Cue: buzzer pin after deadline, median / p99 / max", _ms(cues["buzzer"]), "", "≤ 5 ms")
    )
    rows.append(
        (
            "Cue: buzzer pin with music playing and dipping",
            _ms(cues["buzzer_with_music"]),
            f"no music: {_ms(cues['buzzer'])}",
            "≤ 5 ms",
        )
    )
    rows.append(
        (
            "Cue: light pin after deadline, median / p99 / max",
            _ms(cues["light"]),
            f"buzzer: {_ms(cues['buzzer'])}",
            "no later than the buzzer",
        )
    )
    rows.append(
        ("Cue: frame showing the phase, median / p99 / max", _ms(cues["frame"]), "", "≤ 16.7 ms")
    )
    rows.append(
        (
            "Cue: `--events` line at a reader, median / p99 / max",
            _ms(cues["events"]),
            "",
            "≤ 16.7 ms",
        )
    )
    drift = " / ".join(f"{cues[k]['drift_ms']:+.2f}" for k in ("buzzer", "frame", "events"))
    rows.append(
        (
            f"Drift over {cue_s:.0f} s: buzzer / frame / events",
            f"{drift} ms",
            f"`sleep(1)` loop: {cues['baseline_drift_ms']:+.1f} ms",
            "within 2 ms over 20 min",
        )
    )

    for size in ((800, 480), (1920, 1080)):
        for state in ("running", "paused", "idle"):
            print(f"CPU {size} {state} ...", file=sys.stderr)
            ours = _call("screen_cpu", "ours", cpu_s, size, state)
            naive = _call("screen_cpu", "naive", cpu_s, size, state)
            ratio = ours["cpu_s_per_min"] / naive["cpu_s_per_min"]
            goal = "≤ 2" if state == "idle" else "≤ 5"
            rows.append(
                (
                    f"Kiosk loop, {size[0]}x{size[1]}, {state}: CPU s/min; wake-ups/s",
                    f"{ours['cpu_s_per_min']:.2f} ({ratio:.3f} of naive); "
                    f"{ours['wakeups_per_s']:.1f}",
                    f"`clock.tick(60)` loop: {naive['cpu_s_per_min']:.2f}; "
                    f"{naive['wakeups_per_s']:.0f}",
                    f"≤ 0.05 of naive; {goal}",
                )
            )

    print("start-up and memory ...", file=sys.stderr)
    start = _call("startup_memory", "startup", 3 if args.quick else 5)
    rows.append(
        (
            "Start-up to first frame (= READY=1)",
            f"{start['ours_s']:.2f} s ({start['ours_s'] / start['bare_s']:.2f}x bare)",
            f"bare pygame window: {start['bare_s']:.2f} s",
            "≤ 0.5 s and ≤ 1.5x bare",
        )
    )
    memory = _call("startup_memory", "memory", 20 if args.quick else 100)
    rows.append(
        (
            f"RSS after class 1 / 10 / {memory['classes']}",
            f"{memory['first_mb']:.1f} / {memory['tenth_mb']:.1f} / {memory['last_mb']:.1f} MB",
            "",
            "flat",
        )
    )

    print("button to screen ...", file=sys.stderr)
    presses = 10 if args.quick else 30
    button = _call("button_latency", "summary", _call("button_latency", "ours", presses))
    naive_button = _call("button_latency", "summary", _call("button_latency", "naive", presses))
    rows.append(
        (
            "Button release to frame, median / p99 / max",
            _ms(button),
            f"60 fps polling loop: {_ms(naive_button)}",
            "≤ 16.7 ms",
        )
    )

    print("check of 1 MB files ...", file=sys.stderr)
    checks = _call("check_speed", "measure", 1 if args.quick else 3)
    check_base = checks.pop("baseline")
    slowest = max(checks, key=checks.__getitem__)
    rows.append(
        (
            f"`check` of a 1 MB file, slowest of {len(checks)} shapes ({slowest})",
            f"{checks[slowest]:.2f} s",
            f"`check` of the bundled program: {check_base:.2f} s",
            "≤ about 1 s",
        )
    )

    print(f"export {sizes} ...", file=sys.stderr)
    exports = _call("export_scale", "measure", sizes)
    for row in exports:
        baseline = (
            f"the orjson reference: {row['reference_s']:.2f} s, {row['reference_mb']:.0f} MB"
            f" ({row['seconds'] / row['reference_s']:.1f}x)"
        )
        if row["native_s"] == row["native_s"]:  # not NaN: DuckDB is installed
            baseline += (
                f"; DuckDB doing a third of the work: {row['native_s']:.2f} s,"
                f" {row['native_mb']:.0f} MB ({row['native_s'] / row['reference_s']:.2f}x)"
            )
        rows.append(
            (
                f"Export {row['records']:,.0f} records",
                f"{row['seconds']:.1f} s, peak {row['peak_mb']:.0f} MB",
                baseline,
                "1M ≤ 1.5x the reference, ≤ 200 MB",
            )
        )

    print(f"Measured on: {machine()}\n")
    print("| figure | poolside | baseline, same session | goal |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
