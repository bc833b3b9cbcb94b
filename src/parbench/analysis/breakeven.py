"""Where each strategy pays off, from a saved ``--parbench-granularity`` run
(``parbench.measure.granularity``).

Every figure is taken against the serial baseline of its own point, as the verdicts take
it (``verdict.judge``), and every time is wall time, as a user waits for it:

- **start-up**: a cold pool's time for one trivial task, less serial's.
- **per-task overhead**: a warm pool's extra time a trivial task over serial's.
- **per kB**: the slope of the extra time a task against the kB (1000 bytes) it moves,
  argument and result together (a payload of ``size`` bytes moves ``2 * size``), by
  least squares over the payload sizes.
- **crossover**: the smallest task of the sweep from which on the strategy is faster
  than serial, at that size and every larger one, under the verdicts' rule
  (``verdict.Row.versus_serial``); ``None`` where it was not at the largest. A task's
  size is serial's time per task at that point.
- **payback**: how many tasks of a given size a pool must run before its start-up is
  paid back by what it gains a task, at the speedup the sweep measured for that size
  (interpolated between the sizes measured, on log scales).

A row is one sweep workload (work that holds the GIL, or work that releases it) under
one strategy, start method, chunk policy and worker count.
"""

from __future__ import annotations

import itertools
import math
import platform
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from parbench.analysis.verdict import FASTER, Row, WorkloadVerdict, judge
from parbench.data import results
from parbench.data.results import Measurement

START_UP, PER_TASK, PAYLOAD, SWEEP = results.GRANULARITY_ROLES
KB = 1000
#: The task size whose payback a table shows unless asked for another.
PAYBACK_TASK_S = 1e-3
#: The sweep's two works: pure Python, which holds the GIL, and hashing, which releases it.
HOLDS_GIL, RELEASES_GIL = "work_python", "work_hashlib"
HOW_TO_SWEEP = "pytest --benchmark-only --parbench-granularity --benchmark-autosave"


class NoSweep(results.RunError):
    """A run holds no granularity sweep; the message says how to make one."""


@dataclass(frozen=True)
class Point:
    """One task size of the sweep under one variant: serial's time per task there, and
    the variant's row against serial."""

    task_s: float
    row: Row


@dataclass(frozen=True)
class BreakEven:
    """One row of the break-even table (see the module's docstring); costs are ``None``
    where the run did not measure them."""

    work: str
    strategy: str
    start_method: str | None
    chunk_policy: str
    workers: int
    start_up_s: float | None
    per_task_overhead_s: float | None
    per_kb_s: float | None
    points: tuple[Point, ...]

    @property
    def crossover_task_s(self) -> float | None:
        """The smallest task size from which on the strategy was faster than serial at
        every size measured; ``None`` where it was not even at the largest. (A size where
        it won below one where it did not is noise, or a disturbance, not a crossover.)"""
        found = None
        for point in sorted(self.points, key=lambda p: p.task_s, reverse=True):
            if point.row.versus_serial != FASTER:
                break
            found = point.task_s
        return found

    @property
    def largest_task_s(self) -> float:
        return max(p.task_s for p in self.points)

    @property
    def chunksize(self) -> int | str:
        """The chunk policy: a number, or ``"auto"``."""
        return int(self.chunk_policy) if self.chunk_policy.isdigit() else self.chunk_policy

    def speedup_at(self, task_s: float) -> float | None:
        """The speedup over serial at tasks of ``task_s``, interpolated between the sizes
        measured on log scales; ``None`` outside them."""
        known = sorted((p.task_s, p.row.shown) for p in self.points if not p.row.impossible)
        for (low_s, low), (high_s, high) in itertools.pairwise(known):
            if low_s <= task_s <= high_s:
                share = math.log(task_s / low_s) / math.log(high_s / low_s)
                return math.exp(math.log(low) + share * math.log(high / low))
        return next((speedup for size, speedup in known if size == task_s), None)

    def payback_tasks(self, task_s: float) -> int | None:
        """Tasks of ``task_s`` a pool must run to win back its start-up; ``None`` where it
        never does (no gain at that size), or the figures are missing."""
        speedup = self.speedup_at(task_s)
        if speedup is None or speedup <= 1 or self.start_up_s is None:
            return None
        return max(1, math.ceil(self.start_up_s / (task_s * (1 - 1 / speedup))))


def has_sweep(measurements: Iterable[Measurement]) -> bool:
    return any(m.granularity == SWEEP for m in measurements)


def _extra_per_task(verdict: WorkloadVerdict, row: Row) -> float:
    return (row.measurement.median - verdict.baseline.median) / row.measurement.tasks


def _variant(m: Measurement) -> tuple[str, str | None, str, int]:
    return (m.strategy, m.start_method, m.chunk_policy, m.workers)


def table(run: results.Run) -> list[BreakEven]:
    """The break-even rows of ``run``, sorted; raises ``NoSweep`` if it holds no sweep."""
    if not has_sweep(run.measurements):
        raise NoSweep(
            f"{run.source}: holds no --parbench-granularity sweep; make one with: {HOW_TO_SWEEP}"
        )
    start_up: dict[tuple, float] = {}
    per_task: dict[tuple, float] = {}
    moved: dict[tuple, list[tuple[float, float]]] = {}
    swept: dict[tuple, list[Point]] = {}
    for verdict in judge(m for m in run.measurements if m.granularity):
        serial = verdict.serial
        for row in verdict.rows:
            m = row.measurement
            if row.is_baseline:
                continue
            if serial.granularity == START_UP and m.pool == "cold":
                start_up[(m.strategy, m.start_method, m.workers)] = (
                    m.median - verdict.baseline.median
                )
            elif serial.granularity == PER_TASK:
                per_task[_variant(m)] = _extra_per_task(verdict, row)
            elif serial.granularity == PAYLOAD:
                point = (2 * serial.size / KB, _extra_per_task(verdict, row))
                moved.setdefault(_variant(m), []).append(point)
            elif serial.granularity == SWEEP:
                task_s = verdict.baseline.median / serial.tasks
                swept.setdefault((serial.workload, *_variant(m)), []).append(Point(task_s, row))
    rows = [
        BreakEven(
            work=work,
            strategy=strategy,
            start_method=start,
            chunk_policy=policy,
            workers=workers,
            start_up_s=start_up.get((strategy, start, workers)),
            per_task_overhead_s=per_task.get((strategy, start, policy, workers)),
            per_kb_s=_slope(moved.get((strategy, start, policy, workers), [])),
            points=tuple(sorted(points, key=lambda p: p.task_s)),
        )
        for (work, strategy, start, policy, workers), points in swept.items()
    ]
    return sorted(
        rows, key=lambda r: (r.work, r.strategy, r.start_method or "", r.workers, r.chunk_policy)
    )


def _slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares seconds per kB; ``None`` with fewer than two sizes."""
    if len({kb for kb, _ in points}) < 2:
        return None
    kbs, seconds = zip(*points, strict=True)
    return statistics.linear_regression(kbs, seconds).slope


#: A row's costs; one measured below zero is less than the run could resolve (serial and
#: the pool differed by less than their noise), so never a figure.
COSTS = ("start_up_s", "per_task_overhead_s", "per_kb_s")


def below_zero(row: BreakEven) -> dict[str, float]:
    """``row``'s costs measured below zero, by name."""
    found = {name: getattr(row, name) for name in COSTS}
    return {name: value for name, value in found.items() if value is not None and value < 0}


@dataclass(frozen=True)
class Payoff:
    """Where one strategy paid off: the smallest crossover of each chunk policy that had
    one, in the rows' order (``crossovers``, empty where none did); ``several_policies``:
    whether the strategy was swept under more than one chunk policy."""

    strategy: str
    crossovers: tuple[tuple[str, float], ...]
    several_policies: bool


@dataclass(frozen=True)
class Hint:
    """Where each strategy paid off for work of one verdict's kind (``payoffs``), against
    that work's ``task_s``; ``largest_task_s``: the largest task of the sweep's rows of
    that kind, as far as one that never paid off was measured."""

    task_s: float
    largest_task_s: float
    payoffs: tuple[Payoff, ...]


def hint(verdict: WorkloadVerdict, rows: Sequence[BreakEven]) -> Hint | None:
    """Where each strategy pays off for work of ``verdict``'s kind, against its task size;
    ``None`` for work that is not CPU-bound, or with no rows for its kind. A strategy's
    crossover under a chunk policy is its smallest over its worker counts and start
    methods."""
    if verdict.work != "cpu":
        return None
    parallel = verdict.gil is not None and verdict.gil.parallel
    work = RELEASES_GIL if parallel else HOLDS_GIL
    mine = [row for row in rows if row.work == work]
    if not mine:
        return None
    payoffs = []
    for strategy in dict.fromkeys(row.strategy for row in mine):
        policies: dict[str, list[float]] = {}
        for row in (r for r in mine if r.strategy == strategy):
            found = policies.setdefault(row.chunk_policy, [])
            if row.crossover_task_s is not None:
                found.append(row.crossover_task_s)
        crossovers = tuple((policy, min(found)) for policy, found in policies.items() if found)
        payoffs.append(Payoff(strategy, crossovers, len(policies) > 1))
    return Hint(
        task_s=verdict.baseline.median / verdict.serial.tasks,
        largest_task_s=max(row.largest_task_s for row in mine),
        payoffs=tuple(payoffs),
    )


def _same_setting(run: results.Run, like: Measurement, node: str) -> bool:
    """Whether ``run`` was measured on the machine named ``node``, by the interpreter and
    with the CPUs that ``like`` was."""
    m = next(m for m in run.measurements if m.granularity == SWEEP)
    return run.machine.get("node") == node and (
        m.python,
        m.gil_enabled,
        m.logical_cpus,
        m.physical_cores,
        m.usable_cpus,
    ) == (like.python, like.gil_enabled, like.logical_cpus, like.physical_cores, like.usable_cpus)


def saved_sweep(
    storage: Path, like: Measurement, node: str | None = None
) -> tuple[str, list[BreakEven]] | None:
    """The newest complete sweep saved under ``storage`` on this machine (``node``, by
    default this one's name) by the interpreter ``like`` was measured with: its file and
    rows; ``None`` where there is none. Runs that cannot be read are passed over."""
    node = platform.node() if node is None else node
    for path in results.saved_runs(storage):
        try:
            run = results.read(path)
        except results.RunError:
            continue
        if run.completeness.complete is False or not has_sweep(run.measurements):
            continue
        if _same_setting(run, like, node):
            return str(path), table(run)
    return None


def sweep_for(run: results.Run, storage: Path) -> tuple[str, list[BreakEven]] | None:
    """The newest sweep saved under ``storage`` on this machine and interpreter for
    ``run`` (``saved_sweep``): its file and rows; ``None`` where there is none, or
    ``run`` is itself a sweep."""
    if has_sweep(run.measurements):
        return None
    return saved_sweep(storage, run.measurements[0])
