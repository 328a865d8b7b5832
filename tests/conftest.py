"""Test set-up: headless by default, so no test needs a Pi, screen or sound card."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from poolside.core.clock import ManualClock
    from poolside.core.engine import Event, Session
    from poolside.core.program import Program

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ["GPIOZERO_PIN_FACTORY"] = "mock"

REPO = Path(__file__).resolve().parent.parent
PROGRAMS = REPO / "programs"


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Keep the developer's own ~/.config, ~/.cache and runtime folder out of every test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    runtime = tmp_path_factory.mktemp("runtime")  # where held writes are kept, not /dev/shm
    runtime.chmod(0o700)
    monkeypatch.setenv("RUNTIME_DIRECTORY", str(runtime))
    monkeypatch.delenv("POOLSIDE_CONFIG", raising=False)


@pytest.fixture(autouse=True)
def _in_english():
    """Each test starts in English, whatever language the one before it used."""
    from poolside.core import words

    words.use(words.english())
    yield
    words.use(words.english())


@pytest.fixture
def open_dir():
    """A folder any user may enter (tmp_path's parents are root's alone)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="poolside-test-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    for path in (folder, *folder.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder)


def needs_tool(program: str) -> pytest.MarkDecorator:
    """Skip where ``program`` is missing, except in CI (POOLSIDE_REQUIRE_TOOLS=1).

    .ci/run installs these tools, so there the test runs and a missing tool
    fails it, instead of a test quietly skipped.
    """
    import shutil

    missing = shutil.which(program) is None
    required = bool(os.environ.get("POOLSIDE_REQUIRE_TOOLS"))
    return pytest.mark.skipif(missing and not required, reason=f"{program} is not installed")


def run_poolside(*args: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a child process, as a user or a script would."""
    return subprocess.run(
        [sys.executable, "-m", "poolside", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=kwargs.pop("env", os.environ.copy()),
        **kwargs,
    )


def program_from(data: dict) -> Program:
    """A program built through the real YAML loader from plain data."""
    import yaml

    from poolside.core.program import parse_program

    return parse_program(yaml.safe_dump(data, allow_unicode=True).encode(), "<test>")


def drive(session: Session, clock: ManualClock) -> list[tuple[float, Event]]:
    """Advance a manual clock from deadline to deadline until nothing is due.

    Returns (time polled, event) pairs: what a real main loop would see.
    """
    seen = [(clock.now(), e) for e in session.poll(clock.now())]
    while (deadline := session.next_deadline()) is not None:
        clock.set(max(deadline, clock.now()))
        seen.extend((clock.now(), e) for e in session.poll(clock.now()))
    return seen
