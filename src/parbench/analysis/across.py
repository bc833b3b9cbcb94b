"""One table across interpreters: each case's speedup over serial on each Python, and
each workload's serial time on each (how much faster the interpreter itself got), each
with its 95% interval.

Columns are runs, named by their interpreter; a free-threaded build is marked ``t``.
Only runs that measured the same thing are put side by side: the same workloads at the
same batch sizes, on the same network settings (``Setting``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from parbench.analysis import stats, verdict
from parbench.analysis.verdict import format_seconds
from parbench.data import results
from parbench.data.results import BASELINE, DEFAULT_STORAGE, Run, RunError, describe_incomplete
from parbench.report.render import grid


@dataclass(frozen=True)
class Cell:
    """A value and its 95% interval (``None`` where the run's rounds cannot give one)."""

    value: float
    interval: tuple[float, float] | None


@dataclass(frozen=True)
class Table:
    """``speedups[(workload, case)][column]`` and ``serial[workload][column]`` in seconds;
    a missing cell, or a speedup withheld as beyond physics, is ``None``."""

    columns: tuple[str, ...]
    speedups: dict[tuple[str, str], list[Cell | None]]
    serial: dict[str, list[Cell | None]]


@dataclass(frozen=True, order=True)
class Setting:
    """What a run measured, which must match for runs to be compared: each workload's
    batch (tasks), and the network's mode, latency and body size."""

    batches: tuple[tuple[str, int], ...]
    network: str
    latency_s: float
    body_bytes: int

    def describe(self) -> str:
        batches = " ".join(f"{name} x{tasks}" for name, tasks in self.batches)
        return (
            f"{batches}; network {self.network}, {self.latency_s * 1000:g} ms latency, "
            f"{self.body_bytes} B bodies"
        )


def setting(run: Run) -> Setting:
    """The setting ``run`` measured (the first measurement's network stands for all)."""
    first = run.measurements[0]
    batches = sorted({(m.workload, m.tasks) for m in run.measurements})
    return Setting(tuple(batches), first.network, first.latency_s, first.body_bytes)


def alike(runs: Sequence[Run]) -> tuple[list[Run], list[str]]:
    """The runs that measured the same setting as most of ``runs`` (as the first of them,
    where as many measured another), and a line for each run left out, saying why."""
    settings = [setting(run) for run in runs]
    common = max(settings, key=lambda s: (settings.count(s), -settings.index(s)))
    kept = [run for run, s in zip(runs, settings, strict=True) if s == common]
    left_out = [
        f"left out {run.source} ({column_name(run)}): it measured {s.describe()}, "
        f"not {common.describe()} as the other runs did"
        for run, s in zip(runs, settings, strict=True)
        if s != common
    ]
    return kept, left_out


def column_name(run: Run) -> str:
    """``CPython 3.12.1``, or ``CPython 3.13.0t`` for a free-threaded build."""
    first = run.measurements[0]
    return first.python.strip() + ("" if first.gil_enabled else "t")


def build(runs: Sequence[Run]) -> Table:
    """The table of ``runs``, one column each, rows in first-seen order."""
    for run in runs:
        if not run.measurements:
            raise RunError(f"{run.source}: holds latency benchmarks only, no batch to compare")
    names = [column_name(run) for run in runs]
    columns = tuple(
        f"{name} ({Path(run.source).stem})" if names.count(name) > 1 else name
        for name, run in zip(names, runs, strict=True)
    )
    speedups: dict[tuple[str, str], list[Cell | None]] = {}
    serial: dict[str, list[Cell | None]] = {}
    for index, run in enumerate(runs):
        for found in verdict.judge(run.measurements):
            times = serial.setdefault(found.workload, [None] * len(runs))
            times[index] = _serial_cell(found.baseline)
            for row in found.rows:
                if not row.is_baseline:
                    key = (found.workload, row.label)
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


def latest_per_python(storage: Path = DEFAULT_STORAGE) -> tuple[list[Run], list[str]]:
    """Of each interpreter, the newest complete saved run of the setting that the most
    interpreters have runs of (of the newest run's, where as many have another's); and
    a line for what was passed over: interpreters with no run of that setting, newer
    incomplete runs, and saved files that cannot be read.

    pytest-benchmark's folders are per machine and minor version, so a 3.13 and a
    free-threaded 3.13t run share one; each run's own records tell them apart.
    """
    complete: dict[str, list[Run]] = {}
    passed_over: list[str] = []
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
                passed_over.append(f"skipped {run.source}: {describe_incomplete(run.completeness)}")
            continue
        complete.setdefault(name, []).append(run)
    if unreadable:
        passed_over.append(
            f"skipped {len(unreadable)} saved runs that cannot be read, e.g. {unreadable[0]}"
        )
    if not complete:
        problem = "no saved parbench runs" if not passed_over else "no complete, readable run"
        raise RunError(f"{storage}/: {problem} (save some with --benchmark-save)")
    newest_first = sorted((r for rs in complete.values() for r in rs), key=_age)
    reach = {
        setting(r): {column_name(o) for o in newest_first if setting(o) == setting(r)}
        for r in newest_first
    }
    common = max(reach, key=lambda s: (len(reach[s]), -list(reach).index(s)))
    chosen = []
    for name, runs in complete.items():
        matching = [run for run in runs if setting(run) == common]
        if matching:
            chosen.append(matching[0])
        else:
            passed_over.append(
                f"left out {name}: no complete run of {common.describe()}, which the other "
                f"interpreters' runs measured; its newest, {runs[0].source}, measured "
                f"{setting(runs[0]).describe()}"
            )
    return sorted(chosen, key=column_name), passed_over


def _age(run: Run) -> int:
    """The order of ``run`` in ``results.saved_runs`` (newest first), by its file's time."""
    return -Path(run.source).stat().st_mtime_ns


def _cell(cell: Cell | None, unit: str) -> str:
    """``4x (3.9x-4.1x)``, ``402 ms (401 ms-404 ms)``; ``-`` for no value."""
    if cell is None:
        return "-"
    show = (lambda v: f"{v:.3g}x") if unit == "x" else format_seconds
    if cell.interval is None:
        return show(cell.value)
    return f"{show(cell.value)} ({show(cell.interval[0])}-{show(cell.interval[1])})"


_CSV_PARTS = (
    ("", lambda c: None if c is None else c.value),
    ("_low", lambda c: None if c is None or c.interval is None else c.interval[0]),
    ("_high", lambda c: None if c is None or c.interval is None else c.interval[1]),
)


def render(table: Table, fmt: str = "text") -> str:
    """The speedup table, then the serial-time table, as text, Markdown or CSV."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["table", "workload", "case", *table.columns])
        for name, rows in (("speedup", table.speedups), ("serial_seconds", table.serial)):
            for key, cells in rows.items():
                workload, case = key if isinstance(key, tuple) else (key, BASELINE)
                for suffix, pick in _CSV_PARTS:
                    writer.writerow([name + suffix, workload, case, *(pick(c) for c in cells)])
        return out.getvalue()
    speedup_rows = [
        [workload, case, *(_cell(v, "x") for v in values)]
        for (workload, case), values in table.speedups.items()
    ]
    serial_rows = [
        [workload, BASELINE, *(_cell(v, "s") for v in values)]
        for workload, values in table.serial.items()
    ]
    header = ["workload", "case", *table.columns]
    return "\n\n".join(
        [
            "Speedup over serial, by interpreter (95% interval):",
            grid(header, speedup_rows, fmt),
            "Serial time, by interpreter (95% interval of the median):",
            grid(header, serial_rows, fmt),
        ]
    )
