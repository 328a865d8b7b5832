"""``python3 -m tests.appliance [--work DIR] [--suite S]``: poolside as installed and booted.

For each Debian release (12 bookworm and 13 trixie, the base of today's
Raspberry Pi OS) it builds an image by the README's Pi steps (``image.py``),
boots it in QEMU on a kernel with gpio-sim (``kernel.py``), with a KMS
display and no desktop (``vm.py``), checks each behaviour (``checks.py``;
the link and a follower in ``screens_checks.py``, a second screen on the
second output in ``outputs_checks.py``) and prints PASS / FAIL per check,
then a closing line ``N passed, N failed`` over all releases. Exit status 1 if any check FAILed.

``--suite trixie-arm64`` is the same on arm64, the Pi's instruction set:
Debian 13's arm64 userland, its chroot steps run by qemu-user and booted on
QEMU's "virt" board with a Cortex-A72 and a virtio GPU (install, READY with
pixels, a class by keys, a power cut, two outputs). It is not in the default run: the
first time (its debootstrap under qemu-user) it takes about as long as both
x86_64 releases together (docs/developing.md, "The appliance test").

Needs root and: debootstrap, qemu-system-x86, dosfstools, exfatprogs,
fdisk, e2fsprogs, and Debian's linux-source-6.1 with the kernel's build
tools (``.ci/run`` installs them); for arm64 also qemu-system-arm and
qemu-user-static. The kernel and each release's debootstrap base are cached
in WORK between runs; delete them to start from nothing.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import shutil
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

from . import checks, image, kernel, outputs_checks, screens_checks
from .vm import Guest

REPO = Path(__file__).resolve().parents[2]
# A run that prints nothing for this long is stuck somewhere: every thread's
# stack goes to stderr (the log CI prints), again each time it stays quiet.
QUIET_S = 600


class OutOfTime(Exception):
    """SIGTERM (``timeout`` in .ci/run): stop, power the guest off, report."""


def _stop_on_sigterm() -> None:
    def handler(signum: int, frame: object) -> None:
        faulthandler.dump_traceback(all_threads=True)
        raise OutOfTime

    signal.signal(signal.SIGTERM, handler)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tests.appliance")
    parser.add_argument("--work", type=Path, default=Path("/var/tmp/poolside-appliance"))
    parser.add_argument(
        "--suite",
        action="append",
        choices=sorted(image.SUITES),
        help="a Debian release to test (again for more; default: bookworm and trixie)",
    )
    parser.add_argument("--reuse-image", action="store_true", help="boot the last images again")
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    transcript = (work / "transcript.txt").open("w")

    def say(text: str) -> None:
        line = f"[{time.monotonic() - t0:6.0f} s] {text}"
        print(line, flush=True)
        transcript.write(line + "\n")
        transcript.flush()
        faulthandler.dump_traceback_later(QUIET_S, repeat=True)

    results = checks.Results(say)
    _stop_on_sigterm()
    try:
        bzimage = kernel.build(work, say)
        for suite in args.suite or list(image.DEFAULT_SUITES):
            results.prefix = f"{suite}/"
            say(f"== {image.SUITES[suite]} ({suite})")
            suite_t0 = time.monotonic()
            try:
                _one_suite(suite, work / suite, bzimage, args, results, transcript, say)
            except (OSError, RuntimeError, subprocess.SubprocessError):
                traceback.print_exc()  # the harness failed this release, not a check
                results.record("harness", False, f"stopped: {sys.exc_info()[1]!r}")
            say(f"== {suite}: {time.monotonic() - suite_t0:.0f} s")
    except OutOfTime:
        results.record("in-time", False, "stopped by SIGTERM: the stacks above show where")
    faulthandler.cancel_dump_traceback_later()
    return _finish(results, work, say)


def _one_suite(
    suite: str, work: Path, bzimage: Path, args, results: checks.Results, transcript, say
) -> None:
    work.mkdir(parents=True, exist_ok=True)
    _, arch = image.release(suite)
    if args.reuse_image and (work / "disk.img").exists():
        own = (work / "vmlinuz", work / "initrd.img") if arch == "arm64" else (None, None)
        built = image.Image(work / "disk.img", [], work, *own)
    else:
        built = image.build(REPO, work, suite, say)
        failed = [step for step in built.steps if step[1] != 0]
        results.record(
            "readme-install",
            not failed,
            "; ".join(f"`{cmd}` exit {rc} in {secs:.0f} s" for cmd, rc, secs in built.steps),
        )
        if failed:
            return
    run = work / "run"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir()
    disk = run / "disk.img"
    subprocess.run(["cp", "--sparse=always", str(built.disk), str(disk)], check=True)
    guest = Guest(run, lambda text: (transcript.write(text + "\n"), transcript.flush()))
    try:
        guest.boot(disk, built.kernel or bzimage, built.initrd, arch)
        if arch == "amd64":
            checks.run_all(guest, work, results, checks.make_sticks(run))
            if checks._booted_ok(results):
                screens_checks.several_screens(guest, results)
        else:
            checks.run_arm64(guest, results)
        guest.sh("systemctl poweroff", timeout=30, quiet=True)
        if guest.proc is not None:
            guest.proc.wait(120)
    finally:
        guest.quit()
    if checks._booted_ok(results):  # the same disk, booted with a screen on each output
        outputs_checks.two_outputs(
            disk,
            built.kernel or bzimage,
            built.initrd,
            arch,
            run / "two-screens",
            results,
            guest.say,
        )
    _copy_screens(disk, work / "screens")


def _copy_screens(disk: Path, folder: Path) -> None:
    """The frames the guest saved, read from its disk after it powered off."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    subprocess.run(
        ["debugfs", "-R", f"rdump /root/screens {folder}", str(disk)],
        capture_output=True,
        check=False,
    )


def _finish(results: checks.Results, work: Path, say) -> int:
    (work / "results.json").write_text(json.dumps(results.rows, indent=2))
    passed = sum(row["result"] == "PASS" for row in results.rows)
    say("summary:")
    for row in results.rows:
        say(f"  {row['result']:5} {row['check']}: {row['detail']}")
    print(f"{passed} passed, {len(results.failed)} failed", flush=True)
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
