"""The cases of a ``--parbench-granularity`` run: what each strategy costs, and where it pays off.

Every part is ordinary benchmarks of built-in workloads, built by ``matrix.build`` one
point at a time (so every strategy it knows, at the worker counts, start methods and
chunksizes it would give CPU work, is measured the same way), each point with its own
serial case and every other case's rounds paired with serial's. The parts (``ROLES``):

- ``start_up``: one trivial task in a cold pool, at each worker count and start method:
  making the pool, getting a first result and shutting the pool down.
- ``per_task``: a batch of trivial tasks in a warm pool, at chunksize 1 and tuned.
- ``payload``: tasks whose argument and result are each ``size`` bytes.
- ``sweep``: the same total of CPU work split into tasks of ``size`` microseconds, in a
  flavour that holds the GIL (``work_python``) and one that releases it
  (``work_hashlib``).

``parbench.analysis.breakeven`` turns the saved run into costs and crossovers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import TypeVar

from parbench.contract import workload
from parbench.data.results import BASELINE, GRANULARITY_ROLES
from parbench.measure import machine, matrix
from parbench.measure.matrix import Case, Slot
from parbench.measure.options import Options
from parbench.strategies import Strategy, all_strategies

ROLES = GRANULARITY_ROLES
START_UP, PER_TASK, PAYLOAD, SWEEP = ROLES
TRIVIAL, MOVER = "trivial", "payload"
#: The sweep's workloads: CPU work that holds the GIL, and work that releases it.
SWEEP_WORKLOADS = ("work_python", "work_hashlib")
#: Task sizes of the sweep, in microseconds; ``--parbench-quick`` measures the middle of the range.
SWEEP_US = (1, 10, 100, 1_000, 10_000, 100_000)
QUICK_SWEEP_US = (100, 1_000, 10_000)
#: Argument (and result) sizes of the payload tasks, in bytes.
PAYLOAD_BYTES = (0, 1_000, 100_000, 1_000_000)
QUICK_PAYLOAD_BYTES = (0, 100_000)
#: Trivial tasks in the batch that times the per-task overhead.
PER_TASK_TASKS = 2_000
QUICK_PER_TASK_TASKS = 200
# What a point's options select: the slots collection knows, or the cases a run measures.
Filled = TypeVar("Filled", Slot, Case)


def points(quick: bool) -> Iterator[tuple[str, str, int]]:
    """``(role, workload, size)`` of every point measured, in the order they run."""
    yield START_UP, TRIVIAL, 1
    yield PER_TASK, TRIVIAL, QUICK_PER_TASK_TASKS if quick else PER_TASK_TASKS
    for size in QUICK_PAYLOAD_BYTES if quick else PAYLOAD_BYTES:
        yield PAYLOAD, MOVER, size
    for name in SWEEP_WORKLOADS:
        for size in QUICK_SWEEP_US if quick else SWEEP_US:
            yield SWEEP, name, size


def _by_point(
    options: Options,
    topology: machine.Topology,
    select: Callable[[Options], dict[str, Filled]],
) -> Iterator[tuple[str, str, Filled]]:
    """``(role, slot id, what select gave)`` of every point (``points``): ``select`` gives
    ``matrix``'s slots or cases, by slot id, of one point's options; serial first at each
    point, then every other selected strategy, warm (cold for ``start_up``). Serial is
    measured even where ``--parbench-strategies`` leaves it out, since every figure is
    relative to it."""
    with_serial: tuple[Strategy, ...] = options.strategies
    if BASELINE not in {s.name for s in with_serial}:
        with_serial = (all_strategies()[BASELINE], *with_serial)
    counts = options.workers or matrix.default_workers("cpu", options.quick, topology)
    for role, name, size in points(options.quick):
        at_point = dataclasses.replace(
            options, workloads=(workload.load(name),), size=size, strategies=with_serial
        )
        # Cold pools are built at the largest worker count and first start method only:
        # start-up is measured at each, one point's options apiece.
        variants = [at_point]
        if role == START_UP:
            variants = [
                dataclasses.replace(at_point, workers=(count,), start_methods=(method,))
                for count in counts
                for method in options.start_methods
            ]
        found: dict[str, Filled] = {}
        for variant in variants:
            for slot_id, item in select(variant).items():
                if item.strategy.name == BASELINE or item.cold == (role == START_UP):
                    found.setdefault(slot_id, item)
        yield from ((role, slot_id, item) for slot_id, item in found.items())


def slots(options: Options, topology: machine.Topology | None = None) -> dict[str, Slot]:
    """Every slot of the granularity run, by id, as collection knows it: nothing runs.
    Its workloads are not probed: each is taken at its declared ``KIND``."""
    topology = topology or machine.detect()
    points = _by_point(options, topology, lambda variant: matrix.slots(variant, False, topology))
    return {slot_id: slot for _, slot_id, slot in points}


def settle(
    options: Options,
    kinds: Mapping[str, str] | None = None,
    topology: machine.Topology | None = None,
) -> dict[str, Case]:
    """Every case of the granularity run, by the id of the slot it fills (``slots``),
    its role named; runs each point's workload as ``matrix.settle`` does."""
    topology = topology or machine.detect()
    points = _by_point(options, topology, lambda variant: matrix.settle(variant, kinds, topology))
    return {slot_id: dataclasses.replace(case, granularity=role) for role, slot_id, case in points}
