"""``poolside sync``, ``export``, ``stick`` and ``doctor``: attendance leaving the Pi, and
the Pi checked.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from poolside.commands.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    BadInput,
    add_data_option,
    config_for,
    counted,
    day,
    event_name,
    positive,
)
from poolside.config import data_dir
from poolside.core import calendar


def add_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    config_option: argparse.ArgumentParser,
) -> None:
    doctor = commands.add_parser(
        "doctor",
        parents=[config_option],
        help="check the installation and the hardware",
        description="Check config, programs, GPIO pin factory, each button (press it), the "
        "buzzer and speaker (listen), the display's SDL driver, the data folder and the clock. "
        "Exit 1 if there is any PROBLEM.",
    )
    doctor.add_argument(
        "--non-interactive", action="store_true", help="no button presses asked for, no waiting"
    )
    add_data_option(doctor)
    doctor.set_defaults(handler=_doctor)
    sync = commands.add_parser(
        "sync",
        parents=[config_option],
        help="copy the outbox's batches to a USB stick, a folder or an rsync host",
        description="Copy every batch not yet verified at DEST: a folder (batches land in "
        "DEST/<device>/), or host:path, user@host:path or rsync://host/module/path via rsync. "
        "Repeating it changes nothing; an interrupted one resumes. Exit 1 with one line if "
        "the destination fails.",
    )
    sync.add_argument("--to", metavar="DEST", help="destination (default: sync.to in the config)")
    sync.add_argument("--rsync", action="store_true", help="use rsync for a local folder too")
    sync.add_argument(
        "--stick",
        action="store_true",
        help="DEST is a USB stick's mount point: refuse it unless a FAT32 or exFAT file "
        "system is mounted there (always so below /run/poolside-usb)",
    )
    add_data_option(sync)
    sync.set_defaults(handler=_sync)
    stick = commands.add_parser(
        "stick",
        help="mount or unmount a USB stick for poolside-usb-sync@.service (as root)",
        description="Mount /dev/NAME (FAT32 or exFAT, type from blkid) at "
        "/run/poolside-usb/NAME for the poolside user, or unmount it. The USB-stick unit "
        "runs this around 'poolside sync'.",
    )
    stick.add_argument("action", choices=("mount", "unmount"))
    stick.add_argument("name", metavar="NAME", help="kernel name of the partition, e.g. sda1")
    stick.add_argument("--owner", default="poolside", help="user the files belong to")
    stick.set_defaults(handler=_stick)
    export = commands.add_parser(
        "export",
        parents=[config_option],
        help="adherence reports from collected batches (on the coordinator's computer)",
        description="Read every *.jsonl batch below each SOURCE, verify sidecars, "
        "de-duplicate by id, and write sessions.csv, participants.csv, weekly.csv, "
        "redcap.csv, report.html and problems.txt into --out.",
    )
    export.add_argument("sources", nargs="+", metavar="SOURCE")
    export.add_argument("--out", required=True, metavar="DIR")
    export.add_argument(
        "--start",
        type=day,
        metavar="YYYY-MM-DD",
        help="week 1's first day (default: program_start in the config, else the Monday "
        "of the earliest session)",
    )
    export.add_argument("--weeks", type=counted(calendar.MAX_WEEKS), default=24, metavar="N")
    export.add_argument("--per-week", type=counted(calendar.MAX_PER_WEEK), default=3, metavar="N")
    export.add_argument("--threshold", type=positive, default=75.0, metavar="PCT")
    export.add_argument(
        "--tz", metavar="ZONE", help="time zone for calendar days (default: this computer's)"
    )
    export.add_argument("--roster", metavar="FILE", help="roster CSV: members with no sessions too")
    export.add_argument(
        "--as-of",
        type=day,
        metavar="YYYY-MM-DD",
        help="weeks after this day are not counted as missed (default: today)",
    )
    export.add_argument(
        "--closures",
        metavar="FILE",
        help="CSV date,device,reason: pool closures and cancelled classes (not missed)",
    )
    export.add_argument(
        "--excused",
        metavar="FILE",
        help="CSV participant,date,reason: absences the study team excuses (not missed)",
    )
    export.add_argument(
        "--redcap-event",
        type=event_name,
        metavar="NAME",
        help="a longitudinal REDCap project's unique event name, written as "
        "redcap_event_name in every row of redcap.csv",
    )
    export.set_defaults(handler=_export)


def _doctor(args: argparse.Namespace) -> int:
    from poolside.doctor import run_checks
    from poolside.service import read_state

    checks = run_checks(
        args.config, args.data, interactive=not args.non_interactive, service=read_state()
    )
    problems = sum(1 for check in checks if check.status == "PROBLEM")
    print(f"{problems} problem(s)" if problems else "all good")
    return EXIT_BAD_INPUT if problems else EXIT_OK


def _sync(args: argparse.Namespace) -> int:
    from poolside.records.sync import SyncError, sync
    from poolside.stick import MOUNT_ROOT, StickError, check_mounted_stick

    dest = args.to or config_for(args).sync.to
    if not dest:
        raise BadInput("no destination: give --to DEST or set sync: to: in config.yaml")
    try:
        if args.stick or Path(os.path.abspath(dest)).is_relative_to(MOUNT_ROOT):
            check_mounted_stick(Path(dest))
    except StickError as err:
        print(f"poolside sync: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        result = sync(data_dir(args.data), dest, use_rsync=args.rsync)
    except SyncError as err:
        print(f"poolside sync: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"synced {len(result.copied)} batch(es) to {dest}; nothing waiting for it now")
    return EXIT_OK


def _stick(args: argparse.Namespace) -> int:
    from poolside.stick import StickError, mount, unmount

    try:
        if args.action == "mount":
            print(f"mounted /dev/{args.name} at {mount(args.name, args.owner)}")
        else:
            unmount(args.name)
            print(f"unmounted /dev/{args.name}")
    except StickError as err:
        raise BadInput(f"stick: {err}") from None
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from poolside.records.export import ExportError, export
    from poolside.records.figures import Settings

    try:
        zone = ZoneInfo(args.tz) if args.tz else None
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"unknown time zone {args.tz!r} (e.g. Europe/London)") from None
    start, said = args.start, "from --start"
    if start is None:
        start, said = config_for(args).program_start, "program_start in the config"
    settings = Settings(
        start=start,
        start_from=said,
        weeks=args.weeks,
        per_week=args.per_week,
        threshold=args.threshold,
        zone=zone,
        as_of=args.as_of or date.today(),
        closures=args.closures,
        excused=args.excused,
        redcap_event=args.redcap_event,
    )
    try:
        summary = export([Path(s) for s in args.sources], Path(args.out), settings, args.roster)
    except ExportError as err:
        raise BadInput(f"export: {err}") from None
    print(summary)
    return EXIT_OK
