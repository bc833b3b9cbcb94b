"""asyncio: a workload's ``arun(task)`` awaited on one event loop in the main thread.

The strategy of the single thread that waits on many things at once. Its executor owns an
event loop, made with the executor (so, for warm cases, outside the timed region); ``map``
runs a coroutine per task on it, at most ``workers`` at a time (an ``asyncio.Semaphore``),
and returns the results in task order, a task's exception raised at that task's place, as
``concurrent.futures`` executors do. It runs ``arun``, not ``run``: a workload without one
is skipped, saying so, and is never wrapped in threads instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any

from parbench.strategies import PoolSpec, Strategy

#: How long tasks still pending at shutdown (after an interrupt) get to finish cancelling.
STOP_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class _Raised:
    """A task's exception, held in its place among the results."""

    error: Exception


class EventLoopExecutor(Executor):
    """An executor whose calls are coroutine functions, awaited on its own event loop.

    The loop runs only inside ``map`` and ``submit``, in the caller's thread, so nothing
    runs between calls. Every task of a ``map`` runs to its end even when another fails,
    as in a thread pool with a worker for every task.
    """

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._loop = asyncio.new_event_loop()

    def submit(self, fn: Callable[..., Awaitable[Any]], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(self._loop.run_until_complete(fn(*args, **kwargs)))
        except Exception as error:
            future.set_exception(error)
        return future

    def map(
        self,
        fn: Callable[..., Awaitable[Any]],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[Any]:
        calls = list(zip(*iterables, strict=False))  # as map(): the shortest iterable ends it
        batch = asyncio.wait_for(self._gather(fn, calls), timeout)
        return _in_order(self._loop.run_until_complete(batch))

    async def _gather(
        self, fn: Callable[..., Awaitable[Any]], calls: list[tuple[Any, ...]]
    ) -> list[Any]:
        limit = asyncio.Semaphore(self._workers)

        async def one(arguments: tuple[Any, ...]) -> Any:
            async with limit:
                try:
                    return await fn(*arguments)
                except Exception as error:
                    return _Raised(error)

        return await asyncio.gather(*(one(arguments) for arguments in calls))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Close the loop. Tasks left pending (only after an interrupt stopped ``map``) are
        cancelled and given ``STOP_TIMEOUT_S`` to finish; the loop's resolver threads are
        joined."""
        loop = self._loop
        if loop.is_closed():
            return
        deadline = time.monotonic() + STOP_TIMEOUT_S
        try:
            while (pending := asyncio.all_tasks(loop)) and time.monotonic() < deadline:
                for task in pending:
                    task.cancel()
                # A task that an interrupt stopped raises it again as the loop finishes it;
                # the interrupt is on its way out of map already, so once is enough.
                with contextlib.suppress(KeyboardInterrupt, SystemExit):
                    loop.run_until_complete(
                        asyncio.wait(pending, timeout=deadline - time.monotonic())
                    )
                for task in pending:
                    if task.done() and not task.cancelled():
                        task.exception()  # seen: not logged as "never retrieved"
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


def _in_order(outcomes: list[Any]) -> Iterator[Any]:
    for outcome in outcomes:
        if isinstance(outcome, _Raised):
            raise outcome.error
        yield outcome


def _make(spec: PoolSpec) -> Executor:
    return EventLoopExecutor(spec.workers)


STRATEGY = Strategy(
    name="asyncio",
    summary="the workload's arun(task) on one event loop in the main thread, "
    "at most as many tasks at once as workers",
    make_executor=_make,
    incompatible=lambda workload: workload.why_no_arun(),
    function_of=lambda workload: workload.arun,
)
