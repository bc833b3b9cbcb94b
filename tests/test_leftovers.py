"""The clean-up check names what a run left behind, and nothing else."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil
import pytest

from parbench.measure import leftovers, scratch


@pytest.fixture(autouse=True)
def own_temporary_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``tmp_path`` as the temporary directory: other tests and runs share the system's."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


@pytest.fixture
def fresh_mark(monkeypatch: pytest.MonkeyPatch) -> None:
    """This test's own run mark, so that only what it starts carries it."""
    monkeypatch.delenv(leftovers.RUN_VARIABLE, raising=False)
    leftovers.begin()


def test_nothing_added_is_nothing_reported() -> None:
    before = leftovers.snapshot()
    assert leftovers.added(before, leftovers.snapshot()) == []


def test_threads_processes_sockets_and_folders_are_each_named(fresh_mark: None) -> None:
    before = leftovers.snapshot()
    stop_thread = threading.Event()
    thread = threading.Thread(target=stop_thread.wait, name="stray-thread")
    thread.start()
    child = multiprocessing.get_context("fork").Process(target=stop_thread.wait, args=(30,))
    child.start()
    listener = socket.socket()
    folder = Path(tempfile.mkdtemp(prefix=leftovers.TEMP_PREFIX))
    try:
        found = leftovers.added(before, leftovers.snapshot(), removed=["batch-1", "batch-2"])
        assert found[0] == "1 thread(s): stray-thread"
        name = psutil.Process(child.pid).name()
        assert found[1] == f"1 process(es) still running: {name} (pid {child.pid})"
        assert found[2] == "1 open socket(s)"
        assert found[3].startswith("temporary folder(s) in ") and folder.name in found[3]
        assert found[4] == (
            "2 item(s) in the run's temporary folder, removed with it: batch-1, batch-2"
        )
    finally:
        stop_thread.set()
        thread.join()
        child.kill()
        child.join()
        listener.close()
        folder.rmdir()
    assert leftovers.added(before, leftovers.snapshot()) == []


def processes_added(before: leftovers.Snapshot) -> list[str]:
    """The clean-up line's words on processes (other tests may add temporary folders)."""
    return [line for line in leftovers.added(before, leftovers.snapshot()) if "process(es)" in line]


def start_sleep(environment: dict | None = None) -> int:
    return subprocess.Popen(["sleep", "60"], env=environment).pid


@pytest.fixture
def sleeps() -> Iterator[list[psutil.Process]]:
    """Collects the ``sleep`` processes a test leaves, and kills them however it ends."""
    found: list[psutil.Process] = []
    yield found
    for process in found:
        # Orphans are reaped by init, in its own time: killing is enough.
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


def test_a_grandchild_that_outlives_its_worker_is_reported(
    fresh_mark: None, sleeps: list[psutil.Process]
) -> None:
    before = leftovers.snapshot()
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        pids = list(pool.map(start_sleep, [None, None]))
    sleeps.extend(psutil.Process(pid) for pid in pids)
    # The workers have exited: the sleeps are no longer in this process's tree.
    assert not {p.pid for p in psutil.Process().children(recursive=True)} & set(pids)
    pids.sort()
    assert processes_added(before) == [
        f"2 process(es) still running: sleep (pids {pids[0]}, {pids[1]})"
    ]


def test_a_descendant_without_the_mark_is_reported_while_in_the_tree(
    fresh_mark: None, sleeps: list[psutil.Process]
) -> None:
    before = leftovers.snapshot()
    pid = start_sleep({"PATH": os.environ["PATH"]})
    sleeps.append(psutil.Process(pid))
    assert processes_added(before) == [f"1 process(es) still running: sleep (pid {pid})"]


def test_every_pid_is_named_and_removed_files_beyond_ten_are_counted(
    fresh_mark: None, sleeps: list[psutil.Process]
) -> None:
    before = leftovers.snapshot()
    sleeps.extend(psutil.Process(start_sleep()) for _ in range(12))
    pids = ", ".join(str(p.pid) for p in sorted(sleeps, key=lambda p: p.pid))
    assert processes_added(before) == [f"12 process(es) still running: sleep (pids {pids})"]
    removed = [f"batch-{n:02}" for n in range(12)]
    assert leftovers.added(before, before, removed=removed) == [
        "12 item(s) in the run's temporary folder, removed with it: "
        + ", ".join(removed[:10])
        + " and 2 more"
    ]


def test_a_finished_unreaped_child_is_not_running(fresh_mark: None) -> None:
    before = leftovers.snapshot()
    child = subprocess.Popen(["true"])
    process = psutil.Process(child.pid)
    deadline = time.monotonic() + 5
    # It ends, and stays a zombie until Popen reaps it.
    while process.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        assert process.status() == psutil.STATUS_ZOMBIE
        assert processes_added(before) == []
    finally:
        child.wait()


def test_the_folders_of_other_runs_still_going_are_not_counted(tmp_path: Path) -> None:
    finished = subprocess.Popen(["true"])
    finished.wait()
    before = leftovers.snapshot()
    # The parent process stands for another run, still going.
    for owner in (finished.pid, os.getppid(), os.getpid()):
        (tmp_path / f"{scratch.PREFIX}{owner}-x1y2").mkdir()
    (found,) = leftovers.added(before, leftovers.snapshot())
    ours, dead = f"{scratch.PREFIX}{os.getpid()}-x1y2", f"{scratch.PREFIX}{finished.pid}-x1y2"
    assert found == f"temporary folder(s) in {tmp_path}: {', '.join(sorted([ours, dead]))}"


def test_files_a_task_wrote_into_the_current_folder_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "project"
    here.mkdir()
    (here / "kept.txt").write_text("there before")
    monkeypatch.chdir(here)
    before = leftovers.snapshot()
    for name in ("photo-1.jpg", "photo-2.jpg", ".pytest_cache", "__pycache__"):
        (here / name).write_text("")
    assert leftovers.added(before, leftovers.snapshot()) == [
        f"2 item(s) in the current folder {here}: photo-1.jpg, photo-2.jpg"
    ]
