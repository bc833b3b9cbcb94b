"""A pure-Python loop of a few milliseconds a task (CPU-bound, holds the GIL throughout)."""

from __future__ import annotations

KIND = "cpu"

#: Loop iterations a task: about 5 ms each on a current CPython.
ITERATIONS = 100_000

#: ``size`` is the number of tasks.
SIZES = {"quick": 8, "default": 16, "article": 16}


def tasks(size: int) -> list[int]:
    """``size`` loop lengths, each a little different so that results out of order show."""
    return [ITERATIONS + index for index in range(size)]


def run(n: int) -> int:
    """The sum of ``i * i`` for ``i`` below ``n``, one Python operation at a time."""
    total = 0
    for i in range(n):
        total += i * i
    return total


def check(tasks: list[int], results: list[int]) -> None:
    """Each result equals the closed form (n - 1) n (2n - 1) / 6."""
    for index, (n, result) in enumerate(zip(tasks, results, strict=True)):
        expected = (n - 1) * n * (2 * n - 1) // 6
        if result != expected:
            raise AssertionError(f"task {index}: sum of squares below {n} came back as {result}")
