"""SVG charts of saved runs: speedup over serial against worker count, one chart a workload;
and for a ``--parbench-granularity`` run, speedup against task size, one chart a sweep workload.

Charts need pygal, an optional dependency (``pip install 'parbench[plot]'``); importing
this module does not, only ``write_charts`` does.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parbench.analysis import breakeven
from parbench.analysis.verdict import Row, WorkloadVerdict, case_key, judge
from parbench.data.results import Measurement, Run
from parbench.errors import ParbenchError
from parbench.report import breakeven_words, labels, render
from parbench.report.labels import format_seconds

_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
INSTALL_HINT = "charts need pygal: pip install 'parbench[plot]'"
# Past this ratio of largest to smallest value plotted, a linear axis flattens the
# smallest speedups (factorial at chunksize 1 runs at 0.0015x) onto zero.
LOG_SPREAD = 100.0
IDEAL, SERIAL, CROSSOVER = "ideal", "serial = 1x", "crossover: a clear win from here on"
CHART_HEIGHT, LEGEND_ROW = 500, 24
# pygal's default width; its legend starts about LEGEND_INDENT px before its text ends,
# LEGEND_CHAR px a character (14 px monospace), so a chart widens for long entries.
CHART_WIDTH, LEGEND_INDENT, LEGEND_CHAR = 800, 160, 8.4
# Along x each doubling of workers is one unit, with half a unit to spare at either end;
# each strategy's points stand a little aside of their worker count (neighbours ASIDE of
# a unit apart, all within ASIDE_SPAN), so that equal speedups and their intervals do not
# hide one another. The ideal runs level across each worker count's points, and BAND
# beyond the outermost, so that a point beside it reads against its own worker count's
# ideal, never against the slope to the next.
MARGIN, ASIDE, ASIDE_SPAN, BAND = 0.5, 0.06, 0.4, 0.08
# Room above the highest value drawn, as a share of the y axis.
HEADROOM = 0.05
# The ideal is black and dashed, serial's 1x grey and dotted, the guides pale; the
# strategies' lines are solid (the first run's; see RUN_STROKES), in Tableau's ten
# colours less its grey, which is serial's.
IDEAL_COLOUR, SERIAL_COLOUR, GUIDE_COLOUR = "#000000", "#7f7f7f", "#e0e0e0"
CROSSOVER_DOT = 9
IDEAL_STROKE = {"dasharray": "8, 4"}
SERIAL_STROKE = {"dasharray": "3, 3"}
# A strategy has the same colour in every chart; variants of it (chunk policy, start
# method, size) are shades of it, a step darker or lighter each.
STRATEGY_COLOURS = {
    "threads": "#1f77b4",
    "processes": "#ff7f0e",
    "interpreters": "#2ca02c",
    "asyncio": "#d62728",
    "dask": "#9467bd",
}
# Strategies not named above take one of these, by a hash of their name.
SPARE_COLOURS = ("#8c564b", "#e377c2", "#bcbd22", "#17becf")
SHADE_STEP = 15
# Overlaid runs keep their strategies' colours; the second run on is told by its dashes.
RUN_STROKES = (None, "10, 4", "2, 4", "10, 4, 2, 4")


class PlotUnavailable(ParbenchError, RuntimeError):
    """pygal cannot be imported; the message says how to install it."""


class PlotError(ParbenchError, ValueError):
    """The charts cannot be written; the message names the folder or workload and why."""


@dataclass(frozen=True)
class Drawn:
    """One chart: ``name``, its file's stem (the workload, or ``<work>-break-even``), the
    ``workload`` it shows and its ``svg`` text."""

    name: str
    workload: str
    svg: str


@dataclass
class _Chart:
    """What one chart shows, before pygal draws it: speedups over x, which is the worker
    count (each doubling one step along the axis) or, for a sweep, the task size in
    seconds (each tenfold one step); ``crossovers`` are marked points. ``runs`` holds
    each series' run (its place among the runs drawn); ``cases``, the run and serial
    measurement of each setting shown, which the caption names."""

    workload: str
    kinds: list[str] = field(default_factory=list)
    series: dict[str, dict[float, Row]] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)
    cases: list[tuple[Run, Measurement]] = field(default_factory=list)
    ideal: dict[float, float] = field(default_factory=dict)
    # (series, x) of the points to mark.
    crossovers: list[tuple[str, float]] = field(default_factory=list)
    x_title: str = "workers"
    base: int = 2
    file_stem: str = ""

    @property
    def title(self) -> str:
        """The chart's name and, below it, the machine, Python, batch and network."""
        head = f"{self.workload} ({' / '.join(self.kinds)}): speedup over serial"
        return "\n".join([head, *_caption(self.cases)])

    @property
    def workers(self) -> list[float]:
        """The x values plotted, sorted."""
        return sorted({w for points in self.series.values() for w in points})

    def x_label(self, value: float) -> str:
        return str(value) if self.base == 2 else format_seconds(value)

    @property
    def logarithmic(self) -> bool:
        """Whether the values plotted (speedups, ideal and 1x) span more than ``LOG_SPREAD``."""
        values = [row.shown for points in self.series.values() for row in points.values()]
        values += [*self.ideal.values(), 1.0]
        return max(values) / min(values) > LOG_SPREAD

    @property
    def extent(self) -> tuple[float, float]:
        """The lowest and highest value drawn: speedups, their intervals, ideal and 1x."""
        values = [*self.ideal.values(), 1.0]
        for points in self.series.values():
            for row in points.values():
                values += [row.shown, *(row.shown_interval or ())]
        return min(values), max(values)


def write_charts(runs: list[Run], output: Path) -> list[Path]:
    """Write one SVG chart a workload into ``output`` (made if missing); return the paths, sorted.

    Each chart, ``<output>/<workload>.svg``, plots speedup over serial (from
    ``verdict.judge``, as reported: never above what physics allows) against worker count
    for every warm, non-serial strategy variant: the strategy, plus its chunk policy
    (``chunksize 1``, ``chunksize auto``) where its pools ran at several, plus the start
    method where several were measured. Each point carries its 95% interval as a bar
    where the verdict has one. An ``ideal`` line (black, dashed) and a ``serial = 1x``
    line (grey, dotted) are drawn once, over the strategies' solid coloured lines. With
    several runs, every variant's series is prefixed with its run's file stem
    (``0001_py311: threads``), so runs compare on one chart. Worker counts are evenly
    spaced along x (1, 2, 4, 8, 16 as a log-2 axis), each strategy's points a little aside
    of them. The y axis is logarithmic, labelled at each power of ten, when the values
    plotted span more than 100x.
    Workloads without a serial baseline get no chart. A ``--parbench-granularity`` run's cases get
    no workers chart; instead each sweep workload gets ``<workload>-break-even.svg``:
    speedup against serial's time per task (one step along x a tenfold), a series per
    variant at the run's largest worker count, each with its 95% intervals, the ideal
    and 1x as above, and each variant's crossover (``breakeven``) ringed in black. Each
    file is written under a temporary name in ``output`` and moved into place, so a
    reader never sees half a chart.

    Raises ``PlotUnavailable`` if pygal is not installed, and ``PlotError`` if a
    workload's name cannot be a file name or ``output`` cannot be made or written to.
    """
    charts = draw(runs)
    _make_folder(output)
    written = []
    for chart in charts:
        path = output / f"{chart.name}.svg"
        try:
            write_atomically(path, chart.svg.encode())
        except OSError as error:
            raise PlotError(f"{output}: cannot write a chart there ({error.strerror})") from None
        written.append(path)
    return sorted(written)


def draw(
    runs: list[Run],
    *,
    inline: bool = False,
    judged: Sequence[Sequence[WorkloadVerdict]] | None = None,
) -> list[Drawn]:
    """The charts ``write_charts`` writes, as SVG text in the same order; ``inline``
    leaves out the XML declaration and pygal's script, for SVG inside an HTML page.
    ``judged`` is each run's ``charted`` verdicts where the caller has them already. Raises
    ``PlotUnavailable`` if pygal is not installed, ``PlotError`` if a workload's name
    cannot be a file name."""
    try:
        import pygal
    except ImportError:
        raise PlotUnavailable(INSTALL_HINT) from None
    drawn = []
    for chart in _charts(runs, judged):
        svg = _render(pygal, chart, inline)
        if inline:
            # pygal's config for its tooltip script, which is never loaded: a page with
            # no script at all is one a reader can trust offline.
            svg = _SCRIPT.sub("", svg)
        drawn.append(Drawn(chart.file_stem or chart.workload, chart.workload, svg))
    return drawn


def _caption(cases: list[tuple[Run, Measurement]]) -> list[str]:
    """``machine: AMD EPYC, 2 cores, ...; CPython 3.11.7`` and ``batch: 2,500 tasks (size
    1); network: mock, 50 ms latency, 200 kB bodies``: each setting once, several joined
    by `` / `` where the runs or settings charted differ."""

    def once(values: list[str]) -> str:
        return " / ".join(dict.fromkeys(values))

    machines, pythons, batches, networks = [], [], [], []
    for run, m in cases:
        cpu = run.machine.get("cpu")
        brand = cpu.get("brand_raw") if isinstance(cpu, dict) else None
        cpus = render.describe_cpus(
            m.logical_cpus, m.physical_cores, m.usable_cpus, m.usable_cores, m.cpu_quota
        )
        machines.append(f"{brand}, {cpus}" if isinstance(brand, str) and brand else cpus)
        gil = "" if m.gil_enabled else ", GIL disabled"
        pythons.append(m.python.strip() + gil)
        batches.append(f"{m.tasks:,} task{'s' * (m.tasks != 1)} (size {m.size})")
        networks.append(
            f"{m.network}, {m.latency_s * 1000:g} ms latency, {m.body_bytes / 1000:g} kB bodies"
        )
    if not cases:
        return []
    return [
        f"machine: {once(machines)}; {once(pythons)}",
        f"batch: {once(batches)}; network: {once(networks)}",
    ]


def _make_folder(output: Path) -> None:
    try:
        if output.exists() and not output.is_dir():
            raise PlotError(f"{output}: is a file, not a folder for charts")
        output.mkdir(parents=True, exist_ok=True)
    except NotADirectoryError:
        raise PlotError(f"{output}: cannot be made, a folder above it is a file") from None
    except OSError as error:
        raise PlotError(f"{output}: cannot make this folder ({error.strerror})") from None


def charted(run: Run) -> list[WorkloadVerdict]:
    """The verdicts a workers chart shows: of every case but a granularity run's."""
    return judge(m for m in run.measurements if m.granularity is None)


def _charts(
    runs: list[Run], judged: Sequence[Sequence[WorkloadVerdict]] | None = None
) -> list[_Chart]:
    names = _run_names(runs)
    judged = judged if judged is not None else [charted(run) for run in runs]
    verdicts = [(name, v) for name, verdicts in zip(names, judged, strict=True) for v in verdicts]
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
            kind = labels.kind(verdict)
            if kind not in chart.kinds:
                chart.kinds.append(kind)
            prefix = f"{name}: " if len(runs) > 1 else ""
            siblings = [v for n, v in mine if n == name]
            if len(siblings) > 1:
                prefix += f"{_setting(verdict, siblings)}: "
            rows = sorted(_plotted(verdict), key=lambda row: order[id(row.measurement)])
            if rows:
                chart.cases.append((runs[names.index(name)], verdict.serial))
            for row in rows:
                title = prefix + labels.case(
                    case_key(row.measurement, every_measurement, workers=False)
                )
                chart.series.setdefault(title, {})[row.measurement.workers] = row
                chart.runs[title] = names.index(name)
                chart.ideal.setdefault(row.measurement.workers, row.ideal)
        if chart.series:
            charts.append(chart)
    return charts + _sweep_charts(runs, names)


def _sweep_charts(runs: list[Run], names: list[str]) -> list[_Chart]:
    charts: dict[str, _Chart] = {}
    for name, run in zip(names, runs, strict=True):
        if not breakeven.has_sweep(run.measurements):
            continue
        rows = breakeven.table(run)
        most = max((row.workers for row in rows), default=0)
        group = [p.row.measurement for row in rows for p in row.points]
        for row in (r for r in rows if r.workers == most):
            chart = charts.setdefault(
                row.work,
                _Chart(
                    row.work,
                    x_title="serial's time a task",
                    base=10,
                    file_stem=f"{row.work}-break-even",
                ),
            )
            kind = breakeven_words.GIL.get(row.work, "CPU-bound")
            if kind not in chart.kinds:
                chart.kinds.append(kind)
            prefix = f"{name}: " if len(runs) > 1 else ""
            title = prefix + labels.case(case_key(row.points[0].row.measurement, group))
            plotted = [p for p in row.points if not p.row.impossible]
            chart.series[title] = {p.task_s: p.row for p in plotted}
            chart.runs[title] = names.index(name)
            chart.cases.extend((run, p.row.measurement) for p in plotted[:1])
            for p in plotted:
                chart.ideal.setdefault(p.task_s, p.row.ideal)
                if p.task_s == row.crossover_task_s:
                    chart.crossovers.append((title, p.task_s))
    return [chart for chart in charts.values() if chart.series]


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


@dataclass(frozen=True)
class _Axes:
    """Where a chart's values are drawn. pygal is given two linear axes starting at 0 (its
    own logarithmic axis would make x logarithmic too, and it draws a label at 0 as an axis
    line): x is ``MARGIN`` plus the steps (by ``base``) from the ``fewest`` x, so workers
    1, 2, 4, 8 and 16 are evenly spaced (base 2), as are task sizes of 1 µs, 10 µs, ...
    (base 10); y is the speedup, or on a logarithmic axis its power of ten above the
    ``bottom`` decade."""

    fewest: float
    bottom: int | None
    base: int = 2

    def x(self, workers: float, aside: float = 0.0) -> float:
        return MARGIN + math.log(workers / self.fewest, self.base) + aside

    def y(self, speedup: float) -> float:
        return speedup if self.bottom is None else math.log10(speedup) - self.bottom

    def speedup(self, y: float) -> float:
        return y if self.bottom is None else 10 ** (y + self.bottom)


def _render(pygal: Any, chart: _Chart, inline: bool = False) -> str:
    workers = chart.workers
    low, high = chart.extent
    if chart.logarithmic:
        axes = _Axes(workers[0], math.floor(math.log10(low)), chart.base)
        decades = range(0, math.ceil(math.log10(high)) - math.floor(math.log10(low)) + 1)
        labels: dict[str, Any] = {"y_labels": [_decade(axes, k) for k in decades]}
        top = float(decades[-1])
    else:
        axes, labels, top = _Axes(workers[0], None, chart.base), {}, high
    width = 2 * MARGIN + math.log(workers[-1] / workers[0], chart.base)
    longest = max(len(title) for title in [*chart.series, IDEAL, SERIAL, CROSSOVER])
    colours = (IDEAL_COLOUR,) * bool(chart.crossovers)
    colours += (*_colours(pygal, chart), IDEAL_COLOUR, SERIAL_COLOUR)
    svg = pygal.XY(
        title=chart.title,
        x_title=chart.x_title,
        y_title="speedup over serial",
        x_labels=[{"value": axes.x(w), "label": chart.x_label(w)} for w in workers],
        xrange=(0, width),
        # pygal leaves out an axis label at the very top of the plot: keep the top clear.
        range=(0, top * (1 + HEADROOM)),
        value_formatter=lambda y: f"{axes.speedup(y):.3g}x",
        allow_interruptions=True,
        style=pygal.style.DefaultStyle(
            colors=colours,
            guide_stroke_color=GUIDE_COLOUR,
            major_guide_stroke_color=GUIDE_COLOUR,
            guide_stroke_dasharray="none",
            major_guide_stroke_dasharray="none",
            stroke_width="2",
        ),
        dots_size=4,
        # One legend column: pygal reserves too few rows for a last row left part-filled.
        legend_at_bottom=True,
        legend_at_bottom_columns=1,
        truncate_legend=-1,
        height=CHART_HEIGHT + LEGEND_ROW * (len(chart.series) + 2 + bool(chart.crossovers)),
        # Wide enough for the longest legend entry: an overlay's names run long.
        width=max(CHART_WIDTH, round(LEGEND_INDENT + LEGEND_CHAR * longest)),
        # pygal links its tooltip script from the web by default; a chart should open offline.
        js=[],
        disable_xml_declaration=inline,
        **labels,
    )
    count = len(chart.series)
    step = min(ASIDE, ASIDE_SPAN / max(count - 1, 1))
    asides = {title: step * (i - (count - 1) / 2) for i, title in enumerate(chart.series)}
    if chart.crossovers:
        # Drawn first, larger than the points they mark: a black ring round each.
        marks = [
            (axes.x(x, asides[title]), axes.y(chart.series[title][x].shown))
            for title, x in chart.crossovers
        ]
        svg.add(CROSSOVER, marks, stroke=False, dots_size=CROSSOVER_DOT)
    for title, points in chart.series.items():
        dashes = RUN_STROKES[chart.runs.get(title, 0) % len(RUN_STROKES)]
        stroke = {"stroke_style": {"dasharray": dashes}} if dashes else {}
        svg.add(title, _strategy(axes, points, asides[title]), **stroke)
    # Drawn last and dashed, so that a strategy on them still shows between the dashes. The
    # ideal at a single worker count is a level dash across the middle of the plot.
    band = max((abs(a) for a in asides.values()), default=0.0) + BAND
    ideal = [(axes.x(w, side), axes.y(chart.ideal[w])) for w in workers for side in (-band, band)]
    if len(workers) == 1:
        ideal = [(width / 4, ideal[0][1]), (width * 3 / 4, ideal[0][1])]
    svg.add(IDEAL, ideal, show_dots=False, stroke_style=IDEAL_STROKE)
    svg.add(
        SERIAL, [(0, axes.y(1)), (width, axes.y(1))], show_dots=False, stroke_style=SERIAL_STROKE
    )
    return svg.render(is_unicode=True)


def _strategy(axes: _Axes, points: dict[float, Row], aside: float) -> list[Any]:
    """A strategy's values for pygal, ``aside`` its worker counts: its points, joined by its
    line, then each point's 95% interval, where measured, as a bar from end to end. (pygal's
    own intervals are for its Line charts, where points cannot stand aside.)"""
    rows = sorted(points.items())
    values: list[Any] = [(axes.x(w, aside), axes.y(row.shown)) for w, row in rows]
    for w, row in rows:
        if row.shown_interval is not None:
            # A break in the line, then the bar's two ends with no dot drawn at either.
            ends = (
                {"value": (axes.x(w, aside), axes.y(v)), "node": {"r": 0}}
                for v in row.shown_interval
            )
            values += [(None, None), *ends]
    return values


def _colours(pygal: Any, chart: _Chart) -> list[str]:
    """Each series' colour, in order: its strategy's (``STRATEGY_COLOURS``), shaded for
    each earlier variant of that strategy in the same run."""
    seen: dict[tuple[str, int], int] = {}
    colours = []
    for title, points in chart.series.items():
        strategy = next(iter(points.values())).measurement.strategy
        key = (strategy, chart.runs.get(title, 0))
        shade = seen[key] = seen.get(key, -1) + 1
        # Darker and lighter by turns, so that many variants stay clear of black and white.
        turn = pygal.colors.darken if shade % 2 else pygal.colors.lighten
        colours.append(turn(strategy_colour(strategy), SHADE_STEP * ((shade + 1) // 2)))
    return colours


def strategy_colour(strategy: str) -> str:
    """``strategy``'s colour in every chart and page: its own, or a spare one by a hash of
    its name (the same in every run)."""
    if strategy in STRATEGY_COLOURS:
        return STRATEGY_COLOURS[strategy]
    return SPARE_COLOURS[zlib.crc32(strategy.encode()) % len(SPARE_COLOURS)]


def _decade(axes: _Axes, above: int) -> dict[str, Any]:
    """The label of a log axis ``above`` decades over its bottom: ``0.001x``, ``1x``, ``100x``."""
    exponent = above + (axes.bottom or 0)
    return {"value": above, "label": f"{10.0**exponent:.{max(0, -exponent)}f}x"}


def write_atomically(path: Path, data: bytes) -> None:
    # Not mkstemp: its files are private (0600), and a chart should get the umask's mode.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("xb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
