"""Several screens, as installed: the pairing key, the screens: config, the link
service on real sockets, the leader kiosk's commands a moment ahead, and the
follower screen drawing the leader's class on its clock."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import pygame
import pytest

from poolside.config import Config, load_config
from poolside.core.clock import ManualClock
from poolside.core.clocksync import SAME_CLOCK, Fit
from poolside.core.engine import Session, State, Timeline
from poolside.core.follow import COMMAND_LEAD_S, Link, Shared
from poolside.core.link import Refusal, seal
from poolside.core.yamlfile import FileProblems
from poolside.devices.screen import Renderer
from poolside.errors import CannotRun
from poolside.kiosk.build import build_kiosk
from poolside.kiosk.follower import FollowerScreen
from poolside.kiosk.state import Display, Surroundings
from poolside.link.local import Feed, LocalLink, decode, encode, read_feed
from poolside.link.pairing import STICK_FILE, Paired, fingerprint, pair, read_key
from poolside.link.service import LinkService
from poolside.selection import choose_program

from .conftest import run_poolside

KEY = bytes(range(32))


@pytest.fixture(scope="module")
def choice():
    return choose_program("jump-and-hop-20", Config(), date(2027, 1, 4))


# -- pairing ---------------------------------------------------------------------------
def test_pairing_makes_one_key_and_carries_it_on_the_stick(tmp_path: Path) -> None:
    stick, leader, follower = tmp_path / "stick", tmp_path / "a" / "link.key", tmp_path / "b.key"
    stick.mkdir()
    assert pair(leader, stick) is Paired.MADE
    assert pair(follower, stick) is Paired.FROM_STICK
    assert pair(follower, stick) is Paired.ALREADY
    assert read_key(leader) == read_key(follower) == (stick / STICK_FILE).read_bytes()
    assert leader.stat().st_mode & 0o777 == 0o640  # the service's group may read it; no one else
    other = tmp_path / "other-stick"
    other.mkdir()
    assert pair(leader, other) is Paired.TO_STICK  # a second stick gets the same key
    (other / STICK_FILE).write_bytes(bytes(32))
    with pytest.raises(CannotRun, match=fingerprint(read_key(leader))):
        pair(leader, other)  # another pool's key is not taken by accident
    assert pair(leader, other, replace=True) is Paired.FROM_STICK
    assert read_key(leader) == bytes(32)


def test_a_key_that_is_not_one_is_said_plainly(tmp_path: Path) -> None:
    short = tmp_path / "link.key"
    short.write_bytes(b"hunter2\n")  # typed by hand
    with pytest.raises(CannotRun, match="not a pairing key"):
        read_key(short)
    with pytest.raises(CannotRun, match="no pairing key"):
        read_key(tmp_path / "none.key")
    with pytest.raises(CannotRun, match="not a folder"):
        pair(tmp_path / "k", tmp_path / "no-stick")


def test_poolside_pair_and_link_say_what_they_need(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("screens:\n  role: leader\n  port: 47601\n")
    stick = tmp_path / "stick"
    stick.mkdir()
    paired = run_poolside("pair", "--config", str(config), str(stick))
    assert paired.returncode == 0 and "made a new key" in paired.stdout, paired
    assert fingerprint((tmp_path / "link.key").read_bytes()) in paired.stdout
    alone = tmp_path / "alone.yaml"
    alone.write_text("mode: class\n")
    refused = run_poolside("link", "--config", str(alone))
    assert refused.returncode == 1 and "screens.role is alone" in refused.stderr
    assert "Traceback" not in refused.stderr
    (tmp_path / "link.key").unlink()
    unpaired = run_poolside("link", "--config", str(config), "--socket", str(tmp_path / "s"))
    assert unpaired.returncode == 1 and "poolside pair" in unpaired.stderr, unpaired


# -- config ----------------------------------------------------------------------------
def test_the_screens_section_is_read_and_its_mistakes_located(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("screens:\n  role: follower\n  leader: pool-pi.local\n  sound: true\n")
    config = load_config(good)
    assert config.linked.role == "follower" and config.linked.leader == "pool-pi.local"
    assert config.linked.port == 47474 and config.linked.sound
    assert config.link_key() == tmp_path / "link.key"
    for text, said in (
        ("screens:\n  role: follower\n", "2:3: screens.role: follower needs screens.leader"),
        ("screens:\n  role: leader\n  port: 80\n", "3:9: screens.port must be a port"),
        ("screens:\n  role: follower\n  leader: -oProxy\n", "3:11: screens.leader must be"),
        ("screens:\n  role: boss\n", "2:9: screens.role"),
    ):
        bad = tmp_path / "bad.yaml"
        bad.write_text(text)
        with pytest.raises(FileProblems) as problems:
            load_config(bad)
        shown = [str(p) for p in problems.value.problems]
        assert any(said in line for line in shown), shown


# -- the link service on real sockets -----------------------------------------------------
def _turn_until(services: list[LinkService], done, turns: int = 60) -> None:
    """Turn each service in order until ``done()``: each turn sleeps only until its
    next timer or a packet, so this waits for the packets, never a guessed time."""
    for _ in range(turns):
        for service in services:
            service.turn()
        if done():
            return
    raise AssertionError("the services never got there")


def _feed(screen: LocalLink) -> Feed | None:
    feeds = [read_feed(m) for m in screen.receive()]
    return next((f for f in reversed(feeds) if f is not None), None)


def test_a_leader_and_a_follower_share_the_class_and_refuse_strangers(
    tmp_path: Path, choice
) -> None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    leader = LinkService("leader", KEY, port, tmp_path / "l.sock", bind="127.0.0.1")
    follower = LinkService(
        "follower", KEY, port, tmp_path / "f.sock", ("127.0.0.1", port), bind="127.0.0.1"
    )
    try:
        kiosk = LocalLink(tmp_path / "l.sock", "leader")
        screen = LocalLink(tmp_path / "f.sock", "screen")
        assert kiosk.connect() and screen.connect()
        session = Session(choice.program, 10)
        session.start(100.0)
        assert kiosk.send({"kind": "class", **Shared.of(session, 100.0).as_dict()})
        got: list[Feed] = []

        def following() -> bool:
            feed = _feed(screen)
            if feed is not None:
                got.append(feed)
            return bool(got) and got[-1].link is Link.FOLLOWING and got[-1].shared is not None

        _turn_until([leader, follower], following)
        feed = got[-1]
        assert feed.shared == Shared.of(session, 100.0) and feed.fit is not None
        assert abs(feed.fit.offset(0.0)) < 0.01  # one host: the leader's clock is this one
        assert feed.round_trip is not None and feed.leader == "127.0.0.1"
        assert leader.feed(leader.clock()).peers == 1

        stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        stranger.sendto(
            seal(bytes(32), {"kind": "ping", "nonce": "x", "t0": 1.0}), ("127.0.0.1", port)
        )
        stranger.sendto(b"\x00" * 3000, ("127.0.0.1", port))
        follower_port = follower._udp.getsockname()[1]
        stranger.sendto(b"PSL1 junk", ("127.0.0.1", follower_port))  # not from its leader
        stranger.close()
        _turn_until(
            [leader, follower],
            lambda: (
                leader.all_refused()[Refusal.FORGED] == 1
                and leader.all_refused()[Refusal.MALFORMED] == 1
                and follower.all_refused()[Refusal.NOT_FOR_US] == 1
            ),
        )
        kiosk.close()  # the leader's kiosk went away: the follower runs on alone
        _turn_until([leader], lambda: not leader._class.kiosk_here)
        assert leader.feed(leader.clock()).link is Link.ALONE
    finally:
        leader.close()
        follower.close()


def test_screens_that_leave_at_once_or_send_nonsense_never_end_the_service(
    tmp_path: Path,
) -> None:
    """A screen (or ``poolside doctor``) may connect and go before it is answered, and
    anything may connect to the socket: the service answers the rest as ever."""
    service = LinkService("leader", KEY, 0, tmp_path / "l.sock", bind="127.0.0.1")
    try:
        for _ in range(5):  # hello, then gone before the answer
            hasty = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            hasty.connect(str(tmp_path / "l.sock"))
            hasty.send(encode({"kind": "hello", "role": "screen"}))
            hasty.close()
        noisy = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        noisy.connect(str(tmp_path / "l.sock"))
        for junk in (b"\xff" * 5000, b"[]", b'{"kind": "class"}', b'{"kind": "hello"}'):
            noisy.send(junk)
        screen = LocalLink(tmp_path / "l.sock", "screen")
        assert screen.connect()
        got: list[Feed] = []

        def answered() -> bool:
            got.extend(f for f in map(read_feed, screen.receive()) if f is not None)
            return bool(got)

        _turn_until([service], answered)
        assert got[0].link is Link.WAITING  # no class from a kiosk: the nonsense was not one
        noisy.close()
        screen.close()
    finally:
        service.close()


def test_the_link_service_says_ready_and_ends_on_sigterm(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("screens:\n  role: leader\n  port: 47602\n")
    (tmp_path / "link.key").write_bytes(KEY)
    sock = tmp_path / "link.sock"
    env = {**os.environ, "NOTIFY_SOCKET": ""}
    child = subprocess.Popen(
        [sys.executable, "-m", "poolside", "link", "--config", str(config), "--socket", str(sock)],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stderr is not None
        lines = [child.stderr.readline(), child.stderr.readline()]  # waits for the signal line
        assert lines[0].startswith("poolside link: key ") and "ready: leader" in lines[1], lines
        assert sock.exists()
    finally:
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=30) == 0
    assert not sock.exists()  # the socket goes with the service


def test_local_messages_that_are_not_ours_are_ignored() -> None:
    assert decode(b"\xff not json") is None and decode(b"[1]") is None
    assert read_feed({"kind": "feed", "link": "nonsense"}) is None
    feed = Feed(Link.ALONE, None, None, Fit(1.0, 2.0, 3e-5), 4, "pool-pi", 2, 0.0004)
    assert read_feed(decode(encode(feed.as_dict())) or {}) == feed


# -- the leader kiosk ---------------------------------------------------------------------
class _Listening:
    """The link service's end of the socket, for a kiosk to connect to."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.bind(str(path))
        self.sock.listen(1)
        self.peer: socket.socket | None = None

    def messages(self) -> list[dict]:
        if self.peer is None:
            self.peer, _ = self.sock.accept()
            self.peer.setblocking(False)
        found = []
        while True:
            try:
                found.append(decode(self.peer.recv(4096)))
            except BlockingIOError:
                return found


def test_a_leaders_command_is_sent_at_once_and_done_a_moment_later_everywhere(
    tmp_path: Path, choice
) -> None:
    service = _Listening(tmp_path / "link.sock")
    surface = pygame.Surface((320, 240))
    clock = ManualClock(0.0)
    link = LocalLink(tmp_path / "link.sock", "leader", clock=clock.now)
    kiosk = build_kiosk(
        Display(lambda: [surface], Renderer()),
        choice,
        10,
        start=True,
        outside=Surroundings(followers=link),
    )
    kiosk.tick(0.0)
    hello, started = service.messages()
    assert hello == {"kind": "hello", "role": "leader"} and started["timeline"]["origin"] == 10.0
    kiosk.tick(30.0)
    assert service.messages() == []  # running on: nothing new to say
    kiosk.act("toggle", 30.0)  # pause
    (paused,) = service.messages()
    moment = 30.0 + COMMAND_LEAD_S
    assert paused["timeline"]["paused_at"] == moment and paused["timeline"]["since"] == moment
    kiosk.tick(moment - 0.001)
    assert kiosk.state(moment - 0.001) is State.RUNNING  # not yet: the followers get the word
    kiosk.tick(moment)
    assert kiosk.state(moment) is State.PAUSED
    assert kiosk.session is not None and kiosk.session.timeline(moment).paused_at == moment
    (after,) = service.messages()  # and the plain state, once the moment has passed
    assert after["timeline"]["paused_at"] == moment and after["timeline"]["since"] is None


def _leading_kiosk(choice, link: LocalLink):
    """A kiosk begun at 0 with no get-ready, its class shared through ``link``."""
    surface = pygame.Surface((320, 240))
    return build_kiosk(
        Display(lambda: [surface], Renderer()),
        choice,
        0,
        start=True,
        outside=Surroundings(followers=link),
    )


def test_two_presses_inside_the_moment_are_both_sent_in_order(tmp_path: Path, choice) -> None:
    service = _Listening(tmp_path / "link.sock")
    kiosk = _leading_kiosk(choice, LocalLink(tmp_path / "link.sock", "leader"))
    kiosk.tick(0.0)
    service.messages()
    kiosk.act("next", 50.0)  # skip
    kiosk.act("next", 50.01)  # and skip again, before the first took effect
    first, second = service.messages()
    assert first["timeline"]["origin"] > second["timeline"]["origin"]  # each a phase further on
    kiosk.tick(50.2)
    assert kiosk.session is not None
    assert kiosk.session.timeline(50.2).origin == second["timeline"]["origin"]


def test_a_kiosk_with_no_link_service_runs_its_class_as_ever(tmp_path: Path, choice) -> None:
    link = LocalLink(tmp_path / "nobody.sock", "leader")
    kiosk = _leading_kiosk(choice, link)
    kiosk.tick(0.0)
    kiosk.act("toggle", 5.0)
    kiosk.tick(5.0 + COMMAND_LEAD_S)
    assert kiosk.state(5.1) is State.PAUSED and not link.connected


# -- the follower screen -------------------------------------------------------------------
class _FakeLink:
    """The screen's end of the local socket, fed by the test."""

    connected = True

    def __init__(self) -> None:
        self.waiting: list[dict] = []

    def receive(self) -> list[dict]:
        got, self.waiting = self.waiting, []
        return got

    def connect(self) -> bool:
        return True


def _follower(choice, link) -> tuple[FollowerScreen, list]:
    surface = pygame.Surface((640, 360))
    logged: list[str] = []
    screen = FollowerScreen(
        Display(lambda: [surface], Renderer()),
        link,
        lambda h: choice.program if h == choice.program.content_hash else None,
        screen_log=logged.append,
    )
    return screen, logged


def test_a_follower_screen_waits_then_changes_phase_at_the_leaders_moments(choice) -> None:
    link = _FakeLink()
    screen, logged = _follower(choice, link)
    screen.tick(0.0)
    assert logged == ["screen home: WAITING FOR THE LEADER"]
    leader = Session(choice.program, 10)
    leader.start(100.0)  # phase 0 at 110 on the leader's clock
    link.waiting.append(Feed(Link.FOLLOWING, Shared.of(leader, 100.0), None, SAME_CLOCK).as_dict())
    wake = screen.tick(100.5)
    assert logged[-1] == "screen get-ready: GET READY"
    first = choice.program.phases[0]
    while wake is not None and wake < 110.0 + first.duration_s + 0.5:
        wake = screen.tick(wake)
    phases = [line for line in logged if line.startswith("screen running")]
    assert phases[:2] == [
        f"screen running: {first.label}",
        f"screen running: {choice.program.phases[1].label}",
    ]


def test_a_follower_takes_a_command_at_its_moment_and_says_when_it_runs_alone(choice) -> None:
    link = _FakeLink()
    screen, _ = _follower(choice, link)
    leader = Session(choice.program, 0)
    leader.start(0.0)
    before = leader.timeline(0.0)
    pause = Timeline(0.0, 40.08, None, 40.08, 40.08, since=40.08)
    link.waiting.append(
        Feed(
            Link.FOLLOWING, Shared(choice.program.content_hash, 0, pause), before, SAME_CLOCK
        ).as_dict()
    )
    screen.tick(40.0)
    assert screen.session is not None and screen.session.state(40.0) is State.RUNNING
    wake = screen.tick(40.01)
    assert wake <= 40.08  # it wakes for the moment itself
    screen.tick(40.08)
    assert screen.session.state(40.08) is State.PAUSED
    link.waiting.append(
        Feed(
            Link.ALONE, Shared(choice.program.content_hash, 0, pause), before, SAME_CLOCK
        ).as_dict()
    )
    screen.tick(41.0)
    assert "leader not heard: running on alone" in screen.view(41.0).corner


def test_a_follower_without_the_leaders_program_says_so(choice) -> None:
    link = _FakeLink()
    screen, logged = _follower(choice, link)
    other = Shared("0" * 64, 10, Timeline(5.0))
    link.waiting.append(Feed(Link.FOLLOWING, other, None, SAME_CLOCK).as_dict())
    screen.tick(1.0)
    assert logged[-1] == "screen home: PROGRAM NOT ON THIS SCREEN"
