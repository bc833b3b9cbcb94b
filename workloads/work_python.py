"""Work of ``size`` microseconds a task in a pure-Python loop: CPU work that holds the GIL.

A batch holds the same total of work at every task size (``_work``), so a sweep over
sizes shows from what task size each strategy pays off. Part of ``--parbench-granularity``.
"""

from __future__ import annotations

import functools

from . import _work

# Measured by --parbench-granularity, or when named with --parbench-workloads.
IN_DEFAULT_RUN = False
KIND = _work.KIND
SIZES = _work.SIZES


def run(n: int) -> int:
    """The sum of ``i * i`` for ``i`` below ``n``, one Python operation at a time."""
    total = 0
    for i in range(n):
        total += i * i
    return total


@functools.cache
def _iterations_per_second() -> float:
    return _work.per_second(run, 1000)


def tasks(size: int) -> list[int]:
    """``_work.task_count(size)`` loop lengths of about ``size`` µs each; they differ a
    little, so that results out of order show."""
    iterations = max(1, round(_iterations_per_second() * size / 1e6))
    return [iterations + index % 4 for index in range(_work.task_count(size))]


def check(tasks: list[int], results: list[int]) -> None:
    """Each result equals the closed form (n - 1) n (2n - 1) / 6."""
    for index, (n, result) in enumerate(zip(tasks, results, strict=True)):
        if result != (n - 1) * n * (2 * n - 1) // 6:
            raise AssertionError(f"task {index}: sum of squares below {n} came back as {result}")
