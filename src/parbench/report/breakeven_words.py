"""The break-even figures in words (``analysis.breakeven`` finds them): the table of
``parbench break-even`` and of a sweep's summary, as text or JSON, and the note a CPU-bound
verdict gains from a saved sweep."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from parbench.analysis import breakeven
from parbench.analysis.breakeven import BreakEven, Hint
from parbench.analysis.verdict import WorkloadVerdict
from parbench.data import results
from parbench.report import finite, render
from parbench.report.labels import format_seconds

FORMATS = ("text", "json")
#: What each sweep workload's work does with the GIL, for the table and the verdicts.
GIL = {breakeven.HOLDS_GIL: "holds the GIL", breakeven.RELEASES_GIL: "releases the GIL"}
COLUMNS = (
    "work",
    "strategy",
    "start",
    "chunksize",
    "workers",
    "start-up",
    "per task",
    "per kB",
    "pays off above",
    "payback",
)
#: What a cost measured below zero (``breakeven.below_zero``) is shown as.
NOT_MEASURABLE = "not measurable"


def _time(value: float | None) -> str:
    return "-" if value is None else format_seconds(value)


def _cost(row: BreakEven, name: str) -> str:
    return NOT_MEASURABLE if name in breakeven.below_zero(row) else _time(getattr(row, name))


def _crossover(row: BreakEven) -> str:
    found = row.crossover_task_s
    return f"~{format_seconds(found)}" if found else f"never (to {_time(row.largest_task_s)})"


def _payback(row: BreakEven, task_s: float) -> str:
    count = row.payback_tasks(task_s)
    return "-" if count is None else f"{count:,} task{'s' * (count != 1)}"


def _record(row: BreakEven, task_s: float) -> dict[str, object]:
    unmeasurable = breakeven.below_zero(row)
    return {
        **_figures(row, task_s),
        **dict.fromkeys(unmeasurable),
        # What was measured below zero, kept, though not a cost.
        "not_measurable": unmeasurable,
    }


def _figures(row: BreakEven, task_s: float) -> dict[str, object]:
    return {
        "work": row.work,
        "gil": GIL.get(row.work),
        "strategy": row.strategy,
        "start_method": row.start_method,
        "chunksize": row.chunksize,
        "workers": row.workers,
        "start_up_s": row.start_up_s,
        "per_task_overhead_s": row.per_task_overhead_s,
        "per_kb_s": row.per_kb_s,
        "crossover_task_s": row.crossover_task_s,
        "largest_task_s": row.largest_task_s,
        "payback_task_s": task_s,
        "payback_tasks": row.payback_tasks(task_s),
    }


def render_table(run: results.Run, task_s: float, fmt: str = "text") -> str:
    """``run``'s break-even table in ``fmt`` (``FORMATS``), with the payback at tasks of
    ``task_s``: text, or JSON (a list of one object a row). Raises ``breakeven.NoSweep``
    where ``run`` holds no sweep."""
    rows = breakeven.table(run)
    if fmt == "json":
        return json.dumps(
            [finite.finite(_record(row, task_s)) for row in rows], indent=2, allow_nan=False
        )
    cells = [
        (
            f"{row.work} ({GIL[row.work]})" if row.work in GIL else row.work,
            row.strategy,
            row.start_method or "-",
            str(row.chunksize),
            str(row.workers),
            _cost(row, "start_up_s"),
            _cost(row, "per_task_overhead_s"),
            _cost(row, "per_kb_s"),
            _crossover(row),
            _payback(row, task_s),
        )
        for row in rows
    ]
    header = (*COLUMNS[:-1], f"payback at {format_seconds(task_s)}")
    sweep = next(m for m in run.measurements if m.granularity == breakeven.SWEEP)
    text = f"{render.setting(sweep)}\n{render.grid(header, cells)}"
    if any(breakeven.below_zero(row) for row in rows):
        text += (
            f"\n{NOT_MEASURABLE}: measured below zero, less than this run could resolve "
            "(serial and the pool differed by less than their noise)"
        )
    return text


def hint(found: Hint) -> str:
    """``0.46 µs a task; here processes pay off above ~80 µs a task (chunksize 1) or ~3 µs
    (chunksize auto); threads never did (to 100 ms)``."""
    phrases = []
    for payoff in found.payoffs:
        if not payoff.crossovers:
            phrases.append(
                f"{payoff.strategy} never did (to {format_seconds(found.largest_task_s)})"
            )
            continue
        (policy, smallest), *others = payoff.crossovers
        text = f"{payoff.strategy} pay off above ~{format_seconds(smallest)} a task"
        text += f" (chunksize {policy})" if payoff.several_policies else ""
        for policy, smallest in others:
            text += f" or ~{format_seconds(smallest)} (chunksize {policy})"
        phrases.append(text)
    return f"{format_seconds(found.task_s)} a task; here {'; '.join(phrases)}"


def annotate(
    verdicts: Sequence[WorkloadVerdict], rows: Sequence[BreakEven], source: str
) -> list[WorkloadVerdict]:
    """``verdicts``, each CPU-bound one with a ``break-even`` note (``hint``) from the
    sweep ``rows`` saved in ``source``."""
    annotated = []
    for verdict in verdicts:
        found = breakeven.hint(verdict, rows)
        if found is not None:
            note = f"break-even ({source}): {hint(found)}"
            verdict = replace(verdict, notes=(*verdict.notes, note))
        annotated.append(verdict)
    return annotated


def with_saved_sweep(
    verdicts: Sequence[WorkloadVerdict], run: results.Run, storage: Path
) -> list[WorkloadVerdict]:
    """``verdicts`` of ``run`` annotated (``annotate``) from the newest sweep saved under
    ``storage`` on this machine and interpreter (``breakeven.sweep_for``), where there is
    one and ``run`` is not itself a sweep."""
    found = breakeven.sweep_for(run, storage)
    return list(verdicts) if found is None else annotate(verdicts, found[1], found[0])
