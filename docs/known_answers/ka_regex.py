"""Known answer: C that holds the GIL. The ``re`` engine keeps the GIL while it matches
(CPython's documentation lists no release for it): processes gain, threads do not."""

import functools
import re

KIND = "cpu"
SIZES = {"quick": 4, "default": 16, "article": 16}
PATTERN = re.compile(r"(\w+)@(\w+)\.com")


@functools.cache
def _text() -> str:
    return " ".join(f"user{i}@host{i % 97}.com filler{i}" for i in range(4_000))


def tasks(size: int) -> list[int]:
    return list(range(size))


def run(seed: int) -> int:
    return len(PATTERN.findall(_text())) + seed


def check(tasks: list[int], results: list[int]) -> None:
    assert results == [4_000 + seed for seed in tasks]
