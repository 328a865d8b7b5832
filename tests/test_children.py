"""Every process poolside starts runs poolside's code or the system's tools, and no
text from a file becomes one of their options.

A folder of planted files stands in for the current folder, a stick or a data
folder: modules with the names of standard ones (and of poolside itself) that
leave a mark when imported, and executables with the names of every tool
poolside runs that leave a mark when run. The current folder is that folder,
and ``PATH`` and ``PYTHONPATH`` name it first (and ``.`` and an empty entry).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from poolside import tools
from poolside.records import elsewhere

TOOLS = ("rsync", "ssh", "espeak-ng", "systemctl", "journalctl", "blkid", "mount", "umount")
MODULES = ("pickle", "orjson", "sqlite3", "csv", "sitecustomize", "usercustomize", "poolside")
needs_espeak = pytest.mark.skipif(
    tools.find("espeak-ng") is None, reason="espeak-ng is not installed (.ci/run installs it)"
)


@pytest.fixture
def planted(tmp_path: Path, monkeypatch) -> Path:
    """The planted folder, made the current folder and first on PATH and PYTHONPATH;
    ``planted / "marks"`` collects a line from anything planted that runs."""
    folder = tmp_path / "stick"
    folder.mkdir()
    marks = folder / "marks"
    for name in MODULES:
        (folder / f"{name}.py").write_text(f"open({str(marks)!r}, 'a').write('{name}\\n')\n")
    (folder / "poolside").mkdir()
    (folder / "poolside" / "__init__.py").write_text(
        f"open({str(marks)!r}, 'a').write('poolside package\\n')\n"
    )
    for name in TOOLS:
        tool = folder / name
        tool.write_text(f"#!/bin/sh\necho {name} >> {marks}\n")
        tool.chmod(0o755)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("PATH", os.pathsep.join([str(folder), ".", "", os.environ["PATH"]]))
    monkeypatch.setenv("PYTHONPATH", str(folder))
    return folder


def _marks(folder: Path) -> list[str]:
    marks = folder / "marks"
    return marks.read_text().splitlines() if marks.exists() else []


def test_the_export_s_second_interpreter_imports_nothing_planted(planted: Path) -> None:
    """The child that reads half the batches is ``python -I``: the current folder
    and PYTHONPATH are not on its path, so neither a planted ``pickle`` nor a
    planted ``poolside`` package is imported; the answer is the package's own."""
    child = elsewhere.start("poolside.records.adherence:adherence_pct", 15, 15)
    assert elsewhere.result(child) == 100.0
    assert _marks(planted) == []


@pytest.mark.slow  # 16 MB of batches, for the second interpreter to start
def test_the_export_command_started_from_a_planted_folder_runs_only_poolside(
    planted: Path, tmp_path: Path
) -> None:
    """``poolside export`` (the installed command) with enough batches to start its
    second interpreter, from the planted folder: nothing planted is imported."""
    script = Path(sys.executable).with_name("poolside")
    if not script.exists():
        pytest.skip("no installed poolside command beside this interpreter")
    source = tmp_path / "in"
    source.mkdir()
    line = (
        '{"id": "%s", "type": "session", "device": "pool-a", "seq": %d, "participant": "P001",'
        ' "started_at": "2027-01-04T09:00:00+00:00", "clock_synced": true, "program": "j",'
        ' "week": null, "mode": "class", "planned_s": 1200, "completed_s": 1200}\n'
    )
    per_file, files = 1000, 72  # 72 x ~270 kB: past PARALLEL_BYTES, so two cores read
    for n in range(files):
        seq = range(n * per_file + 1, (n + 1) * per_file + 1)
        text = "".join(line % (f"{s:032x}", s) for s in seq)
        (source / f"b{n:03d}.jsonl").write_text(text)
    assert sum(p.stat().st_size for p in source.iterdir()) >= 16 * 2**20
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the command's own
    result = subprocess.run(
        [str(script), "export", str(source), "--out", str(tmp_path / "out"), "--tz", "UTC"],
        capture_output=True, text=True, timeout=120, env=env, cwd=planted,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "72000 unique records" in result.stdout
    assert _marks(planted) == []


def test_each_tool_is_the_system_s_never_one_planted_on_path(planted: Path, tmp_path: Path) -> None:
    """rsync (and the ssh it would start), espeak-ng, systemctl, journalctl, blkid:
    each found in the system's folders only, and run with the system's PATH."""
    from poolside import service, stick
    from poolside.devices.voice import Voice

    for name in TOOLS:
        found = tools.find(name)
        assert found is None or not found.startswith(str(planted)), name
    if tools.find("rsync"):
        from poolside.records.sync import sync

        from .test_sync import _outbox

        data = tmp_path / "data"
        _outbox(data, 1)
        (tmp_path / "dest").mkdir()
        done = sync(data, str(tmp_path / "dest"), use_rsync=True)
        assert len(done.copied) == 1 and list((tmp_path / "dest").rglob("*.jsonl"))
    if tools.find("espeak-ng"):
        voice = Voice(tmp_path / "cache")
        assert voice.espeak == tools.find("espeak-ng")
        assert voice.render("Rest").stat().st_size > 1000
    service.read_state()
    service.journal("-u", "poolside.service")
    stick.fs_type(Path("/dev/null"))
    assert _marks(planted) == []


HOSTILE = ("-w EVIL", "--help", "--version", "-", "--", "--stdin", "a\0b", "-vEVIL x")


@needs_espeak
@pytest.mark.parametrize("words", HOSTILE)
def test_words_to_speak_are_never_espeak_s_options(words: str, tmp_path: Path, monkeypatch) -> None:
    """A phrase from a locale or a program reaches espeak-ng on its stdin: a leading
    dash or a NUL is spoken (or skipped), never an option; nothing else is written."""
    from poolside.devices.voice import Voice

    monkeypatch.chdir(tmp_path)
    voice = Voice(tmp_path / "cache")
    wav = voice.render(words)
    assert wav.parent == tmp_path / "cache" and wav.stat().st_size > 44
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"], "no file beside it"


@pytest.mark.parametrize(
    "dest",
    [
        "-oProxyCommand=touch${IFS}EVIL:/srv",
        "pi@-oProxyCommand=touch${IFS}EVIL:/srv",
        "rsync://-oEVIL/module",
        "--rsync-path=touch EVIL",
        "-e touch EVIL",
        "pi@host\0-oEVIL:/srv",
        "folder\0name",
    ],
)
def test_a_destination_is_never_an_option_to_rsync_or_ssh(
    dest: str, tmp_path: Path, monkeypatch
) -> None:
    """In config.yaml (``check`` locates it) and on the command line (``sync --to``),
    a destination rsync or ssh could read as an option is refused with why."""
    from poolside.config import load_config
    from poolside.core.yamlfile import FileProblems
    from poolside.records.sync import SyncError, sync

    from .test_sync import _outbox

    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    _outbox(data, 1)
    with pytest.raises(SyncError, match="destination"):
        sync(data, dest)
    config = tmp_path / "config.yaml"
    escaped = dest.replace("\\", "\\\\").replace('"', '\\"').replace("\0", "\\0")
    config.write_text(f'sync:\n  to: "{escaped}"\n')
    with pytest.raises(FileProblems) as refused:
        load_config(config)
    expected = "sync.to holds U+0000" if "\0" in dest else "sync.to: the destination"
    assert str(refused.value.problems[0]).startswith(f"{config}:2:7: {expected}")
    assert not (tmp_path / "EVIL").exists() and not list(tmp_path.glob("*EVIL*"))


def test_check_and_sync_on_the_command_line_refuse_such_a_destination(tmp_path: Path) -> None:
    from .conftest import run_poolside
    from .test_sync import _outbox

    data = tmp_path / "data"
    _outbox(data, 1)
    dest = "pi@-oProxyCommand=touch${IFS}EVIL:/srv"
    config = tmp_path / "config.yaml"
    config.write_text(f'sync:\n  to: "{dest}"\n')
    checked = run_poolside("check", str(config))
    assert checked.returncode == 1 and f"{config}:2:7: sync.to: the destination" in checked.stderr
    said = run_poolside("sync", f"--to={dest}", "--data", str(data), cwd=tmp_path)
    assert said.returncode == 1 and "the destination's host cannot start with '-'" in said.stderr
    assert "Traceback" not in said.stderr and not list(tmp_path.glob("*EVIL*"))
