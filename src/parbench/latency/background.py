"""Background work beside the main-thread ticker, run each way a program can run it.

Each way runs a handler (``parbench.latency.handlers``: ``holding``, ``releasing``,
``waiting``) again and again for a fixed time while the main thread ticks, and returns
the ticker's lags and how many calls the background finished. A pool (thread, process,
sub-interpreter) is started and warmed before the ticker starts, so start-up is not
counted; the two asyncio ways run the ticker as a task of the event loop that also runs
the work, in the loop itself or through ``asyncio.to_thread``.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from parbench.latency import handlers, ticker
from parbench.strategies import interpreters

# Wait at most this long past the run's end for the background work to finish.
STOP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Outcome:
    """A run's ticks (``ticker.Ticks``) and the background calls finished in ``seconds``."""

    ticks: ticker.Ticks
    calls: int
    seconds: float


@dataclass(frozen=True)
class Way:
    """A way to run background work: ``run(spec, period, duration, switch_interval)``;
    ``unavailable()`` says why it cannot run here, or None."""

    name: str
    run: Callable[[str, float, float, float], Outcome]
    unavailable: Callable[[], str | None] = lambda: None


@contextmanager
def switch_interval(seconds: float) -> Iterator[None]:
    """``sys.setswitchinterval(seconds)`` for the block, restored after."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _alone(spec: str, period: float, duration: float, interval: float) -> Outcome:
    with switch_interval(interval):
        return Outcome(ticker.tick(period, duration), 0, duration)


def _in_pool(make: Callable[[], Executor]) -> Callable[[str, float, float, float], Outcome]:
    def run(spec: str, period: float, duration: float, interval: float) -> Outcome:
        with make() as pool, switch_interval(interval):
            # Started and warmed (the handler imported) before the ticker starts.
            pool.submit(handlers.repeat, spec, 0.0, interval).result(timeout=STOP_TIMEOUT_S)
            calls = pool.submit(handlers.repeat, spec, duration, interval)
            ticks = ticker.tick(period, duration)
            return Outcome(ticks, calls.result(timeout=STOP_TIMEOUT_S), duration)

    return run


async def _in_loop(spec: str, duration: float) -> int:
    handler = handlers.cached(spec)
    end = time.perf_counter() + duration
    calls = 0
    while time.perf_counter() < end:
        if handler.is_async:
            await handler.module.ahandle("/background")
        else:
            handler.module.handle("/background")
            await asyncio.sleep(0)  # back to the loop between calls, as a cooperative task
        calls += 1
    return calls


async def _to_thread(spec: str, duration: float) -> int:
    handle = handlers.cached(spec).module.handle
    end = time.perf_counter() + duration
    calls = 0
    while time.perf_counter() < end:
        await asyncio.to_thread(handle, "/background")
        calls += 1
    return calls


def _on_loop(
    work: Callable[[str, float], Awaitable[int]],
) -> Callable[[str, float, float, float], Outcome]:
    def run(spec: str, period: float, duration: float, interval: float) -> Outcome:
        handlers.cached(spec)

        async def both() -> tuple[ticker.Ticks, int]:
            background = asyncio.ensure_future(work(spec, duration))
            ticks = await ticker.atick(period, duration)
            return ticks, await asyncio.wait_for(background, STOP_TIMEOUT_S)

        with switch_interval(interval):
            ticks, calls = asyncio.run(both())
        return Outcome(ticks, calls, duration)

    return run


def _one_process() -> Executor:
    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))


def _one_interpreter() -> Executor:
    return interpreter_pool(1)


def interpreter_pool(workers: int) -> Executor:
    """A pool of ``workers`` sub-interpreters that import from this process's path."""
    pool: Any = interpreters._executor_class()
    return pool(workers, initializer=interpreters.prepare, initargs=(list(sys.path), None, ()))


WAYS: dict[str, Way] = {
    way.name: way
    for way in (
        Way("none", _alone),
        Way("thread", _in_pool(ThreadPoolExecutor)),
        Way("process", _in_pool(_one_process)),
        Way(
            "interpreter",
            _in_pool(_one_interpreter),
            unavailable=interpreters._unavailable,
        ),
        Way(
            "asyncio-loop",
            _on_loop(_in_loop),
        ),
        Way(
            "asyncio-to-thread",
            _on_loop(_to_thread),
        ),
    )
}
