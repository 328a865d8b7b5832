"""Line charts for the report: the figures of a week axis and one line per series,
laid out as inline SVG by the report's template (templates/svg.html).

Small on purpose: the report is one file with no network and the same bytes
for the same inputs, so a chart is a few hundred bytes of SVG from a template
rather than a plotting library's output. Each line has its own dash pattern
as well as its own colour (Okabe-Ito), so the chart reads in grey print and
for colour-blind readers; every point carries its value in a tooltip, and a
week with no value is a gap in the line, never a 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

COLOURS = ("#000000", "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00")
DASHES = ("", "6 3", "2 2", "8 3 2 3", "1 3", "10 4")
WIDTH, HEIGHT, LEFT, TOP, BOTTOM = 720, 220, 44, 12, 34
KEY_W = 220  # the key, right of the plot: room for "North baths (pool-north)"


@dataclass(frozen=True)
class Series:
    """One line: its stretches (SVG points), its points with their tooltips, its key."""

    name: str
    colour: str
    dash: str
    lines: tuple[str, ...]
    points: tuple[tuple[str, str, str], ...]  # x, y, tooltip
    key_y: int


@dataclass(frozen=True)
class Chart:
    """Everything the template draws, positions already worked out."""

    label: str
    ticks: tuple[tuple[str, str, str], ...]  # y, its label's y, the value as shown
    weeks: tuple[tuple[str, int], ...]  # x, the week labelled
    guide: str | None  # y of the dashed guide line
    series: tuple[Series, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - KEY_W
    axis_y: int = HEIGHT - BOTTOM + 14
    middle: float = LEFT + (WIDTH - LEFT - KEY_W) / 2
    key_x: int = WIDTH - KEY_W + 10


def line_chart(
    series: Mapping[str, Sequence[float | None]],
    weeks: int,
    low: float,
    high: float,
    unit: str,
    label: str,
    guide: float | None = None,
    ticks: Sequence[float] = (),
) -> Chart:
    """One line per series over weeks 1..``weeks``, y from ``low`` to ``high``
    (gridlines at ``ticks``, else quarters); ``guide`` a dashed grey line across
    (a threshold, a target)."""
    plot_w, plot_h = WIDTH - LEFT - KEY_W, HEIGHT - TOP - BOTTOM

    def x(week: int) -> str:
        return f"{LEFT + (week - 0.5) * plot_w / weeks:.1f}"

    def y(value: float, below: float = 0) -> str:
        return (
            f"{TOP + below + plot_h * (1 - (min(max(value, low), high) - low) / (high - low)):.1f}"
        )

    lines = []
    for n, (name, values) in enumerate(series.items()):
        lines.append(
            Series(
                name,
                COLOURS[n % len(COLOURS)],
                DASHES[n % len(DASHES)],
                tuple(" ".join(f"{x(w)},{y(v)}" for w, v in run) for run in _runs(values)),
                tuple(
                    (x(week), y(value), f"{name}, week {week}: {value:.1f}{unit}")
                    for week, value in enumerate(values, start=1)
                    if value is not None
                ),
                TOP + 14 * n + 6,
            )
        )
    return Chart(
        label,
        tuple((y(tick), y(tick, 3), f"{tick:g}{unit}") for tick in ticks or _ticks(low, high)),
        tuple((x(week), week) for week in range(1, weeks + 1) if week == 1 or week % 4 == 0),
        None if guide is None else y(guide),
        tuple(lines),
    )


def _ticks(low: float, high: float) -> list[float]:
    step = (high - low) / 4
    return [low + step * i for i in range(5)]


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """The stretches of consecutive weeks with a value: a gap breaks the line."""
    runs: list[list[tuple[int, float]]] = [[]]
    for week, value in enumerate(values, start=1):
        if value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((week, value))
    return [run for run in runs if run]
