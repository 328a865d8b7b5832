"""report.html on paper: 200 participants on at most six A4 pages, printed by
headless Chromium as a coordinator's browser would, and no heading left alone at
the foot of a page (pdftotext reads each page's last line)."""

from __future__ import annotations

import random
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from .conftest import needs_tool
from .test_export import _exported, _record, _write

START = date(2027, 1, 4)
AS_OF = date(2027, 3, 15)  # week 11: flow, follow-up list and heatmap all in use
CHROMIUM = [  # headless, and nothing that reaches for the network
    "chromium",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _cohort(folder: Path, people: int) -> None:
    """``people`` at two pools, three sessions a week each kept with their own
    chance, some leaving early with a reason; the south Pi's data ends a week early."""
    random.seed(200)
    for device, site, codes in (
        ("pool-north", "North baths", range(people // 2)),
        ("pool-south", "South lido", range(people // 2, people)),
    ):
        records = []
        for n in codes:
            keeps = 0.55 + 0.45 * random.random()
            for week in range(10):
                for weekday in (0, 2, 4):
                    day = START + timedelta(days=7 * week + weekday)
                    if (device == "pool-south" and day > AS_OF - timedelta(days=9)) or (
                        random.random() > keeps
                    ):
                        continue
                    left = random.random() < 0.05
                    records.append(
                        _record(
                            f"P{n + 1:03d}",
                            day,
                            0,
                            device=device,
                            site=site,
                            effort=15,
                            completed_s=400 if left else 1200,
                            stopped_early=left,
                            stop_reason="left early" if left else None,
                            left_reason="tired" if left else None,
                        )
                    )
        records.sort(key=lambda r: r["started_at"])
        for seq, record in enumerate(records, start=1):
            record["seq"] = seq
        _write(folder / device, f"{device}-1-0000001-{len(records):07d}.jsonl", records)


def _headings(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h[12]>(.*?)</h[12]>", page)]


@pytest.mark.slow  # 200 participants exported, then printed by a browser
@needs_tool("chromium")
@needs_tool("pdftotext")
def test_200_participants_print_on_six_a4_pages_with_no_heading_left_alone(
    tmp_path: Path,
) -> None:
    _cohort(tmp_path / "in", 200)
    out = _exported(
        tmp_path / "in", tmp_path / "out", "--start", START.isoformat(), "--as-of",
        AS_OF.isoformat(), "--tz", "UTC",
    )  # fmt: skip
    report = out / "report.html"
    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [
            *CHROMIUM,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--print-to-pdf={pdf}",
            "--no-pdf-header-footer",
            report.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)[1])
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout, re.M)
    assert (round(float(size[1])), round(float(size[2]))) == (595, 842), "A4"
    assert 2 <= pages <= 6, f"{pages} pages"
    headings = _headings(report.read_text())
    assert "Participants, most at risk first" in headings and len(headings) >= 8
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    printed = text.split("\f")[:pages]
    assert all(h in text for h in headings), "every heading printed"
    for number, page in enumerate(printed, start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert lines, f"page {number} is empty"
        assert lines[-1] not in headings, f"page {number} ends with the heading {lines[-1]!r}"
