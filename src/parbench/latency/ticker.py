"""The main-thread ticker: what a GUI's event loop or an asyncio loop does every few
milliseconds, and how late it gets to do it.

Tick ``i`` is due at ``i * period`` from the start. The ticker sleeps until a tick is due
and runs it; if it wakes late, every tick already due runs at once, each as late as it
is (a frame that was due and not drawn was late, however many were missed). The lag of
a tick is when it ran minus when it was due.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

PERIOD_S = 0.005
#: A frame at 60 frames a second.
FRAME_BUDGET_S = 1 / 60


def lags(due: Sequence[float], ran: Sequence[float]) -> list[float]:
    """Each tick's lag: when it ran minus when it was due (never below 0: a tick that
    ran early, by a clock's rounding, was on time)."""
    if len(due) != len(ran):
        raise ValueError(f"{len(due)} due times but {len(ran)} run times")
    return [max(0.0, r - d) for d, r in zip(due, ran, strict=True)]


def due_times(period: float, duration: float) -> list[float]:
    """When each tick of a ``duration`` run is due, from 0, every ``period`` seconds."""
    if not (period > 0 and duration >= 0):
        raise ValueError(f"a ticker needs a period above 0, not {period}, and a duration")
    return [i * period for i in range(int(duration / period))]


def tick(period: float = PERIOD_S, duration: float = 1.0) -> list[float]:
    """Tick in this thread for ``duration`` seconds; returns every tick's lag."""
    due = due_times(period, duration)
    start = time.perf_counter()
    ran = []
    for offset in due:
        wait = start + offset - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        ran.append(time.perf_counter() - start)
    return lags(due, ran)


async def atick(period: float = PERIOD_S, duration: float = 1.0) -> list[float]:
    """``tick`` as a task of the running event loop: the lag of its timer callbacks."""
    loop = asyncio.get_running_loop()
    due = due_times(period, duration)
    start = loop.time()
    ran = []
    for offset in due:
        wait = start + offset - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        ran.append(loop.time() - start)
    return lags(due, ran)
