"""Verdicts as text (the terminal summary), Markdown, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from parbench import footprint, machine
from parbench.results import Measurement
from parbench.verdict import Row, WorkloadVerdict, format_seconds

FORMATS = ("text", "markdown", "csv", "json")
COLUMNS = (
    "case",
    "median",
    "speedup",
    "95% interval",
    "efficiency",
    "vs serial",
    "CPUs busy/wanted",
    "memory",
    "note",
)


def setting(measurement: Measurement) -> str:
    """The run's interpreter, GIL, machine and network settings in one line."""
    gil = "GIL enabled" if measurement.gil_enabled else "free-threaded build, GIL disabled"
    m = measurement
    cpus = machine.describe(
        m.logical_cpus, m.physical_cores, m.usable_cpus, m.usable_cores, m.cpu_quota
    )
    return (
        f"{m.python.strip()}, {gil}; machine: {cpus}; network {m.network}, "
        f"{m.latency_s * 1000:g} ms latency, {m.body_bytes} B bodies"
    )


def _speedup(value: float) -> str:
    return f"{value:.3g}x"


def _cpus(m: Measurement) -> str:
    if m.cpu_per_wall is None:
        return "-"
    wanted = "?" if m.runnable_per_wall is None else f"{m.runnable_per_wall:.2f}"
    return f"{m.cpu_per_wall:.2f}/{wanted}"


def cells(row: Row) -> tuple[str, ...]:
    """``row``'s cells under ``COLUMNS``."""
    shown = row.shown_interval
    interval = "-" if shown is None or row.impossible else "-".join(_speedup(v) for v in shown)
    return (
        row.label,
        format_seconds(row.measurement.median),
        "-" if row.impossible else _speedup(row.shown),
        interval,
        "-" if row.impossible or row.is_baseline else f"{row.efficiency:.0%}",
        "baseline" if row.is_baseline else row.versus_serial,
        _cpus(row.measurement),
        footprint.cell(row.measurement),
        row.note,
    )


def _record(run: str, verdict: WorkloadVerdict, row: Row) -> dict[str, object]:
    m = row.measurement
    return {
        "run": run,
        "workload": verdict.workload,
        "measured_kind": verdict.kind,
        "case": m.name,
        "label": row.label,
        "strategy": m.strategy,
        "workers": m.workers,
        "chunksize": m.chunksize,
        "start_method": m.start_method,
        "pool": m.pool,
        "tasks": m.tasks,
        "median_s": m.median,
        "speedup": None if row.impossible else row.shown,
        "measured_speedup": row.speedup,
        "speedup_low": row.span[0],
        "speedup_high": row.span[1],
        "interval_low": None if row.shown_interval is None else row.shown_interval[0],
        "interval_high": None if row.shown_interval is None else row.shown_interval[1],
        "p_value": row.p_value,
        "ideal": row.ideal,
        "ceiling": row.ceiling,
        "efficiency": None if row.impossible else row.efficiency,
        "versus_serial": row.versus_serial,
        "cpu_per_wall": m.cpu_per_wall,
        "runnable_per_wall": m.runnable_per_wall,
        "memory_resident_bytes": m.memory_resident_bytes,
        "memory_footprint_bytes": m.memory_footprint_bytes,
        "memory_processes": m.memory_processes,
        "cpu_share_got": row.disturbance.starved,
        "cpu_slowdown": row.disturbance.slowed,
        "note": row.note,
        "python": m.python.strip(),
        "gil_enabled": m.gil_enabled,
    }


def render(verdicts: Sequence[WorkloadVerdict], fmt: str = "text") -> str:
    """One run's verdicts in ``fmt`` (one of ``FORMATS``)."""
    return render_runs([("run", list(verdicts))], fmt)


def render_runs(runs: Sequence[tuple[str, Sequence[WorkloadVerdict]]], fmt: str = "text") -> str:
    """Several runs' verdicts, each named, as one document in ``fmt``: text and Markdown
    get a heading per run when there are several; CSV a ``run`` column; JSON a list of
    ``{"run": name, "workloads": [...]}``."""
    if fmt == "json":
        return json.dumps(
            [
                {
                    "run": name,
                    "workloads": [
                        {
                            "workload": v.workload,
                            "measured_kind": v.kind,
                            "declared_kind": v.declared_kind,
                            "verdict": v.text,
                            "notes": list(v.notes),
                            "rows": [_record(name, v, row) for row in v.rows],
                        }
                        for v in verdicts
                    ],
                }
                for name, verdicts in runs
            ],
            indent=2,
        )
    if fmt == "csv":
        out = io.StringIO()
        records = [_record(n, v, row) for n, verdicts in runs for v in verdicts for row in v.rows]
        writer = csv.DictWriter(out, fieldnames=list(records[0]) if records else ["run"])
        writer.writeheader()
        writer.writerows(records)
        return out.getvalue()
    draw = _markdown if fmt == "markdown" else _text
    if len(runs) == 1:
        return draw(runs[0][1])
    heading = "## {}" if fmt == "markdown" else "== {} =="
    return "\n\n".join(f"{heading.format(name)}\n{draw(verdicts)}" for name, verdicts in runs)


def grid(header: Sequence[str], rows: Sequence[Sequence[str]], fmt: str = "text") -> str:
    """A table: columns padded to their widest cell (text) or a Markdown table."""
    if fmt == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


def _text(verdicts: Sequence[WorkloadVerdict]) -> str:
    if not verdicts:
        return "no workload had a serial baseline to compare with"
    lines = [setting(verdicts[0].serial)]
    for verdict in verdicts:
        table = grid(COLUMNS, [cells(row) for row in verdict.rows])
        lines += ["", verdict.text, *("  " + note for note in verdict.notes)]
        lines += ["    " + line for line in table.splitlines()]
    return "\n".join(lines)


def _markdown(verdicts: Sequence[WorkloadVerdict]) -> str:
    if not verdicts:
        return "No workload had a serial baseline to compare with."
    lines = [f"_{setting(verdicts[0].serial)}_"]
    for verdict in verdicts:
        lines += ["", f"### {verdict.workload}", "", verdict.text, ""]
        if verdict.notes:
            lines += [*(f"- {note}" for note in verdict.notes), ""]
        lines.append(grid(COLUMNS, [cells(row) for row in verdict.rows], "markdown"))
    return "\n".join(lines)
