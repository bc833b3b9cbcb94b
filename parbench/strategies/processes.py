"""Processes: a ``ProcessPoolExecutor`` with a chosen start method and chunksize."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor

from parbench.strategies import PoolSpec, Strategy


def _make(spec: PoolSpec) -> Executor:
    return ProcessPoolExecutor(
        max_workers=spec.workers,
        mp_context=multiprocessing.get_context(spec.start_method),
        initializer=spec.initializer,
        initargs=spec.initargs,
    )


STRATEGY = Strategy(
    name="processes",
    summary="a pool of worker processes, each with its own interpreter and GIL",
    make_executor=_make,
    chunked=True,
    start_methods=True,
)
