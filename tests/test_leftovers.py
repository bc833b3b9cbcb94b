"""The clean-up check names what a run left behind, and nothing else."""

from __future__ import annotations

import multiprocessing
import socket
import tempfile
import threading
from pathlib import Path

from parbench import leftovers


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
        found = leftovers.added(before, leftovers.snapshot())
        assert found[0] == "1 thread(s): stray-thread"
        assert found[1] == f"1 child process(es): pids {child.pid}"
        assert found[2] == "1 open socket(s)"
        assert found[3].endswith(folder.name)
    finally:
        stop.set()
        thread.join()
        child.kill()
        child.join()
        listener.close()
        folder.rmdir()
    assert leftovers.added(before, leftovers.snapshot()) == []
