"""``poolside doctor``: is this Pi ready for a class?

One line per check, for the person setting up the Pi: ``OK`` (fine),
``PROBLEM`` (fix it, with what to do) or ``NOTE`` (fine here, worth knowing,
such as no GPIO on a laptop). Exit status 1 when there is any PROBLEM.
Interactive by default: it asks for each button to be pressed and plays the
buzzer and speaker; ``--non-interactive`` does what needs no person.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from poolside.config import Config, data_dir, find_config, load_config
from poolside.core import catalog
from poolside.core.cues import duration, pattern
from poolside.core.lights import Lamp
from poolside.core.plan import load_plan
from poolside.core.yamlfile import FileProblems
from poolside.devices.buttons import make_button
from poolside.devices.light import open_light
from poolside.devices.music import tracks
from poolside.devices.outputs import describe, match_renderer
from poolside.devices.pins import lgpio_folder, line_users
from poolside.devices.screen import INVISIBLE_DRIVERS
from poolside.devices.sound import CuePlayer, Speaker, open_buzzer
from poolside.devices.voice import Voice
from poolside.hardware import configured_pins
from poolside.link.checks import screens_checks
from poolside.link.local import default_socket
from poolside.records.store import SYNCED_FLAG
from poolside.selection import choose_program
from poolside.service import UNIT, ServiceState, journal, last_exit_from_journal

MIN_FREE_BYTES = 100 * 1024 * 1024
PI_MODEL = Path("/proc/device-tree/model")
BUTTON_WAIT_S = 15.0
# The groups the kiosk's user needs, where the system has them (gpio: Pi OS).
SERVICE_GROUPS = ("video", "render", "input", "audio", "gpio")


@dataclass(frozen=True)
class Check:
    status: str  # OK, PROBLEM, NOTE
    what: str
    detail: str

    def __str__(self) -> str:
        return f"{self.status:<8}{self.what}: {self.detail}"


def run_checks(
    config_path: str | None,
    data: str | None,
    interactive: bool,
    say: Callable[[str], None] = print,
    service: ServiceState | None = None,
) -> list[Check]:
    """Every check, said as it is made.

    Where ``poolside.service`` is installed, the config and data folder are
    the service's own (unless given), and the service's state, groups and
    data folder are checked as the service will meet them.
    """
    checks: list[Check] = []

    def said(check: Check) -> None:
        checks.append(check)
        say(str(check))

    if service is not None:
        said(_service_state(service))
        config_path = config_path or service.config
        data = data or (str(service.data) if service.data else None)
    config, first = _config_and_programs(config_path)
    for check in first:
        said(check)
    said(_language(config))
    kiosk = service if service is not None and service.running else None
    with lgpio_folder():
        if kiosk is not None:  # it holds the lines: ask the kernel, claim nothing
            for check in _kiosk_gpio(kiosk.pid, config):
                said(check)
        else:
            for step in (_pin_factory, _buttons, _buzzer, _light):
                for check in step(config, interactive):
                    said(check)
    for step in (_speaker, _music):
        for check in step(config, interactive):
            said(check)
    for check in _kiosk_display(kiosk.pid) if kiosk else _display(config, interactive):
        said(check)
    if service is not None and kiosk is None:  # a kiosk that stopped at a blank screen
        stopped = screen_check(journal("-u", UNIT))
        if stopped is not None and stopped.status == "PROBLEM":
            said(stopped)
    folder = data_dir(data)
    user = service.user if service is not None else ""
    if user:
        said(_groups(user))
    for check in (
        _roster(config, user),
        _data_folder(folder, user),
        _sync(config, folder),
        _clock(),
    ):
        said(check)
    for status, what, detail in screens_checks(config, default_socket()):
        said(Check(status, what, detail))
    return checks


def _service_state(service: ServiceState) -> Check:
    """Is the kiosk up? A doctor that passes beside a dying service tells nothing."""
    restarts = f", restarted {service.restarts} time(s)" if service.restarts else ""
    last = f" (last exit: {service.last_exit})" if service.restarts and service.last_exit else ""
    if service.running:
        return Check(
            "OK" if not service.restarts else "NOTE",
            "service",
            f"poolside.service running, pid {service.pid}{restarts}{last}",
        )
    last_exit = service.last_exit or last_exit_from_journal()
    exit_said = f": {last_exit}" if last_exit else ""
    return Check(
        "PROBLEM",
        "service",
        f"poolside.service is {service.active}/{service.sub}{exit_said}{restarts}: "
        "see journalctl -b -u poolside",
    )


def _groups(user: str) -> Check:
    """The service user's groups: without input SDL silently gets no keyboard."""
    import grp
    import pwd

    try:
        account = pwd.getpwnam(user)
    except KeyError:
        return Check("PROBLEM", "groups", f"no user {user!r}: run install.sh")
    have = {g.gr_name for g in grp.getgrall() if user in g.gr_mem or g.gr_gid == account.pw_gid}
    wanted = [g for g in SERVICE_GROUPS if _group_exists(g)]
    missing = [g for g in wanted if g not in have]
    if missing:
        return Check(
            "PROBLEM",
            "groups",
            f"{user} is not in {', '.join(missing)}: sudo usermod -aG {','.join(missing)} {user}",
        )
    return Check("OK", "groups", f"{user} is in {' '.join(wanted)}")


def _group_exists(name: str) -> bool:
    import grp

    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def _config_and_programs(config_path: str | None) -> tuple[Config, list[Check]]:
    """The config in force (defaults if it is broken) and checks of it and its programs."""
    path = find_config(config_path)
    config, checks = Config(), []
    if path is not None and not path.is_file():
        checks.append(Check("PROBLEM", "config", f"{path} does not exist"))
    else:
        try:
            config = load_config(path)
            checks.append(Check("OK", "config", str(path) if path else "none found: defaults"))
        except FileProblems as err:
            checks.append(Check("PROBLEM", "config", f"{err.problems[0]} (poolside check)"))
    try:
        choice = choose_program(None, config, date.today())  # what the kiosk runs today
        program = choice.program
        checks.append(
            Check(
                "OK", "program", f"{program.name} ({len(program.phases)} phases, {choice.reason})"
            )
        )
    except (FileProblems, catalog.UnknownProgram) as err:
        checks.append(Check("PROBLEM", "program", f"{err}".splitlines()[0]))
    try:
        plan = load_plan(config.plan_file())
        start = config.program_start
        when = f", week 1 from {start}" if start else " (no program_start set: see README)"
        checks.append(Check("OK", "plan", f"{plan.name}, {plan.weeks} weeks{when}"))
    except (FileProblems, catalog.UnknownProgram) as err:
        checks.append(Check("PROBLEM", "plan", f"{err}".splitlines()[0]))
    return config, checks


def _language(config: Config) -> Check:
    """The locale the kiosk speaks: read, whole, and the voice that says it."""
    try:
        locale = config.locale()
    except FileProblems as err:
        return Check("PROBLEM", "language", f"{err.problems[0]} (poolside check)")
    said = f"{locale.code} ({locale.name})"
    if locale.missing:
        shown = ", ".join(locale.missing[:3]) + (" ..." if len(locale.missing) > 3 else "")
        return Check("NOTE", "language", f"{said}: {len(locale.missing)} in English ({shown})")
    voice = Voice(language=locale.voice)
    if config.sound.voice and voice.available and not voice.has_voice():
        return Check(
            "NOTE", "language", f"{said}: espeak-ng has no voice '{locale.voice}': tones only"
        )
    return Check("OK", "language", f"{said}, spoken in espeak-ng's '{locale.voice}' voice")


def _on_a_pi() -> bool:
    try:
        return "Raspberry Pi" in PI_MODEL.read_text(errors="replace")
    except OSError:
        return False


def _pin_factory(config: Config, interactive: bool) -> Iterator[Check]:
    from gpiozero import Device

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Device.ensure_pin_factory()
        yield Check("OK", "GPIO", f"pin factory {type(Device.pin_factory).__name__}")
    except Exception as err:
        if _on_a_pi():
            yield Check(
                "PROBLEM",
                "GPIO",
                f"{err}: install python3-lgpio (Pi 5: gpiozero >= "
                "2.0.1.post3) and add the user to the gpio group",
            )
        else:
            yield Check("NOTE", "GPIO", "none on this machine: keyboard only")


def _kiosk_gpio(pid: int, config: Config) -> Iterator[Check]:
    """The GPIO the running kiosk got (its journal), and its lines as the kernel
    sees them: claiming a line here would fail, the kiosk holds it."""
    found = re.findall(
        r"GPIO: pin factory (\S+)(?: on (/dev/gpiochip\d+))?: (.*)", journal(f"_PID={pid}")
    )
    if not found:
        yield Check(
            "NOTE",
            "GPIO",
            "the kiosk is running; its journal is not readable here (run doctor with sudo) "
            "or names no GPIO",
        )
        return
    factory, chip, held_text = found[-1]
    if factory == "none":
        status = "PROBLEM" if _on_a_pi() else "NOTE"
        yield Check(status, "GPIO", "the kiosk has no pin factory: keyboard only")
        return
    on_chip = f" on {chip}" if chip else ""
    yield Check("OK", "GPIO", f"the kiosk's pin factory {factory}{on_chip}: {held_text}")
    held = [int(pin) for pin in re.findall(r"GPIO(\d+)", held_text)]
    wanted = configured_pins(config)
    missing = [f"GPIO{pin} ({part})" for pin, part in wanted.items() if pin not in held]
    if missing:
        yield Check(
            "PROBLEM",
            "GPIO lines",
            f"configured but not held by the kiosk: {', '.join(missing)} (its journal says why)",
        )
    if not chip:
        return
    try:
        users = line_users(Path(chip), held)
    except OSError as err:
        yield Check("NOTE", "GPIO lines", f"{chip} not read ({err.strerror}): run doctor with sudo")
        return
    free = [f"GPIO{pin}" for pin, user in users.items() if user is None]
    if free:
        yield Check(
            "PROBLEM",
            "GPIO lines",
            f"the kernel says {', '.join(free)} are free: the kiosk lost them",
        )
    elif not missing:
        consumers = ", ".join(sorted({user or "unnamed" for user in users.values()}))
        yield Check(
            "OK", "GPIO lines", f"all {len(users)} held, as the kernel says (consumer {consumers})"
        )


def _buttons(config: Config, interactive: bool) -> Iterator[Check]:
    from gpiozero import Device

    if Device.pin_factory is None:
        return
    for role in ("start", "next", "stop"):
        pin = getattr(config.buttons, role)
        what = f"button {role.upper()}"
        if pin is None:
            yield Check("OK", what, "not fitted")
            continue
        try:
            button = make_button(pin, config.buttons)
        except Exception as err:
            yield Check("PROBLEM", what, f"GPIO{pin}: {err}")
            continue
        try:
            if button.is_pressed:
                yield Check(
                    "PROBLEM",
                    what,
                    f"GPIO{pin} reads pressed at rest: check the wiring "
                    "(button to GND) and buttons.pull_up",
                )
            elif interactive:
                print(f"        press {role.upper()} now (GPIO{pin}) ...", flush=True)
                if button.wait_for_press(timeout=BUTTON_WAIT_S):
                    yield Check("OK", what, f"GPIO{pin} press seen")
                else:
                    yield Check(
                        "PROBLEM",
                        what,
                        f"GPIO{pin}: no press within {BUTTON_WAIT_S:.0f} s: check wiring.md",
                    )
            else:
                yield Check("OK", what, f"GPIO{pin} reads released")
        finally:
            button.close()


def _buzzer(config: Config, interactive: bool) -> Iterator[Check]:
    from gpiozero import Device

    if config.buzzer.kind == "none":
        yield Check("OK", "buzzer", "none configured")
        return
    if Device.pin_factory is None:
        return
    try:
        buzzer = open_buzzer(config.buzzer)
    except Exception as err:
        yield Check("PROBLEM", "buzzer", f"{config.buzzer.kind} on GPIO{config.buzzer.pin}: {err}")
        return
    player = CuePlayer(buzzer, None, config.sound.profile)
    _play_through(player, "finish")
    player.close()
    yield Check(
        "OK",
        "buzzer",
        f"{config.buzzer.kind} on GPIO{config.buzzer.pin}: played the "
        "end-of-session pattern (three beeps)",
    )


def _light(config: Config, interactive: bool) -> Iterator[Check]:
    """The light claimed on its pins and shown once: the end-of-session flashes,
    and on a stack light each colour in turn, so a person can look."""
    from gpiozero import Device

    light_config = config.light
    if light_config.kind == "none":
        yield Check("OK", "light", "none configured (light: kind: flash or stack in config.yaml)")
        return
    if Device.pin_factory is None:
        return
    pins = (
        f"GPIO{light_config.pin}"
        if light_config.kind == "flash"
        else f"red GPIO{light_config.red}, amber GPIO{light_config.amber}, "
        f"green GPIO{light_config.green}"
    )
    try:
        light = open_light(light_config)
    except Exception as err:
        yield Check("PROBLEM", "light", f"{light_config.kind} on {pins}: {err}")
        return
    assert light is not None
    player = CuePlayer(None, None, config.sound.profile, light=light)
    shown = "flashed the end-of-session pattern (three flashes)"
    if light_config.kind == "stack":
        for lamp in Lamp:
            player.hold(lamp)
            time.sleep(0.5 if interactive else 0)  # long enough to see, with a person there
        player.hold(None)
        shown = "lit red, amber and green in turn, then " + shown
    _play_through(player, "finish")
    player.close()
    relay = "" if light_config.active_high else " (relay board: on when low)"
    yield Check("OK", "light", f"{light_config.kind} on {pins}{relay}: {shown}")


def _music(config: Config, interactive: bool) -> Iterator[Check]:
    """The music folder: how many tracks, and that pygame can open the first."""
    folder = config.music.folder
    if folder is None:
        yield Check("OK", "music", "none (music: folder: in config.yaml to play under classes)")
        return
    found = tracks(folder, None)
    playlists = sorted(p.name for p in _subfolders(folder) if tracks(folder, p.name))
    lists = f"; playlists: {', '.join(playlists)}" if playlists else ""
    if not found and not playlists:
        yield Check("PROBLEM", "music", f"{folder}: no OGG, MP3 or WAV files (nor in subfolders)")
        return
    cap = f"level {config.music.volume:g} (cap {config.music.max_volume:g})"
    yield Check(
        "OK",
        "music",
        f"{folder}: {len(found)} track(s){lists}; {cap}, {config.music.duck_db:g} dB under cues",
    )


def _subfolders(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_dir()]
    except OSError:
        return []


def _play_through(player: CuePlayer, name: str) -> None:
    """Play a cue to its end: the doctor may block, the kiosk never does."""
    player.play(name)
    while (deadline := player.next_deadline()) is not None:
        time.sleep(max(0.0, deadline - time.monotonic()))
        player.update()


def _speaker(config: Config, interactive: bool) -> Iterator[Check]:
    if not config.sound.speaker:
        yield Check("OK", "speaker", "switched off in the config")
        return
    import pygame

    try:
        speaker = Speaker(config.sound)
    except pygame.error as err:
        yield Check(
            "PROBLEM",
            "speaker",
            f"no sound device ({err}): cues will be buzzer and "
            "screen only; check the audio output (raspi-config) and the audio group",
        )
        return
    driver = pygame.mixer.get_init()
    speaker.play("work")
    time.sleep(duration(pattern("work", config.sound.profile)) if interactive else 0)
    speaker.close()
    yield Check(
        "OK",
        "speaker",
        f"mixer {driver[0]} Hz, volume {speaker.volume:g}"
        f"{': played the work tone' if interactive else ''}",
    )
    voice = Voice()
    if not config.sound.voice:
        yield Check("OK", "voice", "spoken cues switched off in the config")
    elif voice.available:
        yield Check("OK", "voice", f"espeak-ng; phrases cached in {voice.folder}")
    else:
        yield Check(
            "NOTE",
            "voice",
            "espeak-ng not installed: tones only (sudo apt install espeak-ng for spoken cues)",
        )


def _display(config: Config, interactive: bool) -> Iterator[Check]:
    import pygame

    try:
        pygame.display.init()
    except pygame.error as err:
        yield Check(
            "PROBLEM",
            "display",
            f"SDL video did not start ({err}): without a desktop, install with install.sh "
            "(Debian's pygame with KMSDRM, and the video, render and input groups)",
        )
        return
    try:
        driver = pygame.display.get_driver()
        sizes = pygame.display.get_desktop_sizes()
        size = describe(sizes) if sizes else "no display found"
        chosen = os.environ.get("SDL_VIDEODRIVER")
        if driver in INVISIBLE_DRIVERS and not chosen:
            yield Check(
                "PROBLEM",
                "display",
                f"SDL found no display and fell back to '{driver}', which shows nothing: "
                "on a Pi without a desktop install with install.sh (KMSDRM)",
            )
            return
        said = " (set by SDL_VIDEODRIVER)" if chosen else ""
        yield Check("OK", "display", f"SDL video driver {driver}{said}, {size}")
        if driver.lower() == "kmsdrm":
            libraries = _graphics_libraries()
            yield libraries
            if libraries.status == "OK":
                yield _draws_on_kms()
    finally:
        pygame.display.quit()


def _draws_on_kms() -> Check:
    """Draw a test frame full screen on every output as the kiosk would (the same
    windows and renderer), and read back what each display scans out: the
    drawing path, not just the driver's name, since a mismatched renderer
    starts without an error."""
    import pygame

    from poolside.devices.outputs import Outputs
    from poolside.devices.scanout import Unreadable, not_shown, own_frames

    renderer = match_renderer("KMSDRM")
    try:
        outputs = Outputs(fullscreen=True, size=(0, 0))
    except pygame.error as err:
        return Check("PROBLEM", "screen", f"the screen could not be opened full screen ({err})")
    try:
        for surface in outputs.surfaces():
            width, height = surface.get_size()
            surface.fill((0, 0, 0))
            pygame.draw.rect(surface, (255, 255, 255), (0, 0, width // 2, height))
        count = len(outputs.outputs)
        for _ in range(10):
            outputs.present()
            missing = not_shown(own_frames(), outputs.sampled())
            if not missing:
                on = "the screen" if count == 1 else f"all {count} screens"
                drawn = f"a test frame drawn by the {renderer} renderer is on {on}"
                return Check("OK", "screen", drawn)
            time.sleep(0.1)
        return Check(
            "PROBLEM",
            "screen",
            f"a test frame drawn by the {renderer} renderer is not on {len(missing)} "
            f"of {count} screens (one colour, another picture, or not scanning out): the "
            "renderer and the GL context disagree, or the GPU driver cannot draw",
        )
    except Unreadable as err:
        return Check("NOTE", "screen", f"a test frame was drawn but not read back ({err})")
    finally:
        outputs.close()


def _kiosk_display(pid: int) -> Iterator[Check]:
    """The display as the running kiosk got it: it holds the screen, so ask its journal.

    A second SDL program cannot open a KMS display the kiosk is showing; it
    would fall back to ``offscreen`` and report a problem that is not there.
    """
    log = journal(f"_PID={pid}")
    found = re.findall(r"video driver (\S+), (\d+x\d+(?: and \d+x\d+)*(?: \(\d+ outputs\))?)", log)
    if not found:
        yield Check(
            "NOTE",
            "display",
            "the kiosk is running and holds the screen; its journal is not readable "
            "here (run doctor with sudo) or names no video driver",
        )
        return
    driver, size = found[-1]
    if driver.lower() in INVISIBLE_DRIVERS:
        yield Check("PROBLEM", "display", f"the kiosk draws on '{driver}', which shows nothing")
        return
    yield Check("OK", "display", f"the kiosk's SDL video driver {driver}, {size}")
    if driver.lower() == "kmsdrm":
        yield _graphics_libraries()
        shown = screen_check(log)
        if shown is not None:
            yield shown


def screen_check(log: str) -> Check | None:
    """The kiosk's own word on its first frame, read back from the display
    (``app.first_frame_shown``): the last such line in ``log``.

    >>> screen_check("poolside: screen check: PROBLEM: the screen shows one colour").status
    'PROBLEM'
    """
    found = re.findall(r"screen check: (.*)", log)
    if not found:
        return None
    said = found[-1]
    if said.startswith("PROBLEM: "):
        return Check("PROBLEM", "screen", said.removeprefix("PROBLEM: "))
    return Check("NOTE" if "not read back" in said else "OK", "screen", said)


def _graphics_libraries() -> Check:
    """KMSDRM draws through EGL and GLES: without them, "EGL not initialized"."""
    import ctypes.util

    missing = [lib for lib in ("EGL", "GLESv2", "gbm") if ctypes.util.find_library(lib) is None]
    dri = [p for p in Path("/usr/lib").glob("*/dri/*_dri.so")] + list(
        Path("/usr/lib").glob("*/dri/*_gbm.so")
    )
    if missing or not dri:
        wanted = ", ".join([*(f"lib{m}" for m in missing), *([] if dri else ["a Mesa driver"])])
        return Check(
            "PROBLEM",
            "graphics",
            f"KMSDRM needs {wanted}: sudo apt install libegl1 libgles2 libgl1-mesa-dri",
        )
    return Check("OK", "graphics", f"EGL, GLES and {len(dri)} Mesa driver file(s) found")


def _roster(config: Config, user: str = "") -> Check:
    """The roster the kiosk reads: there, valid, readable by the kiosk's user, and
    by nobody else but root (it holds names, which never leave the Pi)."""
    path = config.roster
    if path is None:
        return Check("OK", "roster", "none (roster: in config.yaml): codes as typed or scanned")
    from poolside.records.roster import load_roster

    try:
        members = len(load_roster(path).members)
    except FileProblems as err:
        return Check("PROBLEM", "roster", f"{err.problems[0]} (roster: in config.yaml)")
    kiosk = user or _user_name(os.getuid())
    wrong = _who_else_reads(path.stat(), kiosk)
    if wrong:
        fix = f"sudo chown root:{kiosk} {path} && sudo chmod 0640 {path}"
        return Check("PROBLEM", "roster", f"{path} holds names, but {wrong}: {fix}")
    return Check(
        "OK", "roster", f"{path}: {members} participants, readable by {kiosk} and root only"
    )


def _who_else_reads(info: os.stat_result, kiosk: str) -> str:
    """What is wrong with who may read a file of names: anyone but root and ``kiosk``
    may, or ``kiosk`` may not ('' when neither)."""
    import pwd

    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o007:
        return f"every user here may open it (mode {mode:04o})"
    try:
        account = pwd.getpwnam(kiosk)
    except KeyError:
        return f"there is no user {kiosk}"
    private = info.st_gid in (0, account.pw_gid)  # root's group, or the kiosk's own
    if mode & 0o070 and not private:
        return f"group {_group_name(info.st_gid)} may read it (mode {mode:04o})"
    reads = (
        account.pw_uid == 0
        or (info.st_uid == account.pw_uid and mode & 0o400)
        or (info.st_gid == account.pw_gid and mode & 0o040)
    )
    return "" if reads else f"{kiosk}, the kiosk's user, cannot read it (mode {mode:04o})"


def _user_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group_name(gid: int) -> str:
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _data_folder(folder: Path, user: str = "") -> Check:
    """Can attendance be saved there, by the user the kiosk runs as?

    Run as root for a service with another ``User=``, the probe is written by
    a child process that has become that user, so root's rights prove nothing.
    """
    as_user = ""
    if user and os.geteuid() == 0 and user != "root":
        error = _as_user(user, lambda: _probe(folder))
        as_user = f" (as {user})"
    else:
        error = _probe(folder)
    if error:
        return Check(
            "PROBLEM",
            "data folder",
            f"{folder}{as_user}: {error}: attendance cannot be "
            "saved (StateDirectory=, --data or $POOLSIDE_DATA)",
        )
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        return Check("PROBLEM", "data folder", f"{folder}: only {free // 2**20} MiB free")
    return Check("OK", "data folder", f"{folder}{as_user}: writable, {free // 2**20} MiB free")


def _probe(folder: Path) -> str:
    """Write, sync and remove a file in ``folder``; the error said, or ''."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-") as probe:
            probe.write(b"ok")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as err:
        return err.strerror or str(err)
    return ""


def _as_user(user: str, probe: Callable[[], str]) -> str:
    """Run ``probe`` in a child that is ``user`` (with its groups); its answer."""
    import pwd

    try:
        account = pwd.getpwnam(user)
    except KeyError:
        return f"no user {user!r}"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: become the user, probe, report, leave at once
        os.close(read)
        try:
            os.setgroups(os.getgrouplist(user, account.pw_gid))
            os.setgid(account.pw_gid)
            os.setuid(account.pw_uid)
            answer = probe()
        except BaseException as err:  # anything at all: report it, never return
            answer = str(err)
        os.write(write, answer.encode()[:4000])
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as reply:
        said = reply.read().decode(errors="replace")
    os.waitpid(pid, 0)
    return said


def _sync(config: Config, folder: Path) -> Check:
    from poolside.records.sync import status_line

    where = config.sync.to or "no destination set (sync: to: in config.yaml)"
    said = status_line(folder) or "nothing recorded yet"
    waiting = said[0].isdigit()
    kind = "NOTE" if waiting or not config.sync.to else "OK"
    return Check(kind, "sync", f"{said}; to {where}")


def _clock() -> Check:
    if SYNCED_FLAG.exists():
        return Check("OK", "clock", "synchronised (systemd-timesyncd)")
    return Check(
        "NOTE",
        "clock",
        "not known to be synchronised: records made now carry "
        "clock_synced=false; a Pi without RTC needs network time once",
    )
