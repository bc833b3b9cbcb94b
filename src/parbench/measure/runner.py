"""Measure one case with pytest-benchmark, checking every round's results.

Timing is pytest-benchmark's (``benchmark.pedantic``). What this adds: a fresh batch of
tasks per round (made before timing starts), the pool made outside the timed region
for warm cases and inside it for cold ones, every round's results checked and its files
released after timing stops.

**Serial's own case** takes its round count the way pytest-benchmark chooses it for
ordinary benchmarks (``--benchmark-max-time``, ``--benchmark-min-rounds``): it says how
long serial takes and how much of that is CPU work.

**Every other case is measured in pairs with serial**: before or after each of the
case's rounds (by a coin seeded with the case's name), a serial round of the same
batch runs beside it, timed with pytest-benchmark's default clock and checked alike.
The case's rounds are pytest-benchmark's (``stats.data``); the serial rounds are saved
with them, in the same order (``extra_info.serial_rounds``). The pairs are looked at as
``sequential`` plans, and the case stops at the first look that settles its claim, when
its share of its workload's budget (``Budget``) is spent, or at ``sequential.MAX_PAIRS``.
pytest-benchmark takes a round count up front, so a case that stops early stops its
``pedantic`` call from the setup of the round that would come next, before anything of
that round runs; the error that call then reports is cleared, and the rounds taken are
kept.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import random
import reprlib
import statistics
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import BrokenExecutor, Executor
from dataclasses import dataclass, field
from typing import Any

from parbench import network
from parbench.analysis import sequential
from parbench.analysis.stats import Paired
from parbench.contract.context import Context
from parbench.data import record
from parbench.data.results import BASELINE
from parbench.errors import ParbenchError
from parbench.measure import cpustat, environment, memory
from parbench.measure.matrix import Case
from parbench.strategies import PoolSpec, Strategy, all_strategies, skip_reason


class BatchFailed(ParbenchError):
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
    A sampled round also holds the process tree's counters before it (``started``)."""

    tasks: list[Any]
    results: list[Any] | None = None
    cpu_seconds: float = 0.0
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
    checked: int = 0
    tree: cpustat.Tree | None = None
    sample_every: int = 1
    prepared: int = 0
    last: list[Any] = field(default_factory=list)

    def sample_from_now(self, round_seconds: float) -> None:
        """Sample the rounds to come: the CPU use of the process tree as it is now (a
        cold pool's workers come and go within a round, so for it, of this process and
        the children it reaped)."""
        self.tree = cpustat.Tree(reaped=self.case.cold)
        self.sample_every = max(1, math.ceil(SAMPLE_SPACING_S / max(round_seconds, 1e-9)))

    def prepare(self) -> tuple[tuple[Round], dict]:
        batch = Round(self.case.workload.tasks(self.case.size, self.context))
        self.pending.append(batch)
        self.prepared += 1
        if self.tree is not None and self.prepared % self.sample_every == 0:
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
        batch.results = self.last = results
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
    budget: Budget | None = None,
) -> list[Any]:
    """Time ``case`` with ``benchmark`` and check every round; returns the last results.

    Serial's own case takes ``plan``'s rounds; any other is measured in pairs with
    serial until settled or out of ``budget`` (see the module's docstring). A warm-up
    round (untimed, checked) starts the pool's workers and sizes the run. With
    benchmarks disabled, the batch runs and is checked once.
    """
    benchmark.group = case.group
    benchmark.extra_info.update(extra_info(case, plan, overhead))
    paired = case.strategy.name != BASELINE
    others = memory.present()
    try:
        with (
            case.workload.setup(),
            network.workload_context() as context,
            _pool(case, settings) as executor,
        ):
            batches = _Batches(case, context, executor)
            if paired and benchmark.enabled:
                results = _paired(benchmark, batches, settings, budget or Budget.unlimited())
            else:
                results = _timed(benchmark, batches, plan)
            if benchmark.enabled:
                # Rounds of their own, untimed: sampling memory would slow the timed ones.
                extra = _Batches(case, context, executor)
                peak = memory.peak_while(lambda: _checked_round(extra), others)
                benchmark.extra_info.update(
                    record.measured(
                        memory_resident_bytes=peak.resident_bytes,
                        memory_footprint_bytes=peak.footprint_bytes,
                        memory_processes=peak.processes,
                    )
                )
    except BaseException:
        # pytest-benchmark leaves a failed benchmark out of reports and saved runs.
        benchmark.has_error = True
        raise
    benchmark.extra_info.update(
        record.measured(
            cpu_seconds_main_process=(
                statistics.median(batches.cpu_seconds) if batches.cpu_seconds else None
            ),
            rounds_checked=batches.checked,
            **parallelism(batches.usages),
        )
    )
    return results


@dataclass
class Budget:
    """The seconds of paired rounds each workload may spend (``per_workload``), shared
    among its paired cases as they come: a case may spend what its workload has left
    over the cases that can gain still to measure, itself included, so that time a case
    settled early without goes to the cases after it. A case always takes
    ``sequential.FIRST_LOOK`` pairs, whatever they cost; one that cannot gain (``ceiling``)
    takes no more, and no share. Keyed by ``Case.group``."""

    per_workload: float
    waiting: dict[str, int] = field(default_factory=dict)
    spent: dict[str, float] = field(default_factory=dict)
    # The best low end of a case settled faster than serial so far, by group.
    leaders: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, per_workload: float, cases: Iterable[Case]) -> Budget:
        """A budget for the paired cases among ``cases`` that can run here."""
        waiting: dict[str, int] = {}
        for case in cases:
            if (
                case.strategy.name != BASELINE
                and _shares(case)
                and not skip_reason(case.strategy, case.workload)
            ):
                waiting[case.group] = waiting.get(case.group, 0) + 1
        return cls(per_workload, waiting)

    @classmethod
    def unlimited(cls) -> Budget:
        return cls(math.inf)

    def allowance(self, case: Case) -> float:
        """The seconds ``case`` may spend on its pairs."""
        left = self.per_workload - self.spent.get(case.group, 0.0)
        return max(left, 0.0) / max(self.waiting.get(case.group, 1), 1)

    def spend(self, case: Case, seconds: float) -> None:
        self.spent[case.group] = self.spent.get(case.group, 0.0) + seconds
        if _shares(case):
            self.waiting[case.group] = max(self.waiting.get(case.group, 1) - 1, 0)

    def to_beat(self, case: Case) -> float:
        """What a case of ``case``'s workload must reach to stay in the race
        (``sequential.settled``): the best low end of one settled faster, else 1."""
        return self.leaders.get(case.group, 1.0)

    def finished(self, case: Case, speedup: Paired) -> None:
        """Note that ``case`` stopped at ``speedup`` (its last look), cut at its ceiling:
        a case that cannot gain leads nothing, however its neighbour flattered it."""
        if sequential.outcome(speedup) == sequential.FASTER:
            low = min(speedup.low, ceiling(case))
            self.leaders[case.group] = max(self.to_beat(case), low)


def ceiling(case: Case) -> float:
    """What physics bounds ``case``'s speedup by, before anything is measured: its workers
    with tasks (one gains nothing, whatever the work)."""
    return float(max(1, min(case.workers, case.task_count)))


def _shares(case: Case) -> bool:
    """Whether ``case`` takes a share of its workload's budget: only one that can gain."""
    return sequential.can_gain(ceiling(case))


class _Stop(Exception):
    """Raised from ``pedantic``'s setup to end a paired case's rounds."""


@dataclass
class _Pairs:
    """Runs a serial round beside each of a case's rounds, and says when to stop."""

    serial: _Batches
    case: _Batches
    case_rounds: Callable[[], list[float]]
    allowance: float
    coin: random.Random
    to_beat: float = 1.0
    ceiling: float = math.inf
    started: float = field(default_factory=time.perf_counter)
    rounds: list[float] = field(default_factory=list)
    stopped: str = sequential.AT_MOST
    serial_first: bool = False

    def before(self) -> tuple[tuple[Round], dict]:
        if self._enough():
            raise _Stop
        self.serial_first = self.coin.random() < 0.5
        if self.serial_first:
            self.serial_round()
        return self.case.prepare()

    def after(self, batch: Round) -> None:
        self.case.finish(batch)
        if not self.serial_first:
            self.serial_round()

    def serial_round(self) -> None:
        (batch,), _ = self.serial.prepare()
        try:
            started = time.perf_counter()
            self.serial.run(batch)
            self.rounds.append(time.perf_counter() - started)
        finally:
            self.serial.finish(batch)

    def _enough(self) -> bool:
        pairs = len(self.rounds)
        elapsed = time.perf_counter() - self.started
        over = pairs > 0 and elapsed + elapsed / pairs > self.allowance
        why = sequential.stop(self.rounds, self.case_rounds(), over, self.to_beat, self.ceiling)
        if why is not None:
            self.stopped = why
        return why is not None


def _paired(
    benchmark: Any, batches: _Batches, settings: network.NetworkSettings, budget: Budget
) -> list[Any]:
    case = batches.case
    serial_case = dataclasses.replace(
        case,
        strategy=all_strategies()[BASELINE],
        workers=1,
        chunksize=1,
        chunk_policy="1",
        start_method=None,
        cold=False,
    )
    started = time.perf_counter()
    allowance = budget.allowance(case)
    try:
        with _pool(serial_case, settings) as inline:
            serial = _Batches(serial_case, batches.context, inline)
            pairs = _Pairs(
                serial,
                batches,
                lambda: benchmark.stats.stats.data,
                allowance,
                random.Random(zlib.crc32(case.id.encode())),
                budget.to_beat(case),
                ceiling(case),
            )
            # An untimed warm-up round: the pool's workers start, and the sampling is sized.
            # (Serial's own case, run first, has warmed serial's way already.)
            (batch,), _ = batches.prepare()
            warm = time.perf_counter()
            batches.run(batch)
            seconds = time.perf_counter() - warm
            batches.finish(batch)
            batches.cpu_seconds.clear()
            batches.sample_from_now(seconds)
            pairs.started = time.perf_counter()
            try:
                results = benchmark.pedantic(
                    batches.run,
                    setup=pairs.before,
                    teardown=pairs.after,
                    rounds=sequential.MAX_PAIRS,
                )
            except _Stop:
                # pedantic marks the benchmark failed on any exception: this one only
                # ends its rounds, and every round it timed is kept.
                benchmark.has_error = False
                results = batches.last
            else:
                pairs.stopped = (
                    sequential.stop(
                        pairs.rounds, pairs.case_rounds(), True, pairs.to_beat, pairs.ceiling
                    )
                    or pairs.stopped
                )
            if 2 <= len(pairs.rounds) == len(pairs.case_rounds()):
                budget.finished(case, sequential.estimate(pairs.rounds, pairs.case_rounds()))
    finally:
        for pending in batches.pending:
            case.workload.cleanup(pending.tasks)
        budget.spend(case, time.perf_counter() - started)
    benchmark.extra_info.update(
        record.measured(
            serial_rounds=list(pairs.rounds),
            stopped=pairs.stopped,
            budget_s=None if math.isinf(allowance) else allowance,
            workload_budget_s=None if math.isinf(budget.per_workload) else budget.per_workload,
        )
    )
    return results


def parallelism(usages: list[cpustat.Usage]) -> dict[str, Any]:
    """Over the sampled rounds (``None`` where unmeasured): the CPUs the run's process
    tree kept busy in each, and the medians of those, of the CPUs it wanted, of its CPUs'
    worth of waiting for one, and of the CPUs it kept busy when not waiting for one (each
    round's own ratio: medians of its parts would mix rounds); and the CPUs everything
    else on the machine kept busy, as a total over all of them, since the machine's
    counters tick too coarsely for one round."""

    def median(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return statistics.median(known) if known and len(known) == len(values) else None

    others = [u.others for u in usages]
    elsewhere = None
    if usages and None not in others:
        elsewhere = sum(o for o in others if o is not None) / sum(u.wall for u in usages)
    return {
        "cpu_per_wall": median([u.busy for u in usages]),
        "cpu_per_wall_rounds": [round(u.busy, 4) for u in usages] or None,
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
    case: Case, plan: Plan, overhead: network.Overhead | None = None
) -> dict[str, object]:
    """The case's whole ``extra_info`` as it starts (``record.benchmark_info``): what it
    is, the network's overhead (``None`` where the run did not measure it), and every key
    of what measuring it finds, null until found."""
    return record.benchmark_info(
        workload=case.workload.name,
        kind=case.workload.kind,
        size=case.size,
        size_preset=case.size_preset,
        tasks=case.task_count,
        strategy=case.strategy.name,
        workers=case.workers,
        chunksize=case.chunksize,
        chunked=case.strategy.chunked,
        chunk_policy=case.chunk_policy,
        start_method=case.start_method,
        pool="cold" if case.cold else "warm",
        probed_kind=case.probed_kind,
        baseline_pass=case.baseline_pass,
        granularity=case.granularity,
        workload_source_hash=case.workload.source_hash,
        gil_enabled=environment.gil_enabled(),
        min_rounds=plan.min_rounds,
        max_time_s=plan.max_time,
        network_overhead_wall_s=None if overhead is None else overhead.wall,
        network_overhead_cpu_s=None if overhead is None else overhead.cpu,
    )
