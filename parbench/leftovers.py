"""What a run leaves behind: threads, child processes, sockets and temporary folders.

A snapshot is taken when the run starts and compared when it ends, so that only what
the run itself added is reported. Multiprocessing's own helper processes (the
forkserver and the resource tracker) are not counted: they live as long as the
interpreter by design and end with it. Nor are the temporary folders of other runs
still going (``scratch``) in the same temporary directory.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing import forkserver, resource_tracker
from pathlib import Path

from parbench import scratch

TEMP_PREFIX = "parbench-"
# Names listed in the clean-up line of each kind; beyond this, a count.
_SHOWN = 10


@dataclass(frozen=True)
class Snapshot:
    threads: frozenset[str]
    children: frozenset[int]
    sockets: frozenset[str]
    temporary: frozenset[str]


def _children() -> set[int]:
    """Live child processes of this process, less multiprocessing's helpers."""
    found: set[int] = set()
    tasks = Path("/proc/self/task")
    if tasks.is_dir():
        for task in tasks.iterdir():
            try:
                found.update(int(pid) for pid in (task / "children").read_text().split())
            except OSError:
                continue
    else:
        found.update(p.pid for p in multiprocessing.active_children() if p.pid)
    # Private but stable since 3.4: the one forkserver and resource tracker of this process.
    found.discard(getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None))
    found.discard(getattr(getattr(resource_tracker, "_resource_tracker", None), "_pid", None))
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


def snapshot() -> Snapshot:
    """What this process has now."""
    return Snapshot(
        threads=frozenset(f"{t.name}#{t.ident}" for t in threading.enumerate()),
        children=frozenset(_children()),
        sockets=frozenset(_sockets()),
        temporary=frozenset(_temporary()),
    )


def _listed(items: Sequence[object]) -> str:
    shown = ", ".join(map(str, items[:_SHOWN]))
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def added(before: Snapshot, after: Snapshot, removed: Sequence[str] = ()) -> list[str]:
    """What ``after`` has that ``before`` did not, in words; empty when nothing.

    ``removed`` names what the run left in its temporary folder (``scratch``), which
    is gone with the folder but was left all the same.
    """
    found = []
    if threads := sorted(after.threads - before.threads):
        found.append(f"{len(threads)} thread(s): {', '.join(t.split('#')[0] for t in threads)}")
    if children := sorted(after.children - before.children):
        found.append(f"{len(children)} child process(es): pids {', '.join(map(str, children))}")
    if sockets := after.sockets - before.sockets:
        found.append(f"{len(sockets)} open socket(s)")
    if temporary := sorted(after.temporary - before.temporary):
        found.append(f"temporary folder(s) in {tempfile.gettempdir()}: {', '.join(temporary)}")
    if removed:
        found.append(
            f"{len(removed)} item(s) in the run's temporary folder, removed with it: "
            f"{_listed(removed)}"
        )
    return found
