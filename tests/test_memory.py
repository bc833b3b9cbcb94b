"""Memory per case: the process tree's peak, recorded untimed, saved and told."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

from parbench.analysis.verdict import judge
from parbench.data import results
from parbench.measure import memory
from parbench.report import render

from helpers import SUITE_ROOT, benchmark_entry, run_document, run_pytest

RUN_TIMEOUT_S = 240
MB = 1_000_000


def square(n: int) -> int:
    return n * n


def peak_of(executor: Executor) -> memory.Peak:
    # Processes that other tests in this worker left running (a resource tracker) are
    # not this pool's.
    others = memory.present()
    with executor:
        # Every worker started before the watch, as in a warm pool after its warm-up.
        list(executor.map(square, range(8)))
        return memory.peak_while(lambda: list(executor.map(square, range(100))), others)


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork start method here"
)
def test_a_process_pool_tree_holds_its_workers_and_a_thread_pool_none() -> None:
    context = multiprocessing.get_context("fork")
    processes = peak_of(ProcessPoolExecutor(2, mp_context=context))
    threads = peak_of(ThreadPoolExecutor(2))

    assert threads.processes == 1
    assert processes.processes == 3
    # Resident memory counts what a worker shares with this process once per process: a
    # tree of three whole interpreters against one.
    assert processes.resident_bytes > 2 * threads.resident_bytes
    if threads.footprint_bytes is None:
        pytest.skip("this platform does not report unique memory")
    # One process: its footprint is its resident memory.
    assert threads.footprint_bytes == threads.resident_bytes
    # A forked worker shares most of its pages with this process; what it holds alone is
    # more than nothing and less than the whole of it.
    own = psutil.Process(os.getpid()).memory_info().rss
    assert own < processes.footprint_bytes < processes.resident_bytes


def test_processes_there_before_a_case_are_not_its_own() -> None:
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, mp_context=context) as bystander:
        bystander.submit(square, 2).result()
        threads = peak_of(ThreadPoolExecutor(2))
        own = psutil.Process(os.getpid())
        assert memory.sample(own).processes >= 2
    assert threads.processes == 1


def test_a_process_that_ends_while_sampled_is_left_out() -> None:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as executor:
        executor.submit(square, 2).result()
        worker = next(iter(executor._processes.values()))
        own = psutil.Process(os.getpid())
        before = memory.sample(own)
        worker.kill()
        worker.join(10)
        after = memory.sample(own)
    assert before.processes >= 2
    assert after.processes < before.processes


def saved_case(strategy: str, workers: int, footprint: int, resident: int, processes: int) -> dict:
    return benchmark_entry(
        "sleep",
        strategy,
        0.8 / workers,
        workers=workers,
        kind="io",
        memory=(resident, footprint, processes),
    )


def test_the_verdict_and_the_table_say_what_each_strategy_cost() -> None:
    run = results.from_json(
        run_document(
            saved_case("serial", 1, 60 * MB, 60 * MB, 1),
            saved_case("threads", 2, 62 * MB, 62 * MB, 1),
            saved_case("processes", 2, 242 * MB, 400 * MB, 3),
        ),
        "run.json",
    )
    (verdict,) = judge(run.measurements)

    assert (
        "memory: processes x2 used 180 MB more than threads x2 (242 MB against 62 MB; serial "
        "60 MB), at the peak of their process trees"
    ) in render.notes(verdict)
    text = render.render([verdict])
    (header,) = [line for line in text.splitlines() if line.split()[:2] == ["case", "median"]]
    assert "memory" in header.split()
    assert "242 MB" in text and "62 MB" in text
    (record,) = [
        r
        for r in json.loads(render.render([verdict], "json"))[0]["workloads"][0]["rows"]
        if r["strategy"] == "processes"
    ]
    assert (record["memory_footprint_bytes"], record["memory_processes"]) == (242 * MB, 3)


def test_strategies_that_cost_alike_get_no_memory_note() -> None:
    run = results.from_json(
        run_document(
            saved_case("serial", 1, 60 * MB, 60 * MB, 1),
            saved_case("threads", 2, 61 * MB, 61 * MB, 1),
            saved_case("processes", 2, 63 * MB, 180 * MB, 3),
        ),
        "run.json",
    )
    (verdict,) = judge(run.measurements)
    assert not any(note.startswith("memory:") for note in render.notes(verdict))


def test_a_run_saved_before_memory_was_recorded_still_reads() -> None:
    # A run of schema 2, saved before memory was recorded.
    document = json.loads((SUITE_ROOT / "tests" / "data" / "schema2_run.json").read_text())
    document["benchmarks"] = document["benchmarks"][:1]
    for key in ("memory_resident_bytes", "memory_footprint_bytes", "memory_processes"):
        del document["benchmarks"][0]["extra_info"][key]
    run = results.from_json(document, "old.json")
    (m,) = run.measurements
    assert (m.memory_resident_bytes, m.memory_footprint_bytes, m.memory_processes) == (None,) * 3
    assert "-" in render.render(judge(run.measurements)).splitlines()[-1].split()


@pytest.mark.timeout(RUN_TIMEOUT_S)
def test_every_measured_case_records_its_process_tree_and_the_run_writes_its_page(
    tmp_path: Path,
) -> None:
    saved, page = tmp_path / "run.json", tmp_path / "page.html"
    result = run_pytest(
        sys.executable,
        SUITE_ROOT,
        [
            "benchmarks",
            "--benchmark-only",
            "--parbench-workloads=sleep",
            "--parbench-strategies=serial,threads,processes",
            "--parbench-workers=2",
            "--parbench-start-method=fork",
            "--benchmark-min-rounds=2",
            "--benchmark-max-time=0.01",
            f"--benchmark-json={saved}",
            f"--parbench-html={page}",
        ],
        tmp_path / "tmp",
        RUN_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    run = results.read(saved)
    warm = {m.strategy: m for m in run.measurements if m.pool == "warm"}

    assert all(m.memory_resident_bytes for m in run.measurements)
    assert (warm["serial"].memory_processes, warm["threads"].memory_processes) == (1, 1)
    assert warm["processes"].memory_processes == 3
    assert warm["processes"].memory_resident_bytes > 2 * warm["threads"].memory_resident_bytes
    # The page of the run, written at its end, from the same data.
    assert f"report page: {page}" in result.stdout
    text = page.read_text()
    assert "sleep (I/O-bound)" in text and "<th>memory</th>" in text
