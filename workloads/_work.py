"""What the two "work of N µs" workloads share: a fixed total of work split into tasks.

``size`` is the length of one task in microseconds; a batch holds ``TOTAL_S`` seconds of
work in all, so that every task size does the same work and only its granularity
changes. Below ``TOTAL_S / MAX_TASKS`` a task (20 µs) the batch is capped at
``MAX_TASKS`` tasks, and so holds less work, to keep the small end quick: a process pool
at chunksize 1 costs tens of microseconds a task. How much work a microsecond holds is
calibrated once per process, in the main process, and carried in the tasks, so every
worker does the same work.
"""

from __future__ import annotations

import time
from collections.abc import Callable

KIND = "cpu"
#: Seconds of work in a batch, whatever the task size (above the cap's).
TOTAL_S = 0.2
#: The most tasks a batch holds: 10 ms of work at 1 µs a task.
MAX_TASKS = 10_000
#: Task sizes for the ``--parbench-size`` presets, in microseconds.
SIZES = {"quick": 100, "default": 1000, "article": 1000}
# Calibration times a run of this many seconds, best of a few: long enough for the
# clock, short enough to make a batch at once.
CALIBRATION_S = 0.005
CALIBRATION_TRIES = 5


def task_count(task_us: int) -> int:
    """Tasks in a batch of ``task_us``-microsecond tasks: ``TOTAL_S`` of work, at most
    ``MAX_TASKS`` tasks and at least one."""
    return max(1, min(MAX_TASKS, round(TOTAL_S * 1e6 / task_us)))


def per_second(work: Callable[[int], object], start: int) -> float:
    """How many units of ``work(units)`` run in a second here: ``start`` units, doubled
    until a run lasts ``CALIBRATION_S``, then the fastest of ``CALIBRATION_TRIES`` runs
    (the least disturbed by other processes)."""
    units = start
    while _timed(work, units) < CALIBRATION_S:
        units *= 2
    return units / min(_timed(work, units) for _ in range(CALIBRATION_TRIES))


def _timed(work: Callable[[int], object], units: int) -> float:
    started = time.perf_counter()
    work(units)
    return time.perf_counter() - started
