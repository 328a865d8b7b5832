"""The leader kiosk's side of several screens: its class to the link service,
and its commands a moment ahead.

The class goes to the link service (:mod:`poolside.link.local`) whenever it
changes: started, paused, resumed, skipped, gone back, ended, or a new one
at home; the service repeats it to the followers once a second. A command
(pause, resume, NEXT, BACK, STOP) does not act at the press: its timeline is
sent at once, saying it takes effect COMMAND_LEAD_S later, and the leader's
own session does it then too, so every screen changes at that one moment
(:func:`poolside.core.follow.ahead`). Nothing here waits: with no service
there, the class runs as ever and nothing is sent.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace

from poolside.config import Config
from poolside.core.engine import Session, Timeline
from poolside.core.follow import COMMAND_LEAD_S, Command, Shared, ahead
from poolside.link.local import LocalLink, default_socket


def _essence(timeline: Timeline) -> Timeline:
    """What a follower needs of ``timeline``: its position only where it is frozen
    (paused or ended); running, the origin says it all."""
    if timeline.origin is not None and timeline.paused_at is None and timeline.ended is None:
        return replace(timeline, position=0.0, done_s=0.0)
    return timeline


@dataclass
class Leading:
    """Sends the kiosk's class on change; holds commands until their moment."""

    link: LocalLink
    lead_s: float = COMMAND_LEAD_S
    pending: list[tuple[float, Command]] = field(default_factory=list)
    _sent: Shared | None = field(default=None, init=False)

    def command(self, session: Session, command: Command, now: float) -> None:
        """``command`` pressed at ``now``: announced at once, done at ``now + lead_s``."""
        at = now + self.lead_s
        projected = session.copy()  # with the commands still to come done first
        for when, earlier in self.pending:
            earlier.apply(projected, when)
        timeline = ahead(projected, command, at)
        self.pending.append((at, command))
        self._send(Shared.of(session, now, timeline))

    def due(self, session: Session, now: float) -> None:
        """Do the commands whose moment has come, each at its own moment."""
        while self.pending and self.pending[0][0] <= now:
            at, command = self.pending.pop(0)
            command.apply(session, at)

    def next_deadline(self) -> float | None:
        return self.pending[0][0] if self.pending else None

    def offer(self, session: Session, now: float) -> None:
        """The class as it is now, sent if it changed (or the service came back)."""
        self.link.receive()  # notices a service that went away: connected again later
        if self.pending:
            return  # the command's timeline is what the followers must hold until then
        shared = Shared.of(session, now)
        shared = replace(shared, timeline=_essence(shared.timeline))
        if shared != self._sent or not self.link.connected:
            self._send(shared)

    def _send(self, shared: Shared) -> None:
        connected = self.link.connected
        if self.link.send({"kind": "class", **shared.as_dict()}):
            self._sent = shared
        elif connected:
            self._sent = None


def leading_link(config: Config, speed: float) -> LocalLink | None:
    """Where other screens show this kiosk's class: the link service's socket, on a
    leader running in real time (a demo at --speed would run ahead of them)."""
    if config.linked.role != "leader":
        return None
    if speed != 1.0:
        print(
            "poolside: screens.role is leader, but a run at --speed is shown on this screen only",
            file=sys.stderr,
        )
        return None
    return LocalLink(default_socket(), "leader")
