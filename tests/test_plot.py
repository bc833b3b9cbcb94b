"""SVG charts of saved runs: one per workload, a series per strategy variant and run."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from parbench import results
from parbench.plot import PlotError, PlotUnavailable, write_charts

from helpers import SUITE_ROOT, benchmark_entry

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
    return results.from_json({"machine_info": {}, "benchmarks": list(entries)}, source)


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


def legend(svg: ET.Element) -> list[str]:
    """The series' titles, in the order drawn."""
    return [
        text.text or ""
        for group in svg.iter(f"{SVG}g")
        if "legend" in (group.get("class") or "").split()
        for text in group.iter(f"{SVG}text")
    ]


def points(svg: ET.Element, title: str) -> list[tuple[float, float]]:
    """The (workers, speedup) points of the series ``title`` in the order drawn, to 4 places."""
    values = [
        desc.text or "" for desc in series_nodes(svg, title, "desc") if desc.get("class") == "value"
    ]
    return [(float(x), round(float(y), 4)) for x, y in (value.split(": ") for value in values)]


def series_nodes(svg: ET.Element, title: str, tag: str) -> list[ET.Element]:
    """The ``tag`` elements pygal drew for the series ``title``."""
    index = legend(svg).index(title)
    return [
        node
        for group in svg.iter(f"{SVG}g")
        if f"serie-{index}" in (group.get("class") or "").split()
        for node in group.iter(f"{SVG}{tag}")
    ]


def line_heights(svg: ET.Element, title: str) -> set[float]:
    """The y coordinates of the line drawn for the series ``title``."""
    (path,) = series_nodes(svg, title, "path")
    numbers = (path.get("d") or "").replace("M", " ").replace("L", " ").split()
    return {round(float(y), 3) for y in numbers[1::2]}


def is_logarithmic(svg: ET.Element) -> bool:
    """Whether pygal drew logarithmic guides: it marks them with a class of that name."""
    return any("logarithmic" in (group.get("class") or "") for group in svg.iter(f"{SVG}g"))


@needs_pygal
def test_one_chart_per_workload_with_a_series_per_variant(tmp_path: Path) -> None:
    output = tmp_path / "charts" / "new"
    written = write_charts([merged(sleep_run(), factorial_run())], output)

    assert written == [output / "factorial.svg", output / "sleep.svg"]
    assert sorted(p.name for p in output.iterdir()) == ["factorial.svg", "sleep.svg"]
    factorial = parse(output / "factorial.svg")
    assert "factorial (CPU-bound): speedup over serial" in texts(factorial)
    assert {"workers", "speedup over serial (x)"} <= set(texts(factorial))
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
    assert points(sleep, "ideal") == [(1, 1), (2, 2), (4, 4)]
    ideal_at_1 = series_nodes(sleep, "ideal", "circle")[0].get("cy")
    assert ideal_at_1 is not None
    assert line_heights(sleep, "serial = 1x") == {round(float(ideal_at_1), 3)}
    # The tuned chunksize differs per worker count (2500, 1250) and is still one series;
    # the cold case at 1250 is not on it.
    assert points(factorial, "processes chunksize auto") == [(1, 0.5), (2, 0.3404)]
    # CPU-bound work on 2 usable CPUs: the ideal stops at 2 whatever the worker count.
    assert points(factorial, "ideal") == [(1, 1), (2, 2), (4, 2)]


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
    # As --chunksize=1,4,auto measures: each policy is its own series.
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
    assert series_nodes(svg, "processes", "circle"), "pygal drew no point for the only count"


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
    code = "import sys; sys.modules['pygal'] = None; import parbench.plot"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=SUITE_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
