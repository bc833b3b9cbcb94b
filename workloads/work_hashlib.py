"""Work of ``size`` microseconds a task in SHA-256: CPU work in C that releases the GIL.

``hashlib`` releases the GIL while it hashes more than 2 KiB at once, so tasks hashed in
blocks of ``BLOCK_BYTES`` run in parallel in threads; a task shorter than one block
(a few microseconds) holds the GIL, as such small hashing does. A batch holds the same
total of work at every task size (``_work``). Part of ``--parbench-granularity``.
"""

from __future__ import annotations

import functools
import hashlib

from . import _work

# Measured by --parbench-granularity, or when named with --parbench-workloads.
IN_DEFAULT_RUN = False
KIND = _work.KIND
SIZES = _work.SIZES
BLOCK_BYTES = 64 * 1024


@functools.cache
def _block() -> bytes:
    """The bytes every task hashes, block after block: made once per process."""
    return hashlib.shake_256(b"parbench").digest(BLOCK_BYTES)


def run(task: tuple[int, int]) -> str:
    """The SHA-256 hex digest of ``seed`` (8 bytes, big-endian) followed by ``length``
    bytes of the block repeated, for ``task = (seed, length)``."""
    seed, length = task
    digest = hashlib.sha256(seed.to_bytes(8, "big"))
    whole, rest = divmod(length, BLOCK_BYTES)
    block = memoryview(_block())
    for _ in range(whole):
        digest.update(block)
    digest.update(block[:rest])
    return digest.hexdigest()


@functools.cache
def _bytes_per_second() -> float:
    return _work.per_second(lambda length: run((0, length)), BLOCK_BYTES)


def tasks(size: int) -> list[tuple[int, int]]:
    """``_work.task_count(size)`` tasks of about ``size`` µs of hashing each, under four
    seeds, so that results out of order show."""
    length = max(1, round(_bytes_per_second() * size / 1e6))
    return [(index % 4, length) for index in range(_work.task_count(size))]


@functools.cache
def _expected(seed: int, length: int) -> str:
    whole, rest = divmod(length, BLOCK_BYTES)
    data = seed.to_bytes(8, "big") + _block() * whole + _block()[:rest]
    return hashlib.sha256(data).hexdigest()


def check(tasks: list[tuple[int, int]], results: list[str]) -> None:
    """Each digest matches one computed in a single call over the joined bytes."""
    for index, (task, result) in enumerate(zip(tasks, results, strict=True)):
        if result != _expected(*task):
            raise AssertionError(f"task {index}: digest {result} of {task} is wrong")
