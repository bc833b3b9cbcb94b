"""Small builders shared by the tests."""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import psutil
import pytest

from parbench import strategies
from parbench.contract import workload
from parbench.data import record
from parbench.measure import leftovers
from parbench.measure.matrix import Case, count_tasks
from parbench.strategies.interpreters import _unavailable as interpreters_unavailable

SUITE_ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")
DEFAULT_SPREAD = 0.01

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


#: A terminal this wide wraps none of parbench's summary (its longest lines are about 400
#: characters): a test finds each line whole.
WIDE_COLUMNS = 1000


def run_pytest(
    python: Path | str,
    folder: Path,
    arguments: Sequence[str],
    scratch: Path,
    timeout: float,
    columns: int = WIDE_COLUMNS,
) -> subprocess.CompletedProcess:
    """``python -m pytest ARGUMENTS`` in ``folder`` as a user runs it: its temporary files
    in ``scratch``, its terminal ``columns`` wide, with none of the calling test run's
    xdist or pytest settings."""
    scratch.mkdir(exist_ok=True)
    environment = {**os.environ, "TMPDIR": str(scratch), "COLUMNS": str(columns)}
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
        task_count=count_tasks(loaded, size),
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
    spread: float = DEFAULT_SPREAD,
    kind: str = "cpu",
    tasks: int = 16,
    chunksize: int = 1,
    chunk_policy: str | None = None,
    start_method: str | None = None,
    size: int = 1,
    pool: str = "warm",
    cpu_share: float | None = None,
    gil_enabled: bool = True,
    cpu_per_wall: float | None = None,
    busy_rounds: Sequence[float] | None = None,
    runnable_per_wall: float | None = None,
    wait_share: float | None = None,
    cpu_per_unqueued_wall: float | None = None,
    others_per_wall: float | None = None,
    baseline_pass: str | None = None,
    probed_kind: str | None = None,
    granularity: str | None = None,
    serial_rounds: Sequence[float] | None = None,
    stopped: str | None = None,
    budget_s: float | None = None,
    workload_budget_s: float | None = None,
    source_hash: str | None = None,
    memory: tuple[int, int, int] | None = None,
) -> dict:
    """One entry of a pytest-benchmark JSON file, as parbench's plugin records it (through
    the saved format's writer, ``parbench.data.record``; the run-wide facts are
    ``run_document``'s).

    Its rounds spread evenly by ``spread`` (a fraction) around ``median``; serial spends
    ``cpu_share`` of its time on the CPU (by default all of it for CPU work, 1% for I/O).
    Serial's ``cpu_per_wall`` is that share unless given; with ``busy_rounds`` (the CPUs
    kept busy in each sampled round), their median unless given. A case other than serial holds
    ``serial_rounds`` paired with its own where given; ``pair_with_serial`` (which
    ``run_document`` calls) fills in the others from its workload's serial entry.
    ``memory``: its process tree's peak resident bytes, footprint bytes and processes.
    """
    data = spread_rounds(median, rounds, spread)
    if cpu_share is None:
        cpu_share = 0.01 if kind == "io" else 1.0
    if busy_rounds is not None and cpu_per_wall is None:
        cpu_per_wall = statistics.median(busy_rounds)
    if strategy == "serial":
        cpu_per_wall = cpu_share if cpu_per_wall is None else cpu_per_wall
        baseline_pass = baseline_pass or "before"
    if strategy == "processes":
        start_method = start_method or "fork"
    name = f"{workload}-x{size}-{strategy}" + (f"-{workers}w" if strategy != "serial" else "")
    name += f"-{start_method}" if start_method not in (None, "fork") else ""
    name += f"-chunk{chunksize}" if strategy == "processes" else ""
    name += "-cold" if pool == "cold" else ""
    info = record.benchmark_info(
        workload=workload,
        kind=kind,
        size=size,
        size_preset="default",
        tasks=tasks,
        strategy=strategy,
        workers=workers,
        chunksize=chunksize,
        chunked=strategy == "processes",
        chunk_policy=chunk_policy or ("1" if chunksize == 1 else "auto"),
        start_method=start_method,
        pool=pool,
        probed_kind=probed_kind or kind,
        baseline_pass=baseline_pass,
        granularity=granularity,
        workload_source_hash=source_hash,
        gil_enabled=gil_enabled,
        min_rounds=rounds,
        max_time_s=1.0,
        network_overhead_wall_s=None,
        network_overhead_cpu_s=None,
    )
    info.update(
        record.measured(
            cpu_seconds_main_process=median * cpu_share if strategy == "serial" else 0.0,
            cpu_per_wall=cpu_per_wall,
            cpu_per_wall_rounds=None if busy_rounds is None else list(busy_rounds),
            runnable_per_wall=runnable_per_wall,
            wait_share=wait_share,
            cpu_per_unqueued_wall=cpu_per_unqueued_wall,
            others_per_wall=others_per_wall,
            serial_rounds=None if serial_rounds is None else list(serial_rounds),
            stopped=stopped if strategy != "serial" else None,
            budget_s=budget_s,
            workload_budget_s=workload_budget_s,
            rounds_checked=rounds + 1,
            memory_resident_bytes=memory and memory[0],
            memory_footprint_bytes=memory and memory[1],
            memory_processes=memory and memory[2],
        )
    )
    return {
        "group": f"{workload} x1",
        "name": f"test_batch[{name}]",
        "fullname": f"benchmarks/test_matrix.py::test_batch[{name}]",
        "param": name,
        "params": {"parbench_case": name},
        "stats": {"median": median, "rounds": rounds, "data": data},
        "extra_info": info,
    }


def spread_rounds(median: float, rounds: int, spread: float) -> list[float]:
    """``rounds`` times spread evenly by ``spread`` (a fraction) around ``median``."""
    return [median * (1 + spread * (2 * i / max(rounds - 1, 1) - 1)) for i in range(rounds)]


def pair_with_serial(entries: Sequence[dict]) -> list[dict]:
    """``entries``, each case without serial rounds given its workload's: one beside each
    of its rounds, at the ratio of serial's median to its own. Where its rounds spread by
    ``DEFAULT_SPREAD``, exactly (its speedup is that ratio, its interval that one value);
    where they spread more, each pair's ratio is off by as much, alternately up and down."""
    serial = {
        (e["extra_info"]["workload"], e["extra_info"]["size"]): e
        for e in entries
        if e["extra_info"]["strategy"] == "serial"
    }
    for e in entries:
        info = e["extra_info"]
        key = (info["workload"], info["size"])
        data = e["stats"].get("data")
        if info["strategy"] == "serial" or info.get("serial_rounds") or key not in serial:
            continue
        if data is None:
            continue
        ratio = serial[key]["stats"]["median"] / e["stats"]["median"]
        spread = (max(data) - min(data)) / (max(data) + min(data))
        if spread <= DEFAULT_SPREAD * 1.001:
            info["serial_rounds"] = [_times(ratio, round_s) for round_s in data]
        else:
            # Each pair's ratio off serial's by as much as the rounds spread, both ways.
            offsets = [spread * (1 if i % 2 else -1) for i in range(len(data))]
            info["serial_rounds"] = [
                ratio * round_s * math.exp(o) for round_s, o in zip(data, offsets, strict=True)
            ]
        info["stopped"] = info.get("stopped") or "settled"
    return list(entries)


def _times(ratio: float, value: float) -> float:
    """A number whose quotient by ``value`` is ``ratio`` exactly, as floats divide."""
    found = ratio * value
    for _ in range(8):
        if found / value == ratio:
            break
        found = math.nextafter(found, math.inf if found / value < ratio else -math.inf)
    return found


def run_facts(
    *,
    python_version: str = "3.11.7",
    latency_s: float = 0.05,
    usable_cpus: float = 2,
    logical_cpus: int | None = None,
    physical_cores: int | None = None,
) -> dict:
    """A run's ``machine_info["parbench"]``, through the saved format's writer."""
    return record.run_info(
        python_implementation="CPython",
        python_version=python_version,
        free_threaded_build=False,
        platform="Linux-6.1-x86_64-with-glibc2.36",
        logical_cpus=logical_cpus or math.ceil(usable_cpus),
        physical_cores=physical_cores,
        usable_cpus=usable_cpus,
        usable_cores=min(usable_cpus, physical_cores or usable_cpus),
        cpu_quota=None,
        network="mock",
        latency_s=latency_s,
        body_bytes=200_000,
    )


def run_document(
    *entries: dict,
    node: str = "bench-host",
    complete: bool | None = True,
    failed: Sequence[str] = (),
    **facts: Any,
) -> dict:
    """A whole pytest-benchmark JSON document holding ``entries``, as parbench saves it;
    ``facts`` are ``run_facts``'s keywords.

    ``complete`` is what its ``parbench_run`` record says (``failed`` names the failures);
    ``None`` leaves the record out, as documents saved before it existed do.
    """
    python_version = facts.get("python_version", "3.11.7")
    document = {
        "machine_info": {
            "node": node,
            "python_version": python_version,
            record.RUN_FACTS_KEY: run_facts(**facts),
        },
        "commit_info": {},
        "benchmarks": pair_with_serial(entries),
        "datetime": "2026-11-25T00:00:00+00:00",
        "version": "5.2.3",
    }
    if complete is not None:
        document[record.RUN_KEY] = record.session_info(
            complete=complete, exit_status=0 if complete else 1, failed=list(failed)
        )
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


# Running the whole suite in a subprocess as a user would, and finding what it left.


def suite_process(
    tmp_path: Path, *arguments: str, fault: str = "", environment: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """Start ``pytest benchmarks`` in its own session, its processes marked for finding;
    ``environment``: variables to set beyond the test run's own."""
    marker = uuid.uuid4().hex
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    environment = {
        **os.environ,
        "TMPDIR": str(scratch),
        "PARBENCH_TEST_MARK": marker,
        "FAULT": fault,
        "COLUMNS": str(WIDE_COLUMNS),
        **(environment or {}),
    }
    environment.pop("PYTEST_XDIST_WORKER", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "benchmarks", "-p", "no:cacheprovider", *arguments],
        cwd=SUITE_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return process, marker


def marked_processes(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"PARBENCH_TEST_MARK={marker}".encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def wait_gone(marker: str, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (alive := marked_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def listening_ports(marker: str) -> set[int]:
    """TCP ports on which the marked processes listen."""
    ports = set()
    for pid in marked_processes(marker):
        with contextlib.suppress(psutil.Error):
            ports |= {
                c.laddr.port
                for c in psutil.Process(pid).net_connections("tcp")
                if c.status == psutil.CONN_LISTEN
            }
    return ports


def wait_until(ready: Callable[[], T], seconds: float = 60) -> T:
    """The first truthy value of ``ready()``, or its last value after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not (value := ready()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return value


def output_of(process: subprocess.Popen) -> str:
    """What ``process`` printed, stopping it first if it still runs."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    return process.communicate(timeout=30)[0]


def refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@contextlib.contextmanager
def killed_at_the_end(process: subprocess.Popen, marker: str) -> Iterator[None]:
    """Kill ``process`` and whatever carries ``marker`` when the block ends, however it
    ends: its process group first, so that it starts nothing new meanwhile."""
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        for pid in marked_processes(marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=30)


def started_since(before: leftovers.Snapshot) -> list[str]:
    """Threads, processes and sockets of this process that ``before`` did not have
    (``leftovers.added`` less the machine-wide temporary folders other runs make)."""
    after = leftovers.snapshot()
    return leftovers.added(before, replace(after, temporary=before.temporary))
