"""What systemd knows of ``poolside.service``: for ``poolside doctor``.

The doctor runs outside the kiosk's sandbox, so what works for it may still
fail for the service (a syscall filter, a missing group). It therefore asks
systemd how the service itself is doing, and where the service keeps its
config and data, instead of guessing from its own environment.

    >>> describe_exit("killed", 31)
    'killed by signal SIGSYS'
"""

from __future__ import annotations

import re
import shlex
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from poolside import tools

UNIT = "poolside.service"
PROPERTIES = (
    "LoadState",
    "ActiveState",
    "SubState",
    "Result",
    "ExecMainCode",
    "ExecMainStatus",
    "NRestarts",
    "User",
    "StateDirectory",
    "Environment",
    "MainPID",
)
# ExecMainCode as systemctl prints it, from siginfo's si_code (CLD_*).
EXIT_CODES = {"1": "exited", "2": "killed", "3": "dumped"}
# Result= of the last run that failed: it outlives ExecMain*, which a restart
# in progress has already cleared.
RESULTS = {
    "signal": "killed by a signal",
    "core-dump": "killed by a signal (core dumped)",
    "exit-code": "exited with an error",
    "watchdog": "stopped by the watchdog (the loop hung)",
    "timeout": "timed out starting (no first frame)",
    "start-limit-hit": "restarted too often: systemd gave up",
    "exec-condition": "a start condition failed",
}


@dataclass(frozen=True)
class ServiceState:
    loaded: bool
    active: str  # ActiveState: active, activating, failed, inactive ...
    sub: str  # SubState: running, auto-restart, dead ...
    result: str  # success, signal, exit-code, watchdog, core-dump ...
    last_exit: str  # "exited with status 1", "killed by signal SIGSYS", ""
    restarts: int
    user: str
    data: Path | None  # the StateDirectory, under /var/lib
    environment: dict[str, str]
    pid: int

    @property
    def running(self) -> bool:
        return self.active == "active" and self.sub == "running"

    @property
    def config(self) -> str | None:
        return self.environment.get("POOLSIDE_CONFIG")


def read_state(unit: str = UNIT) -> ServiceState | None:
    """The unit's state, or None where there is no systemd or no such unit."""
    systemctl = tools.find("systemctl")
    if systemctl is None:
        return None
    try:
        result = subprocess.run(
            [systemctl, "show", unit, *(f"--property={p}" for p in PROPERTIES)],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            env=tools.environment(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    return parse_show(result.stdout)


def parse_show(text: str) -> ServiceState | None:
    """``systemctl show`` output (``Key=value`` lines) to a :class:`ServiceState`."""
    values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    if values.get("LoadState") != "loaded":
        return None
    state_dirs = values.get("StateDirectory", "").split()
    environment = {}
    for item in shlex.split(values.get("Environment", "")):
        key, _, value = item.partition("=")
        environment[key] = value
    code, status = values.get("ExecMainCode", "0"), values.get("ExecMainStatus", "0")
    result = values.get("Result", "")
    last_exit = describe_exit(EXIT_CODES.get(code, ""), int(status) if status.isdigit() else 0)
    return ServiceState(
        loaded=True,
        active=values.get("ActiveState", ""),
        sub=values.get("SubState", ""),
        result=result,
        last_exit=last_exit or RESULTS.get(result, ""),
        restarts=int(values["NRestarts"]) if values.get("NRestarts", "").isdigit() else 0,
        user=values.get("User", ""),
        data=Path("/var/lib") / state_dirs[0] if state_dirs else None,
        environment=environment,
        pid=int(values["MainPID"]) if values.get("MainPID", "").isdigit() else 0,
    )


JOURNAL_EXIT = re.compile(r"Main process exited, code=(\w+), status=(\d+)")


def last_exit_from_journal(unit: str = UNIT) -> str:
    """How the unit's main process last ended, as systemd logged it ('' if unknown).

    While a restart is under way systemd has already cleared ExecMain* and
    Result=; its own journal line about the exit stays.
    """
    return exit_in_log(journal("-u", unit, "-n", "200"))


def journal(*filters: str) -> str:
    """This boot's journal messages matching ``filters`` ('' where it cannot be read)."""
    journalctl = tools.find("journalctl")
    if journalctl is None:
        return ""
    try:
        return subprocess.run(
            [journalctl, "-b", "-o", "cat", "--no-pager", *filters],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
            env=tools.environment(),
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def exit_in_log(journal: str) -> str:
    """The last "Main process exited, code=..., status=..." of a unit's log, described.

    >>> exit_in_log("poolside.service: Main process exited, code=killed, status=9/KILL")
    'killed by signal SIGKILL'
    """
    found = JOURNAL_EXIT.findall(journal)
    if not found:
        return ""
    how, status = found[-1]
    return describe_exit(how, int(status))


def describe_exit(how: str, status: int) -> str:
    if how == "exited":
        return f"exited with status {status}"
    if how in ("killed", "dumped"):
        try:
            name = signal.Signals(status).name
        except ValueError:
            name = str(status)
        return f"killed by signal {name}" + (" (core dumped)" if how == "dumped" else "")
    return ""
