"""Known answer: pure Python that holds the GIL. Processes gain up to the cores; threads
gain nothing (one runs Python at a time)."""

KIND = "cpu"
SIZES = {"quick": 4, "default": 16, "article": 16}
LOOP = 60_000


def tasks(size: int) -> list[int]:
    return [LOOP + i for i in range(size)]


def run(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def check(tasks: list[int], results: list[int]) -> None:
    assert results == [(n - 1) * n * (2 * n - 1) // 6 for n in tasks]
