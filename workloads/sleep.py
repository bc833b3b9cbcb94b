"""Pure waiting with ``time.sleep``: the ideal I/O-bound case, with no CPU work at all."""

from __future__ import annotations

import time

KIND = "io"

#: Seconds each task waits; the same as the download workload's default latency.
LATENCY_S = 0.05

#: ``size`` is the number of tasks.
SIZES = {"quick": 8, "default": 16, "article": 16}


def tasks(size: int) -> list[int]:
    """Task numbers ``0 .. size - 1``."""
    return list(range(size))


def run(index: int) -> int:
    """Wait ``LATENCY_S`` seconds, then return the task's number."""
    time.sleep(LATENCY_S)
    return index


def check(tasks: list[int], results: list[int]) -> None:
    """Every task came back once, in order."""
    if results != tasks:
        raise AssertionError(f"expected task numbers {tasks}, got {results}")
