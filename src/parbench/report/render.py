"""Every word of a verdict: its sentence, notes, table and the line to paste, as text
(the terminal summary), Markdown, CSV or JSON, made from ``verdict``'s values."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence

from parbench.analysis.sequential import MAX_PAIRS
from parbench.analysis.verdict import (
    BEHIND_PROCESSES,
    CANNOT_SHOW,
    FASTER,
    GAINED,
    MACHINE_BUSY,
    NEVER_PARALLEL,
    ONLY_SERIAL,
    PARALLEL,
    PARALLEL_BUSY,
    PARALLEL_IN_A_ROUND,
    ROUND_PARALLEL,
    SAME,
    SERIAL_WINS,
    SLOWER,
    TIE,
    UNCLEAR,
    WINNER,
    Gil,
    Noise,
    Row,
    WorkloadVerdict,
    serial_cpus,
)
from parbench.data.limits import MAX_BUDGET_S
from parbench.data.results import Measurement
from parbench.report import finite, footprint, labels
from parbench.report.labels import DECLARED, format_seconds

FORMATS = ("text", "markdown", "csv", "json")
COLUMNS = (
    "case",
    "median",
    "speedup",
    "interval",
    "efficiency",
    "vs serial",
    "pairs",
    "CPUs busy/wanted",
    "memory",
    "note",
)
# Below this serial time per task, a pool's per-task overhead is what gets measured.
TINY_TASK_S = 1e-4
EXECUTORS = {
    "threads": "ThreadPoolExecutor",
    "processes": "ProcessPoolExecutor",
    "interpreters": "InterpreterPoolExecutor",
}


def describe_cpus(
    logical: int, physical: int | None, usable_cpus: float, usable_cores: float, quota: float | None
) -> str:
    """``8 cores, 16 hardware threads, 16 usable`` (or ``2 cores, no hardware threads, 2
    usable``, or ``..., 1.5 usable (a CPU quota)``): what the machine has and this process
    may use, from the counts a run records."""
    if physical is None:
        text = f"{logical} logical CPUs (physical cores unknown)"
    elif logical > physical:
        text = f"{_count(physical, 'core')}, {logical} hardware threads"
    else:
        text = f"{_count(physical, 'core')}, no hardware threads"
    text += f", {usable_cpus:g} usable"
    if physical is not None and logical > physical and usable_cores < usable_cpus:
        text += f" ({usable_cores:g} of them cores)"
    if quota is not None:
        text += " (a CPU quota)"
    return text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def setting(measurement: Measurement) -> str:
    """The run's interpreter, GIL, machine and network settings in one line."""
    gil = "GIL enabled" if measurement.gil_enabled else "free-threaded build, GIL disabled"
    m = measurement
    cpus = describe_cpus(
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


def _range(row: Row) -> str:
    """``1.6x to 1.8x``, or one figure where both ends round to it (or unmeasured)."""
    shown = row.shown_interval
    if shown is None:
        return f"{row.shown:.1f}x"
    low, high = (f"{end:.1f}x" for end in shown)
    return f"{low} to {high}" if low != high else low


def _versus(row: Row) -> str:
    if row.is_baseline:
        return "baseline"
    return row.versus_serial + (" (out of budget)" if row.out_of_budget else "")


def row_note(row: Row) -> str:
    """What qualifies a row's figures, or an empty string."""
    if row.is_baseline:
        return ""
    if row.impossible:
        return f"beyond the ceiling of {row.ceiling:.3g}x"
    notes = []
    if row.limits is not None and row.limits.gil_capped:
        notes.append(f"threads on work that holds the GIL: at most {row.ceiling:.3g}x")
    if row.speedup > row.ceiling:
        notes.append(f"at the ceiling (measured {row.speedup:.3g}x)")
    return "; ".join(notes)


def cells(row: Row) -> tuple[str, ...]:
    """``row``'s cells under ``COLUMNS``."""
    shown = row.shown_interval
    hidden = row.impossible or row.is_baseline
    interval = "-" if shown is None or hidden else "-".join(_speedup(v) for v in shown)
    return (
        labels.case(row.case),
        format_seconds(row.measurement.median),
        "-" if hidden or shown is None else _speedup(row.shown),
        interval,
        "-" if hidden or shown is None else f"{row.efficiency:.0%}",
        _versus(row),
        "-" if row.is_baseline else str(row.pairs),
        _cpus(row.measurement),
        footprint.cell(row.measurement),
        row_note(row),
    )


def _named(rows: Sequence[Row]) -> str:
    """``a, b and c``; with ``;`` between them where a label holds a comma."""
    names = [labels.case(row.case) for row in rows]
    comma = "; " if any("," in name for name in names) else ", "
    return names[0] if len(names) == 1 else comma.join(names[:-1]) + " and " + names[-1]


def sentence(verdict: WorkloadVerdict) -> str:
    """The verdict in one line: what the work is, and the answer."""
    kind = labels.kind(verdict)
    head = f"{verdict.workload} ({kind}"
    declared = DECLARED[verdict.declared_kind]
    if not kind.startswith(declared):
        head += f"; declared {declared}"
    head += ")"
    serial = f"serial {format_seconds(verdict.serial.median)}"
    answer = verdict.answer
    if answer.kind == ONLY_SERIAL:
        return f"{head}: only serial was measured; {serial}"
    if answer.kind == WINNER:
        best = answer.rows[0]
        text = (
            f"{head}: {labels.case(best.case)} fastest, {_range(best)} over serial "
            f"({best.efficiency:.0%} of ideal)"
        )
        seen = {best.measurement.strategy}
        for row in verdict.rows:
            strategy = row.measurement.strategy
            if row.versus_serial == FASTER and strategy not in seen:
                seen.add(strategy)
                text += f"; {labels.case(row.case)} {_range(row)}"
        return f"{text}; {serial}"
    if answer.kind == TIE:
        low, high = answer.common or (0.0, 0.0)
        common = f"{low:.1f}x" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f}x to {high:.1f}x"
        return f"{head}: {_named(answer.rows)} tie at {common} over serial; {serial}"
    if answer.kind == SERIAL_WINS:
        same = [row for row in answer.rows if row.outcome == SAME]
        # Undecided against serial, but kept by their ceiling from gaining.
        capped = [row for row in answer.rows if row.outcome not in (SAME, SLOWER)]
        if same or capped:
            text = f"{head}: nothing beats serial ({format_seconds(verdict.serial.median)})"
            if same:
                text += f"; {_named(same)} within 5% of it"
            if capped:
                limit = max(row.ceiling for row in capped)
                text += f"; {_named(capped)} cannot beat it (at most {limit:.3g}x)"
        else:
            text = f"{head}: serial fastest ({format_seconds(verdict.serial.median)})"
        slower = [row for row in answer.rows if row.outcome == SLOWER]
        if slower:
            slowest = min(slower, key=lambda r: r.speedup)
            factor = 1 / slowest.speedup
            text += (
                f"; {labels.case(slowest.case)} is {factor:.{0 if factor >= 10 else 1}f}x slower"
            )
            per_task = verdict.serial.median / max(verdict.serial.tasks, 1)
            if per_task < TINY_TASK_S:
                text += f": per-task overhead dwarfs the work ({format_seconds(per_task)} a task)"
        return text
    open_rows = [r for r in verdict.rows if not r.is_baseline and r.versus_serial == UNCLEAR]
    text = f"{head}: not decided; {serial}"
    if len(open_rows) == 1:
        text += f"; no clear difference yet for {labels.case(open_rows[0].case)}"
    elif open_rows:
        text += f"; no clear difference yet for {len(open_rows)} cases"
    if any(r.out_of_budget for r in open_rows):
        text += f" ({_more_budget(verdict.noise)})"
    return text


def _more_budget(noise: Noise) -> str:
    """What budget would likely decide a verdict its budget left undecided, in words."""
    if noise.enough is None:
        return "a larger --parbench-budget measures longer"
    if math.isinf(noise.enough):
        return f"more than the {MAX_PAIRS} pairs a case may take would be needed"
    if noise.enough > MAX_BUDGET_S:
        return f"more than --parbench-budget={MAX_BUDGET_S:g}s, the most, would be needed"
    return f"--parbench-budget={math.ceil(noise.enough / 10) * 10}s would likely decide it"


def _gil_note(gil: Gil) -> str:
    m = gil.measurement
    seen = f"{labels.case(gil.case)} kept {m.cpu_per_wall or 0.0:.2f} CPUs busy"
    if gil.reason == PARALLEL:
        return f"{seen}: its threads run in parallel"
    if gil.reason == PARALLEL_IN_A_ROUND and gil.peak is not None:
        return (
            f"{labels.case(gil.case)} kept {gil.peak:.2f} CPUs busy in one of its "
            f"{gil.rounds} rounds ({m.cpu_per_wall or 0.0:.2f} in the median one): its "
            "threads run in parallel"
        )
    if gil.reason == NEVER_PARALLEL and gil.peak is not None and gil.rival is not None:
        return (
            f"{labels.case(gil.case)} kept at most {gil.peak:.2f} CPUs busy in each of "
            f"{gil.rounds} rounds on a busy machine, while {labels.case(gil.rival)} kept "
            f"{ROUND_PARALLEL:g} or more busy in {gil.rival_parallel} of "
            f"{gil.rival_rounds} beside the same neighbour: one thread runs at a time"
        )
    if gil.reason == CANNOT_SHOW:
        return (
            f"{seen}; with {m.usable_cpus:g} usable CPUs, {min(m.workers, m.tasks)} workers "
            "with tasks and this little CPU work, parallel threads cannot show"
        )
    if gil.reason == GAINED and gil.speedup is not None:
        return (
            f"{seen} on a busy machine, yet gained {gil.speedup.low:.2f}x or more over serial "
            "in rounds taken beside it: its threads run in parallel"
        )
    if (
        gil.reason == BEHIND_PROCESSES
        and gil.rival
        and gil.speedup
        and gil.rival_speedup
        and gil.behind
    ):
        return (
            f"{seen} on a busy machine and gained at most {gil.speedup.high:.2f}x over serial, "
            f"while {labels.case(gil.rival)} gained {gil.rival_speedup.low:.2f}x or more and was "
            f"{gil.behind.low:.2f}x to {gil.behind.high:.2f}x as fast as the threads beside "
            "the same neighbour: one thread runs at a time"
        )
    if gil.reason == MACHINE_BUSY:
        return (
            f"{seen} but wanted {m.runnable_per_wall or 0.0:.2f}: the machine was busy, so "
            "whether its threads run in parallel is not known"
        )
    unknown = "" if m.runnable_per_wall is not None else " (run-queue waits are not reported here)"
    return f"{seen} of {m.usable_cpus:g} usable: one thread runs at a time{unknown}"


def _physics(row: Row) -> str:
    m = row.measurement
    text = f"{m.workers} worker{'s' * (m.workers != 1)} on {m.tasks} task{'s' * (m.tasks != 1)}"
    if row.limits is not None and row.limits.gil_capped:
        return text + " of work whose threads run one at a time"
    if row.ceiling < min(m.workers, m.tasks):
        text += f" with {m.usable_cpus:g} usable CPUs"
    return text


def _noise_note(noise: Noise) -> str:
    text = f"measured: {noise.pairs} rounds paired with serial in {noise.seconds:.1f} s"
    if noise.budget is not None:
        text += f" (budget {noise.budget:g} s)"
    if noise.spread is not None:
        text += f"; a pair's ratio varied by {math.expm1(noise.spread):.1%}"
    if noise.others is not None:
        text += f"; other processes kept {noise.others:.2f} CPUs busy"
    if noise.out_of_budget:
        text += f"; out of budget before settled: {_named(noise.out_of_budget)}"
    return text


def notes(verdict: WorkloadVerdict) -> tuple[str, ...]:
    """The evidence behind the verdict, what was withheld, and what measuring cost."""
    found = []
    if verdict.gil is not None:
        found.append(f"evidence: {_gil_note(verdict.gil)}")
    busy = serial_cpus(verdict.serial)
    if busy >= PARALLEL_BUSY:
        found.append(
            f"evidence: serial ran on {busy:.2f} CPUs at once: the work is parallel inside, "
            "so more workers have fewer CPUs left to gain from"
        )
    for row in verdict.withheld:
        found.append(
            f"withheld: {labels.case(row.case)} measured {row.speedup:.3g}x, beyond what "
            f"{_physics(row)} can give ({row.ceiling:.3g}x): a disturbed measurement, "
            "not a result"
        )
    if verdict.noise.pairs:
        found.append(_noise_note(verdict.noise))
    unpaired = [r for r in verdict.rows if not r.is_baseline and r.interval is None]
    if unpaired and not verdict.noise.pairs:
        found.append(
            "measured: saved without serial rounds beside the cases' own (schema 1): each "
            "speedup is from medians measured apart, and decides nothing"
        )
    memory = footprint.note(verdict.rows)
    if memory is not None:
        found.append(memory)
    return (*found, *verdict.notes)


def use_line(verdict: WorkloadVerdict) -> str | None:
    """The line to paste for a decided verdict: ``use: ThreadPoolExecutor(max_workers=16)``,
    ``use: a plain loop``; ``None`` where nothing is decided."""
    answer = verdict.answer
    if answer.kind == SERIAL_WINS:
        return "use: a plain loop"
    if answer.use is None:
        return None
    m = answer.use.measurement
    workers = m.workers
    if m.strategy == "asyncio":
        return f"use: asyncio.gather, at most {workers} at once (asyncio.Semaphore({workers}))"
    if m.strategy == "dask":
        return f"use: dask.distributed.Client(n_workers={workers}).get_executor()"
    executor = EXECUTORS.get(m.strategy, f"{m.strategy} executor")
    arguments = f"max_workers={workers}"
    methods = {
        r.measurement.start_method for r in verdict.rows if r.measurement.strategy == m.strategy
    }
    if m.start_method is not None and len(methods) > 1:
        arguments += f', mp_context=multiprocessing.get_context("{m.start_method}")'
    text = f"use: {executor}({arguments})"
    if m.chunked and m.chunksize > 1:
        text += f", map(..., chunksize={m.chunksize})"
    return text


def _record(run: str, verdict: WorkloadVerdict, row: Row) -> dict[str, object]:
    m = row.measurement
    shown = None if row.impossible else row.shown_interval
    return {
        "run": run,
        "workload": verdict.workload,
        "measured_kind": labels.kind(verdict),
        "case": m.name,
        "label": labels.case(row.case),
        "strategy": m.strategy,
        "workers": m.workers,
        "chunksize": m.chunksize,
        "start_method": m.start_method,
        "pool": m.pool,
        "tasks": m.tasks,
        "median_s": m.median,
        "speedup": None if row.impossible or row.is_baseline else row.shown,
        "measured_speedup": None if row.is_baseline else row.speedup,
        "interval_low": None if shown is None else shown[0],
        "interval_high": None if shown is None else shown[1],
        "pairs": row.pairs,
        "stopped": row.stopped,
        "ideal": row.ideal,
        "ceiling": row.ceiling,
        "efficiency": None if row.impossible or row.is_baseline else row.efficiency,
        "versus_serial": "baseline" if row.is_baseline else row.versus_serial,
        "cpu_per_wall": m.cpu_per_wall,
        "runnable_per_wall": m.runnable_per_wall,
        "memory_resident_bytes": m.memory_resident_bytes,
        "memory_footprint_bytes": m.memory_footprint_bytes,
        "memory_processes": m.memory_processes,
        "note": row_note(row),
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
                            "measured_kind": labels.kind(v),
                            "declared_kind": v.declared_kind,
                            "verdict": sentence(v),
                            "notes": list(notes(v)),
                            "use": use_line(v),
                            "rows": [finite.finite(_record(name, v, row)) for row in v.rows],
                        }
                        for v in verdicts
                    ],
                }
                for name, verdicts in runs
            ],
            indent=2,
            allow_nan=False,
        )
    if fmt == "csv":
        out = io.StringIO()
        records = [
            finite.finite(_record(n, v, row))
            for n, verdicts in runs
            for v in verdicts
            for row in v.rows
        ]
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
        lines += ["", sentence(verdict), *("  " + note for note in notes(verdict))]
        lines += ["    " + line for line in table.splitlines()]
        use = use_line(verdict)
        if use:
            lines.append("  " + use)
    return "\n".join(lines)


def _markdown(verdicts: Sequence[WorkloadVerdict]) -> str:
    if not verdicts:
        return "No workload had a serial baseline to compare with."
    lines = [f"_{setting(verdicts[0].serial)}_"]
    for verdict in verdicts:
        lines += ["", f"### {verdict.workload}", "", sentence(verdict), ""]
        if notes(verdict):
            lines += [*(f"- {note}" for note in notes(verdict)), ""]
        lines.append(grid(COLUMNS, [cells(row) for row in verdict.rows], "markdown"))
        use = use_line(verdict)
        if use:
            lines += ["", f"`{use}`"]
    return "\n".join(lines)
