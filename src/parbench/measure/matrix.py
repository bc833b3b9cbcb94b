"""The benchmark matrix: every workload under every strategy, worker count and variant.

What a workload is measured to do (``probe``), not what it declares, picks its worker
counts: work that waits gets 4 and 16 workers whatever the machine; CPU work gets 1, 2, 4,
... up to the usable CPUs, and the physical core count, and a batch big enough that the
largest pool has several tasks a worker. Serial runs first, on its own: how long it
takes and how much of that is CPU work; every other case measures serial again, beside
each of its own rounds (``runner``).

The matrix is known in two steps. Collection knows each ``Slot``: what the options and
the workloads' declared sizes say, at every worker count the probe could ask for, without
running anything (``slots``). A run knows each ``Case``: the probe's kind, the batch's
task count and the chunksizes come from running the workload (``settle``); a slot that
no case fills is not measured, and ``unfilled`` says why.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from parbench import network
from parbench.contract.workload import Workload, WorkloadError, describe
from parbench.data.results import BASELINE
from parbench.measure import machine
from parbench.measure.options import MAX_WORKERS, ChunkPolicy, Options
from parbench.strategies import Strategy

# Every case is measured beside serial, whose rounds are long for work that waits: a few
# workers and many answer the question at less than half the cost of every doubling.
IO_WORKERS = (4, 16)
QUICK_IO_WORKERS = (4,)
QUICK_CPU_WORKERS = (2,)
#: What the probe can find a workload to be; ``mixed`` work gets the worker counts of ``io``.
KINDS = ("io", "mixed", "cpu")
# CPU-bound batches are grown until the largest pool gets at least this many tasks a
# worker, so that it measures scaling rather than the dispatch of one task to each.
TASKS_PER_WORKER = 4
BEFORE = "before"


@dataclass(frozen=True)
class Slot:
    """One benchmark as collection knows it, before anything runs: a workload at the size
    its options name (``size_choice``: a preset's name or a number), run by a strategy
    with a given pool. ``cold`` slots create and shut down the pool inside the timed
    region; warm ones before timing starts. ``baseline_pass`` marks serial's own slot,
    ``"before"`` the workload's other slots."""

    workload: Workload
    size_choice: int | str
    strategy: Strategy
    workers: int
    chunk_policy: ChunkPolicy
    start_method: str | None
    cold: bool
    baseline_pass: str | None = None

    @property
    def named_size(self) -> int:
        """The size the options name, before a CPU-bound batch grows (``_sized``)."""
        if isinstance(self.size_choice, int):
            return self.size_choice
        return self.workload.size(self.size_choice)

    @property
    def id(self) -> str:
        """The pytest id: the named size and the chunk policy (``chunkauto``), since the
        batch's own size and chunksize are known only once the workload has run."""
        return _name(self, self.named_size, str(self.chunk_policy))


@dataclass(frozen=True)
class Case:
    """One benchmark as it is measured: a slot filled in by running the workload.

    ``size`` is the batch's size (a preset's batch of CPU work grows: ``_sized``),
    ``task_count`` how many tasks a batch of it holds, ``chunksize`` the chunksize
    ``map`` is given and ``chunk_policy`` how it was chosen: ``"auto"`` or the number
    given. ``probed_kind`` is what the probe measured the workload to be (``None`` where
    it was not probed). ``granularity`` names the part of a ``--parbench-granularity``
    run that the case measures (``parbench.measure.granularity.ROLES``), ``None`` in an
    ordinary run.
    """

    workload: Workload
    size: int
    size_preset: str
    task_count: int
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
        """The name the benchmark is saved under: the batch's own size and chunksize."""
        return _name(self, self.size, str(self.chunksize))


def _name(case: Slot | Case, size: int, chunk: str) -> str:
    """``workload-x<size>-strategy[-<workers>w][-<start method>][-chunk<chunk>][-cold]``."""
    parts = [case.workload.name, f"x{size}", case.strategy.name]
    if case.strategy.parallel:
        parts.append(f"{case.workers}w")
    if case.strategy.takes_start_method:
        parts.append(case.start_method or "default")
    if case.strategy.chunked:
        parts.append(f"chunk{chunk}")
    if case.cold:
        parts.append("cold")
    return "-".join(parts)


def auto_chunksize(task_count: int, workers: int) -> int:
    """``ceil(task_count / (4 * workers))``: about four chunks a worker, never below 1."""
    return max(1, math.ceil(task_count / (4 * workers)))


def count_tasks(workload: Workload, size: int) -> int:
    """How many tasks ``workload.tasks(size)`` makes (anything it made is released), on
    the network serving in this process.

    Raises ``WorkloadError``, one line that names the workload and what is wrong, where it
    makes no valid batch.
    """
    try:
        with workload.setup(), network.workload_context() as context:
            tasks = workload.tasks(size, context)
            workload.cleanup(tasks)
    except WorkloadError:
        raise
    except Exception as error:
        raise WorkloadError(
            f"workload {workload.name!r} ({workload.module.__file__}): its setup, teardown or "
            f"cleanup raised {describe(error)}"
        ) from None
    return len(tasks)


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


def _sized(workload: Workload, choice: int | str, kind: str, most_workers: int) -> tuple[int, int]:
    """The size and task count of ``workload`` at ``choice`` (a preset's name or a number).

    A preset batch of CPU work is grown (in proportion) until the largest pool gets
    ``TASKS_PER_WORKER`` tasks a worker; a number the user gave is kept as it is.
    """
    if isinstance(choice, int):
        return choice, count_tasks(workload, choice)
    size = workload.size(choice)
    task_count = count_tasks(workload, size)
    wanted = TASKS_PER_WORKER * most_workers
    if kind == "cpu" and 0 < task_count < wanted:
        bigger = math.ceil(size * wanted / task_count)
        grown = count_tasks(workload, bigger)
        if grown > task_count:
            return bigger, grown
    return size, task_count


def _layout(
    options: Options, workload: Workload, counts: Sequence[int], cold_at: Sequence[int]
) -> Iterator[Slot]:
    """The slots of ``workload``, in the order they run: serial; then warm pools from the
    most workers to the fewest, strategy by strategy at each count; then a cold one of
    each strategy at each of ``cold_at``. The largest pools, which most often lead, run
    first, so that a case already behind one leaves the race early
    (``parbench.analysis.sequential``)."""
    for strategy in options.strategies:
        if not strategy.parallel:
            first = BEFORE if strategy.name == BASELINE else None
            yield Slot(workload, options.size, strategy, 1, 1, None, False, first)
    parallel = [strategy for strategy in options.strategies if strategy.parallel]
    for count in sorted(counts, reverse=True):
        for strategy in parallel:
            starts = options.start_methods if strategy.takes_start_method else (None,)
            policies: tuple[ChunkPolicy, ...] = options.chunksizes if strategy.chunked else (1,)
            for start in starts:
                for policy in policies:
                    yield Slot(workload, options.size, strategy, count, policy, start, False)
    if options.granularity or not options.quick:
        # A cold case a strategy, at its largest pool and last chunk policy given: what
        # pool start-up and shut-down add to a one-off batch.
        for strategy in parallel:
            starts = options.start_methods if strategy.takes_start_method else (None,)
            policy = options.chunksizes[-1] if strategy.chunked else 1
            for count in cold_at:
                yield Slot(workload, options.size, strategy, count, policy, starts[0], True)


def _counts(options: Options, kind: str, topology: machine.Topology) -> tuple[int, ...]:
    return options.workers or default_workers(kind, options.quick, topology)


def slots(
    options: Options, probed: bool, topology: machine.Topology | None = None
) -> dict[str, Slot]:
    """Every slot the options select, by id, in a stable order: workload by workload,
    each in the order of ``_layout``. Nothing runs. Where the run probes its workloads
    (``probed``), a workload has the worker counts of every kind the probe could find,
    and a cold pool at the largest of each; otherwise those of its declared ``KIND``."""
    topology = topology or machine.detect()
    found: dict[str, Slot] = {}
    for workload in options.workloads:
        kinds = KINDS if probed else (workload.kind,)
        each = [_counts(options, kind, topology) for kind in kinds]
        counts = sorted({count for kind_counts in each for count in kind_counts})
        cold_at = sorted({max(kind_counts) for kind_counts in each})
        for slot in _layout(options, workload, counts, cold_at):
            found[slot.id] = slot
    return found


def settle(
    options: Options,
    kinds: Mapping[str, str] | None = None,
    topology: machine.Topology | None = None,
) -> dict[str, Case]:
    """The cases the options select, by the id of the slot each fills, in a stable order.

    Runs each workload's ``setup()`` and ``tasks()`` to count its batch, on the network
    serving in this process. ``kinds`` maps a workload's name to what the probe measured
    it to be; a workload not in it is taken at its declared ``KIND``. Each workload's
    serial case comes first. A chunk policy that comes to a chunksize another policy
    of the same pool gives already fills no case.
    """
    kinds = kinds or {}
    topology = topology or machine.detect()
    cases: dict[str, Case] = {}
    for workload in options.workloads:
        kind = kinds.get(workload.name, workload.kind)
        counts = _counts(options, kind, topology)
        parallel = any(strategy.parallel for strategy in options.strategies)
        size, task_count = _sized(workload, options.size, kind, max(counts) if parallel else 1)
        measured = set()
        for slot in _layout(options, workload, counts, (max(counts),)):
            chunksize = (
                slot.chunk_policy
                if isinstance(slot.chunk_policy, int)
                else auto_chunksize(task_count, slot.workers)
            )
            pool = (slot.strategy.name, slot.workers, slot.start_method, slot.cold, chunksize)
            if pool in measured:
                continue
            measured.add(pool)
            cases[slot.id] = Case(
                workload,
                size,
                str(options.size),
                task_count,
                slot.strategy,
                slot.workers,
                chunksize,
                str(slot.chunk_policy),
                slot.start_method,
                slot.cold,
                probed_kind=kinds.get(workload.name),
                baseline_pass=slot.baseline_pass,
            )
    return cases


def build(
    options: Options,
    kinds: Mapping[str, str] | None = None,
    topology: machine.Topology | None = None,
) -> list[Case]:
    """The cases of ``settle``, in its order."""
    return list(settle(options, kinds, topology).values())


def unfilled(slot: Slot, cases: Mapping[str, Case], kind: str, probed: bool) -> str:
    """Why no case of ``cases`` (a run's) fills ``slot``, its workload being ``kind`` work
    by the probe (``probed``) or by its declared ``KIND``. Each reason names no workload,
    so that the run's summary counts the skipped slots in a line or two."""
    same_pool = any(
        (case.workload.name, case.strategy, case.workers, case.start_method, case.cold)
        == (slot.workload.name, slot.strategy, slot.workers, slot.start_method, slot.cold)
        for case in cases.values()
    )
    if same_pool:
        return f"chunksize {slot.chunk_policy} comes to a chunksize measured already for this batch"
    source = "the probe found" if probed else "the workload declares"
    return f"not a worker count for {kind} work, which {source}"
