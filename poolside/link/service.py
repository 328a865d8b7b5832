"""``poolside link``: the one process of a Pi that talks to the pool's LAN for
its screens, on one UDP port.

On the leader it answers the followers' pings (their clock estimates) and
sends its kiosk's class to each follower that pinged it lately: once a
second, and a command's timeline at once, CHANGE_COPIES times. On a
follower it pings the leader, acts on what it is sent only as
:class:`~poolside.core.follow.Follower` allows, and tells its screens. On
both, the screen processes on this Pi (a follower's screen; on the leader,
one on a screen of its own) are fed through the local socket
(:mod:`poolside.link.local`), with the leader's clock as fitted here.

Everything it is sent that does not open, or is stale, replayed or from
another class, is counted and dropped; the counts are in the journal once
a minute and in ``poolside doctor``.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from poolside.core.clocksync import SAME_CLOCK
from poolside.core.engine import Timeline
from poolside.core.follow import (
    CHANGE_COPIES,
    CHANGE_GAP_S,
    STATE_EVERY_S,
    Follower,
    Leader,
    Link,
    Shared,
    in_effect,
)
from poolside.core.link import MAX_BYTES, Refusal, Refused
from poolside.link.local import Feed, decode, encode, packets
from poolside.notify import Notifier

PING_EVERY_S = 1.0  # a follower pings its leader this often (each answer brings the class)
FIRST_PINGS = 5  # and this many times, FIRST_PING_GAP_S apart, when it starts
FIRST_PING_GAP_S = 0.2
PEER_KEPT_S = 10.0  # a follower that has not pinged for this long is sent no more states
PEERS_MAX = 64  # followers served at once, at most (the oldest is forgotten)
REPORT_EVERY_S = 60.0  # refused packets, if any, go to the journal this often
FEED_EVERY_S = 1.0  # each screen is told at least this often (its link word may change)
LOCAL_CLIENTS_MAX = 8


def resolve(host: str, port: int) -> tuple[str, int]:
    """The leader's IPv4 address; OSError where it is not found (yet)."""
    found = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_DGRAM)
    address = found[0][4]
    return str(address[0]), int(address[1])


def _say(line: str) -> None:
    print(f"poolside link: {line}", file=sys.stderr, flush=True)


@dataclass(eq=False)
class _Local:
    """A kiosk process connected to the local socket."""

    sock: socket.socket
    role: str | None = None  # said in its first message


@dataclass
class _Shared:
    """The class the leader's kiosk last sent, and the one in effect before it."""

    shared: Shared | None = None
    before: Timeline | None = None
    kiosk_here: bool = False  # the leader kiosk is connected
    ever: bool = False


@dataclass
class LinkService:
    """The link service's state; :meth:`run` is its loop. ``role`` is leader or
    follower; a follower's ``leader`` is (host, port)."""

    role: str
    key: bytes
    port: int
    socket_path: Path
    leader: tuple[str, int] | None = None
    clock: Callable[[], float] = time.monotonic
    bind: str = "0.0.0.0"
    refused: Counter[Refusal] = field(default_factory=Counter)
    _selector: selectors.BaseSelector = field(default_factory=selectors.DefaultSelector)
    _locals: list[_Local] = field(default_factory=list)
    _peers: dict[tuple[str, int], float] = field(default_factory=dict)
    _class: _Shared = field(default_factory=_Shared)
    _timers: dict[str, float] = field(default_factory=dict)
    _copies: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._leader = Leader(self.key) if self.role == "leader" else None
        self._leader_address: tuple[str, int] | None = None
        self._said_unreached: float | None = None
        self._follower = Follower(self.key) if self.role == "follower" else None
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self._udp.setblocking(False)
        if self.role == "leader":
            self._udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._udp.bind((self.bind, self.port))
        else:
            self._udp.bind((self.bind, 0))
        self._listen = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()  # left by a run that was killed
        self._listen.bind(str(self.socket_path))
        os.chmod(self.socket_path, 0o660)  # the kiosk runs as this user or in its group
        self._listen.listen(LOCAL_CLIENTS_MAX)
        self._listen.setblocking(False)
        self._selector.register(self._udp, selectors.EVENT_READ, "udp")
        self._selector.register(self._listen, selectors.EVENT_READ, "listen")
        now = self.clock()
        self._timers = {"feed": now, "report": now + REPORT_EVERY_S}
        if self._leader is not None:
            self._timers["state"] = now
        else:
            self._first_pings = FIRST_PINGS
            self._timers["ping"] = now

    # -- the loop ---------------------------------------------------------------
    def run(self, notifier: Notifier | None = None, turns: int | None = None) -> None:
        """Serve until killed (or for ``turns`` wake-ups, in a test)."""
        where = f"UDP {self.bind}:{self._udp.getsockname()[1]}"
        said = f"{self.role} on {where}, screens on {self.socket_path}"
        if self.leader is not None:
            said += f", leader {self.leader[0]}:{self.leader[1]}"
        _say(f"ready: {said}")
        if notifier is not None:
            notifier.ready(said)
        while turns is None or turns > 0:
            turns = None if turns is None else turns - 1
            self.turn()

    def turn(self) -> None:
        """Sleep until the next timer or packet, and see to what is due."""
        timeout = max(0.0, min([*self._timers.values(), *self._copies]) - self.clock())
        for key, _ in self._selector.select(timeout):
            if key.data == "udp":
                self._read_udp()
            elif key.data == "listen":
                self._accept()
            elif key.data in self._locals:  # not one dropped earlier in this turn
                self._read_local(key.data)
        self._due(self.clock())

    def close(self) -> None:
        for local in list(self._locals):
            local.sock.close()
        self._udp.close()
        self._listen.close()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()

    # -- timers -----------------------------------------------------------------
    def _due(self, now: float) -> None:
        timers = self._timers
        if "state" in timers and now >= timers["state"]:
            self._send_state(now)
        if self._copies and now >= self._copies[0]:
            self._copies.pop(0)
            self._send_state(now, again=False)
        if "ping" in timers and now >= timers["ping"]:
            self._ping(now)
        if now >= timers["feed"]:
            self._feed_screens(now)
        if now >= timers["report"]:
            timers["report"] = now + REPORT_EVERY_S
            if refused := self.all_refused():
                counts = ", ".join(f"{n} {why}" for why, n in sorted(refused.items()))
                _say(f"refused so far: {counts}")

    def _send_state(self, now: float, again: bool = True) -> None:
        """The class to every follower heard from lately; ``again``: the next in a second."""
        if again:
            self._timers["state"] = now + STATE_EVERY_S
        shared, leader = self._class.shared, self._leader
        if shared is None or leader is None or not self._class.kiosk_here:
            return
        data = leader.share(shared, now)
        for peer, heard in list(self._peers.items()):
            if now - heard > PEER_KEPT_S:
                del self._peers[peer]
                continue
            with contextlib.suppress(OSError):  # a peer gone is dropped by its silence
                self._udp.sendto(data, peer)

    def _ping(self, now: float) -> None:
        assert self._follower is not None and self.leader is not None
        looking = self._first_pings > 0 or self._follower.link(now) is not Link.FOLLOWING
        gap = FIRST_PING_GAP_S if looking else PING_EVERY_S  # a leader lost is looked for often
        self._first_pings -= 1
        self._timers["ping"] = now + gap
        try:
            if self._leader_address is None:
                self._leader_address = resolve(*self.leader)
            self._udp.sendto(self._follower.ping(now), self._leader_address)
        except OSError as err:  # not found or no route yet (the network is coming up)
            self._leader_address = None  # looked up again for the next ping
            if self._said_unreached is None:
                _say(f"the leader {self.leader[0]}:{self.leader[1]}: {err.strerror or err}")
                self._said_unreached = now
            return
        if self._said_unreached is not None and self._follower.link(now) is Link.FOLLOWING:
            _say(f"the leader {self.leader[0]}:{self.leader[1]} answers again")
            self._said_unreached = None

    # -- the LAN -----------------------------------------------------------------
    def _read_udp(self) -> None:
        while True:
            try:
                data, peer = self._udp.recvfrom(MAX_BYTES + 1)
            except BlockingIOError:
                return
            except OSError:  # an ICMP error from an earlier send: nothing to read
                return
            now = self.clock()
            if self._leader is not None:
                self._answer(data, peer, now)
            else:
                self._heard(data, peer, now)

    def _answer(self, data: bytes, peer: tuple[str, int], now: float) -> None:
        assert self._leader is not None
        try:
            answer = self._leader.answer(data, now, self.clock())
        except Refused as refused:
            self.refused[refused.why] += 1
            return
        with contextlib.suppress(OSError):
            self._udp.sendto(answer, peer)
            shared = self._class.shared
            if shared is not None and self._class.kiosk_here:  # a follower back: the class now
                self._udp.sendto(self._leader.share(shared, self.clock()), peer)
        self._peers.pop(peer, None)
        self._peers[peer] = now
        while len(self._peers) > PEERS_MAX:
            del self._peers[next(iter(self._peers))]

    def _heard(self, data: bytes, peer: tuple[str, int], now: float) -> None:
        follower = self._follower
        assert follower is not None
        if peer != self._leader_address:
            self.refused[Refusal.NOT_FOR_US] += 1
            return
        if follower.receive(data, now) is not None:
            self._feed_screens(now)

    # -- the kiosk processes -------------------------------------------------------
    def _accept(self) -> None:
        with contextlib.suppress(BlockingIOError):
            sock, _ = self._listen.accept()
            if len(self._locals) >= LOCAL_CLIENTS_MAX:
                sock.close()
                return
            sock.setblocking(False)
            local = _Local(sock)
            self._locals.append(local)
            self._selector.register(sock, selectors.EVENT_READ, local)

    def _read_local(self, local: _Local) -> None:
        found, ended = packets(local.sock)
        for message in filter(None, map(decode, found)):  # not one of ours: ignored
            if message["kind"] == "hello" and local.role is None:
                local.role = str(message.get("role"))
                if local.role == "screen":
                    self._feed(local, self.clock())
            elif message["kind"] == "class" and local.role == "leader":
                self._took_class(message, self.clock())
            if local not in self._locals:  # went away while it was being answered
                return
        if ended:
            self._drop(local)

    def _drop(self, local: _Local) -> None:
        """A kiosk process gone (or one that cannot be written to): forgotten."""
        if local not in self._locals:
            return
        self._locals.remove(local)
        self._selector.unregister(local.sock)
        local.sock.close()
        if local.role == "leader" and not any(other.role == "leader" for other in self._locals):
            self._class.kiosk_here = False  # followers run on alone, and say so
            self._feed_screens(self.clock())

    def _took_class(self, message: dict[str, object], now: float) -> None:
        try:
            shared = Shared.from_dict(message)
        except Refused:
            return
        held = self._class
        if held.shared is not None and held.shared.timeline != shared.timeline:
            held.before = in_effect(held.shared.timeline, held.before, now)
        elif held.shared is None:
            held.before = None
        held.shared, held.kiosk_here, held.ever = shared, True, True
        if self._leader is not None:
            self._send_state(now)
            if shared.timeline.since is not None:  # a command: sent again, in case one is lost
                self._copies = [now + CHANGE_GAP_S * n for n in range(1, CHANGE_COPIES)]
        self._feed_screens(now)

    def feed(self, now: float) -> Feed:
        """What the screens here are told now."""
        follower = self._follower
        if follower is not None:
            state = follower.state
            return Feed(
                follower.link(now),
                None if state is None else state.shared,
                follower.before,
                follower.estimate.fit,
                self.all_refused().total(),
                "" if self.leader is None else f"{self.leader[0]}",
                round_trip=follower.estimate.round_trip,
                acted=follower.acted,
            )
        held = self._class
        link = Link.WAITING if not held.ever else Link.FOLLOWING if held.kiosk_here else Link.ALONE
        heard = sum(1 for at in self._peers.values() if now - at <= PEER_KEPT_S)
        refused = self.all_refused().total()
        return Feed(link, held.shared, held.before, SAME_CLOCK, refused, peers=heard)

    def all_refused(self) -> Counter[Refusal]:
        """Packets refused so far, by why: here, and by the follower's checks."""
        follower = self._follower
        return self.refused + follower.refused if follower is not None else Counter(self.refused)

    def _feed_screens(self, now: float) -> None:
        self._timers["feed"] = now + FEED_EVERY_S
        for local in list(self._locals):
            if local.role == "screen":
                self._feed(local, now)

    def _feed(self, local: _Local, now: float) -> None:
        try:
            local.sock.send(encode(self.feed(now).as_dict()))
        except BlockingIOError:
            pass  # a screen that is behind misses this one; the next is whole
        except OSError:
            self._drop(local)
