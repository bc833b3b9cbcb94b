"""Right answers beside a noisy neighbour: a CPU hog that switches on and off mid-run.

The failure this guards against was seen on a shared 16-CPU machine: a disturbed serial
baseline made work that holds the GIL look as if threads ran it in parallel, and printed
efficiencies above 100% as facts. Here the neighbour is made on purpose, bounded in time
and always stopped; the suite must still classify both workloads right (by what they do,
not what they declare), make no claim its interval does not back, never call threads
faster on work that holds the GIL, and print no figure that physics rules out.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from test_suite_runs import RUN_TIMEOUT_S, passed, run_suite

from parbench.analysis import verdict
from parbench.data import results
from parbench.measure import machine
from parbench.report import labels, render

# A run recorded by the test below, beside its neighbour switching on and off on both CPUs
# of a 2-core VM that five other people's work kept busy besides.
RECORDED = Path(__file__).parent / "data" / "noisy_neighbour_run.json"

# Each hog process spins for ON seconds, sleeps for OFF seconds, and exits by itself
# after LIMIT seconds even if nothing stops it.
HOG = """
import os, sys, time
cpus, on, off, limit = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
end = time.monotonic() + limit
for _ in range(cpus - 1):
    if os.fork() == 0:
        break
while time.monotonic() < end:
    until = time.monotonic() + on
    while time.monotonic() < until:
        pass
    time.sleep(off)
"""

# Holds the GIL all the time, yet declares itself I/O-bound.
BUSY_DECLARED_IO = """
KIND = "io"
def tasks(size):
    return [30_000 + i for i in range(16)]
def run(n):
    total = 0
    for i in range(n):
        total += i * i
    return total
def check(tasks, results):
    assert results == [(n - 1) * n * (2 * n - 1) // 6 for n in tasks]
"""

# Only waits, yet declares itself CPU-bound.
SLEEPY_DECLARED_CPU = """
import time
KIND = "cpu"
def tasks(size):
    return list(range(16))
def run(n):
    time.sleep(0.004)
    return n
def check(tasks, results):
    assert results == tasks
"""


@contextlib.contextmanager
def noisy_neighbour(cpus: int, on: float, off: float, limit: float) -> Iterator[None]:
    """``cpus`` processes that each keep a CPU busy ``on`` seconds out of every
    ``on + off``, for at most ``limit`` seconds; all of them killed when the block ends."""
    hog = subprocess.Popen(
        [sys.executable, "-c", HOG, str(cpus), str(on), str(off), str(limit)],
        start_new_session=True,
    )
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(hog.pid, signal.SIGKILL)
        hog.wait()


def assert_right_beside_a_neighbour(found: dict[str, verdict.WorkloadVerdict]) -> None:
    """The GIL-holding module declared I/O-bound is CPU-bound, never helped by threads;
    the sleeping module declared CPU-bound is I/O-bound; every claim is what its
    interval says; no figure beyond physics is a fact; a line to paste only where the
    answer is decided."""
    busy = found["busy_io"]
    assert busy.work == "cpu" and not (busy.gil and busy.gil.parallel), busy
    assert render.sentence(busy).startswith(f"busy_io ({labels.kind(busy)}; declared I/O-bound)")
    # Its threads hold the GIL: a thread pool beating serial could only be the neighbour.
    threads = [r for r in busy.rows if r.measurement.strategy == "threads"]
    assert threads and all(r.versus_serial != verdict.FASTER for r in threads), busy
    assert labels.kind(found["sleepy_cpu"]) == "I/O-bound"
    for v in found.values():
        for row in v.rows:
            if row.is_baseline:
                continue
            # Every speedup printed is one physics allows, judged from the case alone:
            # no more than its workers with tasks, nor on CPU work than the usable CPUs.
            printed = render.cells(row)[render.COLUMNS.index("speedup")]
            m = row.measurement
            allowed = min(m.workers, m.tasks, m.usable_cpus if v.work == "cpu" else m.tasks)
            assert printed == "-" or float(printed.rstrip("x")) <= allowed * 1.005, printed
            if row.interval is not None and row.versus_serial == verdict.FASTER:
                assert row.interval[0] > 1
            if row.interval is not None and row.versus_serial == verdict.SLOWER:
                assert row.interval[1] < 1
        assert (render.use_line(v) is not None) == v.answer.decided


def test_a_recorded_disturbed_run_is_judged_right() -> None:
    run = results.load(str(RECORDED))
    found = {v.workload: v for v in verdict.judge(run.measurements)}
    assert_right_beside_a_neighbour(found)
    # Every case carries serial's rounds, taken beside its own under the same neighbour.
    assert all(m.serial_rounds for m in run.measurements if m.strategy != "serial")


def test_classification_and_claims_hold_beside_a_noisy_neighbour(tmp_path: Path) -> None:
    (tmp_path / "busy_io.py").write_text(BUSY_DECLARED_IO)
    (tmp_path / "sleepy_cpu.py").write_text(SLEEPY_DECLARED_CPU)
    saved = tmp_path / "run.json"
    cpus = max(1, round(machine.detect().usable_cpus))
    with noisy_neighbour(cpus, on=0.3, off=0.2, limit=RUN_TIMEOUT_S):
        result = run_suite(
            "--benchmark-only",
            f"--parbench-workloads={tmp_path / 'busy_io.py'},{tmp_path / 'sleepy_cpu.py'}",
            "--parbench-strategies=serial,threads,processes",
            "--benchmark-min-rounds=5",
            "--benchmark-max-time=0.1",
            "--parbench-budget=6s",
            f"--benchmark-json={saved}",
            tmp_path=tmp_path,
        )
    passed(result)
    run = results.load(str(saved))
    found = {v.workload: v for v in verdict.judge(run.measurements)}

    assert_right_beside_a_neighbour(found)
    paired = [m for m in run.measurements if m.strategy != "serial"]
    assert all(len(m.serial_rounds) == len(m.rounds) >= 3 for m in paired)

    # The matrix followed what each module does, not what it declares.
    workers = {
        name: max(m.workers for m in run.measurements if m.workload == name)
        for name in ("busy_io", "sleepy_cpu")
    }
    assert workers == {"busy_io": cpus, "sleepy_cpu": 16}
    assert re.search(r"probe .*sleepy_cpu \d% io \(declared 'cpu'\)", result.stdout)
    assert re.search(r"probe .*busy_io \d+% cpu \(declared 'io'\)", result.stdout)

    # No figure beyond physics is printed as a fact in the summary either.
    percents = [int(p) for p in re.findall(r"\((\d+)% of ideal\)", result.stdout)]
    assert all(p <= 100 for p in percents), percents
