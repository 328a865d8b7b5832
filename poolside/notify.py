"""sd_notify in a few lines: tell systemd the kiosk is up, and that its loop is alive.

Under ``Type=notify`` systemd sets ``$NOTIFY_SOCKET`` (a datagram socket;
``@`` means the abstract namespace) and, with ``WatchdogSec=``,
``$WATCHDOG_USEC``. The kiosk sends ``READY=1`` once its first frame is on
the screen and ``WATCHDOG=1`` from its main loop, never from a thread: a
loop that hangs stops the pings and systemd restarts it, while a busy loop
still pings between frames. Outside systemd every call does nothing.

    >>> Notifier({}).ready()  # not under systemd: nothing happens
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping


class Notifier:
    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        path = environ.get("NOTIFY_SOCKET", "")
        self._address = "\0" + path[1:] if path.startswith("@") else path
        usec = environ.get("WATCHDOG_USEC", "")
        for_us = environ.get("WATCHDOG_PID", str(os.getpid())) == str(os.getpid())
        # Ping at half the timeout, as sd_watchdog_enabled(3) advises.
        self.ping_every = int(usec) / 2e6 if usec.isdigit() and for_us else None
        self._sock: socket.socket | None = None

    @property
    def active(self) -> bool:
        return bool(self._address)

    def ready(self, status: str = "") -> None:
        self._send("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def extend_start(self, seconds: float) -> None:
        """Still starting, and making progress: systemd waits ``seconds`` more from
        now before its ``TimeoutStartSec=`` kills the start (a first start renders
        every spoken phrase, which on a slow card or a first boot takes longer
        than the timeout allows all at once)."""
        self._send(f"EXTEND_TIMEOUT_USEC={round(seconds * 1e6)}")

    def watchdog(self) -> None:
        if self.ping_every is not None:
            self._send("WATCHDOG=1")

    def stopping(self) -> None:
        self._send("STOPPING=1")

    def _send(self, message: str) -> None:
        if not self._address:
            return
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._sock.sendto(message.encode(), self._address)
        except OSError:
            pass  # systemd gone or restarting: the kiosk keeps running regardless
