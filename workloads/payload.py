"""Tasks that move bytes and do nothing else: what a strategy costs per KB it copies.

Each task's argument is ``size`` bytes and its result is the same bytes, so a strategy
whose workers do not share the main process's memory (processes, sub-interpreters)
copies ``size`` bytes there and ``size`` back for every task. ``size`` is the payload in
bytes, from 0; the batch is ``TASKS`` tasks. Part of ``--parbench-granularity``.
"""

from __future__ import annotations

import functools

# Measured by --parbench-granularity, or when named with --parbench-workloads.
IN_DEFAULT_RUN = False
KIND = "cpu"

#: Tasks in every batch, whatever the payload; its payloads are ``FILLS`` distinct ones.
TASKS = 32
FILLS = 4
SIZES = {"quick": 1000, "default": 100_000, "article": 1_000_000}


@functools.cache
def _payload(size: int, fill: int) -> bytes:
    return bytes([fill]) * size


def tasks(size: int) -> list[bytes]:
    """``TASKS`` payloads of ``size`` bytes, filled with ``FILLS`` different bytes in turn.

    Made once per size: a serial round of them takes microseconds, so a run times
    hundreds of thousands of rounds, and a fresh megabyte a task would take hours."""
    return [_payload(size, index % FILLS) for index in range(TASKS)]


def run(payload: bytes) -> bytes:
    """The payload, unchanged."""
    return payload


def check(tasks: list[bytes], results: list[bytes]) -> None:
    """Every payload comes back whole, in task order."""
    for index, (payload, result) in enumerate(zip(tasks, results, strict=True)):
        if result != payload:
            raise AssertionError(f"task {index}: {len(payload)} bytes came back changed")
