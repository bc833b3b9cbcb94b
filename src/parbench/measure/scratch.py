"""The run's own temporary folder, so that no run leaves temporary files behind.

A session holds one folder, ``parbench-run-<pid>-<random>`` in the system temporary
directory, and points ``tempfile`` and ``TMPDIR`` at it while it runs. Every temporary
file of the run then lands inside it: the main process's (workload set-ups), and every
worker's, under fork (inherited), spawn and forkserver (from ``TMPDIR``), and of any
program a task starts. The folder is removed when the session ends, however it ends.

A run that dies outright (SIGKILL, ``os._exit``, a signal while the interpreter exits)
cannot remove its folder, nor the folder multiprocessing keeps for the run
(``pymp-<random>``, removed at exit), which the run marks as its own with a file
``parbench-owner-<pid>`` in it. The next run removes the folders of both kinds whose
owning process is gone; a ``pymp-`` folder without the mark is not parbench's, and stays.
"""

from __future__ import annotations

import contextlib
import multiprocessing.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

PREFIX = "parbench-run-"
#: multiprocessing's folder, and the mark that says which run it belongs to.
MULTIPROCESSING_PREFIX = "pymp-"
OWNER_PREFIX = "parbench-owner-"

#: How far psutil's process start times may be off: it derives them from the boot time,
#: which the kernel gives in whole seconds.
CLOCK_SLACK_S = 2.0


@dataclass
class RunFolder:
    """The run's temporary folder; once removed, ``removed`` names what was left in it."""

    path: Path
    removed: list[str] = field(default_factory=list)


def owner_alive(folder: Path) -> bool:
    """Whether the process that made ``folder`` (a ``parbench-run-<pid>-...`` folder) runs.

    A process that started after the folder last changed cannot have made it: its pid
    was reused, and the owner is gone. A name without a pid is not a run's, and a folder
    already gone (another run swept it) has nothing left to remove: both count as alive.
    """
    return made_by_live_process(folder.name.removeprefix(PREFIX).split("-", 1)[0], folder)


def made_by_live_process(pid: str, path: Path) -> bool:
    """Whether process ``pid`` (a string of digits, or not a pid at all) made ``path`` and
    still runs; see ``owner_alive``."""
    if not pid.isdecimal():
        return True
    try:
        changed = path.stat().st_mtime
        started = psutil.Process(int(pid)).create_time()
    except psutil.NoSuchProcess:
        return False
    except (FileNotFoundError, psutil.AccessDenied):
        return True
    return started <= changed + CLOCK_SLACK_S


def _multiprocessing_owner_alive(folder: Path) -> bool:
    """Whether the run that marked ``folder``, a multiprocessing folder, runs; a folder
    no run marked is taken as alive (it is not parbench's to remove)."""
    marks = [p.name.removeprefix(OWNER_PREFIX) for p in folder.glob(OWNER_PREFIX + "*")]
    return not marks or made_by_live_process(marks[0], folder)


def mark_multiprocessing_folder() -> Path:
    """Make multiprocessing's folder of this process now (it lives until the interpreter
    exits), in the system temporary directory, marked as this run's; returns it."""
    folder = Path(multiprocessing.util.get_temp_dir())
    (folder / f"{OWNER_PREFIX}{os.getpid()}").touch()
    return folder


def sweep(root: Path) -> list[Path]:
    """Remove the run folders and marked multiprocessing folders in ``root`` whose owner
    is gone; returns those removed."""
    runs = [p for p in root.glob(PREFIX + "*") if p.is_dir() and not owner_alive(p)]
    pools = [
        p
        for p in root.glob(MULTIPROCESSING_PREFIX + "*")
        if p.is_dir() and not _multiprocessing_owner_alive(p)
    ]
    stale = runs + pools
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale


@contextlib.contextmanager
def run_folder() -> Iterator[RunFolder]:
    """Sweep stale run folders, then hold a new one as the temporary directory of this
    process and of the processes it starts until the block ends; it is removed then.

    A folder that cannot be removed stays, for the clean-up check to report.
    """
    root = Path(tempfile.gettempdir())
    sweep(root)
    # multiprocessing keeps a folder of its own (the forkserver's socket) until the
    # interpreter exits, and fails at exit if it is gone: make it now, outside the run's.
    mark_multiprocessing_folder()
    folder = RunFolder(Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=root)))
    previous = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = os.environ["TMPDIR"] = str(folder.path)
    try:
        yield folder
    finally:
        tempfile.tempdir = previous[0]
        if previous[1] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = previous[1]
        folder.removed = sorted(p.name for p in folder.path.iterdir())
        shutil.rmtree(folder.path, ignore_errors=True)
