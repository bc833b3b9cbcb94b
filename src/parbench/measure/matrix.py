"""The benchmark matrix: every workload under every strategy, worker count and variant.

What a workload is measured to do (``probe``), not what it declares, picks its worker
counts: work that waits gets 4 and 16 workers whatever the machine; CPU work gets 1, 2, 4,
... up to the usable CPUs, and the physical core count, and a batch big enough that the
largest pool has several tasks a worker. Serial runs first, on its own: how long it
takes and how much of that is CPU work; every other case measures serial again, beside
each of its own rounds (``runner``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pytest

from parbench import network
from parbench.contract.workload import Workload, WorkloadError, describe
from parbench.data.results import BASELINE
from parbench.measure import machine
from parbench.measure.options import MAX_WORKERS, Options
from parbench.strategies import Strategy

# Every case is measured beside serial, whose rounds are long for work that waits: a few
# workers and many answer the question at less than half the cost of every doubling.
IO_WORKERS = (4, 16)
QUICK_IO_WORKERS = (4,)
QUICK_CPU_WORKERS = (2,)
# CPU-bound batches are grown until the largest pool gets at least this many tasks a
# worker, so that it measures scaling rather than the dispatch of one task to each.
TASKS_PER_WORKER = 4
BEFORE = "before"


@dataclass(frozen=True)
class Case:
    """One benchmark: a workload at a size, run by a strategy with a given pool.

    ``cold`` cases create and shut down the pool inside the timed region; warm ones
    create it before timing starts. ``chunk_policy`` is how ``chunksize`` was chosen:
    ``"auto"`` or the number given. ``probed_kind`` is what the probe measured the
    workload to be (``None`` where it was not probed). ``baseline_pass`` marks serial's
    own case, ``"before"`` the workload's other cases. ``granularity``
    names the part of a ``--parbench-granularity`` run that the case measures
    (``parbench.measure.granularity.ROLES``), ``None`` in an ordinary run.
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
    probed_kind: str | None = None
    baseline_pass: str | None = None
    granularity: str | None = None

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
    """How many tasks ``workload.tasks(size)`` makes (anything it made is released), on
    the network serving in this process.

    A workload that makes no valid batch stops collection, before anything is timed,
    with the one line that names it and what is wrong.
    """
    try:
        with workload.setup(), network.workload_context() as context:
            tasks = workload.tasks(size, context)
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


def cpu_workers(topology: machine.Topology) -> tuple[int, ...]:
    """1, 2, 4, ... up to the usable CPUs, the usable CPUs themselves (rounded up: a quota
    of 1.5 CPUs is tried with 2 workers) and the usable physical cores; at most
    ``options.MAX_WORKERS``."""
    top = max(1, min(math.ceil(topology.usable_cpus), MAX_WORKERS))
    counts = {1, top, max(1, min(round(topology.usable_cores), top))}
    counts.update(2**k for k in range(1, top.bit_length()) if 2**k < top)
    return tuple(sorted(counts))


def default_workers(kind: str, quick: bool, topology: machine.Topology) -> tuple[int, ...]:
    """Worker counts for work of ``kind`` (``io``, ``mixed`` or ``cpu``): work that waits
    gains from more workers than CPUs; CPU work cannot."""
    if kind == "cpu":
        return QUICK_CPU_WORKERS if quick else cpu_workers(topology)
    return QUICK_IO_WORKERS if quick else IO_WORKERS


def _sized(workload: Workload, preset: str, kind: str, most_workers: int) -> tuple[int, int]:
    """The size and task count of ``workload`` at ``preset`` (a preset name or a number).

    A preset batch of CPU work is grown (in proportion) until the largest pool gets
    ``TASKS_PER_WORKER`` tasks a worker; a number the user gave is kept as it is.
    """
    if preset.isdigit():
        return int(preset), task_count(workload, int(preset))
    size = workload.size(preset)
    tasks = task_count(workload, size)
    wanted = TASKS_PER_WORKER * most_workers
    if kind == "cpu" and 0 < tasks < wanted:
        bigger = math.ceil(size * wanted / tasks)
        grown = task_count(workload, bigger)
        if grown > tasks:
            return bigger, grown
    return size, tasks


def build(
    options: Options,
    kinds: Mapping[str, str] | None = None,
    topology: machine.Topology | None = None,
) -> list[Case]:
    """All cases the options select, in a stable order: workload, strategy, workers.

    ``kinds`` maps a workload's name to what the probe measured it to be; a workload not
    in it is taken at its declared ``KIND``. Each workload's serial case comes first.
    """
    kinds = kinds or {}
    topology = topology or machine.detect()
    cases = []
    for workload in options.workloads:
        kind = kinds.get(workload.name, workload.kind)
        counts = options.workers or default_workers(kind, options.quick, topology)
        parallel = any(strategy.parallel for strategy in options.strategies)
        size, tasks = _sized(workload, options.size, kind, max(counts) if parallel else 1)
        mine = []
        for strategy in options.strategies:
            case = functools.partial(
                Case,
                workload,
                size,
                options.size,
                tasks,
                strategy,
                probed_kind=kinds.get(workload.name),
            )
            workers = counts if strategy.parallel else (1,)
            starts = options.start_methods if strategy.start_methods else (None,)
            policies = options.chunksizes if strategy.chunked else ("1",)
            first = BEFORE if strategy.name == BASELINE else None
            for count in workers:
                for start in starts:
                    for chunksize, policy in _chunkings(policies, tasks, count):
                        mine.append(
                            case(count, chunksize, policy, start, cold=False, baseline_pass=first)
                        )
            if strategy.parallel and (options.granularity or not options.quick):
                # One cold case a strategy, at its largest pool and last chunk policy: what
                # pool start-up and shut-down add to a one-off batch.
                count = max(workers)
                chunksize, policy = list(_chunkings(policies, tasks, count))[-1]
                mine.append(case(count, chunksize, policy, starts[0], cold=True))
        cases += mine
    return cases
