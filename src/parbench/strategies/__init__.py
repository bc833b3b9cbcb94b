"""Execution strategies: each one a factory of a ``concurrent.futures.Executor``.

Every strategy runs a batch the same way, ``list(executor.map(function, tasks,
chunksize=...))``, so callers never branch on the backend; ``function`` is the workload's
``run``, or another of its functions that the strategy names (asyncio's: ``arun``). A
strategy is one module in this package that defines ``STRATEGY``; it is found by
scanning, with nothing to register.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from parbench.contract.workload import Workload
from parbench.data.results import BASELINE


@dataclass(frozen=True)
class PoolSpec:
    """What an executor is made from.

    ``initializer(*initargs)`` prepares a worker that does not share the main process
    (network mocks, for one); strategies whose workers live in the main process ignore it,
    since the main process is prepared already.
    """

    workers: int
    start_method: str | None = None
    initializer: Callable[..., None] | None = None
    initargs: tuple = ()


def shutdown_now(executor: Executor) -> None:
    """Stop ``executor`` without waiting: queued tasks are cancelled, running ones left."""
    executor.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class Strategy:
    """A named way of running a batch.

    ``parallel``: takes a worker count (serial does not). ``chunked``: honours ``map``'s
    chunksize. ``takes_start_method``: takes a multiprocessing start method. ``unavailable``
    returns why the strategy cannot run on this interpreter, or ``None`` when it can;
    ``incompatible``, why it cannot run a given workload (asked only when available).
    ``abandon`` stops an executor after a failure or an interrupt, as fast as the
    backend allows and without waiting for running tasks. ``in_default_run``: measured
    by a run that names no strategies. ``function_of`` picks the workload's function
    that the executor's ``map`` is given to run one task: ``run``, unless the strategy
    runs another (asked only when the workload is compatible).
    """

    name: str
    summary: str
    make_executor: Callable[[PoolSpec], Executor]
    parallel: bool = True
    chunked: bool = False
    takes_start_method: bool = False
    unavailable: Callable[[], str | None] = field(default=lambda: None)
    incompatible: Callable[[Workload], str | None] = field(default=lambda workload: None)
    abandon: Callable[[Executor], None] = shutdown_now
    in_default_run: bool = True
    function_of: Callable[[Workload], Callable[[Any], Any]] = field(
        default=lambda workload: workload.run
    )


def all_strategies() -> dict[str, Strategy]:
    """Every strategy in this package, by name, in a stable order (serial first)."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        strategy = getattr(importlib.import_module(f"{__name__}.{info.name}"), "STRATEGY", None)
        if isinstance(strategy, Strategy):
            found[strategy.name] = strategy
    return dict(sorted(found.items(), key=lambda item: (item[0] != BASELINE, item[0])))


def skip_reason(strategy: Strategy, workload: Workload) -> str | None:
    """Why ``strategy`` cannot run ``workload`` here, or ``None`` when it can."""
    return strategy.unavailable() or strategy.incompatible(workload)
