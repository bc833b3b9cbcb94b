"""Threads: a ``ThreadPoolExecutor``; workers share the main process and its GIL."""

from __future__ import annotations

from concurrent.futures import Executor, ThreadPoolExecutor

from parbench.strategies import PoolSpec, Strategy


def _make(spec: PoolSpec) -> Executor:
    return ThreadPoolExecutor(max_workers=spec.workers, thread_name_prefix="parbench")


STRATEGY = Strategy(
    name="threads",
    summary="a thread pool in the main process",
    make_executor=_make,
)
