"""The package as a user installs it: a built wheel in a fresh venv, never ``-e``.

An editable install reads the checkout, so it hides a module the wheel
leaves out. Here the wheel is built from the checkout, installed into a new
venv, and every command a Pi and a coordinator use runs from it, in a
folder outside the checkout, so nothing can be imported from the source.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow  # about 25 s: a wheel build and a venv with its dependencies


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` folder of a fresh venv holding poolside from its own wheel."""
    root = tmp_path_factory.mktemp("installed")
    wheels = root / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels)]
    subprocess.run([*build, str(REPO)], check=True)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    (wheel,) = wheels.glob("poolside-*.whl")
    subprocess.run([str(venv / "bin/pip"), "install", "--quiet", str(wheel)], check=True)
    return venv / "bin"


def _wheel_names(bin_dir: Path) -> set[str]:
    (wheel,) = (bin_dir.parent.parent / "wheels").glob("poolside-*.whl")
    return set(zipfile.ZipFile(wheel).namelist())


def test_the_wheel_carries_every_module_and_program(installed: Path) -> None:
    names = _wheel_names(installed)
    sources = {
        str(path.relative_to(REPO))
        for path in (REPO / "poolside").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert sources <= names, sources - names
    programs = {f"poolside/programs/{p.name}" for p in (REPO / "programs").glob("*.yaml")}
    assert programs and programs <= names, programs - names
    locales = {f"poolside/locales/{p.name}" for p in (REPO / "poolside/locales").glob("*.yaml")}
    assert len(locales) >= 3 and locales <= names, locales - names


def _run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [str(bin_dir / "poolside"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_class_a_sync_an_export_and_a_roster_check_from_the_wheel(
    installed: Path, tmp_path: Path
) -> None:
    data, stick, report = tmp_path / "data", tmp_path / "stick", tmp_path / "report"
    stick.mkdir()
    roster = tmp_path / "roster.csv"
    roster.write_text((REPO / "roster.example.csv").read_text())
    config = tmp_path / "config.yaml"
    config.write_text((REPO / "config.example.yaml").read_text())

    checked = _run(installed, tmp_path, "check", str(config), str(roster))
    assert checked.returncode == 0, checked.stderr
    assert "roster, 2 participants" in checked.stdout

    where = _run(installed, tmp_path, "--version")
    assert where.returncode == 0
    imported = subprocess.run(
        [str(installed / "python"), "-c", "import poolside; print(poolside.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(REPO) not in imported.stdout and "site-packages" in imported.stdout

    ran = _run(
        installed, tmp_path, "run", "jump-and-hop-20", "--headless", "--start", "--speed", "2000",
        "--participant", "P001", "--participant", "P002", "--data", str(data), "--events", "-",
        "--language", "de",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    events = [json.loads(line) for line in ran.stdout.splitlines()]
    assert events[-1]["type"] == "finish" and events[-1]["completed_s"] == 1200
    labels = {event.get("label") for event in events}
    assert {"EINSTIEG", "SPRINGEN", "PAUSE"} <= labels, "the program read in German"

    synced = _run(installed, tmp_path, "sync", "--to", str(stick), "--data", str(data))
    assert synced.returncode == 0, synced.stderr
    assert list(stick.rglob("*.jsonl"))

    exported = _run(
        installed, tmp_path, "export", str(stick), "--out", str(report),
        "--start", "2027-01-04", "--roster", str(roster),
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    rows = (report / "participants.csv").read_text().splitlines()
    assert len(rows) == 3 and any(row.startswith("P001,") for row in rows)
