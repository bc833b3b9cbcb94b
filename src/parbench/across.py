"""One table across interpreters: each case's speedup over serial on each Python, and
each workload's serial time on each (how much faster the interpreter itself got).

Columns are runs, named by their interpreter; a free-threaded build is marked ``t``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from parbench import results, verdict
from parbench.render import grid
from parbench.results import BASELINE, DEFAULT_STORAGE, Run, RunError, describe_incomplete
from parbench.verdict import format_seconds


@dataclass(frozen=True)
class Table:
    """``speedups[(workload, case)][column]`` and ``serial[workload][column]`` in seconds;
    a missing cell, or a speedup withheld as beyond physics, is ``None``."""

    columns: tuple[str, ...]
    speedups: dict[tuple[str, str], list[float | None]]
    serial: dict[str, list[float | None]]


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
    speedups: dict[tuple[str, str], list[float | None]] = {}
    serial: dict[str, list[float | None]] = {}
    for index, run in enumerate(runs):
        for found in verdict.judge(run.measurements):
            times = serial.setdefault(found.workload, [None] * len(runs))
            times[index] = found.baseline.median
            for row in found.rows:
                if not row.is_baseline:
                    key = (found.workload, row.label)
                    shown = None if row.impossible else row.shown
                    speedups.setdefault(key, [None] * len(runs))[index] = shown
    return Table(columns, speedups, serial)


def latest_per_python(storage: Path = DEFAULT_STORAGE) -> tuple[list[Run], list[str]]:
    """The newest complete saved run of each interpreter in the storage, and a line for
    what was passed over: newer incomplete runs, and saved files that cannot be read.

    pytest-benchmark's folders are per machine and minor version, so a 3.13 and a
    free-threaded 3.13t run share one; each run's own records tell them apart.
    """
    newest: dict[str, Run] = {}
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
        if name in newest:
            continue
        if run.completeness.complete is False:
            passed_over.append(f"skipped {run.source}: {describe_incomplete(run.completeness)}")
            continue
        newest[name] = run
    if unreadable:
        passed_over.append(
            f"skipped {len(unreadable)} saved runs that cannot be read, e.g. {unreadable[0]}"
        )
    if not newest:
        problem = "no saved parbench runs" if not passed_over else "no complete, readable run"
        raise RunError(f"{storage}/: {problem} (save some with --benchmark-save)")
    return sorted(newest.values(), key=column_name), passed_over


def _cell(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:.3g}x" if unit == "x" else format_seconds(value)


def render(table: Table, fmt: str = "text") -> str:
    """The speedup table, then the serial-time table, as text, Markdown or CSV."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["table", "workload", "case", *table.columns])
        for (workload, case), values in table.speedups.items():
            writer.writerow(["speedup", workload, case, *values])
        for workload, values in table.serial.items():
            writer.writerow(["serial_seconds", workload, BASELINE, *values])
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
            "Speedup over serial, by interpreter:",
            grid(header, speedup_rows, fmt),
            "Serial time, by interpreter:",
            grid(header, serial_rows, fmt),
        ]
    )
