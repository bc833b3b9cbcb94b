"""A task that does nothing: what a strategy costs to start and per task, not the work.

Run alone (``x1``) in a cold pool it times making a pool, getting a first result and
shutting the pool down; run many times in a warm pool it times the per-task overhead of
``executor.map``. ``size`` is the number of tasks. Part of ``--parbench-granularity``.
"""

from __future__ import annotations

# Measured by --parbench-granularity, or when named with --parbench-workloads.
IN_DEFAULT_RUN = False
KIND = "cpu"

SIZES = {"quick": 200, "default": 2000, "article": 2000}


def tasks(size: int) -> list[int]:
    """The numbers below ``size``."""
    return list(range(size))


def run(n: int) -> int:
    """``n`` itself."""
    return n


def check(tasks: list[int], results: list[int]) -> None:
    """Every task comes back as itself, in task order."""
    for index, (n, result) in enumerate(zip(tasks, results, strict=True)):
        if result != n:
            raise AssertionError(f"task {index}: {n} came back as {result}")
