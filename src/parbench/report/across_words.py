"""The table across interpreters in words (``analysis.across`` builds it): the speedup
and serial-time tables of ``parbench versions`` as text, Markdown or CSV, and the lines
that say which runs were left out or passed over, and why."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from parbench.analysis.across import Alike, Cell, Latest, Setting, Table, column_name, setting
from parbench.data.results import BASELINE, describe_incomplete
from parbench.report import labels
from parbench.report.labels import format_seconds
from parbench.report.render import grid


def describe(measured: Setting) -> str:
    """``sleep x16; network mock, 50 ms latency, 200000 B bodies``."""
    batches = " ".join(f"{name} x{tasks}" for name, tasks in measured.batches)
    return (
        f"{batches}; network {measured.network}, {measured.latency_s * 1000:g} ms latency, "
        f"{measured.body_bytes} B bodies"
    )


def left_out(chosen: Alike) -> list[str]:
    """A line for each run named but left out, saying what it measured instead."""
    return [
        f"left out {run.source} ({column_name(run)}): it measured {describe(setting(run))}, "
        f"not {describe(chosen.common)} as the other runs did"
        for run in chosen.left_out
    ]


def passed_over(chosen: Latest) -> list[str]:
    """A line for each saved run passed over: newer incomplete runs, then the saved files
    that cannot be read (one line for all), then each interpreter left out."""
    lines = [
        f"skipped {run.source}: {describe_incomplete(run.completeness)}"
        for run in chosen.incomplete
    ]
    if chosen.unreadable:
        lines.append(
            f"skipped {len(chosen.unreadable)} saved runs that cannot be read, "
            f"e.g. {chosen.unreadable[0]}"
        )
    lines += [
        f"left out {column_name(run)}: no complete run of {describe(chosen.common)}, which "
        f"the other interpreters' runs measured; its newest, {run.source}, measured "
        f"{describe(setting(run))}"
        for run in chosen.left_out
    ]
    return lines


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


def headings(table: Table) -> list[str]:
    """Each column's interpreter, ``CPython 3.13.0t``; with its run's file name,
    ``CPython 3.12.1 (0002_py312)``, where another column has the same interpreter."""
    names = [column.interpreter for column in table.columns]
    return [
        f"{name} ({Path(column.source).stem})" if names.count(name) > 1 else name
        for name, column in zip(names, table.columns, strict=True)
    ]


def render(table: Table, fmt: str = "text") -> str:
    """The speedup table, then the serial-time table, as text, Markdown or CSV."""
    header = ["workload", "case", *headings(table)]
    # Each row of either table: its workload, its case and its cells.
    speedups = [(w, labels.case(case), cells) for (w, case), cells in table.speedups.items()]
    serial = [(workload, BASELINE, cells) for workload, cells in table.serial.items()]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["table", *header])
        for name, lines in (("speedup", speedups), ("serial_seconds", serial)):
            for workload, case, cells in lines:
                for suffix, pick in _CSV_PARTS:
                    writer.writerow([name + suffix, workload, case, *(pick(c) for c in cells)])
        return out.getvalue()
    return "\n\n".join(
        [
            "Speedup over serial, by interpreter (95% interval):",
            grid(
                header, [[w, c, *(_cell(v, "x") for v in cells)] for w, c, cells in speedups], fmt
            ),
            "Serial time, by interpreter (95% interval of the median):",
            grid(header, [[w, c, *(_cell(v, "s") for v in cells)] for w, c, cells in serial], fmt),
        ]
    )
