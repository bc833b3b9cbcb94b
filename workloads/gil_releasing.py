"""SHA-256 over a few megabytes a task: CPU work in C that releases the GIL.

``hashlib`` drops the GIL while it hashes buffers larger than 2 KiB, so threads can run
this in parallel on several cores even on a build with the GIL.
"""

from __future__ import annotations

import functools
import hashlib

KIND = "cpu"

#: Bytes hashed by each task.
BUFFER_BYTES = 8 * 1024 * 1024

#: ``size`` is the number of tasks.
SIZES = {"quick": 4, "default": 16, "article": 16}


@functools.cache
def _buffer() -> bytes:
    """The bytes every task hashes: made once per process, deterministic."""
    return hashlib.shake_256(b"parbench").digest(BUFFER_BYTES)


def tasks(size: int) -> list[int]:
    """``size`` seeds; each task hashes its seed followed by the shared buffer."""
    return list(range(size))


def run(seed: int) -> str:
    """The SHA-256 hex digest of ``seed`` (8 bytes, big-endian) followed by the buffer."""
    digest = hashlib.sha256(seed.to_bytes(8, "big"))
    digest.update(_buffer())
    return digest.hexdigest()


@functools.cache
def _expected(seed: int) -> str:
    data = seed.to_bytes(8, "big") + _buffer()
    return hashlib.sha256(data).hexdigest()


def check(tasks: list[int], results: list[str]) -> None:
    """Each digest matches one computed in a single call over the joined bytes."""
    for seed, result in zip(tasks, results, strict=True):
        if result != _expected(seed):
            raise AssertionError(f"task {seed}: digest {result} is wrong")
