"""Verdicts from saved measurements: speedups, efficiency, kinds, and no winner on noise."""

from __future__ import annotations

import csv
import io
import json

import pytest

from parbench import render, results, verdict

from helpers import benchmark_entry as entry
from helpers import run_document


def judge(*entries: dict) -> list[verdict.WorkloadVerdict]:
    return verdict.judge(results.from_json(run_document(*entries), "run.json").measurements)


def test_io_workload_winner_speedup_and_efficiency() -> None:
    [found] = judge(
        entry("download", "serial", 0.64, kind="io", tasks=12, cpu_share=0.04),
        entry("download", "threads", 0.08, workers=16, kind="io", tasks=12),
        entry("download", "processes", 0.065, workers=16, kind="io", tasks=12),
        entry("download", "threads", 0.33, workers=2, kind="io", tasks=12),
    )
    assert found.kind == "I/O-bound"
    best = found.rows[0]
    assert (best.label, best.ideal) == ("processes x16", 12)
    assert best.speedup == pytest.approx(0.64 / 0.065)
    assert best.efficiency == pytest.approx(0.64 / 0.065 / 12)
    assert best.versus_serial == verdict.FASTER
    assert best.interval[0] < best.speedup < best.interval[1]
    assert found.text == (
        "download (I/O-bound): processes x16 fastest, 9.8x over serial (82% of ideal); "
        "threads x16 8.0x; serial 640 ms"
    )


def test_cpu_ideal_is_capped_by_usable_cpus() -> None:
    [found] = judge(
        entry("pure_python", "serial", 0.08),
        entry("pure_python", "processes", 0.042, workers=8),
    )
    assert found.kind == "CPU-bound"
    assert found.rows[0].ideal == 2
    assert found.rows[0].efficiency == pytest.approx(0.08 / 0.042 / 2)


def test_serial_wins_and_per_task_overhead_is_named() -> None:
    [found] = judge(
        entry("factorial", "serial", 0.0016, tasks=10_000),
        entry("factorial", "processes", 1.0, workers=2, tasks=10_000),
        entry("factorial", "processes", 0.0048, workers=2, tasks=10_000, chunksize=1250),
    )
    assert found.text.startswith("factorial (CPU-bound): serial fastest (1.6 ms); processes x2 ")
    assert "chunksize 1 is 625x slower: per-task overhead dwarfs the work" in found.text
    assert [row.label for row in found.rows] == [
        "serial",
        "processes x2 chunksize 1250",
        "processes x2 chunksize 1",
    ]


def test_threads_beating_serial_on_cpu_work_means_it_releases_the_gil() -> None:
    [found] = judge(
        entry("gil_releasing", "serial", 0.075),
        entry("gil_releasing", "threads", 0.038, workers=2),
    )
    assert found.kind == "CPU-bound, releases the GIL"
    [free] = judge(
        entry("pure_python", "serial", 0.075, gil_enabled=False),
        entry("pure_python", "threads", 0.038, workers=2, gil_enabled=False),
    )
    assert free.kind == "CPU-bound, threads scale"


def test_measured_kind_differing_from_declared_is_said() -> None:
    [found] = judge(
        entry("mine", "serial", 0.5, kind="cpu", cpu_share=0.01),
        entry("mine", "threads", 0.1, workers=8, kind="cpu"),
    )
    assert found.text.startswith("mine (I/O-bound; declared CPU-bound):")


def test_overlapping_rounds_are_no_clear_difference() -> None:
    [found] = judge(
        entry("sleep", "serial", 0.100, kind="io", spread=0.05),
        entry("sleep", "threads", 0.099, workers=2, kind="io", spread=0.05),
    )
    assert found.rows[0].versus_serial == verdict.UNCLEAR
    assert "no strategy is clearly faster than serial" in found.text


def test_too_few_rounds_are_never_a_win() -> None:
    [found] = judge(
        entry("sleep", "serial", 0.8, kind="io", rounds=3),
        entry("sleep", "threads", 0.05, workers=16, kind="io", rounds=3),
    )
    assert found.rows[0].versus_serial == verdict.UNCLEAR
    assert "too few rounds to tell: 3" in found.text


def test_groups_without_serial_are_left_out() -> None:
    assert judge(entry("sleep", "threads", 0.05, workers=16, kind="io")) == []


def test_every_format_carries_the_rows() -> None:
    found = judge(
        entry("sleep", "serial", 0.8, kind="io", cpu_share=0.0),
        entry("sleep", "threads", 0.05, workers=16, kind="io"),
    )
    text = render.render(found, "text")
    assert text.splitlines()[0].startswith("CPython 3.11.7, GIL enabled, 2 usable CPUs; network")
    assert "threads x16" in text and "faster" in text
    markdown = render.render(found, "markdown")
    assert "### sleep" in markdown and "| threads x16 | 50 ms | 16x |" in markdown
    rows = list(csv.DictReader(io.StringIO(render.render(found, "csv"))))
    assert [(r["strategy"], r["versus_serial"]) for r in rows] == [
        ("threads", "faster"),
        ("serial", "no clear difference"),
    ]
    [document] = json.loads(render.render(found, "json"))
    assert document["workloads"][0]["verdict"] == found[0].text
    assert document["workloads"][0]["rows"][0]["speedup"] == pytest.approx(16)


def test_results_reject_what_is_not_a_parbench_run() -> None:
    with pytest.raises(results.RunError, match=r"x\.json: not a pytest-benchmark file"):
        results.from_json({"nothing": []}, "x.json")
    with pytest.raises(results.RunError, match=r"x\.json: holds no parbench benchmarks"):
        results.from_json({"benchmarks": [{"name": "other", "stats": {}}]}, "x.json")


def test_a_significant_but_tiny_difference_is_not_called() -> None:
    [found] = judge(
        entry("factorial", "serial", 0.00100, rounds=200, spread=0.001),
        entry("factorial", "processes", 0.00102, workers=2, rounds=200, spread=0.001),
    )
    assert found.rows[-1].p_value < 0.001
    assert found.rows[-1].versus_serial == verdict.UNCLEAR


def test_start_methods_are_named_where_several_were_measured() -> None:
    [found] = judge(
        entry("sleep", "serial", 0.8, kind="io"),
        entry("sleep", "processes", 0.2, workers=4, kind="io"),
        entry("sleep", "processes", 0.21, workers=4, kind="io", start_method="spawn"),
    )
    assert [row.label for row in found.rows[:2]] == ["processes x4 fork", "processes x4 spawn"]
