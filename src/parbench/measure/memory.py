"""What a case's process tree holds in memory while it runs a batch, sampled outside the
timed rounds.

A case's tree is this process and every process under it (a process pool's workers, a
local dask cluster's), less those that were there before the case began (``present``):
a multiprocessing forkserver or resource tracker that an earlier case started lives on
for the rest of the session, and is no cost of the cases after it (the workers a
forkserver starts for a later case are).

``peak_while`` runs an untimed action (one more round of the case, repeated while
shorter than ``LEAST_WATCH_S``) while a background thread samples the tree every
``SAMPLE_EVERY_S`` and keeps the largest of two sums:

- resident: every process's resident memory (RSS). A page that several processes share
  (a forked worker's pages inherited from this process, shared libraries) counts once
  per process, as adding up ``top``'s column would.
- footprint: this process's resident memory plus the unique memory (USS: the pages no
  other process holds) of every process under it. A page a worker shares with this
  process counts once, in this process; what a worker adds is what it alone holds. It
  is ``None`` where the platform does not report unique memory (psutil's
  ``memory_full_info``), or would not for a process of the tree.

The unique memory of the tree as a whole would be no measure: after a fork, the pages
this process shares with its workers belong to none of them alone, and drop out.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psutil

# A sample reads each process's memory map summary (about 0.2 ms a process on Linux):
# every 10 ms keeps the sampler's share of a CPU small beside a pool of 16 workers.
SAMPLE_EVERY_S = 0.01
# A round shorter than this is run again until it has been watched this long, so that a
# pool whose workers live only within a round (a cold pool) is seen by some samples.
LEAST_WATCH_S = 0.1
# ... but never more than this many times.
MOST_REPEATS = 100


@dataclass(frozen=True)
class Peak:
    """The largest sums over a process tree's samples (see the module's docstring):
    ``resident_bytes``, ``footprint_bytes`` (``None`` where unreported) and
    ``processes``, the most processes the tree held at once. Each is its own maximum:
    they need not come from the same sample."""

    resident_bytes: int
    footprint_bytes: int | None
    processes: int


def present() -> frozenset[int]:
    """The process ids under this process now: the processes a case did not start."""
    try:
        return frozenset(p.pid for p in psutil.Process(os.getpid()).children(recursive=True))
    except psutil.Error:
        return frozenset()


def sample(root: psutil.Process, leave_out: frozenset[int] = frozenset()) -> Peak:
    """The memory of ``root`` and every process under it but those ``leave_out`` names,
    now (a ``Peak`` of one sample). A process that ends while it is read is left out; the
    footprint is ``None`` if a process under ``root`` would not give its unique memory."""
    try:
        below = [p for p in root.children(recursive=True) if p.pid not in leave_out]
    except psutil.Error:
        below = []
    own = root.memory_info().rss
    resident, counted = own, 1
    footprint: int | None = own
    for process in below:
        try:
            resident += process.memory_info().rss
            counted += 1
        except psutil.Error:
            continue
        if footprint is None:
            continue
        try:
            footprint += process.memory_full_info().uss
        except (psutil.Error, AttributeError, NotImplementedError):
            footprint = None
    return Peak(resident, footprint, counted)


class _Sampler:
    """Samples a tree from a background thread until stopped; keeps the peaks."""

    def __init__(self, root: psutil.Process, leave_out: frozenset[int]) -> None:
        self._root = root
        self._leave_out = leave_out
        self._samples: list[Peak] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="parbench-memory", daemon=True)

    def __enter__(self) -> _Sampler:
        self._samples.append(sample(self._root, self._leave_out))
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        # A sample takes milliseconds; the bound only guards against a hung /proc read.
        self._thread.join(timeout=5)
        self._samples.append(sample(self._root, self._leave_out))

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            self._samples.append(sample(self._root, self._leave_out))

    @property
    def peak(self) -> Peak:
        samples = list(self._samples)
        footprints = [s.footprint_bytes for s in samples if s.footprint_bytes is not None]
        return Peak(
            resident_bytes=max(s.resident_bytes for s in samples),
            footprint_bytes=max(footprints) if footprints else None,
            processes=max(s.processes for s in samples),
        )


def peak_while(action: Callable[[], object], leave_out: frozenset[int] = frozenset()) -> Peak:
    """The peaks of this process's tree, less the processes ``leave_out`` names (see
    ``present``), while ``action`` runs: once, and again while all the runs so far took
    less than ``LEAST_WATCH_S`` (at most ``MOST_REPEATS`` times)."""
    with _Sampler(psutil.Process(os.getpid()), leave_out) as sampler:
        started = time.perf_counter()
        for _ in range(MOST_REPEATS):
            action()
            if time.perf_counter() - started >= LEAST_WATCH_S:
                break
    return sampler.peak
