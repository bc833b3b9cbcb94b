"""Processes: a ``ProcessPoolExecutor`` with a chosen start method and chunksize, whose
shutdown is bounded.

A worker process exits only once every non-daemon thread in it has ended, so a task that
leaves one running (or a worker stuck in its exit) would make ``shutdown(wait=True)``
wait forever, in the benchmark, the probe or the interpreter's exit. Here the workers
get ``STOP_TIMEOUT_S`` to exit; those still running then are killed, and ``shutdown``
raises ``WorkersStuck``, naming them.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing import connection
from multiprocessing.process import BaseProcess
from typing import Any

from parbench.errors import ParbenchError
from parbench.strategies import PoolSpec, Strategy, shutdown_now

STOP_TIMEOUT_S = 5.0


class WorkersStuck(ParbenchError, RuntimeError):
    """Worker processes did not exit within ``STOP_TIMEOUT_S`` of their pool's shutdown
    and were killed; the message names them."""


def _internals(executor: Any) -> tuple[list[BaseProcess], Any]:
    # The pool's public API cannot stop running workers (3.14's terminate_workers does,
    # but does not wait for them). _processes (its workers) and _executor_manager_thread
    # (which reaps them) are its own, present from 3.9 to 3.14; shutdown() clears both,
    # so they are read first.
    workers = list((getattr(executor, "_processes", None) or {}).values())
    return workers, getattr(executor, "_executor_manager_thread", None)


def _end(workers: list[BaseProcess], manager: Any, deadline: float) -> list[BaseProcess]:
    """Wait for ``workers`` to exit until ``deadline`` (``time.monotonic``), kill those
    still running, then join the pool's manager thread; returns the workers killed.

    Exits are seen on each worker's sentinel, not by joining it: the manager thread reaps
    the workers, and two threads waiting for one child race for its exit status.
    """
    running = {worker.sentinel: worker for worker in workers}
    while running and (left := deadline - time.monotonic()) > 0:
        for ended in connection.wait(list(running), left):
            running.pop(ended)  # type: ignore[arg-type]  # wait() returns what it was given
    stuck = list(running.values())
    for worker in stuck:
        worker.kill()
    if manager is not None:
        manager.join(STOP_TIMEOUT_S)
    return stuck


class BoundedProcessPool(ProcessPoolExecutor):
    """A ``ProcessPoolExecutor`` whose ``shutdown(wait=True)`` waits at most
    ``STOP_TIMEOUT_S`` for its workers to exit (see the module's docstring)."""

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        workers, manager = _internals(self)
        super().shutdown(wait=False, cancel_futures=cancel_futures)
        if not wait:
            return
        stuck = _end(workers, manager, time.monotonic() + STOP_TIMEOUT_S)
        if stuck:
            pids = ", ".join(str(worker.pid) for worker in stuck)
            raise WorkersStuck(
                f"{len(stuck)} worker process(es) (pid {pids}) had not exited "
                f"{STOP_TIMEOUT_S:g} s after the pool's shutdown, and were killed: a task "
                "left a thread (or something else that never ends) running in them"
            )


def _make(spec: PoolSpec) -> Executor:
    return BoundedProcessPool(
        max_workers=spec.workers,
        mp_context=multiprocessing.get_context(spec.start_method),
        initializer=spec.initializer,
        initargs=spec.initargs,
    )


def _abandon(executor: Executor) -> None:
    """Cancel what is queued and end the workers at once, running tasks and all; return
    once every worker has exited and the pool's manager thread has finished."""
    workers, manager = _internals(executor)
    shutdown_now(executor)
    for worker in workers:
        worker.terminate()
    _end(workers, manager, time.monotonic() + STOP_TIMEOUT_S)


STRATEGY = Strategy(
    name="processes",
    summary="a pool of worker processes, each with its own interpreter and GIL",
    make_executor=_make,
    chunked=True,
    takes_start_method=True,
    abandon=_abandon,
)
