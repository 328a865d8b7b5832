"""``poolside link``, ``poolside pair`` and ``poolside follow``: one class on
several screens (docs/installing.md, "Several screens")."""

from __future__ import annotations

import argparse
import grp
import signal
import sys
from pathlib import Path

from poolside import import_pygame_quickly
from poolside.commands.common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    BadInput,
    add_language_option,
    config_for,
    screen_options,
)
from poolside.core import words
from poolside.link.local import default_socket
from poolside.link.pairing import fingerprint, pair, read_key

SERVICE_GROUP = "poolside"


def add_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    config_option: argparse.ArgumentParser,
) -> None:
    link = commands.add_parser(
        "link",
        parents=[config_option],
        help="carry the class between this Pi's screens and the pool's (a service)",
        description="The link service of screens: role (leader or follower), leader and "
        "port from the config's screens: section. Runs until stopped.",
    )
    link.add_argument("--socket", metavar="PATH", help="the screens' local socket")
    link.set_defaults(handler=_link)

    pairing = commands.add_parser(
        "pair",
        parents=[config_option],
        help="share the screens' pairing key through a USB stick",
        description="On the first Pi: makes a key and writes it to the stick. On each "
        "other: takes the stick's key. Never typed, shown only as a fingerprint.",
    )
    pairing.add_argument("stick", metavar="FOLDER", help="the mounted USB stick")
    pairing.add_argument(
        "--replace", action="store_true", help="take the stick's key over another one here"
    )
    pairing.set_defaults(handler=_pair)

    follow = commands.add_parser(
        "follow",
        parents=[config_option],
        help="show the leader's class on this screen",
        description="A follower screen: the class this Pi's link service hears, on the "
        "leader's clock; no buttons, no records.",
    )
    follow.add_argument("--socket", metavar="PATH", help="the link service's local socket")
    follow.add_argument("--headless", action="store_true", help="draw off-screen (tests)")
    follow.add_argument(
        "--events", metavar="FILE", help="each event as a JSON line with the wall time it was shown"
    )
    follow.add_argument(
        "--fullscreen", action="store_true", help="full screen on every connected display"
    )
    add_language_option(follow)
    screen_options(follow)
    follow.set_defaults(handler=_follow)


def _socket(args: argparse.Namespace) -> Path:
    return Path(args.socket) if args.socket else default_socket()


def _link(args: argparse.Namespace) -> int:
    from poolside.link.service import LinkService
    from poolside.notify import Notifier

    config = config_for(args)
    linked = config.linked
    if linked.role == "alone":
        raise BadInput(
            f"{config.source or 'the config'}: screens.role is alone: set leader or follower "
            "for this Pi to share its class (docs/installing.md, Several screens)"
        )
    key = read_key(config.link_key())
    leader = (linked.leader, linked.port) if linked.role == "follower" and linked.leader else None
    service = LinkService(linked.role, key, linked.port, _socket(args), leader)
    print(f"poolside link: key {fingerprint(key)}", file=sys.stderr)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        service.run(Notifier())
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        service.close()
    return EXIT_OK


def _pair(args: argparse.Namespace) -> int:
    config = config_for(args)
    here = config.link_key()
    done = pair(here, Path(args.stick), args.replace, _service_group())
    print(f"poolside pair: {done}: key {fingerprint(read_key(here))} in {here}")
    if config.linked.role == "alone":
        print("poolside pair: set screens.role (leader or follower) in the config to use it")
    return EXIT_OK


def _service_group() -> int | None:
    """The service's group, which must read the key (None: no such group here)."""
    try:
        return grp.getgrnam(SERVICE_GROUP).gr_gid
    except KeyError:
        return None


def _follow(args: argparse.Namespace) -> int:
    import_pygame_quickly()
    config = config_for(args)
    words.use(config.locale(args.language))
    from poolside.kiosk.follower_window import run_follower

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return run_follower(config, _socket(args), args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
