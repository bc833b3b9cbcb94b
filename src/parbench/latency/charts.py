"""SVG charts of the latency benchmarks: latency percentiles by server model (a chart a
handler, at half of each model's sustained rate) and tick lag by background way (a chart
a kind of work). Needs pygal, as ``parbench.report.plot`` does."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from parbench.latency import analysis
from parbench.latency.analysis import HALF, ServerCase, TickCase
from parbench.latency.ticker import FRAME_BUDGET_S
from parbench.report import plot

PERCENTILES = ("p50", "p90", "p99", "max")


def _ms(seconds: float) -> float | None:
    """Milliseconds for pygal; a failed percentile is left out (None)."""
    return None if math.isinf(seconds) else seconds * 1000


def _bar(pygal: Any, title: str, labels: Sequence[str], series: dict[str, list]) -> bytes:
    chart = pygal.Bar(
        title=title,
        x_labels=list(labels),
        y_title="milliseconds (log scale)",
        logarithmic=True,
        legend_at_bottom=True,
        truncate_label=-1,
        value_formatter=lambda v: f"{v:.3g} ms",
        js=[],
    )
    for name, values in series.items():
        chart.add(name, values)
    return chart.render()


def latency_by_model(pygal: Any, handler: str, cases: Sequence[ServerCase]) -> bytes | None:
    """p50, p90, p99 and max latency of each model serving ``handler`` at half load."""
    measured = [c for c in cases if HALF in c.loads]
    if not measured:
        return None
    series = {
        name: [
            _ms(getattr(c.loads[HALF], name).value) if name != "max" else _ms(c.loads[HALF].max)
            for c in measured
        ]
        for name in PERCENTILES
    }
    title = f"{handler}: latency at half of each model's sustained rate"
    return _bar(pygal, title, [c.model for c in measured], series)


def lag_by_way(pygal: Any, work: str, cases: Sequence[TickCase]) -> bytes:
    """p50, p99 and max tick lag for each way of running ``work`` (and the ticker alone),
    at each switch interval."""
    labels = [f"{c.way}, switch {c.switch_interval_s * 1000:g} ms" for c in cases]
    series = {
        "p50": [_ms(c.p50.value) for c in cases],
        "p99": [_ms(c.p99.value) for c in cases],
        "max": [_ms(c.max) for c in cases],
    }
    title = f"{work}: main-thread tick lag (a frame is {FRAME_BUDGET_S * 1000:.1f} ms)"
    return _bar(pygal, title, labels, series)


def write(
    named: Sequence[tuple[str, Sequence[ServerCase], Sequence[TickCase]]], output: Path
) -> list[Path]:
    """Write ``servers-<handler>.svg`` and ``responsiveness-<work>.svg`` for each run
    (prefixed by the run's stem when there are several) into ``output``; returns the paths.
    Raises ``plot.PlotUnavailable`` without pygal, ``plot.PlotError`` if it cannot write."""
    if not any(servers or ticks for _, servers, ticks in named):
        return []
    try:
        import pygal
    except ImportError:
        raise plot.PlotUnavailable(plot.INSTALL_HINT) from None
    plot._make_folder(output)
    written = []
    for source, servers, ticks in named:
        prefix = f"{Path(source).stem}-" if len(named) > 1 else ""
        drawn: dict[str, bytes | None] = {}
        for handler in dict.fromkeys(c.handler for c in servers):
            mine = [c for c in servers if c.handler == handler]
            drawn[f"servers-{handler}"] = latency_by_model(pygal, handler, mine)
        alone = [c for c in ticks if c.way == analysis.ALONE]
        for work in dict.fromkeys(c.work for c in ticks if c.way != analysis.ALONE):
            beside = alone + [c for c in ticks if c.work == work and c.way != analysis.ALONE]
            drawn[f"responsiveness-{work}"] = lag_by_way(pygal, work, beside)
        for stem, svg in drawn.items():
            if svg is None:
                continue
            path = output / f"{prefix}{stem}.svg"
            try:
                plot.write_atomically(path, svg)
            except OSError as error:
                raise plot.PlotError(
                    f"{output}: cannot write a chart there ({error.strerror})"
                ) from None
            written.append(path)
    return sorted(written)
