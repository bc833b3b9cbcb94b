"""SVG charts of saved runs: one per workload, a series per strategy variant and run."""

from __future__ import annotations

import importlib.util
import itertools
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from test_breakeven import synthetic_sweep

from parbench.analysis.verdict import judge
from parbench.data import results
from parbench.report.plot import STRATEGY_COLOURS, PlotError, PlotUnavailable, write_charts

from helpers import SUITE_ROOT, benchmark_entry, run_document

SVG = "{http://www.w3.org/2000/svg}"
HINT = "charts need pygal: pip install 'parbench[plot]'"

needs_pygal = pytest.mark.skipif(
    importlib.util.find_spec("pygal") is None, reason="pygal is not installed (plot extra)"
)


def entry(workload: str, strategy: str, median: float, **fields: Any) -> dict[str, Any]:
    """A saved benchmark of 10,000 tasks unless said otherwise, sized by its tasks."""
    fields = {"tasks": 10_000, **fields}
    return benchmark_entry(workload, strategy, median, size=fields["tasks"], **fields)


def run(source: str, *entries: dict[str, Any]) -> results.Run:
    return results.from_json(run_document(*entries), source)


def factorial_run(source: str = "run.json", slowdown: float = 1.0) -> results.Run:
    """Factorial as the article ran it: processes at chunksize 1 are 600 times slower."""
    return run(
        source,
        entry("factorial", "serial", 0.0016),
        entry("factorial", "threads", 0.16 * slowdown, workers=2),
        entry("factorial", "threads", 0.1 * slowdown, workers=1),
        entry("factorial", "threads", 0.2 * slowdown, workers=4),
        entry("factorial", "processes", 1.0 * slowdown, workers=2),
        entry("factorial", "processes", 0.9 * slowdown, workers=1),
        entry("factorial", "processes", 0.0047 * slowdown, workers=2, chunksize=1250),
        entry("factorial", "processes", 0.0032 * slowdown, workers=1, chunksize=2500),
        entry("factorial", "processes", 0.006 * slowdown, workers=2, chunksize=1250, pool="cold"),
    )


def sleep_run(source: str = "run.json") -> results.Run:
    """Sleep under threads: speedups from 1x to 3.9x, a spread far below 100x."""
    return run(
        source,
        entry("sleep", "serial", 0.8, kind="io", tasks=16),
        entry("sleep", "threads", 0.8, workers=1, kind="io", tasks=16),
        entry("sleep", "threads", 0.21, workers=4, kind="io", tasks=16),
        entry("sleep", "threads", 0.41, workers=2, kind="io", tasks=16),
    )


def merged(*runs: results.Run) -> results.Run:
    return results.Run("run.json", {}, tuple(m for r in runs for m in r.measurements))


def parse(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def texts(svg: ET.Element) -> list[str]:
    return [node.text for node in svg.iter(f"{SVG}text") if node.text]


def classes(node: ET.Element) -> list[str]:
    return (node.get("class") or "").split()


def legend(svg: ET.Element) -> list[str]:
    """The series' titles, in the order drawn."""
    return [
        text.text or ""
        for group in svg.iter(f"{SVG}g")
        if "legend" in classes(group)
        for text in group.iter(f"{SVG}text")
    ]


def series_nodes(svg: ET.Element, title: str, tag: str) -> list[ET.Element]:
    """The ``tag`` elements pygal drew for the series ``title``."""
    index = legend(svg).index(title)
    return [
        node
        for group in svg.iter(f"{SVG}g")
        if f"serie-{index}" in classes(group)
        for node in group.iter(f"{SVG}{tag}")
    ]


def numbers(path: ET.Element) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d") or "")]


def axis(svg: ET.Element, name: str) -> list[tuple[str, float]]:
    """Each label of the ``name`` axis ("x" or "y") with where its guide line is drawn."""
    (group,) = [g for g in svg.iter(f"{SVG}g") if classes(g)[:2] == ["axis", name]]
    marks = []
    for guides in group.findall(f"{SVG}g"):
        path, text = guides.find(f"{SVG}path"), guides.find(f"{SVG}text")
        if path is not None and text is not None:
            x, y = numbers(path)[:2]
            marks.append((text.text or "", x if name == "x" else y))
    return marks


def is_logarithmic(svg: ET.Element) -> bool:
    """Whether the y axis is labelled at successive powers of ten."""
    values = [float(label.removesuffix("x")) for label, _ in axis(svg, "y")]
    return len(values) > 1 and all(
        math.isclose(high, 10 * low) for low, high in itertools.pairwise(values)
    )


def speedup_at(svg: ET.Element, height: float) -> float:
    """The speedup at ``height`` in the plot, as read off the outermost labels of the y axis."""
    marks = sorted((y, float(label.removesuffix("x"))) for label, y in axis(svg, "y"))
    (top, high), (bottom, low) = marks[0], marks[-1]
    share = (bottom - height) / (bottom - top)
    if is_logarithmic(svg):
        return 10 ** (math.log10(low) + share * (math.log10(high) - math.log10(low)))
    return low + share * (high - low)


def workers_at(svg: ET.Element, x: float) -> int:
    """The worker count labelled nearest to ``x`` on the x axis."""
    label, _ = min(axis(svg, "x"), key=lambda mark: abs(mark[1] - x))
    return int(label)


def dots(svg: ET.Element, title: str) -> list[ET.Element]:
    """The dots drawn for the series ``title`` (pygal also writes dots of radius 0)."""
    return [dot for dot in series_nodes(svg, title, "circle") if float(dot.get("r", "0")) > 0]


def points(svg: ET.Element, title: str) -> list[tuple[int, float]]:
    """The (workers, speedup) dots of the series ``title`` in the order drawn, to 4 places."""
    return [
        (
            workers_at(svg, float(dot.get("cx", ""))),
            round(speedup_at(svg, float(dot.get("cy", ""))), 4),
        )
        for dot in dots(svg, title)
    ]


def strokes(svg: ET.Element, title: str) -> list[list[tuple[float, float]]]:
    """The corners of each line drawn for the series ``title``, in pixels."""
    drawn = []
    for path in series_nodes(svg, title, "path"):
        xy = numbers(path)
        drawn.append(list(zip(xy[::2], xy[1::2], strict=True)))
    return drawn


def is_bar(corners: list[tuple[float, float]]) -> bool:
    return len(corners) == 2 and corners[0][0] == corners[1][0]


def line(svg: ET.Element, title: str) -> list[tuple[int, float]]:
    """The (workers, speedup) corners of the line drawn for the series ``title``, to 4 places."""
    (corners,) = [corners for corners in strokes(svg, title) if not is_bar(corners)]
    return [(workers_at(svg, x), round(speedup_at(svg, y), 4)) for x, y in corners]


def levels(svg: ET.Element) -> list[tuple[int, float]]:
    """The ideal's (workers, speedup) levels: each drawn level across its worker count."""
    corners = line(svg, "ideal")
    assert corners[::2] == corners[1::2], "the ideal is not level at a worker count"
    return corners[::2]


def intervals(svg: ET.Element, title: str) -> list[tuple[int, float, float]]:
    """The (workers, low, high) bars drawn for the series ``title``."""
    return [
        (
            workers_at(svg, bar[0][0]),
            speedup_at(svg, max(y for _, y in bar)),
            speedup_at(svg, min(y for _, y in bar)),
        )
        for bar in strokes(svg, title)
        if is_bar(bar)
    ]


def stroke(svg: ET.Element, index: int) -> tuple[str, str | None]:
    """The colour and the dash pattern (``None`` where solid) of the series drawn ``index``-th."""
    css = "".join(style.text or "" for style in svg.iter(f"{SVG}style"))
    colour = re.search(rf"\.color-{index},[^{{]*\{{stroke:([^;}}]+)", css)
    dashes = re.search(rf"\.series\.serie-{index}\{{[^}}]*stroke-dasharray:([^;}}]+)", css)
    assert colour is not None, f"no colour for series {index}"
    return colour.group(1).lower(), dashes.group(1) if dashes else None


@needs_pygal
def test_one_chart_per_workload_with_a_series_per_variant(tmp_path: Path) -> None:
    output = tmp_path / "charts" / "new"
    written = write_charts([merged(sleep_run(), factorial_run())], output)

    assert written == [output / "factorial.svg", output / "sleep.svg"]
    assert sorted(p.name for p in output.iterdir()) == ["factorial.svg", "sleep.svg"]
    factorial = parse(output / "factorial.svg")
    assert "factorial (CPU-bound): speedup over serial" in texts(factorial)
    assert {"workers", "speedup over serial"} <= set(texts(factorial))
    assert legend(factorial) == [
        "threads",
        "processes chunksize 1",
        "processes chunksize auto",
        "ideal",
        "serial = 1x",
    ]
    assert legend(parse(output / "sleep.svg")) == ["threads", "ideal", "serial = 1x"]


@needs_pygal
def test_points_are_speedups_sorted_by_workers(tmp_path: Path) -> None:
    write_charts([merged(sleep_run(), factorial_run())], tmp_path)
    sleep = parse(tmp_path / "sleep.svg")
    factorial = parse(tmp_path / "factorial.svg")

    assert points(sleep, "threads") == [(1, 1), (2, 1.9512), (4, 3.8095)]
    assert line(sleep, "threads") == points(sleep, "threads")
    assert levels(sleep) == [(1, 1), (2, 2), (4, 4)]
    # Serial's 1x crosses the whole plot, past the fewest and the most workers.
    assert line(sleep, "serial = 1x") == [(1, 1), (4, 1)]
    ((left, _), (right, _)) = strokes(sleep, "serial = 1x")[0]
    labelled = [x for _, x in axis(sleep, "x")]
    assert left < labelled[0] and right > labelled[-1]
    # The tuned chunksize differs per worker count (2500, 1250) and is still one series;
    # the cold case at 1250 is not on it.
    assert points(factorial, "processes chunksize auto") == [(1, 0.5), (2, 0.3404)]
    # CPU-bound work on 2 usable CPUs: the ideal stops at 2 whatever the worker count.
    assert levels(factorial) == [(1, 1), (2, 2), (4, 2)]


def without_rounds(saved: dict[str, Any]) -> dict[str, Any]:
    """A benchmark saved without its rounds' times: its speedup has no interval."""
    del saved["stats"]["data"]
    return saved


def at_ideal_run(*workers: int) -> results.Run:
    """Sleep under threads and processes at ``workers``, each a little past its ideal, so
    shown at the ideal: both strategies and the ideal at one spot."""
    return run(
        "run.json",
        entry("sleep", "serial", 0.8, kind="io", tasks=16),
        *(
            entry("sleep", strategy, 0.8 / w * 0.99, workers=w, kind="io", tasks=16, spread=0.1)
            for strategy in ("threads", "processes")
            for w in workers
        ),
    )


@needs_pygal
@pytest.mark.parametrize("workers", [(4,), (2, 4)])
def test_every_legend_entry_has_a_mark_in_sight(tmp_path: Path, workers: tuple[int, ...]) -> None:
    write_charts([at_ideal_run(*workers)], tmp_path)
    svg = parse(tmp_path / "sleep.svg")

    titles = legend(svg)
    assert titles == ["threads", "processes", "ideal", "serial = 1x"]
    assert points(svg, "threads") == points(svg, "processes") == [(w, w) for w in workers]
    for title in titles:
        assert dots(svg, title) or strokes(svg, title), f"{title}: nothing drawn"
    # Equal speedups stand apart: no series' dot has its centre under another's.
    for one, other in itertools.combinations(titles, 2):
        for a in dots(svg, one):
            for b in dots(svg, other):
                apart = math.dist(
                    *((float(d.get("cx", "")), float(d.get("cy", ""))) for d in (a, b))
                )
                assert apart >= max(float(d.get("r", "")) for d in (a, b)), f"{one} on {other}"


@needs_pygal
def test_every_point_shows_its_95_percent_interval(tmp_path: Path) -> None:
    noisy = run(
        "run.json",
        entry("sleep", "serial", 0.8, kind="io", tasks=16, spread=0.2),
        entry("sleep", "threads", 0.8, workers=1, kind="io", tasks=16, spread=0.2),
        # Its interval reaches past every value drawn (capped at the ceiling, 2x).
        entry("sleep", "threads", 0.41, workers=2, kind="io", tasks=16, spread=0.4),
        without_rounds(entry("sleep", "processes", 0.42, workers=2, kind="io", tasks=16)),
    )
    write_charts([noisy], tmp_path)
    svg = parse(tmp_path / "sleep.svg")

    (judged,) = judge(noisy.measurements)
    expected = {
        (row.measurement.strategy, row.measurement.workers): row.shown_interval
        for row in judged.rows
        if not row.is_baseline
    }
    assert expected[("processes", 2)] is None
    assert points(svg, "processes") == [(2, 1.9048)]
    assert intervals(svg, "processes") == []
    bars = intervals(svg, "threads")
    assert [workers for workers, _, _ in bars] == [1, 2]
    for workers, low, high in bars:
        assert (low, high) == pytest.approx(expected[("threads", workers)], rel=1e-6)
    # The plot reaches every bar's ends: none is cut off.
    bottom = max(y for _, y in axis(svg, "y"))
    ends = [y for bar in strokes(svg, "threads") if is_bar(bar) for _, y in bar]
    assert all(0 <= y <= bottom for y in ends)


@needs_pygal
def test_a_log_axis_is_labelled_at_powers_of_ten_only(tmp_path: Path) -> None:
    write_charts([factorial_run()], tmp_path)
    svg = parse(tmp_path / "factorial.svg")

    assert is_logarithmic(svg)
    assert [label for label, _ in axis(svg, "y")] == ["0.001x", "0.01x", "0.1x", "1x", "10x"]
    (y_axis,) = [g for g in svg.iter(f"{SVG}g") if classes(g)[:2] == ["axis", "y"]]
    guides = [g.find(f"{SVG}path") for g in y_axis.iter(f"{SVG}g") if "guides" in classes(g)]
    assert len(guides) == 5, "a guide line without a label"


@needs_pygal
def test_worker_counts_are_evenly_spaced(tmp_path: Path) -> None:
    # 1, 2, 4, 8, 16 workers read as a log-2 axis: each doubling the same step.
    scaling = run(
        "run.json",
        entry("sleep", "serial", 0.8, kind="io", tasks=16),
        *(
            entry("sleep", "threads", 0.8 / w, workers=w, kind="io", tasks=16)
            for w in (1, 2, 4, 8, 16)
        ),
    )
    write_charts([scaling], tmp_path)
    marks = axis(parse(tmp_path / "sleep.svg"), "x")

    assert [label for label, _ in marks] == ["1", "2", "4", "8", "16"]
    steps = [b - a for (_, a), (_, b) in itertools.pairwise(marks)]
    assert steps == pytest.approx([steps[0]] * 4)


@needs_pygal
def test_only_the_reference_lines_are_black_or_grey_and_a_run_keeps_its_colours(
    tmp_path: Path,
) -> None:
    # Four runs of three variants, two of them of one strategy.
    runs = [factorial_run(f"000{n}_py31{n}.json", slowdown=n) for n in range(1, 5)]
    write_charts(runs, tmp_path)
    svg = parse(tmp_path / "factorial.svg")

    styles = {title: stroke(svg, i) for i, title in enumerate(legend(svg))}
    ideal, serial = styles.pop("ideal"), styles.pop("serial = 1x")
    assert ideal[0] == "#000000" and ideal[1] is not None
    assert is_grey(serial[0]) and serial[0] != ideal[0] and serial[1] not in (None, ideal[1])
    assert len(styles) == 12
    assert not any(is_grey(colour) for colour, _ in styles.values())
    by_run = {
        n: [style for title, style in styles.items() if title.startswith(f"000{n}_")]
        for n in range(1, 5)
    }
    # Within a run every variant has a colour of its own, and every run has the same ones.
    assert len({colour for colour, _ in by_run[1]}) == 3
    assert all([c for c, _ in by_run[n]] == [c for c, _ in by_run[1]] for n in by_run)
    # The first run is drawn solid; each other run has dashes of its own.
    assert {dashes for _, dashes in by_run[1]} == {None}
    dash_of = [{dashes for _, dashes in by_run[n]} for n in range(2, 5)]
    assert all(len(d) == 1 and None not in d for d in dash_of)
    assert len({d.pop() for d in dash_of}) == 3


@needs_pygal
def test_a_strategy_has_one_colour_in_every_chart(tmp_path: Path) -> None:
    write_charts([merged(sleep_run(), factorial_run())], tmp_path)
    sleep, factorial = (parse(tmp_path / f"{name}.svg") for name in ("sleep", "factorial"))

    def colour(svg: ET.Element, title: str) -> str:
        return stroke(svg, legend(svg).index(title))[0]

    assert colour(sleep, "threads") == colour(factorial, "threads") == STRATEGY_COLOURS["threads"]
    assert colour(factorial, "processes chunksize 1") == STRATEGY_COLOURS["processes"]
    assert colour(factorial, "processes chunksize auto") != STRATEGY_COLOURS["processes"]


@needs_pygal
def test_a_chart_names_its_machine_python_workload_batch_and_network(tmp_path: Path) -> None:
    saved = run(
        "run.json",
        entry("sleep", "serial", 0.8, kind="io", tasks=16),
        entry("sleep", "threads", 0.21, workers=4, kind="io", tasks=16),
    )
    saved = replace(saved, machine={"cpu": {"brand_raw": "Example CPU 9000"}})
    write_charts([saved], tmp_path)
    title = " ".join(
        t
        for g in parse(tmp_path / "sleep.svg").iter(f"{SVG}g")
        if "titles" in classes(g)
        for t in texts(g)
    )

    m = saved.measurements[0]
    assert "sleep (I/O-bound): speedup over serial" in title
    assert "Example CPU 9000" in title and f"{m.logical_cpus} usable" in title.replace(",", "")
    assert m.python in title
    assert "16 tasks (size 16)" in title
    assert f"network: {m.network}, {m.latency_s * 1000:g} ms latency" in title


def is_grey(colour: str) -> bool:
    """Whether ``colour`` (``#rrggbb``) is black, a grey or white."""
    return len({colour[1:3], colour[3:5], colour[5:7]}) == 1


@needs_pygal
def test_start_methods_split_series_only_when_several_were_measured(tmp_path: Path) -> None:
    spawned = run(
        "run.json",
        entry("factorial", "serial", 0.0016),
        entry("factorial", "processes", 0.9, workers=1),
        entry("factorial", "processes", 1.1, workers=1, start_method="spawn"),
        entry("factorial", "processes", 1.0, workers=2, start_method="spawn"),
    )
    write_charts([spawned], tmp_path)

    assert legend(parse(tmp_path / "factorial.svg")) == [
        "processes fork",
        "processes spawn",
        "ideal",
        "serial = 1x",
    ]


@needs_pygal
def test_every_chunk_policy_is_its_own_series(tmp_path: Path) -> None:
    # As --parbench-chunksize=1,4,auto measures: each policy is its own series.
    chunked = run(
        "run.json",
        entry("factorial", "serial", 0.0016),
        entry("factorial", "processes", 1.0, workers=2),
        entry("factorial", "processes", 0.3, workers=2, chunksize=4, chunk_policy="4"),
        entry("factorial", "processes", 0.0047, workers=2, chunksize=1250),
    )
    write_charts([chunked], tmp_path)

    assert legend(parse(tmp_path / "factorial.svg")) == [
        "processes chunksize 1",
        "processes chunksize 4",
        "processes chunksize auto",
        "ideal",
        "serial = 1x",
    ]


@needs_pygal
def test_one_run_at_two_sizes_gets_a_series_per_size(tmp_path: Path) -> None:
    sizes = run(
        "run.json",
        entry("sleep", "serial", 0.8, kind="io", tasks=16),
        entry("sleep", "threads", 0.2, workers=4, kind="io", tasks=16),
        entry("sleep", "serial", 1.6, kind="io", tasks=32),
        entry("sleep", "threads", 0.4, workers=4, kind="io", tasks=32),
    )
    write_charts([sizes], tmp_path)

    assert legend(parse(tmp_path / "sleep.svg")) == [
        "x16: threads",
        "x32: threads",
        "ideal",
        "serial = 1x",
    ]


@needs_pygal
def test_several_runs_get_a_series_each_named_by_run(tmp_path: Path) -> None:
    runs = [sleep_run(".benchmarks/L/0001_py311.json"), sleep_run("0002_py313t.json")]
    write_charts(runs, tmp_path)
    sleep = parse(tmp_path / "sleep.svg")

    assert legend(sleep) == ["0001_py311: threads", "0002_py313t: threads", "ideal", "serial = 1x"]


@needs_pygal
def test_runs_sharing_a_file_name_stay_apart(tmp_path: Path) -> None:
    runs = [factorial_run("a/run.json"), factorial_run("b/run.json", slowdown=2)]
    write_charts(runs, tmp_path)
    factorial = parse(tmp_path / "factorial.svg")

    assert "run #1: threads" in legend(factorial)
    assert points(factorial, "run #2: threads") == [(1, 0.008), (2, 0.005), (4, 0.004)]


@needs_pygal
def test_y_axis_is_logarithmic_only_past_a_100x_spread(tmp_path: Path) -> None:
    write_charts([merged(sleep_run(), factorial_run())], tmp_path)

    assert is_logarithmic(parse(tmp_path / "factorial.svg"))
    assert not is_logarithmic(parse(tmp_path / "sleep.svg"))


@needs_pygal
@pytest.mark.parametrize("workers", [1, 16])
def test_a_single_worker_count_is_still_drawn(tmp_path: Path, workers: int) -> None:
    quick = run(
        "run.json",
        entry("factorial", "serial", 0.0016),
        entry("factorial", "processes", 1.0, workers=workers),
    )
    write_charts([quick], tmp_path)
    svg = parse(tmp_path / "factorial.svg")

    assert is_logarithmic(svg)
    assert points(svg, "processes") == [(workers, 0.0016)]
    # The ideal (1x for one worker, 2x for two CPUs' worth) is a level dash, not a point.
    ideal = 1 if workers == 1 else 2
    assert line(svg, "ideal") == [(workers, ideal), (workers, ideal)]
    assert line(svg, "serial = 1x") == [(workers, 1), (workers, 1)]


@needs_pygal
def test_workloads_without_a_serial_baseline_get_no_chart(tmp_path: Path) -> None:
    no_serial = run("run.json", entry("sleep", "threads", 0.2, workers=4, kind="io"))

    assert write_charts([no_serial], tmp_path / "out") == []
    assert list((tmp_path / "out").iterdir()) == []


@needs_pygal
def test_a_workload_name_cannot_leave_the_output_folder(tmp_path: Path) -> None:
    escaping = run(
        "run.json",
        entry("../evil", "serial", 0.8, kind="io"),
        entry("../evil", "threads", 0.2, workers=4, kind="io"),
    )
    with pytest.raises(PlotError, match="not usable as a chart's file name"):
        write_charts([escaping], tmp_path / "out")
    assert not (tmp_path / "evil.svg").exists()


@needs_pygal
def test_an_existing_chart_is_replaced_whole(tmp_path: Path) -> None:
    (tmp_path / "sleep.svg").write_text("old")
    write_charts([sleep_run()], tmp_path)

    assert legend(parse(tmp_path / "sleep.svg")) == ["threads", "ideal", "serial = 1x"]
    assert [p.name for p in tmp_path.iterdir()] == ["sleep.svg"]


@needs_pygal
def test_a_chart_gets_the_mode_of_any_new_file(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("")
    write_charts([sleep_run()], tmp_path / "charts")

    assert (tmp_path / "charts" / "sleep.svg").stat().st_mode == (tmp_path / "plain").stat().st_mode


def test_without_pygal_it_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pygal", None)

    with pytest.raises(PlotUnavailable, match=f"^{re.escape(HINT)}$"):
        write_charts([sleep_run()], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_module_imports_without_pygal() -> None:
    code = "import sys; sys.modules['pygal'] = None; import parbench.report.plot"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=SUITE_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@needs_pygal
def test_a_sweep_gets_speedup_against_task_size_with_crossovers_ringed(tmp_path: Path) -> None:
    sweep = results.from_json(synthetic_sweep(), "sweep.json")
    assert write_charts([sweep], tmp_path) == [tmp_path / "work_python-break-even.svg"]
    svg = parse(tmp_path / "work_python-break-even.svg")
    assert legend(svg) == [
        "crossover: a clear win from here on",
        "processes x2 chunksize 1",
        "processes x2 chunksize auto",
        "threads x2",
        "ideal",
        "serial = 1x",
    ]
    labels = axis(svg, "x")
    assert [label for label, _ in labels] == ["10 µs", "100 µs", "1 ms", "10 ms"]
    steps = [b - a for (_, a), (_, b) in itertools.pairwise(labels)]
    assert max(steps) - min(steps) < 1
    assert "serial's time a task" in texts(svg)
    nearest = {
        title: {round(float(dot.get("cx", ""))): dot for dot in dots(svg, title)}
        for title in ("processes x2 chunksize 1", "processes x2 chunksize auto")
    }
    rings = dots(svg, "crossover: a clear win from here on")
    assert len(rings) == 2
    for ring, title, at in zip(rings, nearest, ("1 ms", "100 µs"), strict=True):
        (x,) = [x for label, x in labels if label == at]
        assert abs(float(ring.get("cx", "")) - x) < 20  # beside its label, not at the next
        assert round(float(ring.get("cx", ""))) in nearest[title]
        assert float(ring.get("r", "")) > float(next(iter(nearest[title].values())).get("r", ""))


@needs_pygal
def test_an_overlay_legend_fits_inside_the_chart(tmp_path: Path) -> None:
    runs = [
        factorial_run(
            f"000{n}_4f2c1d9e3b_2026120{n}_091234_uncommited-changes-on-a-branch.json", slowdown=n
        )
        for n in range(1, 5)
    ]
    write_charts(runs, tmp_path)
    svg = parse(tmp_path / "factorial.svg")

    _, _, width, height = (float(v) for v in (svg.get("viewBox") or "").split())
    (legends,) = [g for g in svg.iter(f"{SVG}g") if classes(g) == ["legends"]]
    left, top = numbers_of(legends.get("transform") or "")
    entries = list(legends.iter(f"{SVG}text"))
    assert len(entries) == 14  # 12 series, the ideal and 1x
    for text in entries:
        # pygal's legend font: 14 px monospace, about 0.6 of its size a character.
        right = left + float(text.get("x", "")) + len(text.text or "") * 14 * 0.6
        assert top + float(text.get("y", "")) <= height, f"{text.text}: below the chart"
        assert right <= width, f"{text.text}: past the chart's right edge"


def numbers_of(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", text)]
