"""How fast a CPU runs this process's Python right now: a fixed reference loop, timed.

A neighbour can slow a run without making it wait for a CPU: on a machine whose CPUs
are hardware threads of shared cores (most virtual machines among them), a busy
neighbour on the sibling thread, a lower clock under load, or a contended cache make
every instruction slower while the run looks fully served. Nothing in the process's
CPU counters shows it; the same loop taking more CPU time does. Timed just before each
measured round, the loop's median over a case's rounds is the CPU speed that case ran
at; compared across a workload's cases (serial included), it says which of them ran
on a slowed CPU, and by how much.

The loop is timed by the CPU time of its thread where that clock is fine-grained, so
that waiting for a CPU, which ``cpustat`` measures on its own, is not counted twice;
elsewhere (Windows' thread clock ticks every 15.6 ms) by wall time.
"""

from __future__ import annotations

import time

# About half a millisecond on a 2020s CPU: long enough for the clock to resolve it to a
# fraction of a percent, short enough to time before every sampled round.
ITERATIONS = 20_000
FINE_CLOCK_S = 1e-6
CLOCK = (
    time.thread_time
    if time.get_clock_info("thread_time").resolution <= FINE_CLOCK_S
    else time.perf_counter
)


def reference_seconds() -> float:
    """Seconds this thread takes to run the reference loop once, now (CPU seconds where
    the thread's CPU clock is fine-grained, else wall seconds)."""
    started = CLOCK()
    total = 0
    for i in range(ITERATIONS):
        total += i
    return CLOCK() - started
