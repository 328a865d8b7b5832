"""The roster CSV: members, codes found as typed or scanned, located mistakes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from poolside.core.yamlfile import FileProblems
from poolside.records.roster import load_roster

from .conftest import run_poolside


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    return path


def test_a_spreadsheet_export_loads(tmp_path: Path) -> None:
    path = _write(tmp_path, "\ufeffcode,name,start\nP001,Jürgen,2027-01-04\n\nP002,,\n".encode())
    roster = load_roster(path)
    assert [(m.code, m.shown, m.start) for m in roster.members] == [
        ("P001", "Jürgen", date(2027, 1, 4)),
        ("P002", "P002", None),
    ]
    assert roster.find(" p002 ") is roster.members[1], "a scan may differ in case and spaces"
    assert roster.find("P999") is None


def test_every_mistake_is_located(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        b"code,name,start\nP001,Ann,2027-01-04\nP002,,2027-13-01\np001,Bob,\nAnn Smith,,\n",
    )
    with pytest.raises(FileProblems) as caught:
        load_roster(path)
    assert [str(p).removeprefix(f"{path}:") for p in caught.value.problems] == [
        "3:7: start must be a date written YYYY-MM-DD, got '2027-13-01'",
        "4:1: code p001 is already on line 2",
        "5:1: code 'Ann Smith' must be letters, digits, - and _ (e.g. P001)",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"code,name,strat\n", "1:11: unknown column 'strat'; did you mean 'start'?"),
        (b"name\nAnn\n", "1:1: the roster needs a 'code' column"),
        (b"", "1:1: the first line must name the columns: code,name,start"),
        (b"code\nP\xfc01\n", "2:1: file is not UTF-8 text (save it as CSV UTF-8)"),
    ],
)
def test_bad_headers_and_encodings(tmp_path: Path, data: bytes, message: str) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(FileProblems) as caught:
        load_roster(path)
    assert str(caught.value.problems[0]) == f"{path}:{message}"


def test_poolside_check_validates_a_roster(tmp_path: Path) -> None:
    good = _write(tmp_path, b"code,name\nP001,Ann\nP002,Bea\n")
    result = run_poolside("check", str(good))
    assert result.returncode == 0 and "ok (roster, 2 participants)" in result.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"code\nP001\nP001\n")
    result = run_poolside("check", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip() == f"{bad}:3:1: code P001 is already on line 2"


def test_codes_not_on_the_configured_roster_are_refused(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_bytes(b"code,name\nP001,Ann\n")
    config = tmp_path / "config.yaml"
    config.write_text("roster: roster.csv\n")
    data = str(tmp_path / "data")
    refused = run_poolside(
        "run",
        "--config",
        str(config),
        "--headless",
        "--start",
        "--speed",
        "600",
        "--participant",
        "P001",
        "--participant",
        "P009",
        "--data",
        data,
    )
    assert refused.returncode == 1
    assert refused.stderr.strip().endswith("roster.csv): P009")
    assert not (tmp_path / "data" / "attendance.sqlite3").exists(), "nothing recorded"
    accepted = run_poolside(
        "run",
        "--config",
        str(config),
        "--headless",
        "--start",
        "--speed",
        "600",
        "--participant",
        "p001",
        "--data",
        data,
    )
    assert accepted.returncode == 0, accepted.stderr
    from poolside.records.store import Store

    assert [r["participant"] for r in Store(Path(data)).records()] == ["P001"]
