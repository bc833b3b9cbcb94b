"""asyncio: a workload's ``arun(task)`` awaited on one event loop in the main thread.

The strategy of the single thread that waits on many things at once. Its executor owns an
event loop, made with the executor (so, for warm cases, outside the timed region); ``map``
runs a coroutine per task on it, at most ``workers`` at a time (an ``asyncio.Semaphore``),
and returns the results in task order, a task's exception raised at that task's place, as
``concurrent.futures`` executors do. It runs ``arun``, not ``run``: a workload without one
is skipped, saying so, and is never wrapped in threads instead.

Every task is bounded, whether it awaits too long or blocks the loop: a task still
running ``TASK_TIMEOUT_S`` after it started fails with ``TaskOverran``, which names it,
and so does its batch. A task that awaits is cancelled (``asyncio.wait_for``). A task
that blocks the loop (a blocking call, or a loop that never awaits) cannot be
cancelled, since the loop never gets control back: a watchdog thread, which hears from
the loop every ``BEAT_S`` while it turns, sends the main thread ``WATCHDOG_SIGNAL`` when
the loop has been silent for the bound; its handler raises ``TaskOverran`` in the
blocking task, as Ctrl-C would, which interrupts a blocking call that a signal can
interrupt (``time.sleep``, socket waits, lock waits) and any Python loop. The watchdog
works where the loop runs in the main thread and ``WATCHDOG_SIGNAL`` has no handler of
the user's; elsewhere only the awaiting is bounded. pytest-timeout's ``--timeout``,
when shorter, fires first; the tasks it leaves are stopped within ``STOP_TIMEOUT_S``.
"""

from __future__ import annotations

import asyncio
import contextlib
import reprlib
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from types import FrameType
from typing import Any, TypeVar

from parbench.contract.workload import Workload
from parbench.errors import ParbenchError
from parbench.strategies import PoolSpec, Strategy

T = TypeVar("T")

#: How long tasks still pending at shutdown (after an interrupt) get to finish cancelling.
STOP_TIMEOUT_S = 5.0
#: How long one task may run, awaiting or blocking, before it is stopped and named.
TASK_TIMEOUT_S = 60.0
#: How often the running loop tells the watchdog that it turns.
BEAT_S = 0.25
#: The signal by which the watchdog interrupts a blocked loop (none on Windows).
WATCHDOG_SIGNAL: int | None = getattr(signal, "SIGUSR1", None)


class TaskOverran(ParbenchError):
    """A task ran past its bound; the message names it and says how."""


class _Watchdog:
    """Interrupts the main thread, by ``WATCHDOG_SIGNAL``, when the loop it watches has
    not turned for ``limit`` seconds while ``watching`` (see the module's docstring)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.names: dict[asyncio.Task, str] = {}
        self._lock = threading.Lock()
        self._armed = False
        self._limit = TASK_TIMEOUT_S
        self._beat = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next: asyncio.Handle | None = None

    def _heartbeat(self) -> None:
        self._beat = time.monotonic()
        self._next = self._loop.call_later(BEAT_S, self._heartbeat)

    def _watch(self, main: int, signum: int) -> None:
        kicked = 0.0
        while not self._stop.wait(BEAT_S):
            with self._lock:
                now = time.monotonic()
                silent = now - max(self._beat, kicked)
                if self._armed and silent > self._limit:
                    kicked = now  # again after another limit, if need be
                    signal.pthread_kill(main, signum)

    def _interrupt(self, signum: int, frame: FrameType | None) -> None:
        silent = time.monotonic() - self._beat
        if silent < self._limit / 2:
            return  # the loop turned again while the signal was on its way
        task = asyncio.current_task(self._loop)
        what = self.names.get(task, "the event loop") if task is not None else "the event loop"
        raise TaskOverran(f"{what} blocked the event loop for more than {self._limit:g} s")

    @contextlib.contextmanager
    def watching(self, limit: float) -> Iterator[None]:
        """Watch the loop while the block runs it, for silences of ``limit`` seconds."""
        signum = WATCHDOG_SIGNAL
        if (
            signum is None
            or threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signum) not in (signal.SIG_DFL, None)
        ):
            yield
            return
        previous = signal.signal(signum, self._interrupt)
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._watch,
                args=(threading.main_thread().ident, signum),
                name="parbench-asyncio-watchdog",
                daemon=True,
            )
            self._thread.start()
        self._limit = limit
        self._beat = time.monotonic()
        self._next = self._loop.call_soon(self._heartbeat)
        with self._lock:
            self._armed = True
        try:
            yield
        finally:
            # Under the lock: no signal is sent once disarmed, and one sent before has
            # been delivered (to the handler, which ignores it or raises) by now.
            with self._lock:
                self._armed = False
            if self._next is not None:
                self._next.cancel()
            signal.signal(signum, previous)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)


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

    def __init__(self, workers: int, task_timeout: float = TASK_TIMEOUT_S) -> None:
        self._workers = workers
        self._task_timeout = task_timeout
        self._loop = asyncio.new_event_loop()
        self._watchdog = _Watchdog(self._loop)

    def _run(self, main: Awaitable[T], limit: float) -> T:
        """Run the loop until ``main`` is done, watched for silences of ``limit``."""
        with self._watchdog.watching(limit):
            return self._loop.run_until_complete(main)

    async def _bounded(self, name: str, call: Awaitable[Any]) -> Any:
        """Await ``call``, named ``name`` in messages, within the task's bound."""
        # Before 3.12, wait_for runs a coroutine in a task of its own: name both.
        outer = asyncio.current_task()
        assert outer is not None  # a coroutine awaited on the loop runs in a task
        tasks = (outer, asyncio.ensure_future(call))
        self._watchdog.names.update(dict.fromkeys(tasks, name))
        try:
            return await asyncio.wait_for(tasks[1], self._task_timeout)
        except TimeoutError:
            raise TaskOverran(f"{name} did not finish within {self._task_timeout:g} s") from None
        finally:
            for task in tasks:
                self._watchdog.names.pop(task, None)

    # Narrower than Executor's: this executor runs coroutine functions only.
    def submit(  # type: ignore[override]
        self, fn: Callable[..., Awaitable[Any]], /, *args: Any, **kwargs: Any
    ) -> Future:
        future: Future = Future()
        try:
            call = self._bounded(f"task {reprlib.repr(args)}", fn(*args, **kwargs))
            future.set_result(self._run(call, self._task_timeout))
        except Exception as error:
            future.set_exception(error)
        return future

    def map(  # type: ignore[override]
        self,
        fn: Callable[..., Awaitable[Any]],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[Any]:
        calls = list(zip(*iterables, strict=False))  # as map(): the shortest iterable ends it
        batch = asyncio.wait_for(self._gather(fn, calls), timeout)
        return _in_order(self._run(batch, self._task_timeout))

    async def _gather(
        self, fn: Callable[..., Awaitable[Any]], calls: list[tuple[Any, ...]]
    ) -> list[Any]:
        limit = asyncio.Semaphore(self._workers)

        async def one(index: int, arguments: tuple[Any, ...]) -> Any:
            async with limit:
                shown = arguments[0] if len(arguments) == 1 else arguments
                name = f"task {index} {reprlib.repr(shown)}"
                try:
                    return await self._bounded(name, fn(*arguments))
                except Exception as error:
                    return _Raised(error)

        return await asyncio.gather(*(one(i, arguments) for i, arguments in enumerate(calls)))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Close the loop. Tasks left pending (only after an interrupt stopped ``map``) are
        cancelled and given ``STOP_TIMEOUT_S`` to finish, a task that blocks the loop
        interrupted after as long; the loop's resolver threads get as long to end."""
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
                with contextlib.suppress(KeyboardInterrupt, SystemExit, TaskOverran):
                    left = max(deadline - time.monotonic(), 0.0)
                    self._run(asyncio.wait(pending, timeout=left), left)
                for task in pending:
                    if task.done() and not task.cancelled():
                        task.exception()  # seen: not logged as "never retrieved"
            self._run(loop.shutdown_asyncgens(), STOP_TIMEOUT_S)
            with contextlib.suppress(TimeoutError):
                ending = asyncio.wait_for(loop.shutdown_default_executor(), STOP_TIMEOUT_S)
                self._run(ending, STOP_TIMEOUT_S)
        finally:
            self._watchdog.stop()
            loop.close()


def _in_order(outcomes: list[Any]) -> Iterator[Any]:
    for outcome in outcomes:
        if isinstance(outcome, _Raised):
            raise outcome.error
        yield outcome


def _make(spec: PoolSpec) -> Executor:
    return EventLoopExecutor(spec.workers, TASK_TIMEOUT_S)


def _arun(workload: Workload) -> Callable[[Any], Awaitable[Any]]:
    """The workload's ``arun``; ``incompatible`` has already refused workloads without one."""
    arun = workload.arun
    if arun is None:
        raise TypeError(workload.why_no_arun())
    return arun


STRATEGY = Strategy(
    name="asyncio",
    summary="the workload's arun(task) on one event loop in the main thread, "
    "at most as many tasks at once as workers",
    make_executor=_make,
    incompatible=lambda workload: workload.why_no_arun(),
    function_of=_arun,
)
