"""Measure one case with pytest-benchmark, checking every round's results.

Timing is pytest-benchmark's (``benchmark.pedantic``). What this adds: a fresh batch of
tasks per round (made before timing starts), the pool made outside the timed region
for warm cases and inside it for cold ones, every round's results checked and its files
released after timing stops, and the round count chosen the way pytest-benchmark chooses
it for ordinary benchmarks (``--benchmark-max-time``, ``--benchmark-min-rounds``).
"""

from __future__ import annotations

import contextlib
import math
import reprlib
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor, Executor
from dataclasses import dataclass, field
from typing import Any

from parbench import cpuspeed, cpustat, environment, memory, network
from parbench.context import Context
from parbench.matrix import Case
from parbench.results import SCHEMA
from parbench.strategies import PoolSpec, Strategy


class BatchFailed(Exception):
    """A batch did not complete; the message names the workload, the case and the task."""


def _failure(case: Case, tasks: list[Any], done: int, error: Exception) -> str:
    where = f"{case.workload.name} under {case.id}"
    if isinstance(error, BrokenExecutor):
        return (
            f"{where}: a worker died and broke the pool ({type(error).__name__}: {error}); "
            f"results had arrived for {done} of {len(tasks)} tasks"
        )
    if done >= len(tasks):
        return f"{where}: {type(error).__name__}: {error}"
    last = min(done + case.chunksize, len(tasks)) - 1
    task = f"task {done} {reprlib.repr(tasks[done])}"
    if last > done:
        task = f"a task among {done}..{last} (one chunk, from {reprlib.repr(tasks[done])})"
    return f"{where}: {task} failed: {type(error).__name__}: {error}"


# Beyond this many rounds a median and its interval no longer get more precise than the
# noise of a shared machine.
MAX_ROUNDS = 10_000
# Rounds whose CPU use is sampled are spaced at least this far apart, so that reading
# the process tree's counters costs a small share of a run of very short rounds.
SAMPLE_SPACING_S = 0.01


@dataclass(eq=False)
class Round:
    """One batch: its tasks, and once run, its results and the main process's CPU time.
    A sampled round also holds the CPU speed just before it (``reference_s``, see
    ``cpuspeed``) and, for a warm pool, the process tree's counters (``started``)."""

    tasks: list[Any]
    results: list[Any] | None = None
    cpu_seconds: float = 0.0
    reference_s: float | None = None
    started: cpustat.Sample | None = None


@dataclass
class Plan:
    """How many rounds to time, from pytest-benchmark's own settings: enough to fill
    ``max_time``, at least ``min_rounds``, and (unless ``min_rounds`` asks for more) at
    most ``MAX_ROUNDS``: each round also makes and checks a batch, untimed, so a round of
    microseconds would otherwise cost many times ``max_time``."""

    min_rounds: int
    max_time: float

    def rounds(self, round_seconds: float) -> int:
        filled = math.ceil(self.max_time / max(round_seconds, 1e-9))
        return max(self.min_rounds, min(filled, MAX_ROUNDS))


def pool_spec(case: Case, settings: network.NetworkSettings) -> PoolSpec:
    """The pool for ``case``; isolated workers get the same network as the main process."""
    return PoolSpec(
        workers=case.workers,
        start_method=case.start_method,
        initializer=network.prepare_worker,
        initargs=(settings,),
    )


@dataclass
class _Batches:
    """Makes, runs and finishes rounds of one case; finishing checks and releases them."""

    case: Case
    context: Context
    executor: Callable[[], contextlib.AbstractContextManager[Executor]]
    pending: list[Round] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    usages: list[cpustat.Usage] = field(default_factory=list)
    references: list[float] = field(default_factory=list)
    checked: int = 0
    sampling: bool = False
    tree: cpustat.Tree | None = None
    sample_every: int = 1
    prepared: int = 0

    def sample_from_now(self, round_seconds: float) -> None:
        """Sample the rounds to come: the CPU speed before each, and the CPU use of the
        process tree as it is now (a cold pool's workers come and go within a round, so
        for it, of this process and the children it reaped)."""
        self.sampling = True
        self.tree = cpustat.Tree(reaped=self.case.cold)
        self.sample_every = max(1, math.ceil(SAMPLE_SPACING_S / max(round_seconds, 1e-9)))

    def prepare(self) -> tuple[tuple[Round], dict]:
        batch = Round(self.case.workload.tasks(self.case.size, self.context))
        self.pending.append(batch)
        self.prepared += 1
        if self.sampling and self.prepared % self.sample_every == 0:
            # Before the tree's counters are read, so that the loop is not counted as work.
            batch.reference_s = cpuspeed.reference_seconds()
            batch.started = self.tree.sample()
        return (batch,), {}

    def run(self, batch: Round) -> list[Any]:
        cpu = time.process_time()
        results: list[Any] = []
        try:
            with self.executor() as executor:
                # extend() keeps what arrived before a failure, which locates the failing task.
                function = self.case.strategy.function_of(self.case.workload)
                results.extend(executor.map(function, batch.tasks, chunksize=self.case.chunksize))
        except Exception as error:
            raise BatchFailed(_failure(self.case, batch.tasks, len(results), error)) from error
        batch.cpu_seconds = time.process_time() - cpu
        batch.results = results
        return results

    def finish(self, batch: Round) -> None:
        used = None
        if batch.started is not None and self.tree is not None:
            used = cpustat.usage(batch.started, self.tree.sample())
        self.pending.remove(batch)
        try:
            if batch.results is not None:
                self.case.workload.check(batch.tasks, batch.results)
                self.checked += 1
                self.cpu_seconds.append(batch.cpu_seconds)
                if used is not None:
                    self.usages.append(used)
                if batch.reference_s is not None:
                    self.references.append(batch.reference_s)
        except AssertionError as error:
            raise AssertionError(
                f"{self.case.workload.name} under {self.case.id} gave wrong results: {error}"
            ) from error
        except Exception as error:
            raise BatchFailed(
                f"{self.case.workload.name} under {self.case.id}: check raised "
                f"{type(error).__name__}: {error}"
            ) from error
        finally:
            self.case.workload.cleanup(batch.tasks)

    def finish_all(self) -> None:
        while self.pending:
            self.finish(self.pending[0])


@contextlib.contextmanager
def _owned(strategy: Strategy, executor: Executor) -> Iterator[Executor]:
    """Shut ``executor`` down when the block ends: waiting for it after success, and
    abandoning it (no wait, workers stopped) after a failure or an interrupt."""
    try:
        yield executor
    except BaseException:
        strategy.abandon(executor)
        raise
    executor.shutdown(wait=True)


@contextlib.contextmanager
def _pool(case: Case, settings: network.NetworkSettings) -> Iterator[Callable[[], Any]]:
    """Yields what ``_Batches.run`` enters each round: a new pool (cold) or the warm one."""

    def start() -> contextlib.AbstractContextManager[Executor]:
        return _owned(case.strategy, case.strategy.make_executor(pool_spec(case, settings)))

    if case.cold:
        yield start
        return
    with start() as executor:
        yield lambda: contextlib.nullcontext(executor)


def run_once(case: Case, settings: network.NetworkSettings) -> list[Any]:
    """Run one checked batch of ``case`` untimed (the network must be serving)."""
    with (
        case.workload.setup(),
        network.workload_context() as context,
        _pool(case, settings) as executor,
    ):
        return _checked_round(_Batches(case, context, executor))


def _checked_round(batches: _Batches) -> list[Any]:
    (batch,), _ = batches.prepare()
    try:
        return batches.run(batch)
    finally:
        batches.finish(batch)


def measure(
    benchmark: Any,
    case: Case,
    settings: network.NetworkSettings,
    plan: Plan,
    overhead: network.Overhead | None = None,
) -> list[Any]:
    """Time ``case`` with ``benchmark`` and check every round; returns the last results.

    A warm-up round (untimed, checked) starts the pool's workers and sizes the number of
    timed rounds. With benchmarks disabled, the batch runs and is checked once.
    """
    benchmark.group = case.group
    benchmark.extra_info.update(extra_info(case, settings, overhead))
    others = memory.present()
    try:
        with (
            case.workload.setup(),
            network.workload_context() as context,
            _pool(case, settings) as executor,
        ):
            batches = _Batches(case, context, executor)
            results = _timed(benchmark, batches, plan)
            if benchmark.enabled:
                # Rounds of their own, untimed: sampling memory would slow the timed ones.
                extra = _Batches(case, context, executor)
                peak = memory.peak_while(lambda: _checked_round(extra), others)
                benchmark.extra_info.update(memory.recorded(peak))
    except BaseException:
        # pytest-benchmark leaves a failed benchmark out of reports and saved runs.
        benchmark.has_error = True
        raise
    if batches.cpu_seconds:
        benchmark.extra_info["cpu_seconds_main_process"] = statistics.median(batches.cpu_seconds)
    benchmark.extra_info.update(parallelism(batches.usages))
    benchmark.extra_info["reference_loop_s"] = (
        statistics.median(batches.references) if batches.references else None
    )
    benchmark.extra_info["rounds_checked"] = batches.checked
    return results


def parallelism(usages: list[cpustat.Usage]) -> dict[str, float | None]:
    """Over the sampled rounds (``None`` where unmeasured): the medians of the CPUs the
    run's process tree kept busy, of the CPUs it wanted, of its CPUs' worth of waiting
    for one, and of the CPUs it kept busy when not waiting for one (each round's own
    ratio: medians of its parts would mix rounds); and the CPUs everything else on the
    machine kept busy, as a total over all of them, since the machine's counters tick
    too coarsely for one round."""

    def median(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return statistics.median(known) if known and len(known) == len(values) else None

    others = [u.others for u in usages]
    elsewhere = None
    if usages and None not in others:
        elsewhere = sum(o for o in others if o is not None) / sum(u.wall for u in usages)
    return {
        "cpu_per_wall": median([u.busy for u in usages]),
        "runnable_per_wall": median([u.wanted for u in usages]),
        "wait_share": median([u.waiting for u in usages]),
        "cpu_per_unqueued_wall": median([u.computing for u in usages]),
        "others_per_wall": elsewhere,
    }


def _timed(benchmark: Any, batches: _Batches, plan: Plan) -> list[Any]:
    try:
        rounds = 1
        if benchmark.enabled:
            (batch,), _ = batches.prepare()
            started = time.perf_counter()
            batches.run(batch)
            seconds = time.perf_counter() - started
            rounds = plan.rounds(seconds)
            batches.finish(batch)
            # The warm-up round's CPU time includes starting the pool: not the workload's.
            batches.cpu_seconds.clear()
            batches.sample_from_now(seconds)
        results = benchmark.pedantic(
            batches.run, setup=batches.prepare, teardown=batches.finish, rounds=rounds
        )
        batches.finish_all()
        return results
    finally:
        for batch in batches.pending:
            batches.case.workload.cleanup(batch.tasks)


def extra_info(
    case: Case, settings: network.NetworkSettings, overhead: network.Overhead | None
) -> dict[str, object]:
    """Everything a report needs to rebuild the comparison from saved JSON alone."""
    info: dict[str, object] = {
        "schema": SCHEMA,
        "workload": case.workload.name,
        "kind": case.workload.kind,
        "size": case.size,
        "size_preset": case.size_preset,
        "tasks": case.tasks,
        "strategy": case.strategy.name,
        "workers": case.workers,
        "chunksize": case.chunksize,
        "chunked": case.strategy.chunked,
        "chunk_policy": case.chunk_policy,
        "start_method": case.start_method,
        "pool": "cold" if case.cold else "warm",
        "probed_kind": case.probed_kind,
        "baseline_pass": case.baseline_pass,
        "granularity": case.granularity,
        "network": settings.mode,
        "latency_s": settings.latency,
        "body_bytes": settings.body_bytes,
    }
    if overhead is not None:
        info["network_overhead_wall_s"] = overhead.wall
        info["network_overhead_cpu_s"] = overhead.cpu
    info.update(environment.facts())
    return info
