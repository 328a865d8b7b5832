"""``poolside doctor --non-interactive`` in a child process, with mock pins."""

from __future__ import annotations

import grp
import os
import pwd
from pathlib import Path

import pytest

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
    assert any(line.startswith("OK      light: none configured") for line in lines)
    assert any(line.startswith("OK      music: none") for line in lines)
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


# -- as the service will meet it ---------------------------------------------------
SHOW_RUNNING = """LoadState=loaded
ActiveState=active
SubState=running
Result=success
ExecMainCode=0
ExecMainStatus=0
NRestarts=0
User=poolside
StateDirectory=poolside
Environment=POOLSIDE_CONFIG=/etc/poolside/config.yaml HOME=/var/lib/poolside
MainPID=812
"""


def test_systemctl_show_says_where_the_service_keeps_config_and_data() -> None:
    from poolside.service import parse_show

    state = parse_show(SHOW_RUNNING)
    assert state is not None and state.running
    assert state.config == "/etc/poolside/config.yaml"
    assert state.data == Path("/var/lib/poolside") and state.user == "poolside"
    assert parse_show("LoadState=not-found\n") is None


def test_a_kiosk_killed_by_its_sandbox_is_a_problem_with_the_signal_named(tmp_path: Path) -> None:
    from poolside.doctor import run_checks
    from poolside.service import parse_show

    dying = SHOW_RUNNING.replace("ActiveState=active", "ActiveState=activating")
    dying = dying.replace("SubState=running", "SubState=auto-restart")
    dying = dying.replace("ExecMainCode=0", "ExecMainCode=2")
    dying = dying.replace("ExecMainStatus=0", "ExecMainStatus=31")
    dying = dying.replace("NRestarts=0", "NRestarts=7").replace("User=poolside", "User=")
    lines: list[str] = []
    checks = run_checks(
        None, str(tmp_path), interactive=False, say=lines.append, service=parse_show(dying)
    )
    assert lines[0] == (
        "PROBLEM service: poolside.service is activating/auto-restart: killed by signal "
        "SIGSYS, restarted 7 time(s): see journalctl -b -u poolside"
    )
    assert checks[0].status == "PROBLEM"


def test_the_service_users_data_folder_is_probed_as_that_user(open_dir: Path) -> None:
    """As root, the probe runs in a child that became the user: root's rights prove nothing."""
    import os

    import pytest

    from poolside.doctor import _data_folder

    if os.geteuid() != 0:
        pytest.skip("needs root to become another user (CI runs as root)")
    folder = open_dir / "data"
    folder.mkdir(mode=0o700)
    refused = _data_folder(folder, "nobody")
    assert refused.status == "PROBLEM" and "(as nobody)" in refused.detail
    assert "Permission denied" in refused.detail
    folder.chmod(0o777)
    assert _data_folder(folder, "nobody").status == "OK"


def test_offscreen_fallback_is_a_problem_and_a_chosen_dummy_is_not(tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "DISPLAY")}
    env["WAYLAND_DISPLAY"] = "none-here"
    result = run_poolside("doctor", "--non-interactive", "--data", str(tmp_path), env=env)
    display = [line for line in result.stdout.splitlines() if " display:" in line]
    assert display and display[0].startswith("PROBLEM display: SDL found no display"), display
    assert result.returncode == 1


def test_doctor_runs_from_a_folder_it_cannot_read(monkeypatch, tmp_path: Path) -> None:
    """sudo -u poolside from root's home: a cwd and HOME the user may not search.

    There, ``Path.is_file`` raises PermissionError for ``six-month`` and
    ``~/.config/poolside/config.yaml``. (Root searches every folder, so the
    refusal is made here the way the kernel makes it for that user.)
    """
    from poolside.doctor import run_checks

    real_is_file = Path.is_file

    def shut(path: Path) -> bool:
        if not path.is_absolute() or str(path).startswith(str(tmp_path / "home")):
            raise PermissionError(13, "Permission denied", str(path))
        return real_is_file(path)

    monkeypatch.setattr(Path, "is_file", shut)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    lines: list[str] = []
    run_checks(None, str(tmp_path / "data"), interactive=False, say=lines.append)
    assert "OK      config: none found: defaults" in lines
    assert any(line.startswith("OK      plan: six-month") for line in lines)


def test_a_restart_in_progress_still_says_how_the_last_run_ended() -> None:
    """Between restarts systemd has cleared ExecMain*; Result= still tells."""
    from poolside.service import parse_show

    restarting = SHOW_RUNNING.replace("ActiveState=active", "ActiveState=activating")
    restarting = restarting.replace("SubState=running", "SubState=start")
    restarting = restarting.replace("Result=success", "Result=signal")
    state = parse_show(restarting)
    assert state is not None and not state.running
    assert state.last_exit == "killed by a signal"


def test_mid_restart_the_journal_says_how_the_kiosk_died(monkeypatch) -> None:
    """systemd clears ExecMain* and Result= for the next start; its log line stays."""
    import poolside.doctor as doctor
    from poolside.service import exit_in_log, parse_show

    log = (
        "poolside.service: Main process exited, code=exited, status=1/FAILURE\n"
        "poolside.service: Main process exited, code=killed, status=31/SYS\n"
    )
    assert exit_in_log(log) == "killed by signal SIGSYS"
    assert exit_in_log("nothing about exits\n") == ""
    monkeypatch.setattr(doctor, "last_exit_from_journal", lambda: exit_in_log(log))
    starting = SHOW_RUNNING.replace("ActiveState=active", "ActiveState=activating")
    starting = starting.replace("SubState=running", "SubState=start")
    state = parse_show(starting)
    assert state is not None
    check = doctor._service_state(state)
    assert check.status == "PROBLEM" and "killed by signal SIGSYS" in check.detail


def test_the_light_is_claimed_on_its_pins_and_shown(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("light:\n  kind: stack\n  red: 5\n  amber: 6\n  green: 13\n")
    result = _doctor("--config", str(config), "--data", str(tmp_path))
    assert result.returncode == 0, result.stdout
    assert (
        "OK      light: stack on red GPIO5, amber GPIO6, green GPIO13: lit red, amber and green"
        " in turn, then flashed the end-of-session pattern (three flashes)"
    ) in result.stdout.splitlines()


def test_the_music_folder_is_counted_with_its_playlists(tmp_path: Path) -> None:
    music = tmp_path / "music"
    (music / "calm").mkdir(parents=True)
    for name in ("a.ogg", "b.mp3", "calm/c.wav", "readme.txt"):
        (music / name).write_bytes(b"")
    config = tmp_path / "config.yaml"
    config.write_text("music:\n  folder: music\n  volume: 0.4\n")
    result = _doctor("--config", str(config), "--data", str(tmp_path))
    assert (
        f"OK      music: {music}: 2 track(s); playlists: calm; level 0.4 (cap 0.8),"
        " 15 dB under cues"
    ) in result.stdout.splitlines()
    from poolside.config import Config, Music
    from poolside.doctor import _music

    (music / "a.ogg").unlink()
    (music / "b.mp3").unlink()
    (music / "calm" / "c.wav").unlink()
    (empty,) = _music(Config(music=Music(folder=music)), interactive=False)
    assert str(empty) == f"PROBLEM music: {music}: no OGG, MP3 or WAV files (nor in subfolders)"


def test_the_language_is_read_and_its_voice_looked_for(tmp_path: Path) -> None:
    """Spanish in full; a locale of one's own with a key left out and a voice
    espeak-ng lacks is said, and runs; a locale file with a mistake is a problem."""
    import shutil

    from poolside.config import load_config
    from poolside.core.words import BUNDLED, english
    from poolside.doctor import _language

    config = tmp_path / "config.yaml"
    config.write_text("language: es\n", encoding="utf-8")
    result = _doctor("--config", str(config), "--data", str(tmp_path))
    assert "OK      language: es (Español), spoken in espeak-ng's 'es' voice" in result.stdout

    (tmp_path / "xx.yaml").write_text(
        "name: Test\nvoice: qq\nwords:\n  run.paused: PAUSA\n", encoding="utf-8"
    )
    config.write_text("language: xx.yaml\n", encoding="utf-8")
    check = _language(load_config(config))
    left = len(english().words) - 1
    assert check.status == "NOTE" and check.detail.startswith(f"xx (Test): {left} in English (")
    english = (BUNDLED / "en.yaml").read_text(encoding="utf-8")
    (tmp_path / "xx.yaml").write_text(
        english.replace("\nvoice: en\n", "\nvoice: qq\n"), encoding="utf-8"
    )
    if shutil.which("espeak-ng"):
        assert str(_language(load_config(config))) == (
            "NOTE    language: xx (English): espeak-ng has no voice 'qq': tones only"
        )
    (tmp_path / "xx.yaml").write_text("name: Test\nwords: {}\n", encoding="utf-8")
    check = _language(load_config(config))
    assert check.status == "PROBLEM" and "is missing 'voice'" in check.detail


# -- the roster: there, and private ----------------------------------------------------
def _roster_check(tmp_path: Path, mode: int, user: str = "", group: int | None = None):
    from poolside.config import load_config
    from poolside.doctor import _roster

    roster = tmp_path / "roster.csv"
    roster.write_text("code,name\nP001,Ann\n")
    roster.chmod(mode)
    if group is not None:
        os.chown(roster, -1, group)
    config = tmp_path / "config.yaml"
    config.write_text("roster: roster.csv\n")
    return _roster(load_config(config), user), roster


def test_a_roster_open_to_every_user_is_a_problem_that_says_the_fix(tmp_path: Path) -> None:
    check, roster = _roster_check(tmp_path, 0o644)
    assert check.status == "PROBLEM"
    assert f"{roster} holds names, but every user here may open it (mode 0644)" in check.detail
    assert f"sudo chmod 0640 {roster}" in check.detail


def test_a_roster_for_the_kiosk_and_root_only_is_ok(tmp_path: Path) -> None:
    check, roster = _roster_check(tmp_path, 0o640)
    assert (check.status, check.detail) == (
        "OK",
        f"{roster}: 1 participants, readable by {pwd.getpwuid(os.getuid()).pw_name} and root only",
    )


def test_a_roster_the_kiosk_s_user_cannot_read_is_a_problem(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to root needs root (CI runs as root)")
    check, _ = _roster_check(tmp_path, 0o600, user="nobody", group=0)
    assert check.status == "PROBLEM" and "nobody, the kiosk's user, cannot read it" in check.detail
    shared = next((g.gr_gid for g in grp.getgrall() if g.gr_name in ("users", "staff")), 100)
    check, _ = _roster_check(tmp_path, 0o640, user="nobody", group=shared)
    assert check.status == "PROBLEM" and "may read it (mode 0640)" in check.detail


def test_a_missing_roster_is_named_by_check_and_by_doctor(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("roster: roster.csv\n")
    checked = run_poolside("check", str(config))
    assert (
        checked.returncode == 1 and f"{tmp_path / 'roster.csv'}:1:1: cannot read" in checked.stderr
    )
    result = _doctor("--config", str(config), "--data", str(tmp_path / "data"))
    assert any(
        line.startswith(f"PROBLEM roster: {tmp_path / 'roster.csv'}:1:1: cannot read")
        for line in result.stdout.splitlines()
    ), result.stdout
