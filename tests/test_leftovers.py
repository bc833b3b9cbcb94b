"""The clean-up check names what a run left behind, and nothing else."""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

from parbench import leftovers, scratch


def test_nothing_added_is_nothing_reported() -> None:
    before = leftovers.snapshot()
    assert leftovers.added(before, leftovers.snapshot()) == []


def test_threads_children_sockets_and_folders_are_each_named() -> None:
    before = leftovers.snapshot()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="stray-thread")
    thread.start()
    child = multiprocessing.get_context("fork").Process(target=stop.wait, args=(30,))
    child.start()
    listener = socket.socket()
    folder = Path(tempfile.mkdtemp(prefix=leftovers.TEMP_PREFIX))
    try:
        found = leftovers.added(before, leftovers.snapshot(), removed=["batch-1", "batch-2"])
        assert found[0] == "1 thread(s): stray-thread"
        assert found[1] == f"1 child process(es): pids {child.pid}"
        assert found[2] == "1 open socket(s)"
        assert found[3].startswith("temporary folder(s) in ") and folder.name in found[3]
        assert found[4] == (
            "2 item(s) in the run's temporary folder, removed with it: batch-1, batch-2"
        )
    finally:
        stop.set()
        thread.join()
        child.kill()
        child.join()
        listener.close()
        folder.rmdir()
    assert leftovers.added(before, leftovers.snapshot()) == []


def test_the_folders_of_other_runs_still_going_are_not_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    finished = subprocess.Popen(["true"])
    finished.wait()
    before = leftovers.snapshot()
    # The parent process stands for another run, still going.
    for owner in (finished.pid, os.getppid(), os.getpid()):
        (tmp_path / f"{scratch.PREFIX}{owner}-x1y2").mkdir()
    (found,) = leftovers.added(before, leftovers.snapshot())
    ours, dead = f"{scratch.PREFIX}{os.getpid()}-x1y2", f"{scratch.PREFIX}{finished.pid}-x1y2"
    assert found == f"temporary folder(s) in {tmp_path}: {', '.join(sorted([ours, dead]))}"
