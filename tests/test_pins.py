"""lgpio's folder kept private, and doctor's view of the lines a running kiosk holds.

The lines themselves (lgpio on a real GPIO chip, the kernel's line info) are
checked in the booted appliance test, on a gpio-sim chip; here the chip is
what cannot run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from poolside import doctor
from poolside.config import Config
from poolside.devices.pins import LG_WD, lgpio_folder, line_users


@pytest.fixture
def no_lg_wd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LG_WD, raising=False)


def test_under_systemd_lgpio_works_in_the_units_runtime_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_lg_wd: None
) -> None:
    monkeypatch.setenv("RUNTIME_DIRECTORY", str(tmp_path))
    with lgpio_folder() as folder:
        assert folder == tmp_path / "lgpio"
        assert os.environ[LG_WD] == str(folder)
    assert folder.is_dir() and (folder.stat().st_mode & 0o777) == 0o700


def test_elsewhere_a_temporary_folder_and_the_current_folder_comes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_lg_wd: None
) -> None:
    monkeypatch.delenv("RUNTIME_DIRECTORY", raising=False)
    monkeypatch.chdir(tmp_path)
    with lgpio_folder() as folder:
        assert folder.is_dir() and not folder.is_relative_to(tmp_path)
        os.chdir(folder)  # what lgpio does to the whole process
    assert Path.cwd() == tmp_path
    assert list(tmp_path.iterdir()) == [], "nothing left where the person stands"


def test_an_lg_wd_already_set_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LG_WD, str(tmp_path))
    with lgpio_folder() as folder:
        assert folder == tmp_path


def test_a_file_that_is_no_gpio_chip_is_an_os_error() -> None:
    with pytest.raises(OSError):
        line_users(Path("/dev/null"), [17])


KIOSK_SAYS = (
    "poolside: video driver KMSDRM, 1920x1080\n"
    "poolside: GPIO: pin factory LGPIOFactory on /dev/gpiochip0: START GPIO17, NEXT GPIO27, "
    "STOP GPIO22, buzzer GPIO18\n"
)


def kiosk_gpio(
    monkeypatch: pytest.MonkeyPatch, said: str, users: dict[int, str | None]
) -> list[doctor.Check]:
    monkeypatch.setattr(doctor, "journal", lambda *filters: said)
    monkeypatch.setattr(doctor, "line_users", lambda chip, pins: {p: users[p] for p in pins})
    return list(doctor._kiosk_gpio(1234, Config()))


def test_doctor_takes_the_kiosks_lines_from_its_journal_and_the_kernel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checks = kiosk_gpio(monkeypatch, KIOSK_SAYS, dict.fromkeys((17, 27, 22, 18), "lg"))
    assert [(c.status, c.what) for c in checks] == [("OK", "GPIO"), ("OK", "GPIO lines")]
    assert "LGPIOFactory on /dev/gpiochip0" in checks[0].detail
    assert checks[1].detail == "all 4 held, as the kernel says (consumer lg)"


def test_a_line_the_kernel_says_is_free_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    users = {17: "lg", 27: "lg", 22: None, 18: "lg"}
    checks = kiosk_gpio(monkeypatch, KIOSK_SAYS, users)
    assert (checks[-1].status, checks[-1].detail) == (
        "PROBLEM",
        "the kernel says GPIO22 are free: the kiosk lost them",
    )


def test_a_configured_part_the_kiosk_did_not_get_is_a_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    said = KIOSK_SAYS.replace(", buzzer GPIO18", "")
    checks = kiosk_gpio(monkeypatch, said, dict.fromkeys((17, 27, 22), "lg"))
    assert (
        "PROBLEM",
        "configured but not held by the kiosk: GPIO18 (buzzer) (its journal says why)",
    ) in [(c.status, c.detail) for c in checks]


def test_a_kiosk_with_no_gpio_is_a_note_off_a_pi(monkeypatch: pytest.MonkeyPatch) -> None:
    checks = kiosk_gpio(monkeypatch, "poolside: GPIO: pin factory none: nothing held\n", {})
    assert [(c.status, c.detail) for c in checks] == [
        ("NOTE", "the kiosk has no pin factory: keyboard only")
    ]
