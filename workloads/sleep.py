"""Pure waiting with ``time.sleep``: the ideal I/O-bound case, with no CPU work at all.

Each task waits the network's latency (``--parbench-latency``, 50 ms by default, from the
context), so that sleep is what the download workload would be if its requests cost
nothing but the wait. Its async variant waits with ``asyncio.sleep``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

KIND = "io"

#: ``size`` is the number of tasks.
SIZES = {"quick": 8, "default": 16, "article": 16}


def tasks(size: int, context: Any) -> list[tuple[int, float]]:
    """Task numbers ``0 .. size - 1``, each with the context's latency, the seconds it
    waits."""
    return [(index, context.latency) for index in range(size)]


def run(task: tuple[int, float]) -> int:
    """Wait the task's seconds, then return its number."""
    index, seconds = task
    time.sleep(seconds)
    return index


async def arun(task: tuple[int, float]) -> int:
    """``run`` on an event loop: wait with ``asyncio.sleep``, then return the task's number."""
    index, seconds = task
    await asyncio.sleep(seconds)
    return index


def check(tasks: list[tuple[int, float]], results: list[int]) -> None:
    """Every task came back once, in order."""
    expected = [index for index, _ in tasks]
    if results != expected:
        raise AssertionError(f"expected task numbers {expected}, got {results}")
