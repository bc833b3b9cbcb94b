"""The ``parbench`` command: report, compare and plot saved pytest-benchmark runs.

Exit status: 0 on success, 1 when ``compare --fail-on-regression`` finds a regression,
2 on bad input or runs that cannot be judged (any ``ParbenchError``: a one-line message
naming the file and the problem, no traceback), 130 when interrupted. Output cut short
by its reader (``| head``) ends quietly with 1. Warnings about the runs read (incomplete
runs, runs passed over) go to standard error, one line each.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from parbench.analysis import across, breakeven, compare, verdict
from parbench.data import checks, results
from parbench.errors import ParbenchError
from parbench.latency import analysis as latency_analysis
from parbench.latency import charts as latency_charts
from parbench.latency import render as latency_render
from parbench.latency import saved as latency_saved
from parbench.report import (
    across_words,
    breakeven_words,
    compare_words,
    fit,
    htmlreport,
    plot,
    render,
)

RUN_HELP = "a JSON file, a saved run id under the storage folder (e.g. 0003), or 'latest'"
OUTPUT_HELP = "write to FILE instead of standard output (the html page, or any format)"
_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(ns|us|µs|ms|s)\s*")
_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}


def _percent(text: str) -> float:
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage, e.g. 10 or 10%") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not allowed; give a finite number of 0 or more"
        )
    return value


def _task_size(text: str) -> float:
    match = _DURATION.fullmatch(text)
    seconds = float(match.group(1)) * _SECONDS[match.group(2)] if match else 0.0
    if not 0 < seconds <= checks.LONGEST_S:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not allowed; give a duration above 0 with a unit: 100us, 1ms, 0.5s"
        )
    return seconds


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parbench", description="Turn saved pytest-benchmark runs into answers."
    )
    parser.add_argument(
        "--storage",
        type=Path,
        default=results.DEFAULT_STORAGE,
        help="pytest-benchmark's storage folder (default: .benchmarks)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    report = commands.add_parser("report", help="the verdict summary of one or more runs")
    report.add_argument("runs", nargs="+", metavar="RUN", help=RUN_HELP)
    report.add_argument("--format", choices=(*render.FORMATS, "html"), default="text")
    report.add_argument("-o", "--output", type=Path, metavar="FILE", help=OUTPUT_HELP)

    diff = commands.add_parser("compare", help="what changed between two runs")
    diff.add_argument("old", metavar="OLD", help=RUN_HELP)
    diff.add_argument("new", metavar="NEW", help=RUN_HELP)
    diff.add_argument("--format", choices=("text", "html"), default="text")
    diff.add_argument("-o", "--output", type=Path, metavar="FILE", help=OUTPUT_HELP)
    diff.add_argument(
        "--fail-on-regression",
        type=_percent,
        metavar="PCT",
        help="exit 1 if a benchmark is significantly slower by more than PCT%%; exit 2 if "
        "the runs cannot show that (incomplete, missing benchmarks, too few rounds)",
    )

    versions = commands.add_parser(
        "versions", help="speedups and serial times side by side, one column per interpreter"
    )
    versions.add_argument(
        "runs",
        nargs="*",
        metavar="RUN",
        help=RUN_HELP + " (default: the newest complete run of each interpreter in storage)",
    )
    versions.add_argument("--format", choices=("text", "markdown", "csv"), default="text")

    even = commands.add_parser(
        "break-even",
        help="each strategy's start-up, per-task and per-kB costs and the task size from "
        "which it pays off, from a run of pytest --parbench-granularity",
    )
    even.add_argument("run", metavar="RUN", help=RUN_HELP)
    even.add_argument("--format", choices=breakeven_words.FORMATS, default="text")
    even.add_argument(
        "--task-size",
        type=_task_size,
        default=breakeven.PAYBACK_TASK_S,
        metavar="DURATION",
        help="the task size whose payback (tasks to win back a pool's start-up) is shown: "
        "100us, 1ms, 0.5s (default: 1ms)",
    )

    plot = commands.add_parser("plot", help="SVG charts of speedup against workers")
    plot.add_argument("runs", nargs="+", metavar="RUN", help=RUN_HELP)
    plot.add_argument("--output", type=Path, required=True, metavar="DIR")
    return parser


def _warn(lines: Iterable[str]) -> None:
    for line in lines:
        print(f"parbench: warning: {line}", file=sys.stderr)


def _load(specs: Sequence[str], storage: Path) -> list[results.Run]:
    """The runs ``specs`` name, each one's warnings said."""
    runs = [results.load(spec, storage) for spec in specs]
    _warn(line for run in runs for line in run.warnings)
    return runs


def _emit(text: str, output: Path | None) -> None:
    """``text`` to ``output``, or to standard output."""
    if output is None:
        print(text)
    else:
        htmlreport.save(output, text if text.endswith("\n") else text + "\n")


def _report(arguments: argparse.Namespace) -> int:
    runs = _load(arguments.runs, arguments.storage)
    if arguments.format == "html":
        tables = [
            (source, latency_render.report(servers, ticks, "text"))
            for source, servers, ticks in latency_saved.from_runs([run.source for run in runs])
        ]
        _emit(htmlreport.report(runs, tables), arguments.output)
        return 0
    named = [(run.source, verdict.judge(run.measurements)) for run in runs if run.measurements]
    latency = latency_saved.from_runs([run.source for run in runs])
    if not any(verdicts for _, verdicts in named) and not latency:
        raise results.RunError(
            f"nothing to report: no workload in {', '.join(arguments.runs)} has a serial baseline"
        )
    parts = []
    if named or arguments.format in ("csv", "json"):
        parts.append(render.render_runs(named, arguments.format))
    if arguments.format in ("text", "markdown"):
        parts += [
            f"\n{source}:\n" + latency_render.report(servers, ticks, arguments.format)
            for source, servers, ticks in latency
        ]
    text = "\n".join(parts)
    if arguments.format == "text" and arguments.output is None:
        text = "\n".join(fit.wrap(text, shutil.get_terminal_size().columns))
    _emit(text, arguments.output)
    return 0


def _compare(arguments: argparse.Namespace) -> int:
    old, new = _load([arguments.old, arguments.new], arguments.storage)
    latency = latency_analysis.changes(
        latency_saved.read(old.source), latency_saved.read(new.source)
    )
    if latency:
        print(latency_render.comparison(latency))
        if not (old.measurements and new.measurements):
            if arguments.fail_on_regression is not None:
                raise compare.Ungated(
                    "--fail-on-regression: gates batch benchmarks, and these runs do not "
                    "both hold some"
                )
            return 0
    comparison = compare.compare(old, new)
    shown = htmlreport.comparison if arguments.format == "html" else compare_words.render
    _emit(shown(comparison), arguments.output)
    if arguments.fail_on_regression is None:
        return 0
    try:
        regressions = comparison.regressions(arguments.fail_on_regression)
    except compare.Ungated as error:
        raise compare.Ungated(f"--fail-on-regression: {error}") from None
    for change in regressions:
        print(f"regression: {change.name} is {change.ratio - 1:+.1%} slower", file=sys.stderr)
    return 1 if regressions else 0


def _versions(arguments: argparse.Namespace) -> int:
    if arguments.runs:
        named = across.alike(_load(arguments.runs, arguments.storage))
        runs = named.runs
        _warn(across_words.left_out(named))
    else:
        latest = across.latest_per_python(arguments.storage)
        runs = latest.runs
        _warn(across_words.passed_over(latest))
        _warn(line for run in runs for line in run.warnings)
    print(across_words.render(across.build(runs), arguments.format))
    return 0


def _plot(arguments: argparse.Namespace) -> int:
    runs = _load(arguments.runs, arguments.storage)
    written = plot.write_charts([run for run in runs if run.measurements], arguments.output)
    latency = latency_saved.from_runs([run.source for run in runs])
    written += latency_charts.write(latency, arguments.output)
    if not written:
        raise plot.PlotError("no chart to draw: no workload in these runs has a serial baseline")
    for path in written:
        print(path)
    return 0


def _break_even(arguments: argparse.Namespace) -> int:
    [run] = _load([arguments.run], arguments.storage)
    print(breakeven_words.render_table(run, arguments.task_size, arguments.format))
    return 0


COMMANDS = {
    "report": _report,
    "compare": _compare,
    "versions": _versions,
    "plot": _plot,
    "break-even": _break_even,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    arguments = _parser().parse_args(argv)
    try:
        status = COMMANDS[arguments.command](arguments)
        sys.stdout.flush()
        return status
    except ParbenchError as error:
        # The one place a user's error is shown: one line, exit status 2, no traceback.
        print(f"parbench: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (``| head``) left: stop writing, quietly, as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("parbench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
