"""One function of the export run by a second interpreter, on the second core.

The export's costly halves (reading the second half of the batches, writing
redcap.csv) can run beside the rest. This is a new ``python -m
poolside.records.elsewhere``, not a fork of the caller (whose open SQLite
connection must not be copied) nor multiprocessing's spawn, which imports the
caller's main module again. The call comes pickled on stdin and its result
goes back pickled on stdout: both ends are this package, in one export.

    >>> child = start("poolside.records.adherence:adherence_pct", 15, 15)
    >>> result(child)
    100.0
"""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys
from typing import Any

from poolside import tools

PACKAGE = "poolside.records."
FAILED = object()  # what result() gives when the call did not come back


def start(function: str, *args: Any) -> subprocess.Popen[bytes] | None:
    """``module:function(*args)`` begun in a new interpreter; None if it cannot start."""
    try:
        child = subprocess.Popen(
            tools.python("-m", __name__),  # isolated: no module from the current folder
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # a failure is handled by the caller, not shown
        )
    except OSError:
        return None
    assert child.stdin is not None
    try:
        with child.stdin:
            child.stdin.write(pickle.dumps((function, args)))
    except OSError:  # it died at once
        child.kill()
        child.wait()
        return None
    return child


def result(child: subprocess.Popen[bytes] | None) -> Any:
    """What the call returned, once it is done; FAILED if it failed or never began."""
    if child is None:
        return FAILED
    assert child.stdout is not None
    with child.stdout:
        out = child.stdout.read()
    if child.wait() != 0:
        return FAILED
    return pickle.loads(out)  # from the child this process started


def _run() -> None:
    function, args = pickle.load(sys.stdin.buffer)
    module, _, name = function.partition(":")
    if not module.startswith(PACKAGE):
        raise SystemExit(f"not an export function: {function}")
    value = getattr(importlib.import_module(module), name)(*args)
    sys.stdout.buffer.write(pickle.dumps(value))


if __name__ == "__main__":
    _run()
