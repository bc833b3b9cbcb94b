"""One table across interpreters: each case's speedup over serial on each Python, and
each workload's serial time on each (how much faster the interpreter itself got), each
with its 95% interval.

Columns are runs, each with its interpreter; a free-threaded build is marked ``t``.
Only runs that measured the same thing are put side by side: the same workloads at the
same batch sizes, on the same network settings (``Setting``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from parbench.analysis import stats, verdict
from parbench.analysis.verdict import CaseKey
from parbench.data import results
from parbench.data.results import DEFAULT_STORAGE, Run, RunError


@dataclass(frozen=True)
class Cell:
    """A value and its 95% interval (``None`` where the run's rounds cannot give one)."""

    value: float
    interval: tuple[float, float] | None


@dataclass(frozen=True)
class Column:
    """A run in the table: the interpreter that measured it (``column_name``) and the
    file it was read from."""

    interpreter: str
    source: str


@dataclass(frozen=True)
class Table:
    """``speedups[(workload, case)][column]`` and ``serial[workload][column]`` in seconds;
    a missing cell, or a speedup withheld as beyond physics, is ``None``."""

    columns: tuple[Column, ...]
    speedups: dict[tuple[str, CaseKey], list[Cell | None]]
    serial: dict[str, list[Cell | None]]


@dataclass(frozen=True, order=True)
class Setting:
    """What a run measured, which must match for runs to be compared: each workload's
    batch (tasks), and the network's mode, latency and body size."""

    batches: tuple[tuple[str, int], ...]
    network: str
    latency_s: float
    body_bytes: int


def setting(run: Run) -> Setting:
    """The setting ``run`` measured (the first measurement's network stands for all)."""
    first = run.measurements[0]
    batches = sorted({(m.workload, m.tasks) for m in run.measurements})
    return Setting(tuple(batches), first.network, first.latency_s, first.body_bytes)


@dataclass(frozen=True)
class Alike:
    """Of runs named: those that measured the ``common`` setting (``runs``), and those
    ``left_out`` for measuring another."""

    runs: list[Run]
    common: Setting
    left_out: list[Run]


def alike(runs: Sequence[Run]) -> Alike:
    """The runs that measured the same setting as most of ``runs`` (as the first of them,
    where as many measured another), and those left out."""
    settings = [setting(run) for run in runs]
    common = max(settings, key=lambda s: (settings.count(s), -settings.index(s)))
    return Alike(
        runs=[run for run, s in zip(runs, settings, strict=True) if s == common],
        common=common,
        left_out=[run for run, s in zip(runs, settings, strict=True) if s != common],
    )


def column_name(run: Run) -> str:
    """``CPython 3.12.1``, or ``CPython 3.13.0t`` for a free-threaded build."""
    first = run.measurements[0]
    return first.python.strip() + ("" if first.gil_enabled else "t")


def build(runs: Sequence[Run]) -> Table:
    """The table of ``runs``, one column each, rows in first-seen order."""
    for run in runs:
        if not run.measurements:
            raise RunError(f"{run.source}: holds latency benchmarks only, no batch to compare")
    columns = tuple(Column(column_name(run), run.source) for run in runs)
    speedups: dict[tuple[str, CaseKey], list[Cell | None]] = {}
    serial: dict[str, list[Cell | None]] = {}
    for index, run in enumerate(runs):
        for found in verdict.judge(run.measurements):
            times = serial.setdefault(found.workload, [None] * len(runs))
            times[index] = _serial_cell(found.baseline)
            for row in found.rows:
                if not row.is_baseline:
                    key = (found.workload, row.case)
                    shown = None if row.impossible else Cell(row.shown, row.shown_interval)
                    speedups.setdefault(key, [None] * len(runs))[index] = shown
    if not speedups and not serial:
        raise RunError("nothing to compare: no workload in these runs has a serial baseline")
    return Table(columns, speedups, serial)


def _serial_cell(baseline: results.Measurement) -> Cell:
    if len(baseline.rounds) < 2:
        return Cell(baseline.median, None)
    low, _, high = stats.median_interval(baseline.rounds)
    return Cell(baseline.median, (low, high))


@dataclass(frozen=True)
class Latest:
    """Of the runs in storage: each interpreter's newest complete run of the ``common``
    setting (``runs``, by interpreter), and what was passed over: ``incomplete`` runs
    newer than any complete one of their interpreter, newest first; the errors of saved
    files that cannot be read (``unreadable``); and, of each interpreter with no complete
    run of ``common``, its newest complete run (``left_out``)."""

    runs: list[Run]
    common: Setting
    incomplete: list[Run]
    unreadable: list[RunError]
    left_out: list[Run]


def latest_per_python(storage: Path = DEFAULT_STORAGE) -> Latest:
    """Of each interpreter, the newest complete saved run of the setting that the most
    interpreters have runs of (of the newest run's, where as many have another's); and
    what was passed over (``Latest``).

    pytest-benchmark's folders are per machine and minor version, so a 3.13 and a
    free-threaded 3.13t run share one; each run's own records tell them apart.
    """
    complete: dict[str, list[Run]] = {}
    incomplete: list[Run] = []
    unreadable: list[RunError] = []
    for path in results.saved_runs(storage):
        try:
            run = results.read(path)
        except RunError as error:
            unreadable.append(error)
            continue
        if not run.measurements:  # latency benchmarks only
            continue
        name = column_name(run)
        if run.completeness.complete is False:
            if name not in complete:
                incomplete.append(run)
            continue
        complete.setdefault(name, []).append(run)
    if not complete:
        passed_over = bool(incomplete or unreadable)
        problem = "no complete, readable run" if passed_over else "no saved parbench runs"
        raise RunError(f"{storage}/: {problem} (save some with --benchmark-save)")
    newest_first = sorted((r for rs in complete.values() for r in rs), key=_age)
    reach = {
        setting(r): {column_name(o) for o in newest_first if setting(o) == setting(r)}
        for r in newest_first
    }
    common = max(reach, key=lambda s: (len(reach[s]), -list(reach).index(s)))
    chosen = []
    left_out = []
    for runs in complete.values():
        matching = [run for run in runs if setting(run) == common]
        if matching:
            chosen.append(matching[0])
        else:
            left_out.append(runs[0])
    return Latest(sorted(chosen, key=column_name), common, incomplete, unreadable, left_out)


def _age(run: Run) -> int:
    """The order of ``run`` in ``results.saved_runs`` (newest first), by its file's time."""
    return -Path(run.source).stat().st_mtime_ns
