"""Holding the GIL: pure Python arithmetic, about 2 ms of it, during which no other
thread of the process runs Python."""

ITERATIONS = 50_000


def compute(iterations: int) -> int:
    total = 0
    for i in range(iterations):
        total += i * i
    return total


def handle(path: str) -> bytes:
    return b"%d\n" % compute(ITERATIONS)
