"""The booted appliance test's own reasoning, checked where it can run here:
the kernel config it insists on, and how it reads cues off a GPIO line."""

from __future__ import annotations

from pathlib import Path

from .appliance import gpio_checks, image, kernel, outputs_checks, vm


def test_a_fragment_setting_the_config_dropped_is_named() -> None:
    wanted = kernel.wanted_options("# gpio\nCONFIG_GPIO_SIM=y\nCONFIG_MODULES=n\nCONFIG_X=y\n")
    config = "CONFIG_GPIO_SIM=y\nCONFIG_MODULES=y\n# CONFIG_X is not set\n"
    assert kernel.missing_options(config, wanted) == [
        "CONFIG_MODULES=n (is y)",
        "CONFIG_X=y (is not set)",
    ]
    assert kernel.missing_options("CONFIG_GPIO_SIM=y\nCONFIG_X=y\n", wanted) == []


def test_the_kernel_is_rebuilt_when_its_fragment_or_source_changes() -> None:
    key = kernel.cache_key("CONFIG_GPIO_SIM=y\n", "6.1.192-3")
    assert key == kernel.cache_key("CONFIG_GPIO_SIM=y\n", "6.1.192-3")
    assert key != kernel.cache_key("CONFIG_GPIO_SIM=y\nCONFIG_X=y\n", "6.1.192-3")
    assert key != kernel.cache_key("CONFIG_GPIO_SIM=y\n", "6.1.193-1")


def test_tones_read_off_a_line_are_named_by_the_products_patterns() -> None:
    # rest: 0.25 s on, 0.05 s off, 0.35 s on; then, 2 s later, work: 0.8 s on.
    changes = [(10.0, 1), (10.25, 0), (10.3, 1), (10.65, 0), (12.65, 1), (13.45, 0)]
    cues = gpio_checks._cues(gpio_checks._tones(changes))
    assert [gpio_checks._named(cue) for cue in cues] == ["rest", "work"]
    assert gpio_checks._named([(0.0, 2.9)]) is None, "a tone held far too long is no cue"
    # one tone each, 0.1 s apart: the nearest pattern, not the first within tolerance
    assert gpio_checks._named([(0.0, 0.58)]) == "stop"
    assert gpio_checks._named([(0.0, 0.53)]) == "phase"
    # the checks ask whether a cue fits what is expected where it sounds
    assert gpio_checks._fits([(0.0, 0.56)], "work", "rest", "phase", "block_end")
    assert not gpio_checks._fits([(0.0, 0.15)], "work", "rest", "phase", "block_end")
    assert gpio_checks._fits([(0.0, 0.597)], "stop") and not gpio_checks._fits([(0.0, 0.3)], "stop")


def test_the_spread_of_figures_is_median_p99_and_max() -> None:
    assert gpio_checks._spread([3.0, 1.0, 2.0]) == "median 2.0, p99 3.0, max 3.0 (n=3)"
    assert gpio_checks._spread([]) == "none"


def test_a_target_names_its_debian_release_and_instruction_set() -> None:
    assert image.release("bookworm") == ("bookworm", "amd64")
    assert image.release("trixie-arm64") == ("trixie", "arm64")
    assert all(image.release(target)[0] in ("bookworm", "trixie") for target in image.SUITES)


def test_each_instruction_set_boots_its_own_machine_with_a_kms_display_and_a_keyboard() -> None:
    x86 = vm._x86_64(Path("bzImage"))
    arm = vm._arm64(Path("vmlinuz"), Path("initrd.img"), append=outputs_checks.SECOND_SCREEN)
    assert x86[0] == "qemu-system-x86_64" and "-initrd" not in x86
    assert arm[0] == "qemu-system-aarch64" and arm[arm.index("-initrd") + 1] == "initrd.img"
    for machine in (x86, arm):  # one GPU of two outputs, its heads read by the id screendump names
        [gpu] = [part for part in machine if part.startswith("virtio-gpu-pci,")]
        assert f"id={vm.GPU}" in gpu.split(",") and "max_outputs=2" in gpu.split(",")
    assert x86[x86.index("-append") + 1].endswith("quiet"), "one screen unless a boot asks"
    assert arm[arm.index("-append") + 1].endswith(f"quiet {outputs_checks.SECOND_SCREEN}")
    # the keyboard's USB bus is made before the keyboard on it
    devices = [arm[i + 1] for i, part in enumerate(arm) if part == "-device"]
    assert devices.index("qemu-xhci,id=usb") < devices.index("usb-kbd,bus=usb.0")


def test_the_image_lights_a_flash_lamp_in_the_installed_config(tmp_path) -> None:
    """The example config already has a light section (kind none): the image sets it to
    flash rather than adding a second one (a duplicate key fails the config); a
    config without one gets it added."""
    from poolside.config import load_config

    from .conftest import REPO

    for name, text in (
        ("example.yaml", (REPO / "config.example.yaml").read_text(encoding="utf-8")),
        ("bare.yaml", "mode: class\n"),
    ):
        path = tmp_path / name
        path.write_text(image.with_light(text), encoding="utf-8")
        light = load_config(path).light
        assert (light.kind, light.pin) == ("flash", gpio_checks.LIGHT), name


def test_the_booted_screen_checks_judge_the_screens_the_renderer_draws() -> None:
    """The colours the booted checks look for are the theme's, and each judge passes the
    screen it is for as drawn here (a check-in with the person shown in, and not)."""
    from collections import Counter

    import pygame

    from poolside.core.checkin import Person, Roll
    from poolside.core.view import Mark
    from poolside.devices.screen import Renderer
    from poolside.devices.theme import COLOUR

    from .appliance import checks

    assert {k: COLOUR.kinds[k].background for k in checks.KINDS} == checks.KINDS
    assert COLOUR.error.background == checks.ERROR_RED
    assert COLOUR.marks[Mark.PRESENT].background == checks.PRESENT_GREEN

    def seen(roll: Roll) -> dict:
        surface = pygame.Surface((480, 270))
        Renderer().draw(surface, roll.view(("a status line",)))
        pixels = Counter(
            tuple(surface.get_at((x, y)))[:3] for x in range(0, 480, 2) for y in range(0, 270, 2)
        )
        total = sum(pixels.values())
        return {"colours": [(colour, n / total) for colour, n in pixels.items()]}

    roll = Roll([Person("P001", "Ann"), Person("P002", "Bo")])
    assert checks._home_like(seen(roll)) and not checks._checked_in(seen(roll))
    change = roll.toggle()
    assert change is not None
    roll.confirm(change)
    assert checks._checked_in(seen(roll)) and not checks._home_like(seen(roll))
