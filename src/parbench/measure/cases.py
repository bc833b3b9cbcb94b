"""The run's cases: named at collection without running anything, settled when the first
of them runs.

Collection gives pytest one test per slot (``matrix.slots``, ``granularity.slots``): what
the options and the workloads' declared sizes say, at every worker count the probe could
ask for. No process starts, no socket opens and no workload's ``setup()`` runs until a
case does. Then, once for the whole run and on the network serving in this process, each
workload is probed, its batch counted and each slot filled with the case it measures, or
given the reason it is skipped: the probe ruled its worker count out, its chunk policy
comes to a chunksize measured already, or its strategy cannot run the workload here.
"""

from __future__ import annotations

from dataclasses import dataclass

from parbench import strategies
from parbench.measure import granularity, matrix, probe
from parbench.measure.matrix import Case, Slot
from parbench.measure.options import Options


def slots(options: Options, probed: bool) -> dict[str, Slot]:
    """Every slot of the run, by id; ``probed``: the run will probe its workloads."""
    return granularity.slots(options) if options.granularity else matrix.slots(options, probed)


@dataclass(frozen=True)
class Settled:
    """The run's cases (``measured``) and skipped slots (``skipped``, with the reason),
    each by slot id; and what the probe found (``probes``, empty where it did not run)."""

    measured: dict[str, Case]
    skipped: dict[str, str]
    probes: list[probe.Probe]


def settle(options: Options, named: dict[str, Slot], probed: bool, probe_timeout: float) -> Settled:
    """Fill each of the ``named`` slots: probe the workloads (where ``probed``), count
    their batches, build the cases. The network must be serving in this process.

    Raises ``WorkloadError`` where a workload makes no valid batch.
    """
    found = [
        probe.probe(w, w.size("quick"), options.network, options.start_methods[0], probe_timeout)
        for w in (options.workloads if probed else ())
    ]
    kinds = {p.workload: p.kind for p in found if p.kind is not None}
    filled = (granularity.settle if options.granularity else matrix.settle)(options, kinds)
    reasons: dict[tuple[str, str], str | None] = {}
    measured: dict[str, Case] = {}
    skipped: dict[str, str] = {}
    for slot_id, slot in named.items():
        case = filled.get(slot_id)
        if case is None:
            kind = kinds.get(slot.workload.name, slot.workload.kind)
            skipped[slot_id] = matrix.unfilled(slot, filled, kind, slot.workload.name in kinds)
            continue
        key = (slot.strategy.name, slot.workload.name)
        if key not in reasons:
            reasons[key] = strategies.skip_reason(slot.strategy, slot.workload)
        reason = reasons[key]
        if reason is None:
            measured[slot_id] = case
        else:
            skipped[slot_id] = reason
    return Settled(measured, skipped, found)
