"""``math.factorial`` over the article's numbers (CPU-bound, holds the GIL).

Faithful to the article: ``[10, 20, 30, 40, 50] * 100000``; ``size`` is that repetition.
Each task is tiny (well under a microsecond), so per-task overhead decides which
strategy wins: the point the article's own process-pool code, at chunksize 1, misses.
"""

from __future__ import annotations

import math
from functools import reduce
from operator import mul

KIND = "cpu"

NUMBERS = [10, 20, 30, 40, 50]

#: Repetitions of ``NUMBERS``: the article's is 100000 (500,000 tasks). The default is
#: far smaller so that the chunksize-1 process pools, at about a minute a round on 2
#: cores at the article's size, fit the default run (a second a round at 2,500 tasks).
SIZES = {"quick": 200, "default": 500, "article": 100000}


def tasks(size: int) -> list[int]:
    """The article's numbers, repeated ``size`` times."""
    return NUMBERS * size


def run(n: int) -> int:
    """The factorial of ``n``."""
    return math.factorial(n)


def check(tasks: list[int], results: list[int]) -> None:
    """Each result is the product 1 * 2 * ... * n of its task, in task order."""
    expected = {n: reduce(mul, range(1, n + 1), 1) for n in set(tasks)}
    for index, (n, result) in enumerate(zip(tasks, results, strict=True)):
        if result != expected[n]:
            raise AssertionError(f"task {index}: factorial({n}) came back as {result}")
