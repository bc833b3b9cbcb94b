"""The main-thread ticker: what a GUI's event loop or an asyncio loop does every few
milliseconds, and how late it gets to do it.

Tick ``i`` is due at ``i * period`` from the start. The ticker sleeps until a tick is due
and runs it; if it wakes late, every tick already due runs at once, each as late as it
is (a frame that was due and not drawn was late, however many were missed). The lag of
a tick is when it ran minus when it was due.

Part of a lag can be the machine's, not the program's: the ticker's thread, woken, may
wait for a CPU that other processes hold, or wait for the GIL held by a thread that
waits for a CPU. Where Linux reports it (each thread's ``schedstat``), the ticker also
records how long the process's threads waited for a CPU between each tick's due time
and its run, so that a lag those waits explain is not blamed on the background work.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PERIOD_S = 0.004
#: A frame at 60 frames a second.
FRAME_BUDGET_S = 1 / 60
TASKS = Path("/proc/self/task")


@dataclass(frozen=True)
class Ticks:
    """A ticker's run: each tick's ``lags`` and, where the platform reports run-queue
    waits, each tick's wait for a CPU between its due time and its run (``queued``)."""

    lags: list[float]
    queued: list[float] | None


def lags(due: Sequence[float], ran: Sequence[float]) -> list[float]:
    """Each tick's lag: when it ran minus when it was due (never below 0: a tick that
    ran early, by a clock's rounding, was on time)."""
    if len(due) != len(ran):
        raise ValueError(f"{len(due)} due times but {len(ran)} run times")
    return [max(0.0, r - d) for d, r in zip(due, ran, strict=True)]


def queued(
    due: Sequence[float], ran: Sequence[float], waits: Sequence[float], start: float
) -> list[float]:
    """Each tick's wait for a CPU from its due time to its run: ``waits[i]`` is the
    thread's cumulative run-queue wait read just after tick ``i`` ran, ``start`` the same
    read at time 0. A tick is charged the wait since the last reading taken no later than
    its due time (all of it, for ticks that came due during one long stall)."""
    times = [0.0, *ran]
    readings = [start, *waits]
    charged = []
    for i, when in enumerate(due):
        last = bisect.bisect_right(times, when, hi=i + 1) - 1
        charged.append(max(0.0, readings[i + 1] - readings[max(last, 0)]))
    return charged


def run_queue_wait() -> float | None:
    """The cumulative seconds this process's threads were ready to run but waited for a
    CPU, or None where the platform does not say (Linux's ``schedstat`` of each thread,
    second field). Every thread's, not only the ticker's: a thread that holds the GIL and
    waits for a CPU keeps the ticker waiting too. (Two threads waiting at once count
    twice, which can only excuse a lag, never blame one.)"""
    if not TASKS.is_dir():
        return None
    total = 0
    for stat in TASKS.glob("*/schedstat"):
        try:
            total += int(stat.read_bytes().split()[1])
        except FileNotFoundError:
            continue  # a thread that ended meanwhile
        except (OSError, ValueError, IndexError):
            return None
    return total / 1e9


def due_times(period: float, duration: float) -> list[float]:
    """When each tick of a ``duration`` run is due, from 0, every ``period`` seconds."""
    if not (period > 0 and duration >= 0):
        raise ValueError(f"a ticker needs a period above 0, not {period}, and a duration")
    return [i * period for i in range(int(duration / period))]


def _ticks(
    due: list[float], ran: list[float], waits: list[float | None], start: float | None
) -> Ticks:
    known = [w for w in waits if w is not None]
    if start is None or len(known) != len(waits):
        return Ticks(lags(due, ran), None)
    return Ticks(lags(due, ran), queued(due, ran, known, start))


def tick(period: float = PERIOD_S, duration: float = 1.0) -> Ticks:
    """Tick in this thread for ``duration`` seconds."""
    due = due_times(period, duration)
    start_wait = run_queue_wait()
    start = time.perf_counter()
    ran, waits = [], []
    for offset in due:
        wait = start + offset - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        ran.append(time.perf_counter() - start)
        waits.append(run_queue_wait())
    return _ticks(due, ran, waits, start_wait)


async def atick(period: float = PERIOD_S, duration: float = 1.0) -> Ticks:
    """``tick`` as a task of the running event loop: the lag of its timer callbacks."""
    loop = asyncio.get_running_loop()
    due = due_times(period, duration)
    start_wait = run_queue_wait()
    start = loop.time()
    ran, waits = [], []
    for offset in due:
        wait = start + offset - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        ran.append(loop.time() - start)
        waits.append(run_queue_wait())
    return _ticks(due, ran, waits, start_wait)
