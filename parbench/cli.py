"""The ``parbench`` command: report, compare and plot saved pytest-benchmark runs.

Exit status: 0 on success, 1 when ``compare --fail-on-regression`` finds a regression,
2 on bad input (a one-line message naming the file and the problem, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from parbench import across, compare, plot, render, results, verdict

RUN_HELP = "a JSON file, a saved run id under the storage folder (e.g. 0003), or 'latest'"


def _percent(text: str) -> float:
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage, e.g. 10 or 10%") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative; give 0 or more")
    return value


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
    report.add_argument("--format", choices=render.FORMATS, default="text")

    diff = commands.add_parser("compare", help="what changed between two runs")
    diff.add_argument("old", metavar="OLD", help=RUN_HELP)
    diff.add_argument("new", metavar="NEW", help=RUN_HELP)
    diff.add_argument(
        "--fail-on-regression",
        type=_percent,
        metavar="PCT",
        help="exit 1 if a benchmark is significantly slower by more than PCT%%",
    )

    versions = commands.add_parser(
        "versions", help="speedups and serial times side by side, one column per interpreter"
    )
    versions.add_argument(
        "runs",
        nargs="*",
        metavar="RUN",
        help=RUN_HELP + " (default: the newest saved run of each interpreter in storage)",
    )
    versions.add_argument("--format", choices=("text", "markdown", "csv"), default="text")

    plot = commands.add_parser("plot", help="SVG charts of speedup against workers")
    plot.add_argument("runs", nargs="+", metavar="RUN", help=RUN_HELP)
    plot.add_argument("--output", type=Path, required=True, metavar="DIR")
    return parser


def _report(runs: list[results.Run], fmt: str) -> int:
    print(render.render_runs([(run.source, verdict.judge(run.measurements)) for run in runs], fmt))
    return 0


def _compare(old: results.Run, new: results.Run, fail_percent: float | None) -> int:
    comparison = compare.compare(old, new)
    print(compare.render(comparison))
    if fail_percent is None:
        return 0
    if not (old.has_rounds and new.has_rounds):
        raise results.RunError(f"--fail-on-regression: {compare.NO_ROUNDS_HINT}")
    regressions = comparison.regressions(fail_percent)
    for change in regressions:
        print(f"regression: {change.name} is {change.ratio - 1:+.1%} slower", file=sys.stderr)
    return 1 if regressions else 0


def _plot(runs: list[results.Run], output: Path) -> int:
    for path in plot.write_charts(runs, output):
        print(path)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    arguments = _parser().parse_args(argv)
    storage = arguments.storage
    try:
        if arguments.command == "compare":
            old = results.load(arguments.old, storage)
            new = results.load(arguments.new, storage)
            return _compare(old, new, arguments.fail_on_regression)
        if arguments.command == "versions" and not arguments.runs:
            runs = across.latest_per_python(storage)
        else:
            runs = [results.load(spec, storage) for spec in arguments.runs]
        if arguments.command == "versions":
            print(across.render(across.build(runs), arguments.format))
            return 0
        if arguments.command == "report":
            return _report(runs, arguments.format)
        return _plot(runs, arguments.output)
    except (results.RunError, compare.NothingShared, plot.PlotUnavailable, ValueError) as error:
        print(f"parbench: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
