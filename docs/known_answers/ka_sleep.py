"""Known answer: waiting. Every worker waits at once: threads and processes gain up to
the workers (tasks permitting), whatever the cores."""

import time

KIND = "io"
SIZES = {"quick": 4, "default": 16, "article": 16}


def tasks(size: int) -> list[int]:
    return list(range(size))


def run(n: int) -> int:
    time.sleep(0.02)
    return n


def check(tasks: list[int], results: list[int]) -> None:
    assert results == tasks
