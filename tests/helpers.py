"""Small builders shared by the tests."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from parbench import leftovers, results, strategies, workload
from parbench.matrix import Case, task_count
from parbench.strategies.interpreters import _unavailable as interpreters_unavailable

SUITE_ROOT = Path(__file__).resolve().parent.parent

#: A workload whose task 3 fails as the environment's FAULT says: by raising (unset),
#: by ending its process (exit) or by never returning (hang).
FAULTY = """
import os, time
KIND = "cpu"
def tasks(size):
    return list(range(6))
def run(n):
    if n == 3:
        if os.environ.get("FAULT") == "exit":
            os._exit(7)
        if os.environ.get("FAULT") == "hang":
            time.sleep(60)
        raise ValueError(f"task {n} is broken")
    return n
"""

#: (strategy, make_case keywords) for a workload's results under every kind of pool.
POOLS = [
    ("serial", {}),
    ("threads", {"workers": 3}),
    ("processes", {"workers": 2, "start_method": "fork"}),
    ("processes", {"workers": 2, "start_method": "spawn", "chunksize": 3}),
    pytest.param(
        "interpreters",
        {"workers": 2},
        marks=pytest.mark.skipif(
            interpreters_unavailable() is not None, reason="no working sub-interpreter pool here"
        ),
    ),
]


def run_pytest(
    python: Path | str, folder: Path, arguments: Sequence[str], scratch: Path, timeout: float
) -> subprocess.CompletedProcess:
    """``python -m pytest ARGUMENTS`` in ``folder`` as a user runs it: its temporary files
    in ``scratch``, with none of the calling test run's xdist or pytest settings."""
    scratch.mkdir(exist_ok=True)
    environment = {**os.environ, "TMPDIR": str(scratch)}
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS", "PYTHONPATH"):
        environment.pop(name, None)
    return subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", *arguments],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def make_case(
    name: str | workload.Workload,
    strategy: str,
    *,
    workers: int = 2,
    size: int | None = None,
    start_method: str | None = None,
    chunksize: int = 1,
    cold: bool = False,
) -> Case:
    """A case of workload ``name`` (or a loaded one) at its quick size (or ``size``) under
    ``strategy``."""
    loaded = workload.load(name) if isinstance(name, str) else name
    size = loaded.size("quick") if size is None else size
    return Case(
        workload=loaded,
        size=size,
        size_preset=str(size),
        tasks=task_count(loaded, size),
        strategy=strategies.all_strategies()[strategy],
        workers=workers,
        chunksize=chunksize,
        chunk_policy=str(chunksize),
        start_method=start_method,
        cold=cold,
    )


def benchmark_entry(
    workload: str,
    strategy: str,
    median: float,
    *,
    workers: int = 1,
    rounds: int = 8,
    spread: float = 0.01,
    kind: str = "cpu",
    tasks: int = 16,
    chunksize: int = 1,
    chunk_policy: str | None = None,
    start_method: str | None = None,
    size: int = 1,
    pool: str = "warm",
    cpu_share: float | None = None,
    python_version: str = "3.11.7",
    gil_enabled: bool = True,
    latency_s: float = 0.05,
    usable_cpus: float = 2,
    logical_cpus: int | None = None,
    physical_cores: int | None = None,
    cpu_per_wall: float | None = None,
    runnable_per_wall: float | None = None,
    wait_share: float | None = None,
    cpu_per_unqueued_wall: float | None = None,
    others_per_wall: float | None = None,
    reference_loop_s: float | None = None,
    baseline_pass: str | None = None,
    probed_kind: str | None = None,
    granularity: str | None = None,
) -> dict:
    """One entry of a pytest-benchmark JSON file, as parbench's plugin records it.

    Its rounds spread evenly by ``spread`` (a fraction) around ``median``; serial spends
    ``cpu_share`` of its time on the CPU (by default all of it for CPU work, 1% for I/O).
    Serial's ``cpu_per_wall`` is that share unless given; a serial case is the ``before``
    pass unless ``baseline_pass`` says otherwise.
    """
    data = [median * (1 + spread * (2 * i / max(rounds - 1, 1) - 1)) for i in range(rounds)]
    if cpu_share is None:
        cpu_share = 0.01 if kind == "io" else 1.0
    if strategy == "serial":
        cpu_per_wall = cpu_share if cpu_per_wall is None else cpu_per_wall
        baseline_pass = baseline_pass or "before"
    if strategy == "processes":
        start_method = start_method or "fork"
    name = f"{workload}-x{size}-{strategy}" + (f"-{workers}w" if strategy != "serial" else "")
    name += f"-{start_method}" if start_method not in (None, "fork") else ""
    name += f"-chunk{chunksize}" if strategy == "processes" else ""
    name += "-cold" if pool == "cold" else ""
    name += "-after" if baseline_pass == "after" else ""
    return {
        "group": f"{workload} x1",
        "name": f"test_batch[{name}]",
        "fullname": f"benchmarks/test_matrix.py::test_batch[{name}]",
        "param": name,
        "params": {"parbench_case": name},
        "stats": {"median": median, "rounds": rounds, "data": data},
        "extra_info": {
            "schema": results.SCHEMA,
            "workload": workload,
            "kind": kind,
            "size": size,
            "size_preset": "default",
            "tasks": tasks,
            "strategy": strategy,
            "workers": workers,
            "chunksize": chunksize,
            "chunked": strategy == "processes",
            "chunk_policy": chunk_policy or ("1" if chunksize == 1 else "auto"),
            "start_method": start_method,
            "pool": pool,
            "network": "mock",
            "latency_s": latency_s,
            "body_bytes": 200_000,
            "cpu_seconds_main_process": median * cpu_share if strategy == "serial" else 0.0,
            "python_version": python_version,
            "python_implementation": "CPython",
            "gil_enabled": gil_enabled,
            "cpu_count": logical_cpus or usable_cpus,
            "usable_cpus": usable_cpus,
            "logical_cpus": logical_cpus or usable_cpus,
            "physical_cores": physical_cores,
            "usable_cores": min(usable_cpus, physical_cores or usable_cpus),
            "cpu_quota": None,
            "probed_kind": probed_kind or kind,
            "cpu_per_wall": cpu_per_wall,
            "runnable_per_wall": runnable_per_wall,
            "wait_share": wait_share,
            "cpu_per_unqueued_wall": cpu_per_unqueued_wall,
            "others_per_wall": others_per_wall,
            "reference_loop_s": reference_loop_s,
            "baseline_pass": baseline_pass,
            "granularity": granularity,
        },
    }


def run_document(
    *entries: dict,
    node: str = "bench-host",
    complete: bool | None = True,
    failed: Sequence[str] = (),
) -> dict:
    """A whole pytest-benchmark JSON document holding ``entries``, as parbench saves it.

    ``complete`` is what its ``parbench_run`` record says (``failed`` names the failures);
    ``None`` leaves the record out, as documents saved before it existed do.
    """
    document = {
        "machine_info": {"node": node, "python_version": "3.11.7"},
        "commit_info": {},
        "benchmarks": list(entries),
        "datetime": "2026-11-25T00:00:00+00:00",
        "version": "5.2.3",
    }
    if complete is not None:
        document[results.RUN_KEY] = {
            "complete": complete,
            "exit_status": 0 if complete else 1,
            "failed": list(failed),
        }
    return document


def long_run_document(rounds: int, workloads: int = 5) -> dict:
    """A run as a fast workload under a long ``--benchmark-max-time`` saves it: ``workloads``
    CPU workloads of 12 cases each (serial; threads and processes at 1 to 16 workers;
    threads x16 cold), every case with ``rounds`` rounds."""
    entries = []
    for index in range(workloads):
        name = f"fast{index}"
        entries.append(benchmark_entry(name, "serial", 0.001, rounds=rounds))
        for workers in (1, 2, 4, 8, 16):
            threads = 0.001 * (1 + 0.05 * workers)
            processes = 0.001 / min(workers, 2) * 1.1
            entries.append(
                benchmark_entry(name, "threads", threads, workers=workers, rounds=rounds)
            )
            entries.append(
                benchmark_entry(name, "processes", processes, workers=workers, rounds=rounds)
            )
        entries.append(
            benchmark_entry(name, "threads", 0.002, workers=16, rounds=rounds, pool="cold")
        )
    return run_document(*entries)


def assert_no_children(within: float = 10.0, besides: Sequence[object] = ()) -> None:
    """No child process is left, but those ``besides``, allowing the system ``within``
    seconds to reap any."""

    def left() -> list[object]:
        return [child for child in multiprocessing.active_children() if child not in besides]

    deadline = time.monotonic() + within
    while left() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left() == []


def started_since(before: leftovers.Snapshot) -> list[str]:
    """Threads, processes and sockets of this process that ``before`` did not have
    (``leftovers.added`` less the machine-wide temporary folders other runs make)."""
    after = leftovers.snapshot()
    return leftovers.added(before, replace(after, temporary=before.temporary))
