"""CPUs kept busy and CPUs wanted: physics that holds on a busy machine too.

Each assertion is one that physics makes certain whatever else the machine runs: work
holding the GIL never keeps much more than one CPU busy; threads that release it each
want a CPU all the time, whether or not they get one; sleeping wants none.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from test_noise import noisy_neighbour

from parbench.analysis import verdict
from parbench.measure import cpustat, machine

BUFFER = b"x" * (4 << 20)
schedstat = pytest.mark.skipif(
    not Path("/proc/self/schedstat").exists(), reason="run-queue waits need Linux schedstat"
)


def hash_buffer(_: int) -> str:
    return hashlib.sha256(BUFFER).hexdigest()


def python_loop(_: int) -> int:
    total = 0
    for i in range(200_000):
        total += i
    return total


def measured(function, workers: int, tasks: int) -> cpustat.Usage:
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(function, range(workers)))  # start the threads
        tree = cpustat.Tree()
        before = tree.sample()
        list(pool.map(function, range(tasks)))
        return cpustat.usage(before, tree.sample())


def test_work_that_holds_the_gil_keeps_one_cpu_busy_at_most() -> None:
    used = measured(python_loop, workers=4, tasks=16)
    assert used.busy < 1.2


def tiny_task(n: int) -> int:
    return math.factorial(10 + n % 5 * 10)


@pytest.mark.parametrize(
    ("function", "workers", "tasks"), [(python_loop, 2, 4), (tiny_task, 16, 10_000)]
)
def test_threads_that_hold_the_gil_never_pass_one_cpu_in_a_round_beside_a_neighbour(
    function, workers: int, tasks: int
) -> None:
    # The premise of telling the GIL by single rounds: however the neighbour comes and
    # goes, no short round of threads holding the GIL keeps ROUND_PARALLEL CPUs busy,
    # not even with microsecond tasks whose hand-offs the kernel makes beside them.
    cpus = max(1, round(machine.detect().usable_cpus))
    with ThreadPoolExecutor(workers) as pool, noisy_neighbour(cpus, 0.3, 0.2, limit=30.0):
        list(pool.map(function, range(workers)))  # start the threads
        tree = cpustat.Tree(descendants=False)  # the neighbour is a child of this process
        busy = []
        for _ in range(12):
            before = tree.sample()
            list(pool.map(function, range(tasks)))
            busy.append(cpustat.usage(before, tree.sample()).busy)
    assert max(busy) < verdict.ROUND_PARALLEL, busy


@schedstat
def test_threads_that_release_the_gil_each_want_a_cpu() -> None:
    used = measured(hash_buffer, workers=4, tasks=32)
    assert used.wanted is not None and used.wanted > 2.5


def test_sleeping_wants_no_cpu() -> None:
    tree = cpustat.Tree(descendants=False)
    before = tree.sample()
    time.sleep(0.2)
    used = cpustat.usage(before, tree.sample())
    assert used.busy < 0.1
    assert used.wanted is None or used.wanted < 0.1


def test_a_thread_seen_only_at_the_end_counts_whole_and_one_gone_is_dropped() -> None:
    before = cpustat.Sample(0.0, {(1, 1): 1.0, (1, 2): 5.0}, {(1, 1): 0.0, (1, 2): 1.0})
    after = cpustat.Sample(2.0, {(1, 1): 2.0, (1, 3): 0.5}, {(1, 1): 0.5, (1, 3): 0.1})
    used = cpustat.usage(before, after)
    assert (used.cpu, used.wait, used.wall) == pytest.approx((1.5, 0.6, 2.0))
    assert (used.busy, used.wanted, used.waiting) == pytest.approx((0.75, 1.05, 0.3))
    # Two threads computed more than the one unqueued wall: a share, so at most 1.
    assert used.computing == pytest.approx(1.0)


def test_computing_leaves_out_the_wait_for_a_cpu() -> None:
    # A round that computed 0.4 s and queued 0.6 s for a CPU computed all the time it could.
    assert cpustat.Usage(wall=1.0, cpu=0.4, wait=0.6).computing == pytest.approx(1.0)
    assert cpustat.Usage(wall=1.0, cpu=0.01, wait=0.01).computing == pytest.approx(0.01 / 0.99)
    assert cpustat.Usage(wall=1.0, cpu=0.4, wait=None).computing is None


@schedstat
def test_cpu_work_beside_a_neighbour_on_every_cpu_still_computes_whenever_it_runs() -> None:
    cpus = max(1, round(machine.detect().usable_cpus))
    tree = cpustat.Tree(descendants=False)
    with noisy_neighbour(cpus, on=10.0, off=0.0, limit=30.0):
        time.sleep(0.2)  # the neighbour is running
        before = tree.sample()
        for _ in range(20):
            python_loop(0)
        used = cpustat.usage(before, tree.sample())
    assert used.computing is not None
    assert verdict.kind_of(min(1.0, used.computing)) == "cpu", used


@pytest.mark.parametrize(
    ("share", "kind"), [(0.0, "io"), (0.2, "io"), (0.5, "mixed"), (0.8, "cpu"), (1.0, "cpu")]
)
def test_kind_of_a_cpu_share(share: float, kind: str) -> None:
    assert verdict.kind_of(share) == kind


def test_a_reaped_tree_counts_the_cpu_of_children_that_came_and_went() -> None:
    tree = cpustat.Tree(reaped=True)
    before = tree.sample()
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", burn], check=True, timeout=60)
    used = cpustat.usage(before, tree.sample())
    assert used.cpu >= 0.3 and used.wait is None


def test_a_live_tree_does_not_see_children_that_came_and_went() -> None:
    tree = cpustat.Tree()
    before = tree.sample()
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", burn], check=True, timeout=60)
    assert cpustat.usage(before, tree.sample()).cpu < 0.2


@pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="needs forkserver"
)
def test_a_reaped_tree_counts_a_cold_forkserver_pools_workers() -> None:
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(1, mp_context=context) as warm_up:
        warm_up.submit(int).result()  # the server runs from here on, a child of this process
    started = time.process_time()
    for task in range(16):
        python_loop(task)
    spent = time.process_time() - started
    tree = cpustat.Tree(reaped=True)
    before = tree.sample()
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        list(pool.map(python_loop, range(16)))
    used = cpustat.usage(before, tree.sample())
    # The workers, children of the server and gone by now, did the same loops.
    assert used.cpu > 0.7 * spent, (used, spent)
