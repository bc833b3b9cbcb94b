"""The run's temporary folder holds every temporary file of the run, and goes with it;
folders of runs that died are swept, those of live runs kept."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from parbench.measure import scratch


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path`` as the system temporary directory."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    return tmp_path


def run_folders(root: Path) -> list[str]:
    return sorted(p.name for p in root.glob(scratch.PREFIX + "*"))


def test_the_run_and_the_processes_it_starts_use_the_folder(temp_root: Path) -> None:
    with scratch.run_folder() as folder:
        assert folder.path.parent == temp_root
        assert folder.path.name.startswith(f"{scratch.PREFIX}{os.getpid()}-")
        assert tempfile.gettempdir() == os.environ["TMPDIR"] == str(folder.path)
        child = subprocess.run(
            [sys.executable, "-c", "import tempfile; print(tempfile.gettempdir())"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert child.stdout.strip() == str(folder.path)
        Path(tempfile.mkdtemp(prefix="batch-")).joinpath("left.jpg").write_bytes(b"x")
    assert not folder.path.exists()
    assert folder.removed[0].startswith("batch-") and len(folder.removed) == 1
    assert tempfile.gettempdir() == os.environ["TMPDIR"] == str(temp_root)
    assert run_folders(temp_root) == []


def test_the_folder_goes_however_the_block_ends(temp_root: Path) -> None:
    with pytest.raises(KeyboardInterrupt), scratch.run_folder() as folder:
        raise KeyboardInterrupt
    assert not folder.path.exists()
    assert tempfile.gettempdir() == str(temp_root)


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait()


def test_sweep_removes_folders_of_dead_runs_and_keeps_live_ones(
    tmp_path: Path, sleeper: subprocess.Popen
) -> None:
    finished = subprocess.Popen(["true"])
    finished.wait()

    def folder(owner: str) -> Path:
        path = tmp_path / f"{scratch.PREFIX}{owner}-x1y2"
        path.mkdir()
        (path / "batch-1").mkdir()
        return path

    dead = folder(str(finished.pid))
    alive = folder(str(os.getpid()))
    # Made an hour before its "owner" started: that pid was reused, the owner is gone.
    reused = folder(str(sleeper.pid))
    an_hour_ago = time.time() - 3600
    os.utime(reused, (an_hour_ago, an_hour_ago))
    foreign = folder("someone")
    assert sorted(scratch.sweep(tmp_path)) == sorted([dead, reused])
    assert run_folders(tmp_path) == sorted([alive.name, foreign.name])


def test_a_new_run_sweeps_before_it_makes_its_own(temp_root: Path) -> None:
    finished = subprocess.Popen(["true"])
    finished.wait()
    (temp_root / f"{scratch.PREFIX}{finished.pid}-x1y2").mkdir()
    with scratch.run_folder() as folder:
        assert run_folders(temp_root) == [folder.path.name]


def test_sweep_removes_multiprocessing_folders_that_dead_runs_marked(tmp_path: Path) -> None:
    finished = subprocess.Popen(["true"])
    finished.wait()

    def folder(name: str, owner: str | None) -> Path:
        path = tmp_path / f"{scratch.MULTIPROCESSING_PREFIX}{name}"
        path.mkdir()
        if owner is not None:
            (path / f"{scratch.OWNER_PREFIX}{owner}").touch()
        return path

    dead = folder("dead", str(finished.pid))
    folder("alive", str(os.getpid()))
    folder("not-parbench-s", None)
    assert scratch.sweep(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pymp-alive", "pymp-not-parbench-s"]


def test_a_run_marks_its_multiprocessing_folder_as_its_own() -> None:
    folder = scratch.mark_multiprocessing_folder()
    assert folder.name.startswith(scratch.MULTIPROCESSING_PREFIX)
    assert (folder / f"{scratch.OWNER_PREFIX}{os.getpid()}").exists()
    assert folder not in scratch.sweep(folder.parent)
