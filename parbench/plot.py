"""SVG charts of saved runs: speedup over serial against worker count, one chart a workload.

Charts need pygal, an optional dependency (``pip install 'parbench[plot]'``); importing
this module does not, only ``write_charts`` does.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parbench.results import Run
from parbench.verdict import Row, WorkloadVerdict, judge, label

INSTALL_HINT = "charts need pygal: pip install 'parbench[plot]'"
# Past this ratio of largest to smallest value plotted, a linear axis flattens the
# smallest speedups (factorial at chunksize 1 runs at 0.0015x) onto zero.
LOG_SPREAD = 100.0
IDEAL, SERIAL = "ideal", "serial = 1x"
CHART_HEIGHT, LEGEND_ROW = 500, 24


class PlotUnavailable(RuntimeError):
    """pygal cannot be imported; the message says how to install it."""


class PlotError(ValueError):
    """The charts cannot be written; the message names the folder or workload and why."""


@dataclass
class _Chart:
    """What one workload's chart shows, before pygal draws it."""

    workload: str
    kinds: list[str] = field(default_factory=list)
    series: dict[str, dict[int, float]] = field(default_factory=dict)
    ideal: dict[int, int] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.workload} ({' / '.join(self.kinds)}): speedup over serial"

    @property
    def workers(self) -> list[int]:
        return sorted({w for points in self.series.values() for w in points})

    @property
    def logarithmic(self) -> bool:
        """Whether the values plotted (speedups, ideal and 1x) span more than ``LOG_SPREAD``."""
        values = [s for points in self.series.values() for s in points.values()]
        values += [*self.ideal.values(), 1.0]
        return max(values) / min(values) > LOG_SPREAD


def write_charts(runs: list[Run], output: Path) -> list[Path]:
    """Write one SVG chart a workload into ``output`` (made if missing); return the paths, sorted.

    Each chart, ``<output>/<workload>.svg``, plots speedup over serial (from
    ``verdict.judge``) against worker count for every warm, non-serial strategy variant:
    the strategy, plus its chunk policy (``chunksize 1``, ``chunksize auto``) where its
    pools ran at several, plus the start method where several were measured. An ``ideal`` line and a
    ``serial = 1x`` line are drawn once. With several runs, every variant's series is
    prefixed with its run's file stem (``0001_py311: threads``), so runs compare on one
    chart. The y axis is logarithmic when the values plotted span more than 100x.
    Workloads without a serial baseline get no chart. Each file is written under a
    temporary name in ``output`` and moved into place, so a reader never sees half a chart.

    Raises ``PlotUnavailable`` if pygal is not installed, and ``PlotError`` if a
    workload's name cannot be a file name or ``output`` cannot be made or written to.
    """
    try:
        import pygal
    except ImportError:
        raise PlotUnavailable(INSTALL_HINT) from None
    charts = _charts(runs)
    _make_folder(output)
    written = []
    for chart in charts:
        path = output / f"{chart.workload}.svg"
        try:
            _write_atomically(path, _render(pygal, chart))
        except OSError as error:
            raise PlotError(f"{output}: cannot write a chart there ({error.strerror})") from None
        written.append(path)
    return sorted(written)


def _make_folder(output: Path) -> None:
    try:
        if output.exists() and not output.is_dir():
            raise PlotError(f"{output}: is a file, not a folder for charts")
        output.mkdir(parents=True, exist_ok=True)
    except NotADirectoryError:
        raise PlotError(f"{output}: cannot be made, a folder above it is a file") from None
    except OSError as error:
        raise PlotError(f"{output}: cannot make this folder ({error.strerror})") from None


def _charts(runs: list[Run]) -> list[_Chart]:
    names = _run_names(runs)
    verdicts = [
        (name, v) for name, run in zip(names, runs, strict=True) for v in judge(run.measurements)
    ]
    # judge sorts rows by time; series follow the run's own order (strategy, then workers).
    order = {id(m): i for run in runs for i, m in enumerate(run.measurements)}
    charts = []
    for workload in dict.fromkeys(v.workload for _, v in verdicts):
        if Path(workload).name != workload or workload in ("", ".", ".."):
            raise PlotError(f"workload {workload!r}: not usable as a chart's file name")
        mine = [(name, v) for name, v in verdicts if v.workload == workload]
        # Every run's plotted cases, so that all runs name their variants alike.
        every_measurement = [row.measurement for _, v in mine for row in _plotted(v)]
        chart = _Chart(workload)
        for name, verdict in mine:
            if verdict.kind not in chart.kinds:
                chart.kinds.append(verdict.kind)
            prefix = f"{name}: " if len(runs) > 1 else ""
            siblings = [v for n, v in mine if n == name]
            if len(siblings) > 1:
                prefix += f"{_setting(verdict, siblings)}: "
            rows = sorted(_plotted(verdict), key=lambda row: order[id(row.measurement)])
            for row in rows:
                name = label(row.measurement, every_measurement, workers=False)
                series = chart.series.setdefault(prefix + name, {})
                series[row.measurement.workers] = row.shown
                chart.ideal.setdefault(row.measurement.workers, row.ideal)
        if chart.series:
            charts.append(chart)
    return charts


def _plotted(verdict: WorkloadVerdict) -> list[Row]:
    return [
        row
        for row in verdict.rows
        if row.measurement.pool == "warm" and not row.is_baseline and not row.impossible
    ]


def _run_names(runs: list[Run]) -> list[str]:
    """Each run's file stem, numbered ``#1``, ``#2``... where two runs share one."""
    stems = [Path(run.source).stem for run in runs]
    return [
        f"{stem} #{stems[: i + 1].count(stem)}" if stems.count(stem) > 1 else stem
        for i, stem in enumerate(stems)
    ]


def _setting(verdict: WorkloadVerdict, siblings: list[WorkloadVerdict]) -> str:
    """What tells this verdict from others of its workload in the same run."""
    serial = verdict.serial
    if len({v.serial.size for v in siblings}) > 1:
        return f"x{serial.size}"
    return f"{serial.network} {serial.latency_s * 1e3:g} ms {serial.body_bytes} B"


def _render(pygal: Any, chart: _Chart) -> bytes:
    workers = chart.workers
    low, high = workers[0], workers[-1]
    # A single worker count would give pygal an x range of zero width, which it cannot draw.
    xrange = (low / 2, high * 2) if low == high else (low, high)
    svg = pygal.XY(
        title=chart.title,
        x_title="workers",
        y_title="speedup over serial (x)",
        logarithmic=chart.logarithmic,
        x_labels=workers,
        xrange=xrange,
        # One legend column: pygal reserves too few rows for a last row left part-filled.
        legend_at_bottom=True,
        legend_at_bottom_columns=1,
        truncate_legend=-1,
        height=CHART_HEIGHT + LEGEND_ROW * (len(chart.series) + 2),
        # pygal links its tooltip script from the web by default; a chart should open offline.
        js=[],
    )
    for title, points in chart.series.items():
        svg.add(title, sorted(points.items()))
    svg.add(IDEAL, [(w, chart.ideal[w]) for w in workers], stroke_style={"dasharray": "6, 4"})
    svg.add(SERIAL, [(x, 1.0) for x in xrange], show_dots=False, stroke_style={"dasharray": "2, 4"})
    return svg.render()


def _write_atomically(path: Path, data: bytes) -> None:
    # Not mkstemp: its files are private (0600), and a chart should get the umask's mode.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("xb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
