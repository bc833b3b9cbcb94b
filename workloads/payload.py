"""Tasks that move bytes and do nothing else: what a strategy costs per KB it copies.

Each task's argument is ``size`` bytes and its result is the same bytes, so a strategy
whose workers do not share the main process's memory (processes, sub-interpreters)
copies ``size`` bytes there and ``size`` back for every task. ``size`` is the payload in
bytes, from 0; the batch is ``TASKS`` tasks. Part of ``--granularity``.
"""

from __future__ import annotations

# Measured by --granularity, or when named with --workloads.
IN_DEFAULT_RUN = False
KIND = "cpu"

#: Tasks in every batch, whatever the payload.
TASKS = 32
SIZES = {"quick": 1000, "default": 100_000, "article": 1_000_000}


def tasks(size: int) -> list[bytes]:
    """``TASKS`` payloads of ``size`` bytes, each filled with a byte of its own."""
    return [bytes([index % 251]) * size for index in range(TASKS)]


def run(payload: bytes) -> bytes:
    """The payload, unchanged."""
    return payload


def check(tasks: list[bytes], results: list[bytes]) -> None:
    """Every payload comes back whole, in task order."""
    for index, (payload, result) in enumerate(zip(tasks, results, strict=True)):
        if result != payload:
            raise AssertionError(f"task {index}: {len(payload)} bytes came back changed")
