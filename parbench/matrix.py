"""The benchmark matrix: every workload under every strategy, worker count and variant."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from parbench.options import Options
from parbench.strategies import Strategy
from parbench.workload import Workload, WorkloadError, describe


@dataclass(frozen=True)
class Case:
    """One benchmark: a workload at a size, run by a strategy with a given pool.

    ``cold`` cases create and shut down the pool inside the timed region; warm ones
    create it before timing starts. ``chunk_policy`` is how ``chunksize`` was chosen:
    ``"auto"`` or the number given.
    """

    workload: Workload
    size: int
    size_preset: str
    tasks: int
    strategy: Strategy
    workers: int
    chunksize: int
    chunk_policy: str
    start_method: str | None
    cold: bool

    @property
    def group(self) -> str:
        return f"{self.workload.name} x{self.size}"

    @property
    def id(self) -> str:
        parts = [self.workload.name, f"x{self.size}", self.strategy.name]
        if self.strategy.parallel:
            parts.append(f"{self.workers}w")
        if self.strategy.start_methods:
            parts.append(self.start_method or "default")
        if self.strategy.chunked:
            parts.append(f"chunk{self.chunksize}")
        if self.cold:
            parts.append("cold")
        return "-".join(parts)


def auto_chunksize(tasks: int, workers: int) -> int:
    """``ceil(tasks / (4 * workers))``: about four chunks a worker, never below 1."""
    return max(1, math.ceil(tasks / (4 * workers)))


def task_count(workload: Workload, size: int) -> int:
    """How many tasks ``workload.tasks(size)`` makes (anything it made is released).

    A workload that makes no valid batch stops collection, before anything is timed,
    with the one line that names it and what is wrong.
    """
    try:
        with workload.setup():
            tasks = workload.tasks(size)
            workload.cleanup(tasks)
    except WorkloadError as error:
        raise pytest.Collector.CollectError(str(error)) from None
    except Exception as error:
        raise pytest.Collector.CollectError(
            f"workload {workload.name!r} ({workload.module.__file__}): its setup, teardown or "
            f"cleanup raised {describe(error)}"
        ) from None
    return len(tasks)


def _chunkings(policies: tuple[str, ...], tasks: int, workers: int) -> Iterator[tuple[int, str]]:
    seen = set()
    for policy in policies:
        size = auto_chunksize(tasks, workers) if policy == "auto" else int(policy)
        if size not in seen:
            seen.add(size)
            yield size, policy


def build(options: Options) -> list[Case]:
    """All cases the options select, in a stable order: workload, strategy, workers."""
    cases = []
    for workload in options.workloads:
        preset = options.size
        size = int(preset) if preset.isdigit() else workload.size(preset)
        tasks = task_count(workload, size)
        for strategy in options.strategies:
            case = functools.partial(Case, workload, size, preset, tasks, strategy)
            workers = options.workers_for(workload.kind) if strategy.parallel else (1,)
            starts = options.start_methods if strategy.start_methods else (None,)
            policies = options.chunksizes if strategy.chunked else ("1",)
            for count in workers:
                for start in starts:
                    for chunksize, policy in _chunkings(policies, tasks, count):
                        cases.append(case(count, chunksize, policy, start, cold=False))
            if strategy.parallel:
                # One cold case a strategy, at its largest pool and last chunk policy: what
                # pool start-up and shut-down add to a one-off batch.
                count = max(workers)
                chunksize, policy = list(_chunkings(policies, tasks, count))[-1]
                cases.append(case(count, chunksize, policy, starts[0], cold=True))
    return cases
