"""What ``poolside doctor`` says of several screens: the role, the pairing key,
and the link service as a screen sees it (the peers it hears, refusals)."""

from __future__ import annotations

import select
import time
from collections.abc import Iterator
from pathlib import Path

from poolside.config import Config
from poolside.core.follow import Link
from poolside.errors import CannotRun
from poolside.link.local import Feed, LocalLink, read_feed
from poolside.link.pairing import fingerprint, read_key

ASK_S = 2.0  # the service answers a screen at once; this long is "not answering"

Said = tuple[str, str, str]  # (OK / PROBLEM / NOTE, what, detail)


def screens_checks(config: Config, socket_path: Path) -> Iterator[Said]:
    linked = config.linked
    if linked.role == "alone":
        yield (
            "OK",
            "screens",
            "this Pi's screen only (screens: role: leader or follower to share)",
        )
        return
    where = f", leader {linked.leader}:{linked.port}" if linked.role == "follower" else ""
    yield ("OK", "screens", f"role {linked.role}, UDP port {linked.port}{where}")
    path = config.link_key()
    try:
        key = read_key(path)
    except CannotRun as err:
        yield ("PROBLEM", "pairing", str(err))
        return
    if path.stat().st_mode & 0o004:
        yield ("PROBLEM", "pairing", f"{path} is readable by everyone: chmod 0640 it")
    else:
        yield ("OK", "pairing", f"key {fingerprint(key)} (the same on every screen of this pool)")
    feed = ask(socket_path)
    if feed is None:
        yield (
            "PROBLEM",
            "link",
            f"no answer on {socket_path}: is poolside-link.service running? "
            "(systemctl status poolside-link)",
        )
        return
    yield _said(feed, linked.role)


def ask(socket_path: Path, wait_s: float = ASK_S) -> Feed | None:
    """The feed the link service gives a screen that connects, or None."""
    link = LocalLink(socket_path, "screen")
    try:
        if not link.connect():
            return None
        until = time.monotonic() + wait_s
        while (left := until - time.monotonic()) > 0:
            fd = link.fileno()
            if fd is None:
                return None
            select.select([fd], [], [], left)
            for message in link.receive():
                feed = read_feed(message)
                if feed is not None:
                    return feed
        return None
    finally:
        link.close()


def _said(feed: Feed, role: str) -> Said:
    refused = f"; {feed.refused} packet(s) refused" if feed.refused else ""
    if role == "leader":
        kiosk = {
            Link.WAITING: "the kiosk has not connected yet",
            Link.FOLLOWING: "the kiosk's class is shared",
            Link.ALONE: "the kiosk went away",
        }[feed.link]
        status = "OK" if feed.link is not Link.ALONE else "PROBLEM"
        return (
            status,
            "link",
            f"{feed.peers} follower(s) heard in the last 10 s; {kiosk}{refused}",
        )
    if feed.link is Link.FOLLOWING:
        trip = "" if feed.round_trip is None else f", round trip {feed.round_trip * 1000:.1f} ms"
        return ("OK", "link", f"following {feed.leader}{trip}{refused}")
    if feed.link is Link.ALONE:
        return ("PROBLEM", "link", f"{feed.leader} went quiet: running on alone{refused}")
    return (
        "PROBLEM",
        "link",
        f"no answer from {feed.leader}: is it on, a leader, and paired with this key?{refused}",
    )
