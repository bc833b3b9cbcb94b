"""One self-contained HTML page of saved runs: ``parbench report RUN --format html``,
``parbench compare OLD NEW --format html`` and ``pytest --parbench-html=PATH``.

The page opens offline: its style is inline and its charts are inline SVG (``plot.draw``),
with no script and no link to fetch. It holds the machine and Python first; then, a
section a workload, its verdict line and notes (evidence, memory), its chart (speedup by
worker count, 95% intervals, the ideal and 1x), its table (``render.COLUMNS``, memory
among them) and its disturbances folded in a ``<details>``; then, for a
``--parbench-granularity`` run, the break-even table and charts. A comparison adds what
changed between the two runs above the sections, and each chart overlays both. Without
pygal (the ``plot`` extra) the page is the same without its charts, and says how to get
them. Every word comes from ``render``, ``labels``, ``breakeven_words`` and ``compare_words``;
this module only lays them out.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from parbench.analysis import breakeven, compare
from parbench.analysis.verdict import WorkloadVerdict
from parbench.data.results import Run
from parbench.errors import ParbenchError
from parbench.report import breakeven_words, compare_words, plot, render
from parbench.report.labels import format_seconds

# Notes that qualify figures rather than answer the question: folded away.
FOLDED = ("measured:", "withheld:")
STYLE = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:#1a1a1a;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:1rem;overflow-wrap:anywhere}
h1{font-size:1.4rem;margin:.2rem 0 .4rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:0 0 .5rem;overflow-wrap:anywhere}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}
.setting,.warning,.missing{overflow-wrap:anywhere;margin:.2rem 0}
.setting{color:#444}
.warning{color:#8a4b00}
.missing{background:#fff6dd;padding:.4rem .6rem;border-radius:4px}
.verdict{font-size:1.05rem;font-weight:600;margin:.2rem 0 .4rem;overflow-wrap:anywhere}
.use code{background:#eef6ee;padding:.15rem .4rem;border-radius:3px;overflow-wrap:anywhere}
.run-name{color:#555;font-weight:400}
ul.notes{margin:.2rem 0 .6rem;padding-left:1.2rem;color:#333}
ul.notes li{overflow-wrap:anywhere}
figure.chart{margin:.5rem 0}
figure.chart{overflow-x:auto}
figure.chart svg{display:block;width:100%;height:auto;min-width:520px;max-width:900px}
.scroll{overflow-x:auto;max-width:100%;margin:.4rem 0}
table{overflow-wrap:normal;border-collapse:collapse;font-size:.85rem;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #e4e4e4;padding:.25rem .4rem;text-align:left;
  white-space:nowrap;vertical-align:top}
th{background:#f2f2f2}
td.note{white-space:normal;min-width:10rem}
td.case{white-space:normal;min-width:8rem}
.swatch{display:inline-block;width:.7rem;height:.7rem;border-radius:50%;
  margin-right:.35rem;vertical-align:baseline}
details{margin:.4rem 0}
details li{overflow-wrap:anywhere}
summary{cursor:pointer;color:#444}
pre{overflow:auto;max-height:28rem;font-size:.8rem;background:#f6f6f6;padding:.5rem;margin:0}
footer{color:#666;font-size:.8rem;margin:1rem 0}
"""


class PageError(ParbenchError, ValueError):
    """The page cannot be written; the message names the file and why."""


def report(runs: Sequence[Run], latency: Sequence[tuple[str, str]] = ()) -> str:
    """The page of one run, or of several side by side (their charts overlaid);
    ``latency``: each run's latency benchmarks (servers, responsiveness) as text, by run,
    shown after the workloads."""
    names = [run.source for run in runs]
    return _page(f"parbench: {', '.join(names)}", runs, [], latency)


def comparison(changes: compare.Comparison) -> str:
    """The page of ``parbench compare OLD NEW``: what changed, then both runs."""
    old, new = changes.old, changes.new
    return _page(f"parbench: {old.source} -> {new.source}", [old, new], _changes(changes))


def save(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole (under a temporary name, then moved into place).
    Raises ``PageError`` naming ``path`` where it cannot be written."""
    try:
        plot.write_atomically(path, text.encode("utf-8"))
    except OSError as error:
        raise PageError(f"{path}: cannot be written ({error.strerror})") from None


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _page(
    title: str, runs: Sequence[Run], intro: list[str], latency: Sequence[tuple[str, str]] = ()
) -> str:
    several = len(runs) > 1
    judged = [(run, plot.charted(run)) for run in runs]
    charts, missing = _charts(runs, [verdicts for _, verdicts in judged])
    body = [f"<header><h1>{_e(title)}</h1>"]
    for run, verdicts in judged:
        prefix = f"{run.source}: " if several else ""
        if verdicts:
            body.append(f'<p class="setting">{_e(prefix + _setting(run, verdicts[0]))}</p>')
        body += [f'<p class="warning">warning: {_e(w)}</p>' for w in run.warnings]
    if missing:
        body.append(f'<p class="missing">{_e(missing)}; the tables below are complete</p>')
    body.append("</header>")
    body += intro
    workloads = dict.fromkeys(v.workload for _, verdicts in judged for v in verdicts)
    for workload in workloads:
        mine = [(run, v) for run, verdicts in judged for v in verdicts if v.workload == workload]
        body += _section(workload, mine, charts.get(workload), several)
    body += _break_even(runs, charts)
    for source, text in latency:
        body.append(
            f'<section class="workload"><h2>latency: {_e(source)}</h2>'
            f'<div class="scroll"><pre>{_e(text)}</pre></div></section>'
        )
    if (
        not workloads
        and not latency
        and not any(breakeven.has_sweep(run.measurements) for run in runs)
    ):
        body.append("<section><p>No workload had a serial baseline to compare with.</p></section>")
    body.append(f"<footer>Made by parbench from {_e(', '.join(r.source for r in runs))}.</footer>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def _charts(
    runs: Sequence[Run], judged: list[list[WorkloadVerdict]]
) -> tuple[dict[str, str], str | None]:
    """Each chart's SVG by its name (``plot.Drawn.name``), or none and why."""
    try:
        drawn = plot.draw(list(runs), inline=True, judged=judged)
        return {chart.name: chart.svg for chart in drawn}, None
    except (plot.PlotUnavailable, plot.PlotError) as error:
        return {}, f"no charts: {error}"


def _setting(run: Run, first: WorkloadVerdict) -> str:
    cpu = run.machine.get("cpu")
    brand = cpu.get("brand_raw") if isinstance(cpu, dict) else None
    text = render.setting(first.serial)
    return f"{brand}; {text}" if isinstance(brand, str) and brand else text


def _section(
    workload: str, verdicts: list[tuple[Run, WorkloadVerdict]], svg: str | None, several: bool
) -> list[str]:
    out = [f'<section class="workload" id="workload-{_e(workload)}"><h2>{_e(workload)}</h2>']
    for run, verdict in verdicts:
        out += _headline(verdict, run.source if several else None)
    if svg is not None:
        out.append(f'<figure class="chart">{svg}</figure>')
    for run, verdict in verdicts:
        if several or len(verdicts) > 1:
            out.append(f'<p class="run-name">{_e(run.source)}: {_e(_size(verdict))}</p>')
        out.append(_table(verdict))
        folded = [note for note in render.notes(verdict) if note.startswith(FOLDED)]
        if folded:
            out.append(
                f"<details><summary>how it was measured ({len(folded)})</summary><ul>"
                + "".join(f"<li>{_e(note)}</li>" for note in folded)
                + "</ul></details>"
            )
    out.append("</section>")
    return out


def _headline(verdict: WorkloadVerdict, run: str | None) -> list[str]:
    """The verdict's line and the notes that answer (evidence, memory), first of all."""
    named = f'<span class="run-name">{_e(run)}:</span> ' if run else ""
    shown = [note for note in render.notes(verdict) if not note.startswith(FOLDED)]
    out = [f'<p class="verdict">{named}{_e(render.sentence(verdict))}</p>']
    use = render.use_line(verdict)
    if use:
        out.append(f'<p class="use"><code>{_e(use)}</code></p>')
    if shown:
        out.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in shown) + "</ul>")
    return out


def _size(verdict: WorkloadVerdict) -> str:
    m = verdict.serial
    return f"{m.tasks:,} tasks (size {m.size}), serial {format_seconds(verdict.baseline.median)}"


def _table(verdict: WorkloadVerdict) -> str:
    head = "".join(f"<th>{_e(column)}</th>" for column in render.COLUMNS)
    rows = []
    for row in verdict.rows:
        cells = [_e(cell) for cell in render.cells(row)]
        if not row.is_baseline:
            colour = plot.strategy_colour(row.measurement.strategy)
            cells[0] = f'<span class="swatch" style="background:{colour}"></span>{cells[0]}'
        middle = "".join(f"<td>{cell}</td>" for cell in cells[1:-1])
        rows.append(
            f'<tr><td class="case">{cells[0]}</td>{middle}<td class="note">{cells[-1]}</td></tr>'
        )
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _break_even(runs: Sequence[Run], charts: dict[str, str]) -> list[str]:
    """Each sweep run's break-even table, then the sweep charts (all runs' on each)."""
    swept = [run for run in runs if breakeven.has_sweep(run.measurements)]
    if not swept:
        return []
    out = ['<section class="break-even"><h2>break-even</h2>']
    for run in swept:
        table = breakeven_words.render_table(run, breakeven.PAYBACK_TASK_S)
        out += [
            f'<p class="run-name">{_e(run.source)}</p>',
            f'<div class="scroll"><pre>{_e(table)}</pre></div>',
        ]
    out += [
        f'<figure class="chart">{svg}</figure>'
        for name, svg in charts.items()
        if name.endswith("-break-even")
    ]
    return [*out, "</section>"]


def _changes(changes: compare.Comparison) -> list[str]:
    """What changed between the runs: the text of ``compare_words.render``, which says it."""
    return [
        '<section class="changes"><h2>what changed</h2>',
        f'<div class="scroll"><pre>{_e(compare_words.render(changes))}</pre></div>',
        "</section>",
    ]
