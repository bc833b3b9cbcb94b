"""The benchmark suite itself, run as a user runs it, on small matrices in a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from parbench.contract import workload
from parbench.data import record
from parbench.strategies import all_strategies, skip_reason

from helpers import SUITE_ROOT, WIDE_COLUMNS, run_pytest

RUN_TIMEOUT_S = 240
CLEAN = "clean-up: no threads, child processes, sockets or temporary folders left"


def run_suite(*arguments: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """``pytest benchmarks ARGUMENTS`` from the project root, its temp files in ``tmp_path``."""
    return run_pytest(
        sys.executable, SUITE_ROOT, ["benchmarks", *arguments], tmp_path / "tmp", RUN_TIMEOUT_S
    )


def passed(result: subprocess.CompletedProcess) -> int:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return int(re.search(r"(\d+) passed", result.stdout).group(1))


def test_quick_matrix_runs_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    # Every strategy of the default run, on every default workload at its quick size (a
    # quick run alone measures only the article's strategies).
    default = [s.name for s in all_strategies().values() if s.in_default_run]
    result = run_suite(
        "--parbench-quick",
        f"--parbench-strategies={','.join(default)}",
        "--benchmark-disable",
        "-v",
        tmp_path=tmp_path,
    )
    ran = re.findall(r"test_batch\[(\w+)-x\d+-(\w+)[^\]]*\] PASSED", result.stdout)
    assert passed(result) == len(ran)
    runnable = {
        (name, strategy.name)
        for name in workload.default_names()
        for strategy in all_strategies().values()
        if strategy.in_default_run and skip_reason(strategy, workload.load(name)) is None
    }
    assert set(ran) == runnable
    assert CLEAN in result.stdout
    assert list((tmp_path / "tmp").iterdir()) == []


def test_measured_run_records_everything_and_threads_beat_serial_on_sleep(
    tmp_path: Path,
) -> None:
    saved = tmp_path / "run.json"
    result = run_suite(
        "--benchmark-only",
        "--parbench-workloads=sleep",
        "--parbench-strategies=serial,threads",
        "--parbench-workers=16",
        "--benchmark-min-rounds=4",
        "--benchmark-max-time=0.05",
        f"--benchmark-json={saved}",
        tmp_path=tmp_path,
    )
    assert passed(result) == 3
    # sleep routes no URL: the network's own cost is neither measured nor reported.
    assert "network (mock)" not in result.stdout
    assert "peak memory:" in result.stdout
    # Warm and cold pools of 16 threads are within noise of each other: either may win,
    # or they tie.
    assert re.search(
        r"sleep \(I/O-bound\): threads x16( cold)? (fastest|and threads x16( cold)? tie)",
        result.stdout,
    )
    # The saved JSON alone rebuilds the same verdicts as the end-of-run summary, wrapped
    # to a terminal as wide.
    report = subprocess.run(
        [sys.executable, "-m", "parbench.report.cli", "report", str(saved)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": str(WIDE_COLUMNS)},
    ).stdout
    assert report.strip() and report.strip() in result.stdout
    document = json.loads(saved.read_text())
    benchmarks = {b["param"]: b for b in document["benchmarks"]}
    assert set(benchmarks) == {
        "sleep-x16-serial",
        "sleep-x16-threads-16w",
        "sleep-x16-threads-16w-cold",
    }
    # Every key of the saved format is written: the run's facts once, in machine_info.
    for entry in benchmarks.values():
        assert set(entry["extra_info"]) == {record.SCHEMA_KEY, *record.BENCHMARK_FIELDS}
    facts = document["machine_info"][record.RUN_FACTS_KEY]
    assert set(facts) == {record.SCHEMA_KEY, *record.RUN_FIELDS}
    assert (facts["network"], facts["latency_s"]) == ("mock", 0.05)
    info = benchmarks["sleep-x16-threads-16w"]["extra_info"]
    assert info["workload_source_hash"] == workload.load("sleep").source_hash
    assert info["probed_kind"] == "io" and info["cpu_per_wall"] < 0.5
    passes = [b["extra_info"]["baseline_pass"] for n, b in benchmarks.items() if "serial" in n]
    assert passes == ["before"]
    # Every round of a case has serial's beside it.
    assert len(info["serial_rounds"]) == benchmarks["sleep-x16-threads-16w"]["stats"]["rounds"]
    assert (info["workload"], info["strategy"], info["workers"], info["tasks"]) == (
        "sleep",
        "threads",
        16,
        16,
    )
    assert benchmarks["sleep-x16-threads-16w-cold"]["extra_info"]["pool"] == "cold"
    assert {b["group"] for b in benchmarks.values()} == {"sleep x16"}
    assert info["rounds_checked"] == benchmarks["sleep-x16-threads-16w"]["stats"]["rounds"] + 1
    serial = benchmarks["sleep-x16-serial"]["stats"]["median"]
    threads = benchmarks["sleep-x16-threads-16w"]["stats"]["median"]
    # Sixteen 50 ms sleeps: serial waits 0.8 s, sixteen threads about 0.05 s.
    assert serial / threads >= 4


def test_live_network_under_spawned_processes(tmp_path: Path) -> None:
    result = run_suite(
        "--benchmark-disable",
        "--parbench-network=live",
        "--parbench-workloads=download",
        "--parbench-strategies=processes",
        "--parbench-workers=4",
        "--parbench-start-method=spawn",
        "--parbench-latency=5ms",
        tmp_path=tmp_path,
    )
    assert passed(result) == 2
    assert CLEAN in result.stdout
    assert "network=live" in result.stdout


def test_a_users_workload_file_runs_through_the_matrix(tmp_path: Path) -> None:
    source = tmp_path / "user_cubes.py"
    source.write_text(
        "KIND = 'cpu'\nSIZES = {'quick': 5}\n"
        "def tasks(size):\n    return list(range(size))\n"
        # About a millisecond of Python a task, so that the probe finds CPU work even on
        # a busy machine, where microseconds of work are mostly the run's own overhead.
        "def run(n):\n    return sum(i * i for i in range(50_000)) + n ** 3\n"
        "def check(tasks, results):\n"
        "    total = sum(i * i for i in range(50_000))\n"
        "    assert results == [total + n ** 3 for n in tasks], results\n"
    )
    result = run_suite(
        "--benchmark-disable",
        "--parbench-quick",
        f"--parbench-workloads={source}",
        "--parbench-start-method=spawn",
        "-v",
        tmp_path=tmp_path,
    )
    assert passed(result) == 3  # serial, threads and processes: --parbench-quick has no cold pools
    # Named by the size its preset gives: the batch grows only once the probe finds CPU work.
    assert "user_cubes-x5-processes-2w-spawn-chunk1] PASSED" in result.stdout
    # The slots of work that waits are skipped: the probe found CPU work.
    assert "user_cubes-x5-threads-4w] SKIPPED" in result.stdout


def test_a_wrong_result_fails_the_benchmark(tmp_path: Path) -> None:
    source = tmp_path / "user_wrong.py"
    source.write_text(
        "KIND = 'cpu'\n"
        "def tasks(size):\n    return [1, 2, 3]\n"
        "def run(n):\n    return n + 1\n"
        "def check(tasks, results):\n"
        "    assert results == tasks, 'off by one'\n"
    )
    result = run_suite(
        "--benchmark-disable",
        f"--parbench-workloads={source}",
        "--parbench-strategies=serial",
        tmp_path=tmp_path,
    )
    assert result.returncode == 1
    assert "user_wrong under user_wrong-x1-serial gave wrong results: off by one" in result.stdout


@pytest.mark.parametrize("flag", ["-n", "--numprocesses"])
def test_xdist_says_benchmarks_are_disabled(tmp_path: Path, flag: str) -> None:
    result = run_suite(
        flag,
        "2",
        "--parbench-workloads=factorial",
        "--parbench-strategies=serial",
        "--parbench-size=1",
        tmp_path=tmp_path,
    )
    assert passed(result) == 1
    assert "benchmarks were disabled: xdist (-n)" in result.stdout


def test_the_networks_own_cost_is_measured_when_a_workload_routes_urls(tmp_path: Path) -> None:
    result = run_suite(
        "--benchmark-only",
        "--parbench-workloads=download",
        "--parbench-strategies=serial",
        "--benchmark-min-rounds=1",
        "--benchmark-max-time=0.01",
        "--parbench-latency=5ms",
        tmp_path=tmp_path,
    )
    passed(result)
    assert re.search(
        r"network \(mock\): each request costs [\d.]+ ms beyond its 5 ms", result.stdout
    )
