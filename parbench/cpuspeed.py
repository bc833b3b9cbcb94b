"""How fast a CPU runs this process's Python right now: a fixed reference loop, timed.

A neighbour can slow a run without making it wait for a CPU: on a machine whose CPUs
are hardware threads of shared cores (most virtual machines among them), a busy
neighbour on the sibling thread, a lower clock under load, or a contended cache make
every instruction slower while the run looks fully served. Nothing in the process's
CPU counters shows it; the same loop taking longer does. Timed just before each
measured round, the loop's median over a case's rounds is the CPU speed that case ran
at; compared across a workload's cases (serial included), it says which of them ran
on a slowed machine, and by how much.
"""

from __future__ import annotations

import time

# About half a millisecond on a 2020s CPU: long enough for perf_counter to resolve it to a
# fraction of a percent, short enough to time before every sampled round.
ITERATIONS = 20_000


def reference_seconds() -> float:
    """Wall seconds this thread takes to run the reference loop once, now."""
    started = time.perf_counter()
    total = 0
    for i in range(ITERATIONS):
        total += i
    return time.perf_counter() - started
