"""The guest's kernel: Debian's own source with gpio-sim, built once and cached.

Debian's packaged kernels build neither gpio-sim nor gpio-mockup, so a guest
booted on one has no GPIO chip and the buttons could only ever meet mock
pins. This builds ``linux-source-6.1`` (Debian's package of its kernel
source) with ``x86_64_defconfig``, ``kvm_guest.config`` and the fragment in
``kernel.config`` beside this file: everything built in, no modules, no
initrd. Each guest boots it, whichever Debian release its userland is.

The bzImage is cached in ``WORK/kernel`` under a key made of the fragment's
text and the source package's version, so it is rebuilt only when either
changes. ``python3 -m tests.appliance.kernel --work DIR`` builds it alone and
prints the seconds it took.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

SOURCE_PACKAGE = "linux-source-6.1"
TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")
FRAGMENT = Path(__file__).with_name("kernel.config")


def source_version() -> str:
    """The installed version of Debian's kernel source package."""
    return subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", SOURCE_PACKAGE],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def cache_key(fragment: str, version: str) -> str:
    return hashlib.sha256(f"{version}\n{fragment}".encode()).hexdigest()[:16]


def wanted_options(fragment: str) -> dict[str, str]:
    """``CONFIG_X`` -> value for every setting the fragment makes."""
    wanted = {}
    for line in fragment.splitlines():
        found = re.fullmatch(r"(CONFIG_\w+)=(\S+)", line.strip())
        if found:
            wanted[found[1]] = found[2]
    return wanted


def missing_options(config: str, wanted: dict[str, str]) -> list[str]:
    """Settings of the fragment that ``make olddefconfig`` did not keep
    (a dependency not met): each would be a guest quietly without it."""
    have = dict(re.findall(r"^(CONFIG_\w+)=(\S+)$", config, re.M))
    missing = []
    for option, value in wanted.items():
        if value == "n":
            if have.get(option, "n") != "n":
                missing.append(f"{option}=n (is {have[option]})")
        elif have.get(option) != value:
            missing.append(f"{option}={value} (is {have.get(option, 'not set')})")
    return missing


def build(work: Path, log: callable) -> Path:
    """The cached bzImage, built first if the fragment or the source changed."""
    fragment = FRAGMENT.read_text()
    version = source_version()
    key = cache_key(fragment, version)
    folder = work / "kernel"
    image = folder / f"bzImage-{key}"
    if image.exists():
        log(f"kernel: cached {image.name} (linux-source {version})")
        return image
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"src-{version}"
    t0 = time.monotonic()
    if not (source / "Makefile").exists():
        log(f"kernel: unpacking {TARBALL.name}")
        shutil.rmtree(source, ignore_errors=True)
        source.mkdir()
        _run(["tar", "-xf", str(TARBALL), "-C", str(source), "--strip-components=1"], folder)
    out = folder / f"build-{key}"
    shutil.rmtree(out, ignore_errors=True)
    make = ["make", "-C", str(source), f"O={out}", "-s"]
    _run([*make, "x86_64_defconfig", "kvm_guest.config"], folder)
    fragment_file = out / "poolside.config"
    fragment_file.write_text(fragment)
    _run(
        [str(source / "scripts/kconfig/merge_config.sh"), "-m", "-O", str(out),
         str(out / ".config"), str(fragment_file)],
        folder,
    )  # fmt: skip
    _run([*make, "olddefconfig"], folder)
    missing = missing_options((out / ".config").read_text(), wanted_options(fragment))
    if missing:
        raise SystemExit("kernel: the config did not keep " + ", ".join(missing))
    log(f"kernel: building linux-source {version} ({os.cpu_count()} jobs)")
    _run([*make, f"-j{os.cpu_count()}", "bzImage"], folder)
    seconds = time.monotonic() - t0
    shutil.copy(out / "arch/x86/boot/bzImage", image)
    (folder / f"build-{key}.seconds").write_text(f"{seconds:.0f}\n")
    shutil.rmtree(out)
    log(f"kernel: built {image.name} in {seconds:.0f} s")
    return image


def _run(command: list[str], folder: Path) -> None:
    with (folder / "build.log").open("a") as log:
        log.write(f"\n$ {' '.join(command)}\n")
        log.flush()
        result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        failed = f"{command[0]} failed ({result.returncode})"
        raise SystemExit(f"kernel: {failed}: see {folder}/build.log")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tests.appliance.kernel")
    parser.add_argument("--work", type=Path, default=Path("/var/tmp/poolside-appliance"))
    args = parser.parse_args()
    print(build(args.work.resolve(), lambda text: print(text, flush=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
