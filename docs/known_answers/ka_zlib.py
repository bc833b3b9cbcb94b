"""Known answer: compressing large buffers. ``zlib`` releases the GIL while it compresses:
threads gain as much as processes, up to the cores."""

import functools
import zlib

KIND = "cpu"
SIZES = {"quick": 4, "default": 16, "article": 16}


@functools.cache
def _buffer() -> bytes:
    return b"".join(i.to_bytes(4, "little") * 3 for i in range(30_000))


def tasks(size: int) -> list[int]:
    return list(range(size))


def run(seed: int) -> int:
    return len(zlib.compress(seed.to_bytes(4, "little") + _buffer(), 6))


@functools.cache
def _expected(seed: int) -> int:
    return len(zlib.compress(seed.to_bytes(4, "little") + _buffer(), 6))


def check(tasks: list[int], results: list[int]) -> None:
    assert results == [_expected(seed) for seed in tasks]
