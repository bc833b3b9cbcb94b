"""What a run leaves behind: threads, processes, sockets, temporary folders, and files in
the current folder.

A snapshot is taken when the run starts and compared when it ends, so that only what
the run itself added is reported.

Processes are looked for in the whole tree the run created, not only among its
children: a task in a process worker may start a program of its own, which is
re-parented to init once the worker exits, and forkserver's workers are children of the
forkserver, not of the main process. So ``begin`` marks the run with an environment
variable (``PARBENCH_RUN``) that every process it starts inherits, whatever the start
method, and a process still running at the end is the run's if it carries the mark or
descends from the main process. (A program started with an environment of its own is
seen only while it is still in the tree.) Multiprocessing's own helper processes, the
forkserver and the resource tracker, are not counted: they live as long as the
interpreter by design and end with it. Nor are the temporary folders of other runs
still going (``scratch``) in the same temporary directory.

Files a task writes into the current folder (a relative path) are not the run's
temporary files, and stay: the entries of the current folder that the run added are
named, but for hidden ones and ``__pycache__`` (pytest's cache, pytest-benchmark's
storage, Python's bytecode: tools' files, not the tasks').
"""

from __future__ import annotations

import os
import tempfile
import threading
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing import forkserver, resource_tracker
from pathlib import Path

import psutil

from parbench.measure import scratch

TEMP_PREFIX = "parbench-"
RUN_VARIABLE = "PARBENCH_RUN"
# Threads that a library starts on first use and keeps, by design, for as long as the
# interpreter runs: dask.distributed's offload thread (its own tests start it early so
# that their leak checks pass).
_LIFELONG_THREADS = ("Dask-Offload",)
# Names of removed files listed in the clean-up line; beyond this, a count. (Every pid
# of a process still running is listed: it is what the user needs to end it.)
_SHOWN = 10


@dataclass(frozen=True, order=True)
class Started:
    """A running process, told apart from a later one that reuses its pid."""

    pid: int
    created: float
    name: str = field(compare=False)


@dataclass(frozen=True)
class Snapshot:
    threads: frozenset[str]
    processes: frozenset[Started]
    sockets: frozenset[str]
    temporary: frozenset[str]
    here: frozenset[str] = frozenset()


def _helpers() -> set[int | None]:
    # Private but stable since 3.4: the one forkserver and resource tracker of this process.
    return {
        getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None),
        getattr(getattr(resource_tracker, "_resource_tracker", None), "_pid", None),
    }


def _marked(mark: str, since: float) -> list[psutil.Process]:
    """Processes started at ``since`` or later that carry ``mark``."""
    found = []
    # Reading a start time is much cheaper than reading an environment: filter first.
    for process in psutil.process_iter(["create_time"]):
        if (process.info["create_time"] or 0) < since:
            continue
        try:
            if process.environ().get(RUN_VARIABLE) == mark:
                found.append(process)
        except psutil.Error:
            continue
    return found


def _processes() -> set[Started]:
    """Running processes of this run (descendants, and marked ones), less the helpers."""
    this = psutil.Process()
    candidates = this.children(recursive=True)
    if mark := os.environ.get(RUN_VARIABLE):
        # Whatever this process started, it started after this process did.
        candidates += _marked(mark, this.create_time() - scratch.CLOCK_SLACK_S)
    helpers = _helpers()
    found = set()
    for process in candidates:
        if process.pid == this.pid or process.pid in helpers:
            continue
        try:
            with process.oneshot():
                if process.status() != psutil.STATUS_ZOMBIE:
                    found.add(Started(process.pid, process.create_time(), process.name()))
        except psutil.Error:
            continue
    return found


def _sockets() -> set[str]:
    descriptors = Path("/proc/self/fd")
    if not descriptors.is_dir():
        return set()
    found = set()
    for fd in descriptors.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


def _temporary() -> set[str]:
    """Temporary folders of parbench, less those of other runs still going."""
    found = set()
    for folder in Path(tempfile.gettempdir()).glob(TEMP_PREFIX + "*"):
        ours = folder.name.startswith(f"{scratch.PREFIX}{os.getpid()}-")
        if ours or not folder.name.startswith(scratch.PREFIX) or not scratch.owner_alive(folder):
            found.add(folder.name)
    return found


def _here() -> set[str]:
    """The entries of the current folder, less hidden ones and ``__pycache__``."""
    try:
        names = os.listdir()
    except OSError:
        return set()
    return {n for n in names if not n.startswith(".") and n != "__pycache__"}


def begin() -> Snapshot:
    """Take the snapshot that this run's leftovers are measured against, and mark every
    process started from now on as this run's."""
    # No process carries the new mark yet: the snapshot needs none (and skips the search).
    os.environ.pop(RUN_VARIABLE, None)
    before = snapshot()
    os.environ[RUN_VARIABLE] = f"{os.getpid()}-{uuid.uuid4().hex}"
    return before


def snapshot() -> Snapshot:
    """What this process has now."""
    return Snapshot(
        threads=frozenset(
            f"{t.name}#{t.ident}"
            for t in threading.enumerate()
            if not t.name.startswith(_LIFELONG_THREADS)
        ),
        processes=frozenset(_processes()),
        sockets=frozenset(_sockets()),
        temporary=frozenset(_temporary()),
        here=frozenset(_here()),
    )


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def _by_command(processes: list[Started]) -> str:
    pids: dict[str, list[int]] = defaultdict(list)
    for process in processes:
        pids[process.name].append(process.pid)
    return ", ".join(
        f"{name} (pid{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))})"
        for name, numbers in sorted(pids.items())
    )


def added(before: Snapshot, after: Snapshot, removed: Sequence[str] = ()) -> list[str]:
    """What ``after`` has that ``before`` did not, in words; empty when nothing.

    ``removed`` names what the run left in its temporary folder (``scratch``), which
    is gone with the folder but was left all the same.
    """
    found = []
    if threads := sorted(after.threads - before.threads):
        found.append(f"{len(threads)} thread(s): {', '.join(t.split('#')[0] for t in threads)}")
    if processes := sorted(after.processes - before.processes):
        found.append(f"{len(processes)} process(es) still running: {_by_command(processes)}")
    if sockets := after.sockets - before.sockets:
        found.append(f"{len(sockets)} open socket(s)")
    if temporary := sorted(after.temporary - before.temporary):
        found.append(f"temporary folder(s) in {tempfile.gettempdir()}: {', '.join(temporary)}")
    if here := sorted(after.here - before.here):
        found.append(f"{len(here)} item(s) in the current folder {os.getcwd()}: {_listed(here)}")
    if removed:
        found.append(
            f"{len(removed)} item(s) in the run's temporary folder, removed with it: "
            f"{_listed(removed)}"
        )
    return found
