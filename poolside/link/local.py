"""The local socket between the link service and the kiosk processes on one Pi.

The kiosk keeps no network (``PrivateNetwork=yes``); it reaches the link
service through a Unix socket, which crosses network namespaces (it is a
file). One message per packet (``SOCK_SEQPACKET``), a JSON object each:

- the leader kiosk sends its class whenever it changes, a command's
  timeline at once (:class:`~poolside.core.follow.Shared`, kind ``class``);
- a screen process (a follower Pi's, or one on the leader's Pi) is sent a
  :class:`Feed` on every change and once a second: the class, the timeline
  before a command's, how its leader is heard, and the leader's clock as
  fitted here (this host's monotonic clock plus an offset and a rate).

Neither side ever waits on the other: a kiosk whose link service is not
there sends nothing and runs its class as ever.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from poolside.core.clocksync import Fit
from poolside.core.engine import Timeline
from poolside.core.follow import Link, Shared, timeline_from
from poolside.core.link import Refused

SOCKET_NAME = "link.sock"
DEFAULT_DIR = Path("/run/poolside-link")  # the link unit's RuntimeDirectory
MAX_PACKET = 4096
RECONNECT_S = 1.0  # a client whose service is not there tries again this often


def default_socket() -> Path:
    """The link service's socket: its unit's runtime directory, where systemd made one."""
    runtime = os.environ.get("POOLSIDE_LINK_DIR")
    return Path(runtime) / SOCKET_NAME if runtime else DEFAULT_DIR / SOCKET_NAME


@dataclass(frozen=True)
class Feed:
    """What a screen is told: the class (None: none yet), the timeline in effect
    until the class's command takes effect, the link, the leader's clock as
    fitted on this host (None: not yet), and packets refused so far."""

    link: Link
    shared: Shared | None = None
    before: Timeline | None = None
    fit: Fit | None = None
    refused: int = 0
    leader: str = ""  # who is followed, for the screen's status line
    peers: int = 0  # a leader's followers heard lately (for poolside doctor)
    round_trip: float | None = None  # a follower's quickest ping, s (twice its clock's error)
    acted: int = 0  # a follower's states acted on (the rest of what came was refused)

    def as_dict(self) -> dict[str, Any]:
        fit = self.fit
        return {
            "kind": "feed",
            "link": str(self.link),
            "class": None if self.shared is None else self.shared.as_dict(),
            "before": None if self.before is None else self.before.as_dict(),
            "fit": None if fit is None else [fit.at, fit.offset_at, fit.rate],
            "refused": self.refused,
            "leader": self.leader,
            "peers": self.peers,
            "round_trip": self.round_trip,
            "acted": self.acted,
        }

    @classmethod
    def from_dict(cls, message: dict[str, Any]) -> Feed:
        shared, before, fit = message.get("class"), message.get("before"), message.get("fit")
        return cls(
            Link(message["link"]),
            None if shared is None else Shared.from_dict(shared),
            None if before is None else timeline_from(before),
            None if fit is None else Fit(*(float(x) for x in fit)),
            int(message.get("refused", 0)),
            str(message.get("leader", "")),
            int(message.get("peers", 0)),
            None if message.get("round_trip") is None else float(message["round_trip"]),
            int(message.get("acted", 0)),
        )


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode()


def decode(data: bytes) -> dict[str, Any] | None:
    """A packet's message, or None where it is not one (never raises)."""
    try:
        message = json.loads(data)
    except ValueError:
        return None
    return message if isinstance(message, dict) and isinstance(message.get("kind"), str) else None


def packets(sock: socket.socket) -> tuple[list[bytes], bool]:
    """What waits on ``sock`` (non-blocking), a packet each, and whether the other
    end went away (or the socket failed): then it is for the caller to close."""
    found: list[bytes] = []
    while True:
        try:
            data = sock.recv(MAX_PACKET)
        except BlockingIOError:
            return found, False
        except OSError:
            return found, True
        if not data:
            return found, True
        found.append(data)


def read_feed(message: dict[str, Any]) -> Feed | None:
    """A :class:`Feed` from a message of kind ``feed``; None for anything else."""
    if message.get("kind") != "feed":
        return None
    try:
        return Feed.from_dict(message)
    except (Refused, KeyError, TypeError, ValueError):
        return None


class LocalLink:
    """A kiosk process's end of the local socket: connects when it can, sends
    without waiting, and reads what came. Nothing here blocks or raises for a
    service that is not there or went away."""

    def __init__(self, path: Path, role: str, clock: Any = time.monotonic) -> None:
        self.path = path
        self.role = role  # "leader" or "screen", said first on connecting
        self._clock = clock
        self._sock: socket.socket | None = None
        self._tried: float | None = None

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def fileno(self) -> int | None:
        return None if self._sock is None else self._sock.fileno()

    def connect(self) -> bool:
        """Connect, at most once per RECONNECT_S; True once connected."""
        if self._sock is not None:
            return True
        now = self._clock()
        if self._tried is not None and now - self._tried < RECONNECT_S:
            return False
        self._tried = now
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
        try:
            sock.connect(str(self.path))
            sock.setblocking(False)
            sock.send(encode({"kind": "hello", "role": self.role}))
        except OSError:
            sock.close()
            return False
        self._sock = sock
        return True

    def send(self, message: dict[str, Any]) -> bool:
        """Send ``message`` if connected (connecting first if due); False if not sent."""
        if not self.connect():
            return False
        assert self._sock is not None
        try:
            self._sock.send(encode(message))
        except BlockingIOError:  # the service is behind: this one is dropped, the next is whole
            return False
        except OSError:
            self.close()
            return False
        return True

    def receive(self) -> list[dict[str, Any]]:
        """The messages waiting, maybe none; an ended connection is closed (and tried
        again later)."""
        if self._sock is None:
            return []
        found, ended = packets(self._sock)
        if ended:
            self.close()
        return [m for m in map(decode, found) if m is not None]

    def close(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
            self._sock = None
