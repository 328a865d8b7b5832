"""``poolside doctor --non-interactive`` in a child process, with mock pins."""

from __future__ import annotations

from pathlib import Path

from .conftest import run_poolside


def _doctor(*args: str):
    """conftest.py has set GPIOZERO_PIN_FACTORY=mock and the SDL dummy drivers."""
    return run_poolside("doctor", "--non-interactive", *args)


def test_a_ready_machine_is_all_ok(tmp_path: Path) -> None:
    result = _doctor("--data", str(tmp_path / "data"))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "OK      GPIO: pin factory MockFactory" in lines
    for role, pin in (("START", 17), ("NEXT", 27), ("STOP", 22)):
        assert f"OK      button {role}: GPIO{pin} reads released" in lines
    assert any(line.startswith("OK      buzzer: active on GPIO18") for line in lines)
    assert any(line.startswith("OK      speaker: mixer") for line in lines)
    assert "OK      display: SDL video driver dummy" in " ".join(lines)
    assert any(
        line.startswith(f"OK      data folder: {tmp_path / 'data'}: writable") for line in lines
    )
    assert (
        "NOTE    sync: nothing recorded yet; to no destination set (sync: to: in config.yaml)"
        in lines
    )
    assert lines[-1] == "all good"


def test_problems_say_what_to_do_and_exit_1(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("buttons:\n  next: 18\nbuzzer:\n  kind: active\n")
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    result = _doctor("--config", str(config), "--data", str(not_a_folder))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("PROBLEM config: ") and "both on GPIO 18" in line for line in lines)
    assert any(line.startswith(f"PROBLEM data folder: {not_a_folder}") for line in lines)
    assert lines[-1] == "2 problem(s)"
    assert "Traceback" not in result.stderr


def test_speaker_off_and_no_buzzer_are_fine(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("buzzer:\n  kind: none\nsound:\n  speaker: false\nbuttons:\n  stop: none\n")
    result = _doctor("--config", str(config), "--data", str(tmp_path))
    assert result.returncode == 0
    assert "OK      buzzer: none configured" in result.stdout
    assert "OK      speaker: switched off in the config" in result.stdout
    assert "OK      button STOP: not fitted" in result.stdout
