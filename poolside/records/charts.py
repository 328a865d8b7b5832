"""Line charts for the report, as inline SVG: a week axis and one line per series.

Small on purpose: the report is one file with no network, so a chart is a few
hundred bytes of SVG drawn here rather than a plotting library's output. Each
line has its own dash pattern as well as its own colour (Okabe-Ito), so the
chart reads in grey print and for colour-blind readers; every point carries its
value in a tooltip, and a week with no value is a gap in the line, never a 0.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

COLOURS = ("#000000", "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00")
DASHES = ("", "6 3", "2 2", "8 3 2 3", "1 3", "10 4")
WIDTH, HEIGHT, LEFT, TOP, BOTTOM = 720, 220, 44, 12, 34
KEY_W = 220  # the key, right of the plot: room for "North baths (pool-north)"


def line_chart(
    series: Mapping[str, Sequence[float | None]],
    weeks: int,
    low: float,
    high: float,
    unit: str,
    label: str,
    guide: float | None = None,
    ticks: Sequence[float] = (),
) -> str:
    """One line per series over weeks 1..``weeks``, y from ``low`` to ``high``
    (gridlines at ``ticks``, else quarters); ``guide`` a dashed grey line across
    (a threshold, a target)."""
    plot_w, plot_h = WIDTH - LEFT - KEY_W, HEIGHT - TOP - BOTTOM

    def x(week: int) -> float:
        return LEFT + (week - 0.5) * plot_w / weeks

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (min(max(value, low), high) - low) / (high - low))

    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" '
        f'font-size="10" role="img" aria-label="{html.escape(label)}">'
    ]
    for tick in ticks or _ticks(low, high):
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#ddd"/><text x="{LEFT - 4}" y="{y(tick) + 3:.1f}" text-anchor="end">'
            f"{tick:g}{unit}</text>"
        )
    for week in range(1, weeks + 1):
        if week == 1 or week % 4 == 0:
            parts.append(
                f'<text x="{x(week):.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">'
                f"{week}</text>"
            )
    parts.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 4}" text-anchor="middle">program week</text>'
    )
    if guide is not None:
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(guide):.1f}" y2="{y(guide):.1f}" '
            f'stroke="#888" stroke-dasharray="4 4"/>'
        )
    for n, (name, values) in enumerate(series.items()):
        colour, dash = COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)]
        style = f'stroke="{colour}" stroke-width="2" fill="none"' + (
            f' stroke-dasharray="{dash}"' if dash else ""
        )
        for run in _runs(values):
            points = " ".join(f"{x(w):.1f},{y(v):.1f}" for w, v in run)
            parts.append(f'<polyline points="{points}" {style}/>')
        for week, value in enumerate(values, start=1):
            if value is not None:
                parts.append(
                    f'<circle cx="{x(week):.1f}" cy="{y(value):.1f}" r="2.5" fill="{colour}">'
                    f"<title>{html.escape(name)}, week {week}: {value:.1f}{unit}</title></circle>"
                )
        key_y = TOP + 14 * n + 6
        parts.append(
            f'<line x1="{WIDTH - KEY_W + 10}" x2="{WIDTH - KEY_W + 38}" y1="{key_y}" '
            f'y2="{key_y}" {style}/><text x="{WIDTH - KEY_W + 44}" y="{key_y + 3}">'
            f"{html.escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


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
