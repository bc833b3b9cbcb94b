"""Known answer: mixed work, 10 ms of sleep and about 10 ms of Python a task (CPU share
one half). Processes overlap one's wait with another's computing, up to
CPUs / share = 4x on 2 cores; threads on this GIL-holding Python, up to 1 / share = 2x."""

import time

KIND = "mixed"
SIZES = {"quick": 4, "default": 16, "article": 16}
LOOP = 160_000


def tasks(size: int) -> list[int]:
    return [LOOP + i for i in range(size)]


def run(n: int) -> int:
    time.sleep(0.01)
    total = 0
    for i in range(n):
        total += i * i
    return total


def check(tasks: list[int], results: list[int]) -> None:
    assert results == [(n - 1) * n * (2 * n - 1) // 6 for n in tasks]
