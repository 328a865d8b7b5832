"""Several screens, one time, on real sockets: a leader and three follower Pis in
network namespaces, through a relay that delays, drops, duplicates and reorders.

    sudo .venv/bin/python -m tests.benchmarks.follow_netns [--runs 3] [--seed 1]

Root only (it makes namespaces and a bridge, and removes them after). Each
Pi is a network namespace on a veth bridge (no real network). The followers
are set to follow the relay's address, so every packet between them and the
leader crosses the relay: 0.3 ms plus random jitter, 1 % spikes of 20 to
50 ms (which reorder), 5 % lost, 1 % duplicated (this kernel has no netem).
Each follower's monotonic clock is moved by hours or seconds (a time
namespace: ``unshare --time``); the wall clock, which time namespaces leave
alone, is the one ground truth all screens are compared on.

What runs is what a Pi runs: ``poolside link`` on every Pi, ``poolside
follow --headless`` for each follower's screen and for the leader's second
output, and the leader's own kiosk (the real :class:`~poolside.kiosk.state.Kiosk`
from the one builder, with its presses: pause, resume, NEXT, BACK) in a
small driver here. Every screen writes each event with the wall time it
acted on it.

The relay also plays the attacker, into each follower: packets sealed
without the key, genuine states played back (some seconds later, or at
once), and states from another leader run sealed with the key. It counts
which genuine states a follower should act on (new, in order, after its
first answer); a follower that acted on more acted on something hostile.
For 65 s in the middle it drops everything: the followers run alone, must
say so, and must rejoin within 2 s once it passes packets again.

Reported: the skew between the first and the last of the five screens at
each cue (phase changes, countdown and finish: the light fires on each),
p50/p99/max, during the link and while alone; the rejoin times; hostile
packets sent and acted on. Rate differences between crystals cannot be made
here (a time namespace moves a clock, it does not speed it up):
tests/benchmarks/follow_skew.py simulates those.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import os
import queue
import random
import secrets
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

NAMESPACES = {"psl": "10.77.0.1", "psr": "10.77.0.2", "psf1": "10.77.0.11"}
NAMESPACES |= {"psf2": "10.77.0.12", "psf3": "10.77.0.13"}
FOLLOWERS = ("psf1", "psf2", "psf3")
CLOCK_OFFSETS = {"psf1": 9000, "psf2": 120, "psf3": 3600}  # s added to each monotonic clock
BRIDGE = "psbr0"
PORT = 47474
PHASES, PHASE_S, GET_READY_S = 40, 4, 5
PRESSES = ((30.0, "toggle"), (36.0, "toggle"), (50.0, "next"), (55.0, "back"))
PRESSES += ((131.0, "next"), (140.0, "toggle"), (142.0, "toggle"))
BLACKOUT = (62.0, 127.0)  # seconds after the start: the relay passes nothing
LOSS, DUPLICATE, SPIKE = 0.05, 0.01, 0.01
HOSTILE_PER_S = 25  # into each follower
CUES = ("phase", "countdown", "finish")
MATCH_S = 1.0  # a screen's cue further than this from the leader's is not the same one
WAIT_S = 60.0  # for a process's signal line: generous, it is not a guess at a start time


# -- the network ---------------------------------------------------------------------
def _sh(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


def network_up() -> None:
    network_down()
    _sh("ip", "link", "add", BRIDGE, "type", "bridge")
    _sh("ip", "link", "set", BRIDGE, "up")
    for ns, address in NAMESPACES.items():
        _sh("ip", "netns", "add", ns)
        _sh("ip", "link", "add", f"v{ns}", "type", "veth", "peer", "name", "eth0", "netns", ns)
        _sh("ip", "link", "set", f"v{ns}", "master", BRIDGE, "up")
        _sh("ip", "-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
        _sh("ip", "-n", ns, "link", "set", "eth0", "up")
        _sh("ip", "-n", ns, "link", "set", "lo", "up")


def network_down() -> None:
    for ns in NAMESPACES:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    subprocess.run(["ip", "link", "del", BRIDGE], capture_output=True)


# -- the relay (runs in psr) -------------------------------------------------------------
@dataclass
class _Towards:
    """What the relay knows of one follower: what it should have acted on."""

    fresh: bool = False  # a genuine answer to its ping has reached it
    newest: int = 0  # the newest genuine state's number delivered to it
    expected: int = 0  # genuine states it should act on
    hostile: int = 0
    delivered: list[bytes] = field(default_factory=list)  # genuine states, for replays


def relay(args: argparse.Namespace) -> None:
    from poolside.core.follow import Leader, Shared
    from poolside.core.link import MAC_BYTES, MAGIC, seal

    key = Path(args.key).read_bytes()
    rng = random.Random(args.seed)
    leader = (NAMESPACES["psl"], PORT)
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(("0.0.0.0", PORT))
    upstream: dict[tuple[str, int], socket.socket] = {}  # follower -> its socket to the leader
    back: dict[int, tuple[str, int]] = {}  # that socket's fd -> the follower
    due: list[tuple[float, int, socket.socket, bytes, tuple[str, int], bool]] = []
    order = itertools.count()
    towards: dict[tuple[str, int], _Towards] = {}
    blackout = threading.Event()
    done = threading.Event()
    stranger = Leader(key)  # another leader run with the pool's key
    genuine_epoch: list[str] = []
    counts = {"forwarded": 0, "lost": 0, "duplicated": 0, "blacked_out": 0}
    signal.signal(signal.SIGUSR1, lambda *_: blackout.set())
    signal.signal(signal.SIGUSR2, lambda *_: blackout.clear())
    signal.signal(signal.SIGTERM, lambda *_: done.set())

    def body(data: bytes) -> dict[str, Any] | None:
        try:
            message = json.loads(data[len(MAGIC) + MAC_BYTES :])
        except ValueError:
            return None
        return message if isinstance(message, dict) else None

    def send_later(
        sock: socket.socket, data: bytes, to: tuple[str, int], lossy: bool, hostile: bool = False
    ) -> None:
        if blackout.is_set():
            counts["blacked_out"] += 1
            return
        if lossy and rng.random() < LOSS:
            counts["lost"] += 1
            return
        copies = 2 if lossy and rng.random() < DUPLICATE else 1
        counts["duplicated"] += copies - 1
        for _ in range(copies):
            delay = 0.0003 + rng.expovariate(1 / 0.0002)
            if rng.random() < SPIKE:
                delay += rng.uniform(0.02, 0.05)
            heapq.heappush(due, (time.monotonic() + delay, next(order), sock, data, to, hostile))

    def deliver(sock: socket.socket, data: bytes, to: tuple[str, int], hostile: bool) -> None:
        follower = None if hostile else towards.get(to)
        message = body(data) if follower is not None else None
        if follower is not None and message is not None and sock is front:
            genuine = bool(genuine_epoch) and message.get("epoch") == genuine_epoch[0]
            if message.get("kind") == "pong" and genuine:
                follower.fresh = True
            elif message.get("kind") == "state" and genuine and data in follower.delivered:
                pass  # a genuine copy already delivered: refused
            elif message.get("kind") == "state" and genuine:
                if follower.fresh and message["seq"] > follower.newest:
                    follower.expected += 1
                    follower.newest = message["seq"]
                follower.delivered = [*follower.delivered[-200:], data]
        sock.sendto(data, to)
        counts["forwarded"] += 1

    def hostile(to: tuple[str, int], follower: _Towards) -> None:
        kind = rng.choice(("forged", "replay-old", "replay-now", "other-run"))
        if kind.startswith("replay") and not follower.delivered:
            kind = "forged"
        if kind == "replay-old":
            data = follower.delivered[max(0, len(follower.delivered) - rng.randint(3, 40))]
        elif kind == "replay-now":
            data = follower.delivered[-1]
        else:
            base = body(follower.delivered[-1]) if follower.delivered else None
            timeline_shift = rng.uniform(-30, 30)
            shared = Shared.from_dict(base) if base else None
            message = {"kind": "state", "epoch": genuine_epoch[0] if genuine_epoch else "x"}
            message |= {"seq": 10**9, "sent": time.monotonic()}
            if shared is not None:
                timeline = shared.timeline
                if timeline.origin is not None:
                    timeline = replace(timeline, origin=timeline.origin + timeline_shift)
                message |= replace(shared, timeline=timeline).as_dict()
            if kind == "forged":
                data = seal(secrets.token_bytes(32), message)
            else:
                data = stranger.share(shared, time.monotonic()) if shared else seal(key, message)
        follower.hostile += 1
        send_later(front, data, to, lossy=False, hostile=True)

    next_hostile = time.monotonic() + 1.0
    while not done.is_set():
        now = time.monotonic()
        timeout = min([next_hostile, *(d[0] for d in due[:1])]) - now
        socks = [front, *upstream.values()]
        try:
            readable, _, _ = select.select(socks, [], [], max(0.0, timeout))
        except InterruptedError:
            continue
        for sock in readable:
            data, source = sock.recvfrom(4096)
            if sock is front:  # a follower's ping: on to the leader from its own socket
                if source not in upstream:
                    upstream[source] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    back[upstream[source].fileno()] = source
                    towards[source] = _Towards()
                send_later(upstream[source], data, leader, lossy=True)
            else:  # the leader's answer or state: back to that follower from the front
                message = body(data)
                if message is not None and not genuine_epoch and "epoch" in message:
                    genuine_epoch.append(message["epoch"])
                send_later(front, data, back[sock.fileno()], lossy=True)
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, sock, data, to, hostile_one = heapq.heappop(due)
            deliver(sock, data, to, hostile_one)
        if now >= next_hostile:
            next_hostile = now + 1 / HOSTILE_PER_S
            if not blackout.is_set():
                for to, follower in towards.items():
                    hostile(to, follower)
    report = {
        **counts,
        "followers": {
            f"{to[0]}:{to[1]}": {"expected": f.expected, "hostile": f.hostile}
            for to, f in towards.items()
        },
    }
    Path(args.report).write_text(json.dumps(report))


# -- the leader's kiosk (runs in psl) --------------------------------------------------------
def leader(args: argparse.Namespace) -> None:
    import pygame

    from poolside.core.engine import State
    from poolside.core.presses import earliest
    from poolside.core.program import load_program
    from poolside.devices.screen import Renderer
    from poolside.kiosk.build import build_kiosk
    from poolside.kiosk.follower_window import stamped_lines
    from poolside.kiosk.state import Display, Surroundings
    from poolside.link.local import LocalLink
    from poolside.selection import Choice

    pygame.font.init()
    surface = pygame.Surface((640, 360))
    events = open(args.events, "w", encoding="utf-8")  # noqa: SIM115
    kiosk = build_kiosk(
        Display(lambda: [surface], Renderer()),
        Choice(load_program(args.program)),
        GET_READY_S,
        outside=Surroundings(followers=LocalLink(Path(args.socket), "leader")),
        observers=[stamped_lines(events)],
        keep_going=False,
    )
    kiosk.tick(time.monotonic())
    print("home", flush=True)
    wake = None
    while sys.stdin.readline().strip() != "go":  # the class starts once every screen is up
        pass
    started = time.monotonic()
    kiosk.act("toggle", started)
    print(f"started {time.time()}", flush=True)
    presses = [(started + at, action) for at, action in PRESSES]
    while True:
        now = time.monotonic()
        while presses and presses[0][0] <= now:
            kiosk.act(presses.pop(0)[1], now)
        wake = kiosk.tick(now)
        if kiosk.state(now) in (State.FINISHED, State.STOPPED):
            break
        until = earliest([wake, presses[0][0] if presses else None, now + 1.0])
        assert until is not None
        time.sleep(max(0.0, until - time.monotonic()))
    time.sleep(3.0)  # the plain state after the end, out to the followers
    print("done", flush=True)


# -- the run ------------------------------------------------------------------------------
class _Process:
    """A child, its stderr (or stdout) lines read as they come."""

    def __init__(self, command: list[str], name: str, stdin: bool = False) -> None:
        self.name = name
        self.lines: queue.Queue[str] = queue.Queue()
        self.said: list[str] = []  # every line, for the report of a run that went wrong
        self.child = subprocess.Popen(
            command,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.child.stdout is not None
        for line in self.child.stdout:
            self.said.append(line.rstrip("\n"))
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, words: str, wait_s: float = WAIT_S) -> str:
        until = time.monotonic() + wait_s
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, until - time.monotonic()))
            except queue.Empty:
                said = "\n  ".join(self.said[-20:])
                raise SystemExit(
                    f"{self.name}: no '{words}' in {wait_s:.0f} s:\n  {said}"
                ) from None
            if words in line:
                return line

    def say(self, line: str) -> None:
        assert self.child.stdin is not None
        self.child.stdin.write(line + "\n")
        self.child.stdin.flush()

    def stop(self) -> None:
        if self.child.poll() is None:
            os.killpg(self.child.pid, signal.SIGTERM)
        try:
            self.child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.child.pid, signal.SIGKILL)


def _program(folder: Path) -> Path:
    kinds = [("work", "WORK"), ("rest", "REST")]
    phases = [
        {"kind": kinds[i % 2][0], "label": f"{kinds[i % 2][1]} {i + 1}", "duration": PHASE_S}
        for i in range(PHASES)
    ]
    path = folder / "bench.yaml"
    path.write_text(json.dumps({"name": "bench", "title": "Bench", "phases": phases}))
    return path


def one_run(folder: Path, seed: int) -> dict[str, Any]:
    from poolside.link.checks import ask

    poolside = [sys.executable, "-m", "poolside"]
    key = folder / "link.key"
    key.write_bytes(secrets.token_bytes(32))
    program = _program(folder)
    env_dirs: dict[str, Path] = {}
    for pi in ("psl", *FOLLOWERS):
        (folder / pi).mkdir()
        env_dirs[pi] = folder / pi
        config = {"screens": {"role": "leader" if pi == "psl" else "follower", "port": PORT}}
        if pi != "psl":
            config["screens"]["leader"] = NAMESPACES["psr"]
        config["screens"]["key"] = str(key)
        (folder / pi / "config.yaml").write_text(json.dumps(config))
        (folder / pi / program.name).write_text(program.read_text())  # each Pi has the program
    processes: list[_Process] = []

    def start(ns: str, command: list[str], name: str, stdin: bool = False) -> _Process:
        offset = CLOCK_OFFSETS.get(ns)
        timens = ["unshare", "--time", f"--monotonic={offset}", "--fork", "--"] if offset else []
        process = _Process(["ip", "netns", "exec", ns, *timens, *command], name, stdin)
        processes.append(process)
        return process

    report = folder / "relay.json"
    try:
        relay_process = start(
            "psr",
            [
                sys.executable,
                "-m",
                "tests.benchmarks.follow_netns",
                "relay",
                "--key",
                str(key),
                "--seed",
                str(seed),
                "--report",
                str(report),
            ],
            "relay",
        )
        screens: dict[str, _Process] = {}
        for pi in ("psl", *FOLLOWERS):
            config, sock = str(folder / pi / "config.yaml"), str(folder / pi / "link.sock")
            start(pi, [*poolside, "link", "--config", config, "--socket", sock], f"link {pi}")
            processes[-1].wait_for("ready:")
            name = "psl2" if pi == "psl" else pi
            screens[name] = start(
                pi,
                [
                    *poolside,
                    "follow",
                    "--headless",
                    "--config",
                    config,
                    "--socket",
                    sock,
                    "--events",
                    str(folder / f"{name}.events"),
                    "--size",
                    "320x180",
                ],
                f"screen {name}",
            )
        kiosk = start(
            "psl",
            [
                sys.executable,
                "-m",
                "tests.benchmarks.follow_netns",
                "leader",
                "--program",
                str(program),
                "--socket",
                str(folder / "psl" / "link.sock"),
                "--events",
                str(folder / "psl.events"),
            ],
            "leader kiosk",
            stdin=True,
        )
        kiosk.wait_for("home")
        for screen in screens.values():
            screen.wait_for("screen home: Bench")  # each shows the leader's class waiting
        kiosk.say("go")
        started_wall = float(kiosk.wait_for("started").split()[1])
        links = _watch_links(folder, started_wall, relay_process)
        kiosk.wait_for("done", wait_s=PHASES * PHASE_S + 120)
        for screen in screens.values():
            screen.wait_for("screen finished", wait_s=30)
        feeds = {pi: ask(folder / pi / "link.sock") for pi in FOLLOWERS}
        links.join()
        relay_process.stop()
    finally:
        for process in reversed(processes):
            process.stop()
            name = process.name.replace(" ", "-")
            (folder / f"{name}.log").write_text("\n".join(process.said) + "\n")
    relayed = json.loads(report.read_text())
    events = {name: _events(folder / f"{name}.events") for name in ("psl", "psl2", *FOLLOWERS)}
    return {
        "events": events,
        "relay": relayed,
        "feeds": {
            pi: None if f is None else {"acted": f.acted, "refused": f.refused}
            for pi, f in feeds.items()
        },
        "links": links.seen,
        "started": started_wall,
    }


class _watch_links(threading.Thread):
    """Blacks out the relay for BLACKOUT, and notes each follower's link word as it
    changes (asked ten times a second through its screen socket)."""

    def __init__(self, folder: Path, started: float, relay_process: _Process) -> None:
        super().__init__(daemon=True)
        self.folder, self.started, self.relay = folder, started, relay_process
        self.seen: dict[str, list[tuple[float, str]]] = {pi: [] for pi in FOLLOWERS}
        self.start()

    def run(self) -> None:
        from poolside.link.checks import ask

        begin, end = (self.started + s for s in BLACKOUT)
        blacked = restored = False
        while time.time() < end + 10:
            if not blacked and time.time() >= begin:
                os.kill(self.relay.child.pid, signal.SIGUSR1)
                blacked = True
            if not restored and time.time() >= end:
                os.kill(self.relay.child.pid, signal.SIGUSR2)
                restored = True
            for pi in FOLLOWERS:
                feed = ask(self.folder / pi / "link.sock", wait_s=0.5)
                word = "none" if feed is None else str(feed.link)
                if not self.seen[pi] or self.seen[pi][-1][1] != word:
                    self.seen[pi].append((time.time() - self.started, word))
            time.sleep(0.1)


def _events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def skews(events: dict[str, list[dict[str, Any]]], started: float) -> dict[str, Any]:
    """Each cue of the leader's own screen, matched on every other screen with the same
    cue nearest in wall time (within MATCH_S): the spread of the five screens' wall
    times ("shown"), and of the moments each screen meant it for ("meant": its wall
    time less how late its own process took it up, which is the host's scheduling of
    five screens on its cores, not the clocks or the link)."""
    by_cue: dict[str, dict[tuple[Any, ...], list[tuple[float, float]]]] = {}
    for screen, lines in events.items():
        cues = by_cue.setdefault(screen, {})
        for line in lines:
            if line["type"] in CUES:
                cue = (line["type"], line.get("index"), line.get("count"))
                cues.setdefault(cue, []).append((line["wall"], line.get("late", 0.0)))
    found: dict[str, list[float]] = {"linked": [], "alone": [], "meant": [], "late": []}
    missing = 0
    for cue, stamps in by_cue["psl"].items():
        for wall, late in stamps:
            matched = [(wall, late)]
            for screen, cues in by_cue.items():
                if screen == "psl":
                    continue
                near = min(cues.get(cue, []), key=lambda w: abs(w[0] - wall), default=None)
                if near is not None and abs(near[0] - wall) <= MATCH_S:
                    matched.append(near)
            if len(matched) < len(events):
                missing += 1
                continue
            shown = [w for w, _ in matched]
            meant = [w - lateness for w, lateness in matched]
            spread = (max(shown) - min(shown)) * 1000
            at = wall - started
            alone = BLACKOUT[0] + 3 <= at <= BLACKOUT[1]
            found["alone" if alone else "linked"].append(spread)
            if not alone:
                found["meant"].append((max(meant) - min(meant)) * 1000)
            found["late"] += [lateness * 1000 for _, lateness in matched]
    return {**{k: sorted(v) for k, v in found.items()}, "partial": missing}


def _quantiles(values: list[float]) -> str:
    if not values:
        return "none"
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    return f"{pick(0.5):.2f} / {pick(0.99):.2f} / {values[-1]:.2f} ms (n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="part")
    relay_part = commands.add_parser("relay")
    relay_part.add_argument("--key", required=True)
    relay_part.add_argument("--seed", type=int, default=1)
    relay_part.add_argument("--report", required=True)
    leader_part = commands.add_parser("leader")
    leader_part.add_argument("--program", required=True)
    leader_part.add_argument("--socket", required=True)
    leader_part.add_argument("--events", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", metavar="DIR", help="keep each run's files (events, logs) here")
    args = parser.parse_args()
    if args.part == "relay":
        return relay(args)
    if args.part == "leader":
        return leader(args)
    if os.geteuid() != 0:
        raise SystemExit("network namespaces need root: sudo .venv/bin/python -m ...")
    linked: list[float] = []
    alone: list[float] = []
    meant: list[float] = []
    late: list[float] = []
    hostile = acted_hostile = partial = 0
    rejoins: list[float] = []
    for run in range(args.runs):
        network_up()
        try:
            with tempfile.TemporaryDirectory() as scratch:
                folder = Path(args.keep or scratch) / f"run{run + 1}"
                folder.mkdir(parents=True)
                result = one_run(folder, args.seed + run)
        finally:
            network_down()
        spread = skews(result["events"], result["started"])
        linked += spread["linked"]
        alone += spread["alone"]
        meant += spread["meant"]
        late += spread["late"]
        partial += spread["partial"]
        relayed = result["relay"]
        for pi, feed in result["feeds"].items():
            ours = next(v for k, v in relayed["followers"].items() if k.startswith(NAMESPACES[pi]))
            hostile += ours["hostile"]
            acted = (feed or {"acted": 0})["acted"]
            acted_hostile += max(0, acted - ours["expected"])
            print(
                f"  {pi}: acted on {acted} states, {ours['expected']} genuine ones new and "
                f"in order; {ours['hostile']} hostile sent",
                flush=True,
            )
            words = result["links"][pi]
            back = [t for t, w in words if w == "following" and t > BLACKOUT[1]]
            said_alone = any(w == "alone" and BLACKOUT[0] < t < BLACKOUT[1] for t, w in words)
            rejoins.append(back[0] - BLACKOUT[1] if back and said_alone else float("inf"))
        print(
            f"run {run + 1}: linked {_quantiles(spread['linked'])}; "
            f"alone {_quantiles(spread['alone'])}; relay {relayed['lost']} lost, "
            f"{relayed['duplicated']} duplicated; links {result['links']}",
            flush=True,
        )
    for figures in (linked, alone, meant, late):
        figures.sort()
    print(f"cue skew across 5 screens, linked (p50 / p99 / max): {_quantiles(linked)}")
    print(
        f"cue skew while the followers ran alone ({BLACKOUT[1] - BLACKOUT[0]:.0f} s): "
        f"{_quantiles(alone)}"
    )
    print(f"the moments the screens meant, linked (p50 / p99 / max): {_quantiles(meant)}")
    print(f"how late each screen's process took a cue up: {_quantiles(late)}")
    print(f"cues not seen by every screen: {partial}")
    print(f"rejoin after the relay passed packets again: worst {max(rejoins):.2f} s")
    print(f"hostile packets into the followers: {hostile}, acted on: {acted_hostile}")


if __name__ == "__main__":
    main()
