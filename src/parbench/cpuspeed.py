"""How fast a CPU runs this process's Python right now: a fixed reference loop, timed.

A neighbour can slow a run without making it wait for a CPU: on a machine whose CPUs
are hardware threads of shared cores, a busy neighbour on the sibling thread, a lower
clock under load, a contended cache, or a hypervisor that takes the virtual CPU away
(steal time) make the same work take longer while the run looks fully served. Nothing
in the process's CPU counters shows all of these; the same loop taking longer does.
Timed in the main thread just before each measured round, the loop's median over a
case's rounds is the speed of the CPU that thread was given around that case's rounds
(for a process pool, a proxy for its workers' CPUs); compared across a workload's
cases, serial included, it says which of them ran on a slowed machine, and by how much.

The loop's time is its wall time less the time its thread waited for a CPU, since that
wait is measured on its own (``cpustat``) and must not count twice: Linux reports the
wait per thread (``/proc/thread-self/schedstat``). Elsewhere the thread's CPU time stands
in for it (it leaves steal time out), and where that clock is coarse (Windows' ticks
every 15.6 ms), wall time.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

# About half a millisecond on a 2020s CPU: long enough for the clocks to resolve it to a
# fraction of a percent, short enough to time before every sampled round.
ITERATIONS = 20_000
SCHEDSTAT = Path("/proc/thread-self/schedstat")


def _loop() -> None:
    total = 0
    for i in range(ITERATIONS):
        total += i


def _waited() -> float:
    """Seconds this thread has waited on a run queue, so far."""
    return int(SCHEDSTAT.read_text().split()[1]) / 1e9


def _unqueued() -> float:
    waited, started = _waited(), time.perf_counter()
    _loop()
    ended = time.perf_counter()
    return ended - started - (_waited() - waited)


def _clocked(clock: Callable[[], float]) -> Callable[[], float]:
    def timed() -> float:
        started = clock()
        _loop()
        return clock() - started

    return timed


if SCHEDSTAT.exists():
    _measure = _unqueued
elif sys.platform != "win32":
    _measure = _clocked(time.thread_time)
else:
    _measure = _clocked(time.perf_counter)
#: Whether a wait for a CPU is left out of the loop's time here.
LEAVES_OUT_WAITS = sys.platform != "win32"


def reference_seconds() -> float:
    """Seconds the reference loop takes this thread now, not counting any wait for a CPU
    (where that can be told: see the module's docstring); never below a nanosecond."""
    return max(_measure(), 1e-9)
