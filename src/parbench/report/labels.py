"""The short words every table, chart and sentence shares: a time with its unit, a case's
name, and the kind of work a verdict measured."""

from __future__ import annotations

from parbench.analysis.verdict import CaseKey, WorkloadVerdict

#: Each kind of work (``io``, ``cpu``, ``mixed``) in words.
DECLARED = {"io": "I/O-bound", "cpu": "CPU-bound", "mixed": "mixed"}


def format_seconds(value: float) -> str:
    """``633 ms``, ``1.63 ms``, ``163 ns``: three significant figures and a unit."""
    for scale, unit in ((1, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value * 1e9:.3g} ns"


def case(key: CaseKey) -> str:
    """A case's name in every table and chart: ``serial``, ``threads x16``, ``processes x2
    chunksize auto spawn``, ``threads x4 cold``; without a worker count (a chart's series
    over worker counts), ``processes chunksize auto spawn``."""
    text = key.strategy if key.workers is None else f"{key.strategy} x{key.workers}"
    if key.chunk_policy is not None:
        text += f" chunksize {key.chunk_policy}"
    if key.start_method is not None:
        text += f" {key.start_method}"
    return text + (" cold" if key.cold else "")


def kind(verdict: WorkloadVerdict) -> str:
    """The kind of work measured: ``I/O-bound``, ``CPU-bound, holds the GIL``, ``mixed,
    releases the GIL``; on a free-threaded build, ``CPU-bound, threads scale`` or
    ``... threads do not scale``. The GIL is named only where the threads told."""
    text = DECLARED[verdict.work]
    gil = verdict.gil
    if gil is None or gil.parallel is None:
        return text
    enabled = gil.measurement.gil_enabled
    if gil.parallel:
        return text + (", releases the GIL" if enabled else ", threads scale")
    return text + (", holds the GIL" if enabled else ", threads do not scale")
