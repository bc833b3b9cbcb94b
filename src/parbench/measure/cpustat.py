"""How many CPUs a run kept busy, and how many it wanted, between two moments.

CPU seconds per wall second, summed over every thread of this process and its
descendants, is how many CPUs the run kept busy. Adding the time those threads were
ready to run but waited for a CPU (Linux's per-thread ``schedstat``) gives how many it
wanted. The difference is physics, not statistics: a thread that waits for the GIL sleeps
and is not counted as wanting a CPU, so work that holds the GIL wants about one CPU under
any number of threads, while work that releases it wants one per thread; and a run that
wanted CPUs it was allowed to use, and did not get them, was disturbed by something else.
Where run-queue waits cannot be read, only CPU time is reported.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import psutil

PROC = Path("/proc")


@dataclass(frozen=True)
class Sample:
    """Cumulative CPU and run-queue wait seconds per thread (``(pid, tid)``) at ``when``
    (``time.perf_counter``); ``wait`` is ``None`` where the platform does not report it.
    ``machine`` is the CPU seconds every process on the machine has used (``None`` where
    unknown): what the tree did not use of it, something else did."""

    when: float
    cpu: dict[tuple[int, int], float]
    wait: dict[tuple[int, int], float] | None
    machine: float | None = None


@dataclass(frozen=True)
class Usage:
    """What a tree of processes did between two samples, and (``others``) the CPU seconds
    everything else on the machine used meanwhile."""

    wall: float
    cpu: float
    wait: float | None
    others: float | None = None

    @property
    def busy(self) -> float:
        """CPUs kept busy: CPU seconds per wall second."""
        return self.cpu / self.wall

    @property
    def wanted(self) -> float | None:
        """CPUs wanted: CPU plus run-queue wait seconds per wall second."""
        return None if self.wait is None else (self.cpu + self.wait) / self.wall

    @property
    def computing(self) -> float | None:
        """CPU seconds per wall second not spent waiting for a CPU, at most 1: for one
        thread (serial), the share of its time it computed when it was not kept from
        computing: 1 for CPU work however busy the machine, near 0 for work that waits.
        (Several threads wait side by side, so for a pool it says little.)"""
        return None if self.wait is None else computing(self.cpu, self.wall, self.wait)

    @property
    def waiting(self) -> float | None:
        """Run-queue wait seconds per wall second (threads ready to run, not running)."""
        return None if self.wait is None else self.wait / self.wall


def computing(cpu: float, wall: float, wait: float) -> float:
    """``cpu`` seconds over the ``wall`` seconds not spent on the ``wait`` for a CPU, at
    most 1 (see ``Usage.computing``)."""
    return cpu / max(wall - wait, cpu, 1e-9)


class Tree:
    """This process and (unless ``descendants`` is false) its descendants, as found when
    made.

    Finding descendants reads every process on the machine, so it is done once per pool,
    not once per sample; a process that starts later is not counted. With ``reaped``,
    the tree also counts, as a whole, the CPU time of the processes that it has waited
    for since, whether this process reaped them or a descendant did (a pool that starts
    and ends its workers within a round; under forkserver, the server is their parent);
    their run-queue waits are lost with them, so every wait goes unreported.
    """

    def __init__(self, descendants: bool = True, *, reaped: bool = False) -> None:
        me = psutil.Process()
        children = []
        if descendants:
            try:
                children = [child.pid for child in me.children(recursive=True)]
            except psutil.Error:
                children = []
        self.pids = [me.pid, *children]
        self.reaped = reaped

    def sample(self) -> Sample:
        """Every known thread's counters now."""
        if (PROC / "self" / "schedstat").exists():
            found = _schedstat(self.pids)
        else:
            found = _cpu_times(self.pids)
        if self.reaped:
            found = replace(found, cpu={**found.cpu, **_reaped(self.pids)}, wait=None)
        return replace(found, machine=machine_busy())


def _reaped(pids: list[int]) -> dict[tuple[int, int], float]:
    """The CPU seconds of the exited processes that ``pids`` (this process first) have
    waited for, by parent, under the key ``(pid, -1)``."""
    gone = os.times()
    found = {(pids[0], -1): gone.children_user + gone.children_system}
    for pid in pids[1:]:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        found[pid, -1] = times.children_user + times.children_system
    return found


def machine_busy() -> float | None:
    """CPU seconds used so far by everything on the machine (time stolen by a hypervisor
    included), or ``None`` where unknown. Counted in scheduler ticks: a sum over many
    short rounds is accurate, a single round of a few milliseconds is not."""
    try:
        times = psutil.cpu_times()._asdict()
    except (psutil.Error, OSError):
        return None
    idle = times.get("idle", 0.0) + times.get("iowait", 0.0)
    # Linux counts a guest's time in user and nice as well: count it once.
    guests = times.get("guest", 0.0) + times.get("guest_nice", 0.0)
    return sum(times.values()) - idle - guests


def _schedstat(pids: list[int]) -> Sample:
    """Per-thread counters from ``/proc``. The kernel brings a running thread's CPU time
    there up to date only at scheduler ticks, so this process's own CPU time, whose
    threads may be running now, is read from its exact clock instead; other processes'
    workers are idle between rounds, and their counters are current."""
    me, when = os.getpid(), time.perf_counter()
    cpu: dict[tuple[int, int], float] = {(me, 0): time.process_time()}
    wait: dict[tuple[int, int], float] = {}
    for pid in pids:
        try:
            tids = os.listdir(PROC / str(pid) / "task")
        except OSError:
            continue
        for tid in tids:
            try:
                fields = (PROC / str(pid) / "task" / tid / "schedstat").read_text().split()
            except OSError:
                continue
            if pid != me:
                cpu[pid, int(tid)] = int(fields[0]) / 1e9
            wait[pid, int(tid)] = int(fields[1]) / 1e9
    return Sample(when, cpu, wait)


def _cpu_times(pids: list[int]) -> Sample:
    when = time.perf_counter()
    cpu: dict[tuple[int, int], float] = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        cpu[pid, 0] = times.user + times.system
    return Sample(when, cpu, None)


def _delta(before: dict[tuple[int, int], float], after: dict[tuple[int, int], float]) -> float:
    """Seconds accrued between the samples; a thread first seen in ``after`` started in
    between, so all of its time counts. A thread gone by ``after`` is lost with its time."""
    return sum(value - before.get(key, 0.0) for key, value in after.items())


def usage(before: Sample, after: Sample) -> Usage:
    """What happened between ``before`` and ``after``."""
    wait = None
    if before.wait is not None and after.wait is not None:
        wait = _delta(before.wait, after.wait)
    wall = max(after.when - before.when, 1e-9)
    cpu = _delta(before.cpu, after.cpu)
    others = None
    if before.machine is not None and after.machine is not None:
        others = max(0.0, after.machine - before.machine - cpu)
    return Usage(wall=wall, cpu=cpu, wait=wait, others=others)
