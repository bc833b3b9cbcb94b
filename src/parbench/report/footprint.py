"""What each case cost in memory, in words: a table's cell and a verdict's note.

The figures are those ``parbench.measure.memory`` recorded: the peak footprint of a case's
process tree (shared pages counted once), or where the platform gives no unique memory,
its resident memory (shared pages counted once per process).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from parbench.data.results import Measurement
from parbench.report.labels import case

if TYPE_CHECKING:
    from parbench.analysis.verdict import Row

# Two cases' memory that differ by less than both of these are told apart in no verdict.
MATERIAL_BYTES = 5_000_000
MATERIAL_SHARE = 0.1


def size(value: int) -> str:
    """``57 MB``, ``1.2 GB``, ``640 kB``: decimal units, two or three figures."""
    for scale, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value} B"


def used(m: Measurement) -> int | None:
    """The bytes ``m``'s tree used at its peak: its footprint, else its resident memory."""
    return m.memory_footprint_bytes or m.memory_resident_bytes


def cell(m: Measurement) -> str:
    """A table's memory cell: ``57 MB``, ``246 MB RSS`` where only resident memory is
    known, ``-`` where nothing was recorded."""
    if m.memory_footprint_bytes is not None:
        return size(m.memory_footprint_bytes)
    if m.memory_resident_bytes is not None:
        return f"{size(m.memory_resident_bytes)} RSS"
    return "-"


def note(rows: Sequence[Row]) -> str | None:
    """What the strategies cost in memory beside each other, as a verdict's note: at the
    largest worker count at which warm pools of several strategies ran, the one whose
    tree used most against the one that used least (``processes x4 used 180 MB more than
    threads x4``), with serial's for scale; ``None`` where no two strategies differ by
    ``MATERIAL_BYTES`` and ``MATERIAL_SHARE`` or memory was not recorded."""
    warm = [
        r
        for r in rows
        if not r.is_baseline and r.measurement.pool == "warm" and used(r.measurement)
    ]
    strategies: dict[int, set[str]] = {}
    for r in warm:
        strategies.setdefault(r.measurement.workers, set()).add(r.measurement.strategy)
    shared = [workers for workers, names in strategies.items() if len(names) > 1]
    if not shared:
        return None
    at = [r for r in warm if r.measurement.workers == max(shared)]
    most = max(at, key=lambda r: used(r.measurement) or 0)
    least = min(at, key=lambda r: used(r.measurement) or 0)
    high, low = used(most.measurement) or 0, used(least.measurement) or 0
    if high - low < MATERIAL_BYTES or high < low * (1 + MATERIAL_SHARE):
        return None
    figures = f"{size(high)} against {size(low)}"
    serial = [used(r.measurement) or 0 for r in rows if r.is_baseline and used(r.measurement)]
    if serial:
        figures += f"; serial {size(max(serial))}"
    return (
        f"memory: {case(most.case)} used {size(high - low)} more than {case(least.case)} "
        f"({figures}), at the peak of their process trees"
    )
