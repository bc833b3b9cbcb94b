"""Processes: a ``ProcessPoolExecutor`` with a chosen start method and chunksize."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor

from parbench.strategies import PoolSpec, Strategy, shutdown_now

STOP_TIMEOUT_S = 5.0


def _make(spec: PoolSpec) -> Executor:
    return ProcessPoolExecutor(
        max_workers=spec.workers,
        mp_context=multiprocessing.get_context(spec.start_method),
        initializer=spec.initializer,
        initargs=spec.initargs,
    )


def _abandon(executor: Executor) -> None:
    """Cancel what is queued and end the workers at once, running tasks and all; return
    once every worker has exited and the pool's manager thread has finished."""
    # The pool's public API cannot stop running workers (3.14's terminate_workers does,
    # but does not wait for them). _processes (its workers) and _executor_manager_thread
    # (which reaps them) are its own, present from 3.9 to 3.14; shutdown() clears both,
    # so they are read first.
    workers = list((getattr(executor, "_processes", None) or {}).values())
    manager = getattr(executor, "_executor_manager_thread", None)
    shutdown_now(executor)
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.join(STOP_TIMEOUT_S)
        if worker.is_alive():
            worker.kill()
            worker.join()
    if manager is not None:
        manager.join(STOP_TIMEOUT_S)


STRATEGY = Strategy(
    name="processes",
    summary="a pool of worker processes, each with its own interpreter and GIL",
    make_executor=_make,
    chunked=True,
    start_methods=True,
    abandon=_abandon,
)
